#!/usr/bin/env bash
# Large datagrams, in fragments, through every hosted backend that carries them, and the
# kernel's checksum state on veths (issue: silent loss of large IPv4 datagrams, the
# checksum trap).
#
#  1. pcap and sock ports: IPv4 and IPv6 fragments of 4,000-byte UDP datagrams (and one
#     jumbo frame, longer than a buffer) replayed through l2fwd: every fragment comes out
#     byte for byte; the jumbo frame is counted in rx_too_long, never delivered cut.
#  2. Two network namespaces joined through the appliance on veth pairs, whose Linux ends
#     keep their default offloads (tx checksumming on):
#       [ns A] veth ==(backend)== sluice-hosted ==(backend)== veth [ns B]
#     - afpacket: l2fwd carries 3,000-byte pings and 4,000-byte UDP datagrams, IPv4 and
#       IPv6, and a VLAN-tagged frame with its tag (which the kernel hands over beside
#       the frame); then fw (a bridge, conntrack checking checksums, invalid dropped) passes
#       small UDP and TCP whose checksums the senders left to offload (the backend
#       completes them from the kernel's virtio-net header);
#     - dpdk:net_pcap on the same veths (libpcap, which cannot learn the checksum state):
#       l2fwd carries the large datagrams; fw drops small UDP as ct invalid
#       checksum_partial and says once on the console why and what to do;
#     - dpdk:net_af_packet is refused at setup, pointing at afpacket:.
# Skips (77) without root or network namespaces.
#
# usage: hosted_frag.sh BUILD_DIR
set -uo pipefail
build=$1
hosted=$build/hosted/sluice-hosted
id=$$
nsa=sl-fa-$id nsb=sl-fb-$id
ifa=sfa$id ifb=sfb$id
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-frag.XXXXXX")
failed=0
. "$(dirname "$0")/netns_lib.sh"
cleanup() {
	netns_stop "${app:-}"
	netns_teardown "$nsa" "$nsb" -- "$ifa" "$ifb"
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# ---- 1. captures through pcap and sock ports -------------------------------------------
# A 4,000-byte UDP datagram as three IPv4 fragments and as three IPv6 fragments (1,480 and
# 1,448 bytes of data a fragment), and a 3,000-byte frame no buffer holds.
{
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 id=7 mf=1 / udp sport=1000 dport=2000 len=4008 csum=0x1234 / payload len=1472'
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 id=7 mf=1 frag=1480 proto=17 / payload len=1480'
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 id=7 frag=2960 proto=17 / payload len=1048'
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=2001:db8::1 dst=2001:db8::2 / ip6ext type=frag m=1 id=9 / udp sport=1000 dport=2000 len=4008 csum=0x1234 / payload len=1440'
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=2001:db8::1 dst=2001:db8::2 / ip6ext type=frag off=1448 m=1 id=9 nh=17 / payload len=1448'
	echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=2001:db8::1 dst=2001:db8::2 / ip6ext type=frag off=2896 id=9 nh=17 / payload len=1112'
} >"$work/frags.pkts"
{ cat "$work/frags.pkts"; echo 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=2958'; } >"$work/in.pkts"
"$build/tools/capgen/capgen" -o "$work/frags.pcap" "$work/frags.pkts" >/dev/null &&
	"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/in.pkts" >/dev/null || { echo "FAIL: capgen"; exit 1; }

"$hosted" l2fwd --port "pcap:rx=$work/in.pcap" --port "pcap:tx=$work/out-pcap.pcap" >"$work/pcap.log" 2>&1 ||
	fail "l2fwd on pcap ports: status $?"
"$build/tools/pcapdiff" "$work/frags.pcap" "$work/out-pcap.pcap" >"$work/diff" 2>&1 || { fail "pcap: fragments changed"; cat "$work/diff"; }
grep -q "^device 0 (pcap): .* rx_too_long 1 " "$work/pcap.log" || { fail "pcap: the jumbo frame not counted in rx_too_long"; cat "$work/pcap.log"; }

s=$work/s
"$hosted" l2fwd --max-packets 6 --duration 30 --port "sock:bind=$s-h0,peer=$s-f0" --port "sock:bind=$s-h1,peer=$s-f1" \
	>"$work/sock.log" 2>&1 &
app=$!
sleep 0.5
# the feeder's own ports would not read a frame that long: a datagram of 3,000 bytes first
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"j" * 3000, sys.argv[1])' "$s-h0" ||
	fail "sock: sending a 3,000-byte datagram"
"$build/tools/feed/sluice-feed" --send "sock:bind=$s-f0,peer=$s-h0" --recv "sock:bind=$s-f1,peer=$s-h1" --in "$work/in.pcap" \
	--out "$work/out-sock.pcap" --expect 6 --idle 10 --settle 1 >"$work/feed.log" 2>&1 || { fail "sock: sluice-feed"; cat "$work/feed.log"; }
kill -INT "$app" 2>/dev/null
wait "$app"
app=
"$build/tools/pcapdiff" "$work/frags.pcap" "$work/out-sock.pcap" >"$work/diff" 2>&1 || { fail "sock: fragments changed"; cat "$work/diff"; }
grep -q "^device 0 (sock): .* rx_too_long 1 " "$work/sock.log" || { fail "sock: the jumbo frame not counted in rx_too_long"; cat "$work/sock.log"; }
echo "ok so far: fragments through pcap and sock ports; frames longer than a buffer counted ($failed failed)"

# ---- 2. live Linux stacks on veths ---------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "$nsa" 2>/dev/null; then
	[ "$failed" = 0 ] || exit 1
	echo "SKIP: cannot create network namespaces here (needs root and netns support)"
	exit 77
fi
netns_wire "$nsa" "$nsb" "$ifa" "$ifb" 10.233.0.1/24 10.233.0.2/24 fd00:233::1/64 fd00:233::2/64 ||
	{ echo "FAIL: setting up the namespaces"; exit 1; }

# The peer in B echoes UDP datagrams on 7 and counts TCP bytes on 8 (v4 and v6), for up
# to 40 s; A's probe sends what it is told and prints one word per probe.
cat >"$work/server.py" <<'PY'
import select, socket, sys, time
socks = []
for fam, addr in ((socket.AF_INET, "10.233.0.2"), (socket.AF_INET6, "fd00:233::2")):
    u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((addr, 7)); socks.append(u)
    t = socket.socket(fam, socket.SOCK_STREAM); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, 8)); t.listen(8); socks.append(t)
