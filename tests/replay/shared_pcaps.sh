#!/usr/bin/env bash
# Replays every real capture in $SLUICE_PCAP_DIR through l2fwd (pcap rx -> pcap tx) and
# checks that every frame comes out byte-identical, with no crash or sanitizer report;
# then again with the parse stage in front ("validate"), which must survive whatever the
# captures hold. Captures whose link type is not Ethernet must be refused with one precise
# line and exit status 1. Skips (exit 77) when the folder is not given.
#
# usage: shared_pcaps.sh BUILD_DIR
set -uo pipefail
build=$1
. "$(dirname "$0")/shared_lib.sh"

while IFS= read -r -d '' path; do
	rel=${path#"$dir"/}
	out="$work/out.pcap"
	rm -f "$out"
	"$hosted" l2fwd --quiet --port "pcap:rx=$path" --port "pcap:tx=$out" >"$work/log" 2>&1
	rc=$?
	lt=${linktype[$rel]:-}
	if [ "$rc" -ge 128 ] || grep -qE 'Sanitizer|runtime error' "$work/log"; then
		fail "$rel" "crashed or a sanitizer spoke (status $rc)"; sed 's/^/    /' "$work/log"; continue
	fi
	if [ -n "$lt" ] && [ "$lt" != 1 ]; then
		if [ "$rc" = 1 ] && grep -q "is not Ethernet" "$work/log"; then
			printf 'ok   %s: refused, link type %s: %s\n' "$rel" "$lt" "$(grep -m1 'is not Ethernet' "$work/log")"
			pass=$((pass + 1))
		else
			fail "$rel" "link type $lt should be refused with a precise message (status $rc)"
			sed 's/^/    /' "$work/log"
		fi
		continue
	fi
	if [ "$rc" != 0 ]; then
		fail "$rel" "l2fwd exited with status $rc"; sed 's/^/    /' "$work/log"; continue
	fi
	if ! "$build/tools/pcapdiff" "$path" "$out" >"$work/diff"; then
		fail "$rel" "output differs from the input"; sed 's/^/    /' "$work/diff"; continue
	fi
	"$hosted" l2fwd --opts validate --port "pcap:rx=$path" --port "pcap:tx=$out" >"$work/log" 2>&1
	rc=$?
	if [ "$rc" != 0 ] || grep -qE 'Sanitizer|runtime error' "$work/log"; then
		fail "$rel" "l2fwd validate: status $rc"; sed 's/^/    /' "$work/log"; continue
	fi
	printf 'ok   %s: %s; validate: %s\n' "$rel" "$(tail -n1 "$work/diff")" \
		"$(grep -E '^l2fwd:' "$work/log" | sed 's/ in [0-9.]* s.*//')"
	pass=$((pass + 1))
done < <(shared_captures)

echo "$pass passed, $failed failed"
[ "$pass" -gt 0 ] || { echo "FAIL: no capture found under $dir"; exit 1; }
[ "$failed" = 0 ]
