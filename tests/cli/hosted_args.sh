#!/usr/bin/env bash
# Bad command lines get one precise line on stderr and a non-zero status; none crashes.
# usage: hosted_args.sh BUILD_DIR
set -uo pipefail
build=$1
hosted="$build/hosted/sluice-hosted"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2\n' >"$work/in.pkts"
"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/in.pkts"
pass=0 failed=0

# expect STATUS 'TEXT' ARGS...: the run exits with STATUS and its stderr contains TEXT
expect() {
	local want=$1 text=$2; shift 2
	"$hosted" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$text" "$work/err"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL: sluice-hosted %s\n  status %s (want %s), stderr:\n' "$*" "$rc" "$want"
		sed 's/^/    /' "$work/err"
	fi
}
expect 2 "no app named" 
expect 2 "no such app 'nosuch'" nosuch --port "pcap:rx=$work/in.pcap"
expect 2 "unknown option '--bogus'" l2fwd --bogus
expect 2 "option needs a value: '--port'" l2fwd --port
expect 2 "expected pcap:rx=FILE[,tx=FILE], pcap:tx=FILE, sock:bind=ADDR,peer=ADDR, afpacket:iface=NAME or dpdk:DEVARGS, got 'eth0'" l2fwd --port eth0
expect 2 "nothing after the backend name" l2fwd --port afpacket:
expect 1 "port 0: afpacket: no interface named 'nosuch0'" l2fwd --port afpacket:iface=nosuch0
expect 1 "port 0: afpacket: unknown argument 'framecnt=8' (expected iface=NAME[,frames=N][,qdisc_bypass=0|1])" l2fwd --port afpacket:iface=lo,framecnt=8
expect 1 "port 0: afpacket: frames: expected 16 to 1048576, got '2'" l2fwd --port afpacket:iface=lo,frames=2
expect 1 "port 0: afpacket: which interface? (expected iface=NAME, got 'frames=64')" l2fwd --port afpacket:frames=64
expect 1 "port 0: sock: bind and peer must both be Unix paths or both HOST:PORT" l2fwd --port sock:bind=/tmp/x,peer=127.0.0.1:9
expect 1 "port 0: sock: unknown argument 'path=/tmp/x' (expected bind=ADDR,peer=ADDR)" l2fwd --port sock:path=/tmp/x
expect 1 "port 0: sock: peer: expected an IPv4 HOST:PORT, got 'localhost:99999'" l2fwd --port sock:bind=127.0.0.1:0,peer=localhost:99999
expect 2 "nothing after the backend name" l2fwd --port pcap:
expect 2 "l2fwd takes 1 to 2 ports, got 0" l2fwd
expect 2 "l2fwd takes 1 to 2 ports, got 3" l2fwd --port pcap:tx=/dev/null --port pcap:tx=/dev/null --port pcap:tx=/dev/null
expect 2 "--max-packets: expected a positive whole number, got '-5'" l2fwd --max-packets -5 --port pcap:tx=/dev/null
expect 2 "--max-packets: expected a positive whole number, got '12x'" l2fwd --max-packets 12x --port pcap:tx=/dev/null
expect 2 "--duration: expected seconds > 0, got 'soon'" l2fwd --duration soon --port pcap:tx=/dev/null
expect 2 "--pool: expected a number of buffers from 64 to 16777216, got '3'" l2fwd --pool 3 --port pcap:tx=/dev/null
expect 2 "l2fwd: unknown option 'fast'" l2fwd --opts fast --port pcap:tx=/dev/null
expect 2 "--clock: expected host or capture, got 'now'" l2fwd --clock now --port pcap:tx=/dev/null
expect 2 "--clock capture: every port must be a pcap: port, got 'sock:bind=/tmp/x,peer=/tmp/y'" l2fwd --clock capture \
	--port "pcap:rx=$work/in.pcap" --port sock:bind=/tmp/x,peer=/tmp/y
