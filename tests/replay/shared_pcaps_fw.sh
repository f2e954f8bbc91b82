#!/usr/bin/env bash
# Replays every real Ethernet capture in $SLUICE_PCAP_DIR through the fw appliance, as a
# bridge (policy accept, conntrack on: every frame is forwarded or dropped for a counted
# reason, or waits as an early fragment) and as a router (the capture arriving on the lan
# side, answering and routing what it can), on each capture's own clock (connections
# expire, and the router's unanswered ARP and ND requests fail, as its times say). Whatever
# the captures hold, fw must finish with status 0, no crash and no sanitizer report, and
# the bridge's books must balance: packets in = out + dropped + fragments still waiting.
# Skips (exit 77) when the folder is not given.
#
# usage: shared_pcaps_fw.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
. "$(dirname "$0")/shared_lib.sh"

cat >"$work/bridge.conf" <<'CONF'
interface lan
interface wan
chain forward policy accept {
    ct state invalid counter
    tcp flags syn,!ack counter
    icmpv6 type nd-neighbor-solicit counter
    meta length 1000-65535 counter
}
CONF
# the router's lan MAC is each capture's most frequent unicast destination (below), so
# that its frames are for the router and get routed
router_conf() { # MAC
	printf 'interface lan { address 10.0.0.1/8; address 192.168.0.1/16; address 2001:db8::1/32; mac %s }\n' "$1"
	cat "$work/router.rest"
}
cat >"$work/router.rest" <<'CONF'
interface wan { address 198.51.100.1/24; address 2001:db8:ffff::1/48 }
route 0.0.0.0/0 via 198.51.100.254
route ::/0 via 2001:db8:ffff::fe
chain input policy accept {
}
chain forward policy accept {
    ct state invalid drop
}
chain output policy accept {
}
CONF

while IFS= read -r -d '' path; do
	rel=${path#"$dir"/}
	lt=${linktype[$rel]:-1}
	[ "$lt" = 1 ] || continue
	bad=0
	mac=$(tshark -r "$path" -T fields -E occurrence=f -e eth.dst 2>/dev/null | grep -E '^[0-9a-f]([02468ace]):' | sort | uniq -c | sort -rn |
		awk 'NR == 1 { print $2 }')
	router_conf "${mac:-02:00:00:00:00:01}" >"$work/router.conf"
	for mode in bridge router; do
		"$hosted" fw --clock capture --config "$work/$mode.conf" --port "pcap:rx=$path,tx=$work/o0.pcap" --port "pcap:tx=$work/o1.pcap" \
			>"$work/log" 2>&1
		rc=$?
		if [ "$rc" != 0 ] || grep -qE 'Sanitizer|runtime error' "$work/log"; then
			fail "$rel" "fw as a $mode: status $rc, or a sanitizer spoke"; grep -v '^denied' "$work/log" | sed 's/^/    /'
			bad=1
			continue
		fi
		if [ "$mode" = bridge ]; then
			read -r in out dropped < <(sed -nE 's/^fw: ([0-9]+) packets in, ([0-9]+) out, ([0-9]+) dropped.*/\1 \2 \3/p' "$work/log")
			waiting=$(sed -nE 's/^fragments: .*, ([0-9]+) fragments waiting/\1/p' "$work/log")
			if [ -z "$in" ] || [ "$in" != $((out + dropped + ${waiting:-0})) ]; then
				fail "$rel" "bridge books do not balance: in $in, out $out, dropped $dropped, waiting ${waiting:-?}"
				sed 's/^/    /' "$work/log"
				bad=1
			fi
		fi
	done
	if [ "$bad" = 0 ]; then
		pass=$((pass + 1))
		printf 'ok   %s: router %s\n' "$rel" "$(grep -m1 '^fw: .* packets in' "$work/log" | sed 's/ in [0-9.]* s.*//')"
	fi
done < <(shared_captures)
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
