#!/usr/bin/env bash
# Runs one pcap replay case: a folder holding
#   config              lines "app NAME", "ports N", optionally "opts STRING"
#   inK.pkts            what arrives on port K (capgen source; absent: nothing arrives)
#   expectK.pkts        what must leave port K, frame for frame (absent: nothing may leave)
#   counters            optional: lines that must appear in the app's counter output
#   rules.conf          optional: the app's config (--config)
# The inputs and expectations are generated with tools/capgen, the app runs on pcap ports
# on the captures' clock (each frame at its capgen time: "at N" is N ms), and
# tools/pcapdiff explains any difference.
#
# usage: run_case.sh CASE_DIR BUILD_DIR
set -euo pipefail
case_dir=$1
build=$2
name=$(basename "$case_dir")
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-replay-$name.XXXXXX")
trap '[ -n "${SLUICE_KEEP:-}" ] || rm -rf "$work"' EXIT

fail() { printf 'replay %s: FAIL: %s\n' "$name" "$*"; exit 1; }

app=$(awk '$1 == "app" { print $2 }' "$case_dir/config")
ports=$(awk '$1 == "ports" { print $2 }' "$case_dir/config")
opts=$(awk '$1 == "opts" { $1 = ""; sub(/^ /, ""); print }' "$case_dir/config")
[ -n "$app" ] && [ -n "$ports" ] || fail "config must name an app and a port count"

args=(--clock capture)
for ((k = 0; k < ports; k++)); do
	spec=""
	if [ -f "$case_dir/in$k.pkts" ]; then
		"$build/tools/capgen/capgen" -o "$work/in$k.pcap" "$case_dir/in$k.pkts" || fail "capgen in$k.pkts"
		spec="rx=$work/in$k.pcap,"
	fi
	args+=(--port "pcap:${spec}tx=$work/out$k.pcap")
done
[ -z "$opts" ] || args+=(--opts "$opts")
[ ! -f "$case_dir/rules.conf" ] || args+=(--config "$case_dir/rules.conf")

if ! "$build/hosted/sluice-hosted" "$app" "${args[@]}" >"$work/log" 2>&1; then
	cat "$work/log"
	fail "sluice-hosted exited with status $?"
fi

status=0
for ((k = 0; k < ports; k++)); do
	if [ -f "$case_dir/expect$k.pkts" ]; then
		"$build/tools/capgen/capgen" -o "$work/expect$k.pcap" "$case_dir/expect$k.pkts" || fail "capgen expect$k.pkts"
	else
		"$build/tools/capgen/capgen" -o "$work/expect$k.pcap" /dev/null || fail "capgen (empty)"
	fi
	if ! "$build/tools/pcapdiff" "$work/expect$k.pcap" "$work/out$k.pcap" >"$work/diff$k"; then
		printf 'replay %s: port %d sent something other than expect%d.pkts:\n' "$name" "$k" "$k"
		sed 's/^/  /' "$work/diff$k"
		status=1
	fi
done
if [ -f "$case_dir/counters" ]; then
	while IFS= read -r want; do
		[ -n "$want" ] || continue
		# compare with runs of spaces folded, so column widths do not matter
		if ! tr -s ' ' <"$work/log" | grep -qF -- "$(printf '%s' "$want" | tr -s ' ')"; then
			printf 'replay %s: counters lack the line: %s\n' "$name" "$want"
			status=1
		fi
	done <"$case_dir/counters"
fi
if [ "$status" != 0 ]; then
	echo "--- app output ---"
	cat "$work/log"
	exit 1
fi
printf 'replay %s: ok\n' "$name"
