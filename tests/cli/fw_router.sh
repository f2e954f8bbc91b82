#!/usr/bin/env bash
# fw as a router between two datagram sockets, over real time: a packet for a next hop
# that never answers waits while three ARP requests go out a second apart, then comes
# back to its sender as ICMP host unreachable (as Linux answers), and the neighbour's
# failure is counted. Then a reload that numbers the interfaces anew (a VLAN interface
# declared between lan and wan) keeps a learnt neighbour on its link.
#
# usage: fw_router.sh BUILD_DIR
set -uo pipefail
build=$1
hosted=$build/hosted/sluice-hosted
feed=$build/tools/feed/sluice-feed
capgen=$build/tools/capgen/capgen
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fwrouter.XXXXXX")
fw_pid=
cleanup() {
	[ -z "$fw_pid" ] || kill "$fw_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { printf 'fw-router: FAIL: %s\n' "$*"; [ ! -f "$work/fw.out" ] || sed 's/^/  fw: /' "$work/fw.out" "$work/fw.err"; exit 1; }

cat >"$work/r.conf" <<'CONF'
interface lan { address 10.0.0.1/24; mac 02:00:00:00:01:00 }
interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
route 0.0.0.0/0 via 192.0.2.1
neighbor 10.0.0.10 lladdr 02:00:00:00:00:10 dev lan
chain forward policy accept {
}
CONF
printf 'eth src=02:00:00:00:00:10 dst=02:00:00:00:01:00 / ipv4 src=10.0.0.10 dst=198.51.100.7 / udp sport=5000 dport=53 / payload len=20\n' >"$work/in.pkts"
"$capgen" -o "$work/in.pcap" "$work/in.pkts" >/dev/null || fail "capgen"
# fw with CONF between the sockets fw0 (lan) and fw1 (wan), in the background
start_fw() {
	rm -f "$work/fw0" "$work/fw1" "$work/feed0" "$work/feed1"
	"$hosted" fw --config "$1" --port "sock:bind=$work/fw0,peer=$work/feed0" --port "sock:bind=$work/fw1,peer=$work/feed1" \
		>"$work/fw.out" 2>"$work/fw.err" &
	fw_pid=$!
	for _ in $(seq 100); do [ -S "$work/fw1" ] && break; sleep 0.1; done
	[ -S "$work/fw1" ] || fail "fw did not bind its sockets ($1)"
}
start_fw "$work/r.conf"
# the wan side sees the ARP requests; the lan side (the sender) gets the answer back
"$feed" --send "sock:bind=$work/feed0,peer=$work/fw0" --recv "sock:bind=$work/feed1,peer=$work/fw1" \
	--in "$work/in.pcap" --out "$work/wan.pcap" --expect 4 --idle 6 >"$work/feed.out" 2>&1 # 4: run until idle
grep -q "sent 1, received 3, stray 1 " "$work/feed.out" || fail "expected 3 ARP requests out of wan and 1 answer back: $(cat "$work/feed.out")"
[ "$(tshark -r "$work/wan.pcap" -Y 'arp.opcode == 1 && arp.dst.proto_ipv4 == 192.0.2.1 && arp.src.proto_ipv4 == 192.0.2.2' 2>/dev/null | wc -l)" = 3 ] ||
	fail "the frames out of wan are not the 3 ARP requests for the gateway: $(tshark -r "$work/wan.pcap" 2>&1)"
kill -TERM "$fw_pid"
wait "$fw_pid"
fw_pid=
grep -qF "failed 1 (1 packets dropped)" "$work/fw.out" || fail "the failed neighbour is not counted"
grep -qF "router: 0 ARP replies, 0 neighbour advertisements, 0 echo replies, 1 ICMP errors, 3 ARP/ND requests sent" "$work/fw.out" ||
	fail "the host unreachable is not counted"

# The gateway asks for the router's wan address, so the router learns it. Then a reload
# declares a VLAN interface between lan and wan, and wan is interface 2 instead of 1. The
# neighbour is still wan's: a packet for the internet goes straight to the gateway, with
# no new ARP request first.
conf_order() { # the interfaces' order, as lines of r2.conf
	{
		printf '%s\n' "$@"
		printf 'route 0.0.0.0/0 via 192.0.2.1\nneighbor 10.0.0.10 lladdr 02:00:00:00:00:10 dev lan\nchain forward policy accept {\n}\n'
	} >"$work/r2.conf"
}
lan='interface lan { address 10.0.0.1/24; mac 02:00:00:00:01:00 }'
wan='interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }'
office='interface office { vlan 10 on lan; address 192.168.10.1/24 }'
conf_order "$lan" "$wan" "$office"
printf 'eth src=02:00:00:00:00:fe dst=ff:ff:ff:ff:ff:ff / arp op=request sha=02:00:00:00:00:fe spa=192.0.2.1 tha=00:00:00:00:00:00 tpa=192.0.2.2\n' >"$work/arp.pkts"
"$capgen" -o "$work/arp.pcap" "$work/arp.pkts" >/dev/null || fail "capgen"
start_fw "$work/r2.conf"
"$feed" --send "sock:bind=$work/feed1,peer=$work/fw1" --recv "sock:bind=$work/feed0,peer=$work/fw0" \
	--in "$work/arp.pcap" --out "$work/lan.pcap" --idle 1 >"$work/feed.out" 2>&1 || fail "sluice-feed: $(cat "$work/feed.out")"
conf_order "$lan" "$office" "$wan"
kill -HUP "$fw_pid"
for _ in $(seq 100); do grep -q 'sluice-hosted: reloaded' "$work/fw.err" && break; sleep 0.1; done
grep -qF "sluice-hosted: reloaded $work/r2.conf" "$work/fw.err" || fail "the reordered config was not reloaded"
rm -f "$work/feed0" "$work/feed1"
"$feed" --send "sock:bind=$work/feed0,peer=$work/fw0" --recv "sock:bind=$work/feed1,peer=$work/fw1" \
	--in "$work/in.pcap" --out "$work/wan2.pcap" --expect 1 --idle 2 >"$work/feed.out" 2>&1 || fail "sluice-feed: $(cat "$work/feed.out")"
[ "$(tshark -r "$work/wan2.pcap" 2>/dev/null | wc -l)" = 1 ] &&
	[ "$(tshark -r "$work/wan2.pcap" -Y 'eth.dst == 02:00:00:00:00:fe && ip.dst == 198.51.100.7 && ip.ttl == 63' 2>/dev/null | wc -l)" = 1 ] ||
	fail "after the reload, wan did not send the packet straight to the learnt gateway: $(tshark -r "$work/wan2.pcap" 2>&1)"
# SIGUSR1: the counters while it runs. wan's are its link's (port 1, untagged), so they
# carry on across the renumbering: the ARP request in and the reply out before the
# reload, the packet out after it.
kill -USR1 "$fw_pid"
for _ in $(seq 100); do grep -q 'sluice-hosted: end of counters' "$work/fw.out" && break; sleep 0.1; done
grep -qF 'sluice-hosted: counters (SIGUSR1)' "$work/fw.out" || fail "no counters on SIGUSR1: $(cat "$work/fw.out")"
grep -qF 'interface wan (port 1): rx 1 packets 42 bytes, tx 2 packets 104 bytes' "$work/fw.out" &&
	grep -qF 'interface lan (port 0): rx 1 packets 62 bytes, tx 0 packets 0 bytes' "$work/fw.out" &&
	grep -qF 'interface office (VLAN 10 on port 0): rx 0 packets 0 bytes, tx 0 packets 0 bytes' "$work/fw.out" ||
	fail "the interface counters on SIGUSR1 are not wan's across the reload: $(grep '^interface' "$work/fw.out")"
kill -TERM "$fw_pid"
wait "$fw_pid"
fw_pid=
echo "fw-router: ok"
