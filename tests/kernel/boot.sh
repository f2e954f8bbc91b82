#!/usr/bin/env bash
# Boots an image on microvm and q35 in 8 MiB: it must reach the ready line and, with
# exit=ready, leave with status 0; a bad command line must give one precise line and
# status 2 (KERN_EXIT_CMDLINE).
#
# usage: boot.sh SOURCE_ROOT IMAGE
set -uo pipefail
root=$1 image=$2
boot="$root/tools/qemu-boot"
pass=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT

# expect NAME STATUS TEXT QEMU-BOOT-ARGS...
expect() {
	local name=$1 want=$2 text=$3; shift 3
	timeout 60 "$boot" "$image" "$@" </dev/null >"$work/out" 2>"$work/err"
	local rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$text" "$work/out"; then
		pass=$((pass + 1))
		printf 'ok   %s: %s\n' "$name" "$(grep -m1 -F -- "$text" "$work/out")"
	else
		failed=$((failed + 1))
		printf 'FAIL %s: status %s (want %s), wanted "%s" on the console:\n' "$name" "$rc" "$want" "$text"
		sed 's/^/    /' "$work/out" "$work/err"
	fi
}
for m in microvm q35; do
	expect "$m ready" 0 " ready in " --machine "$m" --mem 8M --append exit=ready
done
expect "unknown key" 2 "command line column 12: 'speed=fast': unknown key" --append "exit=ready speed=fast"
expect "not key=value" 2 "command line column 1: 'ready': expected key=value" --append "ready"
expect "bad value" 2 "command line column 3: 'exit=later': exit takes 'ready'" --append "  exit=later"
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