open(sys.argv[1], "w").close()
end = time.time() + 40
while time.time() < end:
    r, _, _ = select.select(socks, [], [], 0.5)
    for s in r:
        if s.type == socket.SOCK_DGRAM:
            d, a = s.recvfrom(65535); s.sendto(d, a)
        else:
            c, _ = s.accept(); c.settimeout(3); n = 0
            try:
                while True:
                    b = c.recv(65536)
                    if not b: break
                    n += len(b)
                c.sendall(str(n).encode())
            except OSError:
                pass
            c.close()
PY
cat >"$work/probe.py" <<'PY'
import socket, sys
kind, addr, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
try:
    if kind == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(1)
        for _ in range(3):
            s.sendto(b"u" * size, (addr, 7))
            try:
                d = s.recv(65535)
                print("ok" if len(d) == size else "short"); break
            except socket.timeout:
                pass
        else:
            print("lost")
    else:
        t = socket.create_connection((addr, 8), timeout=3); t.sendall(b"t" * size); t.shutdown(socket.SHUT_WR)
        print("ok" if t.recv(64) == str(size).encode() else "short")
except OSError as e:
    print("error", e)
PY
ip netns exec "$nsb" python3 "$work/server.py" "$work/ready" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do [ -e "$work/ready" ] && break; sleep 0.1; done

probe() { ip netns exec "$nsa" timeout 10 python3 "$work/probe.py" "$@"; }
pings() { # ARGS...: ping B with these arguments, "ok" when every echo came back
	ip netns exec "$nsa" ping "$@" -c 2 -i 0.2 -W 2 >/dev/null 2>&1 && echo ok || echo lost
}
start() { # LOG APP ARGS...: starts the app and waits until A reaches B through it
	local log=$1; shift
	"$hosted" "$@" --duration 60 >"$log" 2>&1 &
	app=$!
	for _ in $(seq 20); do
		ip netns exec "$nsa" ping -c 1 -W 1 10.233.0.2 >/dev/null 2>&1 && return 0
		kill -0 "$app" 2>/dev/null || break
	done
	fail "$*: A never reached B"
	cat "$log"
	return 1
}
stop() {
	kill -INT "$app" 2>/dev/null
	wait "$app"
	app=
}
large() { # BACKEND-LABEL: the fragmenting probes
	local r
	[ "$(pings -s 3000 10.233.0.2)" = ok ] || fail "$1: 3,000-byte IPv4 ping"
	[ "$(pings -6 -s 3000 fd00:233::2)" = ok ] || fail "$1: 3,000-byte IPv6 ping"
	r=$(probe udp 10.233.0.2 4000); [ "$r" = ok ] || fail "$1: 4,000-byte IPv4 UDP datagram: $r"
	r=$(probe udp fd00:233::2 4000); [ "$r" = ok ] || fail "$1: 4,000-byte IPv6 UDP datagram: $r"
}
# A tagged frame written into A's end arrives at the appliance's with its tag beside it
# (the kernel untags every frame on receive, TP_STATUS_VLAN_VALID); what leaves toward B
# must carry it again, byte for byte (tcpdump puts the tag back in what it writes, too).
vlan_through() {
	echo 'eth src=02:00:00:00:00:0a dst=02:00:00:00:00:0b / vlan id=5 pcp=3 / ipv4 src=10.235.0.1 dst=10.235.0.2 / udp sport=1 dport=2 / payload len=64' |
		"$build/tools/capgen/capgen" -o "$work/vlan.pcap" - >/dev/null || { fail "capgen: the VLAN frame"; return; }
	ip netns exec "$nsb" timeout 10 tcpdump -i "${ifb}p" -nn -c 1 -U -w "$work/vlan-out.pcap" 'vlan 5' >"$work/tcpdump.log" 2>&1 &
	local dump=$!
	sleep 1.5
	ip netns exec "$nsa" python3 -c '
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
caplen = struct.unpack_from("<I", data, 24 + 8)[0]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[2], 0))
s.send(data[24 + 16:24 + 16 + caplen])' "$work/vlan.pcap" "${ifa}p" || fail "sending the VLAN frame"
	wait "$dump"
	"$build/tools/pcapdiff" "$work/vlan.pcap" "$work/vlan-out.pcap" >"$work/diff" 2>&1 ||
		{ fail "afpacket: a VLAN-tagged frame did not come out as it went in"; cat "$work/diff" "$work/tcpdump.log"; }
}
printf 'interface lan\ninterface wan\nchain forward policy accept {\n    ct state invalid counter drop\n}\n' >"$work/bridge.conf"

