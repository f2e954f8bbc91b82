#!/usr/bin/env bash
# The l2fwd image with two NICs on vhost-user backends served by DPDK's vhost PMD in
# sluice-feed (the shared-memory path a DPDK packet generator uses), under TCG: a capture
# injected into NIC 0 comes out of NIC 1, identical to the hosted l2fwd's output; then the
# reverse direction on a fresh boot. On microvm (virtio-mmio 2) and q35 (virtio-net-pci).
#
# usage: image_vhost.sh SOURCE_ROOT BUILD_DIR IMAGE
set -uo pipefail
root=$1 build=$2 image=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-vhost.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$work"' EXIT
. "$root/tests/e2e/lib.sh"
"$build/tools/capgen/capgen" -o "$work/mixed.pcap" "$root/tests/e2e/mixed.pkts" >/dev/null || { echo "capgen failed"; exit 1; }

# vhost NAME MACHINE FROM TO [QEMU-ARGS...]
vhost() {
	local name=$1 machine=$2 from=$3 to=$4; shift 4
	local want="$work/want.pcap" out="$work/out.pcap" in="$work/mixed.pcap"
	rm -f "$want" "$out" "$work/vu0" "$work/vu1"
	if [ "$from" = 0 ]; then
		"$hosted" l2fwd --quiet --port "pcap:rx=$in" --port "pcap:tx=$want" >/dev/null 2>&1
	else
		"$hosted" l2fwd --quiet --port "pcap:tx=$want" --port "pcap:rx=$in" >/dev/null 2>&1
	fi
	local expect
	expect=$(capinfos -M -c "$want" | awk '/Number of packets/ { print $NF }')
	# DPDK serves both sockets; QEMU connects to them
	"$feed" --send "dpdk:net_vhost$from,iface=$work/vu$from" --recv "dpdk:net_vhost$to,iface=$work/vu$to" \
		--eal "--no-huge -m 256 --no-pci --file-prefix=sluice-vhost-$$ --log-level=*:warning" \
		--in "$in" --out "$out" --expect "$expect" --idle 60 --settle 20 --wait 120 >"$work/feed.log" 2>&1 &
	local feeder=$!
	local i
	for ((i = 0; i < 300; i++)); do [ -S "$work/vu0" ] && [ -S "$work/vu1" ] && break; sleep 0.1; done
	mkfifo "$work/$name.in" 2>/dev/null
	"$boot" "$image" --machine "$machine" --mem 8M --net "vhost-user:$work/vu0" --net "vhost-user:$work/vu1" -- "$@" \
		<"$work/$name.in" >"$work/$name.console" 2>&1 &
	local qemu=$!
	exec {con}>"$work/$name.in"
	wait "$feeder"; local rc=$?
	printf '\003' >&"$con"
	for ((i = 0; i < 300; i++)); do kill -0 "$qemu" 2>/dev/null || break; sleep 0.1; done
	kill "$qemu" 2>/dev/null; wait "$qemu"; local qrc=$?
	exec {con}>&-
	local label="$name vhost-user nic$from -> nic$to"
	if [ "$rc" != 0 ]; then
		fail "$label: sluice-feed status $rc"; sed 's/^/    /' "$work/feed.log" "$work/$name.console"; return
	fi
	if ! "$pcapdiff" "$want" "$out" >"$work/diff.log" 2>&1; then
		fail "$label differs from the hosted run"; head -30 "$work/diff.log" | sed 's/^/    /'; return
	fi
	if [ "$qrc" != 0 ] || ! grep -q "^l2fwd: $expect packets in, $expect out, 0 dropped" "$work/$name.console"; then
		fail "$label: the image's counters or status ($qrc)"; sed 's/^/    /' "$work/$name.console"; return
	fi
	ok "$label: $(grep -m1 sent "$work/feed.log" | sed 's/sluice-feed: //'), image == hosted"
}
vhost microvm microvm 0 1 -global virtio-mmio.force-legacy=false
vhost microvm microvm 1 0 -global virtio-mmio.force-legacy=false
vhost q35 q35 0 1
vhost q35 q35 1 0
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
