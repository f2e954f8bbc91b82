#!/usr/bin/env bash
# The fw appliance's config on the command line: refused configs name FILE:LINE:COL and
# start nothing; a running fw swaps in a new ruleset on SIGHUP, and a broken one is
# refused with its error while the running rules stay in force.
#
# usage: fw_config.sh BUILD_DIR
set -uo pipefail
build=$1
hosted=$build/hosted/sluice-hosted
feed=$build/tools/feed/sluice-feed
capgen=$build/tools/capgen/capgen
fw2nft=$build/tools/nft/fw2nft
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fwcfg.XXXXXX")
fw_pid=
cleanup() {
	[ -z "$fw_pid" ] || kill "$fw_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { printf 'fw-config: FAIL: %s\n' "$*"; [ ! -f "$work/fw.err" ] || sed 's/^/  fw: /' "$work/fw.err"; exit 1; }

printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2\n' >"$work/one.pkts"
"$capgen" -o "$work/one.pcap" "$work/one.pkts" || fail "capgen"
ports=(--port "pcap:rx=$work/one.pcap" --port "pcap:tx=$work/o.pcap")

# refused configs: exit 2, one precise line, nothing run
refused() {
	local want=$1 conf=$2
	printf '%b' "$conf" >"$work/r.conf"
	"$hosted" fw --config "$work/r.conf" "${ports[@]}" >"$work/out" 2>"$work/err"
	local rc=$?
	[ "$rc" = 2 ] || fail "status $rc for config: $conf ($(cat "$work/err"))"
	grep -qF -- "$want" "$work/err" || fail "expected '$want', got: $(cat "$work/err")"
	! grep -q 'packets in' "$work/out" || fail "ran anyway with a refused config: $conf"
}
"$hosted" fw "${ports[@]}" 2>"$work/err"
[ $? = 2 ] && grep -qF "fw needs --config FILE" "$work/err" || fail "no --config: $(cat "$work/err")"
"$hosted" fw --config "$work/none.conf" "${ports[@]}" 2>"$work/err"
[ $? = 2 ] && grep -qF -- "--config: $work/none.conf: No such file or directory" "$work/err" || fail "missing file: $(cat "$work/err")"
refused "$work/r.conf:2:19: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300'" \
	"chain forward {\n  ip saddr 10.0.0.300 drop\n}\n"
refused "$work/r.conf:3:11: interface 'dmz' has no port: the appliance has 2 (interfaces take ports in the order declared)" \
	"interface lan\ninterface wan\ninterface dmz\n"
refused "$work/r.conf:2:1: a route needs router mode: give the interfaces their addresses (a bridge has none)" \
	"interface lan\nroute 0.0.0.0/0 via 192.0.2.1 dev lan\n"
refused "$work/r.conf:3:11: VLAN interface 'guest' needs router mode: give the interfaces their addresses (a bridge passes VLANs as they are, and 'vlan id' matches them)" \
	"interface lan\ninterface wan\ninterface guest { vlan 20 on lan }\n"
# a VLAN interface takes no port: a third port's interface is still missing, and a third
# port's interface has no port even with a VLAN declared before it
refused "$work/r.conf:4:11: interface 'dmz' has no port: the appliance has 2 (interfaces take ports in the order declared)" \
	"interface lan { address 10.0.0.1/24 }\ninterface guest { vlan 20 on lan }\ninterface wan { address 192.0.2.2/24 }\ninterface dmz { address 198.51.100.1/24 }\n"
refused "$work/r.conf: 1 interface(s) declared for 2 ports: as a router every port needs its interface" \
	"interface lan { address 10.0.0.1/24 }\ninterface guest { vlan 20 on lan; address 10.0.20.1/24 }\n"
# router mode: every port needs its interface; a next hop must be on some interface's network
refused "$work/r.conf: 1 interface(s) declared for 2 ports: as a router every port needs its interface" \
	"interface lan { address 10.0.0.1/24 }\n"
refused "$work/r.conf:3:1: the next hop is on no interface's network; name the interface with 'dev'" \
	"interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\nroute 0.0.0.0/0 via 198.51.100.1\n"
printf 'chain forward {\n}\n' >"$work/ok.conf"
"$hosted" fw --config "$work/ok.conf" --opts fast "${ports[@]}" 2>"$work/err"
[ $? = 2 ] && grep -qF "fw: unknown option 'fast' (fw takes none: everything is in its config)" "$work/err" ||
	fail "--opts: $(cat "$work/err")"

# --log-pcap: the logged frames (the last 64, their first 128 bytes) as a capture
{
	for d in 7 8 9; do
		printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=%s / payload len=200\n' "$d"
	done
	printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=9 / payload len=200 repeat 80\n'
} >"$work/logged.pkts"
"$capgen" -o "$work/logged.pcap" "$work/logged.pkts" || fail "capgen"
printf 'interface lan\ninterface wan\nchain forward policy accept {\n  udp dport 8 accept\n  log prefix "seen: "\n}\n' >"$work/log.conf"
"$hosted" fw --config "$work/log.conf" --log-pcap "$work/kept.pcap" --port "pcap:rx=$work/logged.pcap" \
	--port "pcap:tx=$work/o.pcap" >"$work/out" 2>"$work/err" || fail "--log-pcap run: $(cat "$work/err")"
grep -qF "fw: 64 kept frames written to $work/kept.pcap" "$work/out" || fail "--log-pcap: $(tail -3 "$work/out")"
# 82 logged (all but dport 8), at most 100 a burst: the last 64 are the dport 9 frames, cut at 128
[ "$(tshark -r "$work/kept.pcap" -Y 'udp.dstport == 9 && frame.cap_len == 128 && frame.len == 242' 2>/dev/null | wc -l)" = 64 ] ||
	fail "--log-pcap: the kept frames are not the last 64 logged: $(tshark -r "$work/kept.pcap" 2>&1 | head -5)"
"$hosted" l2fwd --log-pcap "$work/k2.pcap" "${ports[@]}" >"$work/out" 2>"$work/err"
[ $? = 1 ] && grep -qF "sluice-hosted: --log-pcap: l2fwd keeps no frames" "$work/err" || fail "--log-pcap on l2fwd: $(cat "$work/err")"

# fw2nft (the differential's translator): the meanings that differ are spelled out, and
# what an inet table cannot say is refused with its position and nothing on stdout
printf 'interface lan\ninterface wan\nchain forward policy drop {\n  meta length 100-200 tcp dport 23 reject\n}\n' >"$work/t.conf"
"$fw2nft" "$work/t.conf" >"$work/t.nft" 2>"$work/err" || fail "fw2nft: $(cat "$work/err")"
grep -qF 'meta length 86-186 tcp dport 23 meta l4proto tcp reject with tcp reset' "$work/t.nft" &&
	grep -qF 'meta length 86-186 tcp dport 23 reject with icmpx port-unreachable' "$work/t.nft" ||
	fail "fw2nft: plain reject or meta length not spelled out: $(cat "$work/t.nft")"
printf 'interface lan\ninterface wan\nchain forward policy drop {\n  iif lan vlan id 5 accept\n}\n' >"$work/v.conf"
"$fw2nft" "$work/v.conf" >"$work/v.nft" 2>"$work/err"
[ $? = 2 ] && [ ! -s "$work/v.nft" ] &&
	grep -qxF "fw2nft: $work/v.conf:4:3: 'vlan id' has no equivalent in an nftables inet table" "$work/err" ||
	fail "fw2nft with vlan id: status, stdout $(wc -c <"$work/v.nft") bytes, $(cat "$work/err")"
"$fw2nft" "$work/none.conf" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -qxF "fw2nft: cannot read $work/none.conf" "$work/err" || fail "fw2nft, missing file: $(cat "$work/err")"

# a running fw between two datagram sockets, fed by sluice-feed
for d in 9000 9001; do
	printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=5000 dport=%s / payload len=20 repeat 3\n' \
		"$d" >"$work/to$d.pkts"
	"$capgen" -o "$work/to$d.pcap" "$work/to$d.pkts" || fail "capgen"
done
conf=$work/rules.conf
printf 'interface lan\ninterface wan\nchain forward policy drop {\n  iif lan udp dport 9000 counter accept\n}\n' >"$conf"
"$hosted" fw --config "$conf" --port "sock:bind=$work/fw0,peer=$work/feed0" --port "sock:bind=$work/fw1,peer=$work/feed1" \
	>"$work/fw.out" 2>"$work/fw.err" &
fw_pid=$!
for _ in $(seq 100); do [ -S "$work/fw1" ] && break; sleep 0.1; done
[ -S "$work/fw1" ] || fail "fw did not bind its sockets"

# sends to.pcap into lan, expects N frames out of wan
through() {
	local pcap=$1 want=$2 extra=()
	[ "$want" = 0 ] || extra=(--expect "$want")
	rm -f "$work/feed0" "$work/feed1"
	"$feed" --send "sock:bind=$work/feed0,peer=$work/fw0" --recv "sock:bind=$work/feed1,peer=$work/fw1" \
		--in "$pcap" --out "$work/got.pcap" --idle 1 "${extra[@]}" >"$work/feed.out" 2>&1 ||
		fail "sluice-feed: $(cat "$work/feed.out")"
	local n
	n=$(tcpdump -nr "$work/got.pcap" 2>/dev/null | wc -l)
	[ "$n" = "$want" ] || fail "$(basename "$pcap"): $n frames came through, expected $want"
}
reload() {
	local before
	before=$(grep -c 'sluice-hosted: \(reloaded\|reload refused\)' "$work/fw.err")
	kill -HUP "$fw_pid"
	for _ in $(seq 100); do
		[ "$(grep -c 'sluice-hosted: \(reloaded\|reload refused\)' "$work/fw.err")" -gt "$before" ] && return
		sleep 0.1
	done
	fail "no answer to SIGHUP"
}
through "$work/to9000.pcap" 3
through "$work/to9001.pcap" 0
printf 'interface lan\ninterface wan\nchain forward policy drop {\n  iif lan udp dport 9001 counter accept\n}\n' >"$conf"
reload
grep -qF "sluice-hosted: reloaded $conf" "$work/fw.err" || fail "reload not reported"
through "$work/to9000.pcap" 0
through "$work/to9001.pcap" 3
# a broken ruleset is refused with its position; the running one stays
printf 'interface lan\ninterface wan\nchain forward policy drop {\n  iif lan udp dport 90x1 accept\n}\n' >"$conf"
reload
grep -qF "reload refused, still running the previous config: $conf:4:23: expected '-' or the end of the port, got 'x'" \
	"$work/fw.err" || fail "refused reload not reported precisely"
through "$work/to9001.pcap" 3
through "$work/to9000.pcap" 0
# a size change cannot happen live
printf 'interface lan\ninterface wan\nconntrack { max 10 }\nchain forward policy accept {\n}\n' >"$conf"
reload
grep -qF "$conf:3:1: conntrack max cannot change while running (it is 65536); restart to resize" "$work/fw.err" ||
	fail "conntrack resize not refused"
through "$work/to9000.pcap" 0
# nor a change from bridge to router
printf 'interface lan { address 10.0.0.1/24 }\ninterface wan { address 192.0.2.1/24 }\nchain forward policy accept {\n}\n' >"$conf"
reload
grep -qF "$conf: this config would make fw a router (its interfaces have addresses), and it runs as a bridge: restart to change that" \
	"$work/fw.err" || fail "bridge to router not refused"
through "$work/to9001.pcap" 3

kill -INT "$fw_pid"
wait "$fw_pid"
fw_pid=
grep -qF "fw: 0 rejected with an answer, 0 log lines (0 over the rate), 1 reloads (3 refused)" "$work/fw.out" ||
	fail "final report: $(cat "$work/fw.out")"
grep -qF "rule 0 (line 4): 9 packets" "$work/fw.out" || fail "the running rule's counter: $(cat "$work/fw.out")"
echo "fw-config: ok"
