#!/usr/bin/env bash
# One image per function: an image links its own app and the engines that app uses, and
# nothing of any other app or engine. Usage: one_app.sh IMAGE FORBIDDEN-PREFIX...
set -euo pipefail
image=$1; shift
fail=0
for prefix in "$@"; do
	n=$(nm "$image" | awk -v p="$prefix" 'index($3, p) == 1' | wc -l)
	if [ "$n" != 0 ]; then
		echo "FAIL: $(basename "$image") carries $n symbol(s) named $prefix*, e.g.:"
		nm "$image" | awk -v p="$prefix" 'index($3, p) == 1 { print "  " $3 }' | head -5
		fail=1
	fi
done
tmp=$(mktemp); strip -o "$tmp" "$image"
[ "$fail" = 0 ] && echo "ok: $(basename "$image") has no symbol named $* (stripped: $(stat -c %s "$tmp") bytes)"
rm -f "$tmp"
exit $fail