# afpacket
if start "$work/afp.log" l2fwd --port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb"; then
	large afpacket
	vlan_through
	stop
	grep -q "rx_too_long [1-9]" "$work/afp.log" && fail "afpacket: frames too long for a buffer" && cat "$work/afp.log"
fi
if start "$work/afp-fw.log" fw --config "$work/bridge.conf" --port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb"; then
	r=$(probe udp 10.233.0.2 100); [ "$r" = ok ] || fail "afpacket fw: small IPv4 UDP, checksum left to offload: $r"
	r=$(probe udp fd00:233::2 100); [ "$r" = ok ] || fail "afpacket fw: small IPv6 UDP, checksum left to offload: $r"
	r=$(probe tcp 10.233.0.2 1000); [ "$r" = ok ] || fail "afpacket fw: a short TCP exchange: $r"
	large "afpacket fw"
	stop
	grep -q "frames had the checksum their sender left to offload completed" "$work/afp-fw.log" ||
		fail "afpacket fw: no checksum was left to offload (are the veths' offloads on?)"
	grep -q "invalid checksum" "$work/afp-fw.log" && fail "afpacket fw: packets invalid by checksum" && cat "$work/afp-fw.log"
fi

# DPDK's net_pcap on the same veths
eal="--no-huge -m 512 --no-pci --log-level=*:error --file-prefix=sluice-frag-$id"
if start "$work/pcapdev.log" l2fwd --eal "$eal" --port "dpdk:net_pcap0,iface=$ifa" --port "dpdk:net_pcap1,iface=$ifb"; then
	large "dpdk net_pcap"
	stop
fi
if start "$work/pcapdev-fw.log" fw --config "$work/bridge.conf" --eal "$eal" --port "dpdk:net_pcap0,iface=$ifa" \
	--port "dpdk:net_pcap1,iface=$ifb"; then
	r=$(probe udp 10.233.0.2 100); [ "$r" = lost ] || fail "net_pcap fw: small UDP with its checksum left to offload: $r (want lost)"
	stop
	grep -q "invalid checksum_partial  *[1-9]" "$work/pcapdev-fw.log" || fail "net_pcap fw: no ct invalid checksum_partial"
	[ "$(grep -c "checksums their sender left to offload" "$work/pcapdev-fw.log")" = 1 ] ||
		fail "net_pcap fw: the console line on checksums left to offload, once"
	[ "$failed" = 0 ] || cat "$work/pcapdev-fw.log"
fi

# DPDK's net_af_packet: refused
"$hosted" l2fwd --eal "$eal" --port "dpdk:net_af_packet0,iface=$ifa" --port "afpacket:iface=$ifb" >"$work/afpdpdk.log" 2>&1
rc=$?
if [ "$rc" = 0 ] || ! grep -q "use afpacket:iface=NAME" "$work/afpdpdk.log"; then
	fail "dpdk:net_af_packet not refused (status $rc)"
	cat "$work/afpdpdk.log"
fi

kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
if [ "$failed" != 0 ]; then
	echo "$failed failed"
	exit 1
fi
echo "ok: fragments through pcap, sock, afpacket and dpdk net_pcap ports; checksums left to offload completed on afpacket, named on net_pcap; net_af_packet refused"
