#!/usr/bin/env bash
# The l2fwd image with two NICs on host sockets (QEMU dgram netdevs), under TCG: captures
# injected into NIC 0 come out of NIC 1 and the reverse, identical to the hosted l2fwd on
# the same captures (differential: image == hosted). Run on microvm (legacy virtio-mmio
# by default, then virtio-mmio 2, then without MRG_RXBUF and EVENT_IDX) and q35 (virtio-net-pci modern, then legacy only), and
# Ctrl-C must print the counters and leave with status 0.
#
# usage: image_l2fwd.sh SOURCE_ROOT BUILD_DIR IMAGE
set -uo pipefail
root=$1 build=$2 image=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
. "$root/tests/e2e/lib.sh"

demo="$build/tools/demo/demo.pcap"
# 3000 frames from 60 to 1514 bytes, written by capgen from source
"$build/tools/capgen/capgen" -o "$work/mixed.pcap" "$root/tests/e2e/mixed.pkts" >/dev/null || { echo "capgen failed"; exit 1; }

run() {
	local name=$1 machine=$2 device=$3; shift 3
	if ! image_start "$name" 2 "$machine" "$device" "$@"; then fail "$name: boot"; return; fi
	# NICs are numbered in command-line order (QEMU gives the first device ...:56)
	if grep -q "nic0: .* MAC 52:54:00:12:34:56" "$work/$name.console" &&
	   grep -q "nic1: .* MAC 52:54:00:12:34:57" "$work/$name.console"; then
		ok "$name: NICs in command-line order"
	else
		fail "$name: NICs not in command-line order"; grep "nic[01]:" "$work/$name.console" | sed 's/^/    /'
	fi
	through "$name" 0 1 "$demo" "$name demo"
	through "$name" 1 0 "$demo" "$name demo"
	through "$name" 0 1 "$work/mixed.pcap" "$name mixed"
	through "$name" 1 0 "$work/mixed.pcap" "$name mixed"
	image_stop "$name"; local rc=$?
	local line
	line=$(grep -m1 "^l2fwd: .* packets in" "$work/$name.console")
	if [ "$rc" = 0 ] && [ -n "$line" ] && grep -q "^nic1 (virtio): rx" "$work/$name.console"; then
		ok "$name: Ctrl-C: $line"
	else
		fail "$name: Ctrl-C: status $rc"; sed 's/^/    /' "$work/$name.console"
	fi
}
run microvm microvm virtio-net-device
run microvm_noacpi microvm,acpi=off virtio-net-device # transports from virtio_mmio.device=
run microvm_v2 microvm virtio-net-device -global virtio-mmio.force-legacy=false
run microvm_plain microvm virtio-net-device,mrg_rxbuf=off,event_idx=off # 10-byte header, NO_NOTIFY flags
run q35 q35 virtio-net-pci,disable-legacy=on
run q35_legacy q35 virtio-net-pci,disable-modern=on
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
