#!/usr/bin/env bash
# Every real Ethernet capture in $SLUICE_PCAP_DIR through the l2fwd image (microvm, two
# virtio-net NICs on host sockets, TCG), NIC 0 -> NIC 1: what comes out must equal the
# hosted l2fwd's output on the same capture, which is the capture itself. Captures that
# are not Ethernet are left out (the hosted test checks they are refused). Skips (exit 77)
# when the folder is not given.
#
# usage: image_shared_pcaps.sh SOURCE_ROOT BUILD_DIR IMAGE
set -uo pipefail
root=$1 build=$2 image=$3
dir=${SLUICE_PCAP_DIR:-}
if [ -z "$dir" ] || [ ! -d "$dir" ]; then
	echo "SKIP: SLUICE_PCAP_DIR is not set or not a folder (CI sets it to ../shared/pcaps); no real captures through the image"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-pcaps.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
. "$root/tests/e2e/lib.sh"

image_start img 2 microvm virtio-net-device || { echo "FAIL: the image did not boot"; exit 1; }
skipped=0
while IFS= read -r -d '' path; do
	rel=${path#"$dir"/}
	if ! "$hosted" l2fwd --quiet --port "pcap:rx=$path" --port "pcap:tx=$work/probe.pcap" >/dev/null 2>&1; then
		skipped=$((skipped + 1)) # not Ethernet: refused by the pcap backend, checked elsewhere
		continue
	fi
	through img 0 1 "$path" "$rel"
done < <(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
image_stop img || fail "Ctrl-C: status $?"
grep -m1 "^l2fwd: .* packets in" "$work/img.console"
echo "$pass passed, $failed failed, $skipped captures not Ethernet"
[ "$pass" -gt 0 ] || { echo "FAIL: no capture found under $dir"; exit 1; }
[ "$failed" = 0 ]
