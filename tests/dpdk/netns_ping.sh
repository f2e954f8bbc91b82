#!/usr/bin/env bash
# l2fwd as a bump in the wire between two network namespaces made here, over the afpacket
# backend on veth pairs: host A pings host B, and the echo can only cross through
# the appliance. Skips (77) where namespaces cannot be made (not root, no netns support).
#
#   [ns A: 10.231.0.1] veth ==(af_packet)== l2fwd ==(af_packet)== veth [ns B: 10.231.0.2]
#
# usage: netns_ping.sh BUILD_DIR
set -uo pipefail
build=$1
id=$$
nsa=sl-a-$id nsb=sl-b-$id
ifa=sla$id ifb=slb$id   # appliance-side ends (at most 15 characters)
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-netns.XXXXXX")
. "$(dirname "$0")/netns_lib.sh"
cleanup() {
	netns_stop "${app:-}"
	netns_teardown "$nsa" "$nsb" -- "$ifa" "$ifb"
	rm -rf "$work"
}
trap cleanup EXIT
netns_or_skip "$nsa"
netns_wire "$nsa" "$nsb" "$ifa" "$ifb" 10.231.0.1/24 10.231.0.2/24 || { echo "FAIL: setting up the namespaces"; exit 1; }

# without the appliance the two hosts cannot reach each other
if ip netns exec "$nsa" ping -c 1 -W 1 10.231.0.2 >/dev/null 2>&1; then
	echo "FAIL: the namespaces reach each other without the appliance"; exit 1
fi

"$build/hosted/sluice-hosted" l2fwd --duration 20 \
	--port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb" >"$work/log" 2>&1 &
app=$!
reached=0
for _ in $(seq 1 20); do   # start-up takes a moment, longer under sanitizers
	if ip netns exec "$nsa" ping -c 1 -W 1 10.231.0.2 >/dev/null 2>&1; then reached=1; break; fi
	kill -0 "$app" 2>/dev/null || break
done
if [ "$reached" = 1 ]; then
	ip netns exec "$nsa" ping -c 5 -i 0.2 -W 1 10.231.0.2 >"$work/ping" 2>&1 || reached=0
fi
kill -INT "$app" 2>/dev/null
wait "$app"
status=$?
app=
if [ "$reached" != 1 ] || [ "$status" != 0 ]; then
	echo "FAIL: ping through l2fwd (reached: $reached, l2fwd status $status)"
	cat "$work/ping" "$work/log" 2>/dev/null
	exit 1
fi
grep -E 'packets transmitted' "$work/ping"
grep -E '^l2fwd:' "$work/log"
echo "ok: host A reached host B through l2fwd"
