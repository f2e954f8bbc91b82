#!/usr/bin/env bash
# The symbol table an image carries was made from its first link; text must not have moved
# in the second, or backtraces would name the wrong functions.
# usage: ksyms.sh PASS1.elf FINAL.elf
set -euo pipefail
text() { nm -n --defined-only "$1" | awk '$2 == "t" || $2 == "T"'; }
if diff <(text "$1") <(text "$2") >/tmp/ksyms.diff.$$; then
	echo "ok: $(text "$2" | wc -l) text symbols at the same addresses in both links"
	rm -f /tmp/ksyms.diff.$$
else
	echo "FAIL: text moved between the two links:"; head -20 /tmp/ksyms.diff.$$; rm -f /tmp/ksyms.diff.$$; exit 1
fi