expect 2 "--clock capture: no port reads a capture (pcap:rx=FILE)" l2fwd --clock capture --port pcap:tx=/dev/null
expect 2 "--mgmt and --metrics-port go with --mgmt-port SPEC, or --mgmt port=N,... (in-band on port N)" l2fwd --mgmt ip=10.0.0.2/24 --port pcap:tx=/dev/null
expect 2 "--metrics-port: expected a TCP port from 1 to 65535, got '0'" l2fwd --metrics-port 0 --port pcap:tx=/dev/null
expect 2 "--mgmt port=N (in-band) and --mgmt-port (a dedicated port) exclude each other: 'port=0,dhcp'" l2fwd --mgmt port=0,dhcp --mgmt-port pcap:tx=/dev/null --port pcap:tx=/dev/null
expect 2 "--mgmt-port: nothing after the backend name" l2fwd --mgmt-port pcap: --port pcap:tx=/dev/null
expect 2 "management addresses 'ip=10.0.0.300/24': column 1: 'ip=10.0.0.300/24'" l2fwd --mgmt ip=10.0.0.300/24 --mgmt-port pcap:tx=/dev/null --port pcap:tx=/dev/null
expect 2 "management addresses 'port=3,dhcp': port=3: the app has ports 0 to 0" l2fwd --mgmt port=3,dhcp --port pcap:tx=/dev/null
expect 1 "port 0: pcap: 'rx=': expected rx=FILE or tx=FILE, each at most once" l2fwd --port pcap:rx=
expect 1 "port 0: pcap: 'foo=1': expected rx=FILE or tx=FILE" l2fwd --port pcap:foo=1
expect 1 "port 0: pcap: 'rx=$work/in.pcap': expected rx=FILE or tx=FILE, each at most once" l2fwd --port "pcap:rx=$work/in.pcap,rx=$work/in.pcap"
expect 1 "port 0: pcap: rx=$work/missing.pcap:" l2fwd --port "pcap:rx=$work/missing.pcap"
expect 1 "port 1: pcap: tx=/nonexistent/dir/out.pcap:" l2fwd --port "pcap:rx=$work/in.pcap" --port pcap:tx=/nonexistent/dir/out.pcap
printf 'not a capture at all\n' >"$work/junk.pcap"
expect 1 "port 0: pcap: rx=$work/junk.pcap:" l2fwd --port "pcap:rx=$work/junk.pcap"
# a truncated capture: the header and half a record
head -c 60 "$work/in.pcap" >"$work/cut.pcap"
"$hosted" l2fwd --port "pcap:rx=$work/cut.pcap" --port pcap:tx=/dev/null >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" -lt 128 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: truncated capture crashed ($rc)"; fi
# a socket port whose peer does not exist: each frame is dropped and counted, not fatal
cat "$work/in.pkts" "$work/in.pkts" >"$work/two.pkts"
"$build/tools/capgen/capgen" -o "$work/two.pcap" "$work/two.pkts" >/dev/null
timeout 30 "$hosted" l2fwd --max-packets 2 --port "pcap:rx=$work/two.pcap" --port "sock:bind=$work/s.sock,peer=$work/nobody.sock" >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "^device 1 (sock): rx 0 pkts 0 bytes, tx 0 pkts 0 bytes, .* tx_errors 2$" "$work/out" && grep -q "^l2fwd: 2 packets in, 2 out, 0 dropped" "$work/out" &&
   [ ! -e "$work/s.sock" ]; then
	pass=$((pass + 1))
else
	failed=$((failed + 1)); echo "FAIL: sock port with no peer: status $rc (want 0, tx_errors 2, bind path removed)"
	sed 's/^/    /' "$work/out" "$work/err"
fi
# --keys DIR: the control socket's credentials, the CA and the server's pair together
mkdir -p "$work/keys" "$work/nokeys" "$work/halfkeys"
for f in ca.crt server.crt server.key; do printf '%s\n' "$f" >"$work/keys/$f"; done
printf 'operator 0011\n' >"$work/keys/psk"
printf 'x\n' >"$work/halfkeys/ca.crt"
expect 2 "--keys: $work/nokeys holds none of ca.crt, server.crt, server.key, psk, https.crt, https.key" l2fwd --keys "$work/nokeys" --port pcap:tx=/dev/null
expect 2 "--keys: $work/halfkeys: ca.crt, server.crt and server.key go together; server.crt server.key missing" \
	l2fwd --keys "$work/halfkeys" --port pcap:tx=/dev/null
expect 2 "--keys: $work/in.pcap: not a directory" l2fwd --keys "$work/in.pcap" --port pcap:tx=/dev/null
expect 2 "--keys: $work/nothere: No such file or directory" l2fwd --keys "$work/nothere" --port pcap:tx=/dev/null
expect 2 "option needs a value: '--keys'" l2fwd --port pcap:tx=/dev/null --keys
expect 0 "sluice-hosted: credentials: $work/keys/ca.crt (7 bytes) $work/keys/server.crt (11 bytes) $work/keys/server.key (11 bytes) $work/keys/psk (14 bytes)" \
	l2fwd --keys "$work/keys" --port "pcap:rx=$work/in.pcap"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
