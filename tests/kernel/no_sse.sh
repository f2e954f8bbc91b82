#!/usr/bin/env bash
# An image keeps to general registers: no instruction names an SSE or AVX register. A KVM
# that has to emulate an instruction cannot emulate those, and a nested KVM (as on the
# machines this is built on) stops the guest at the first one with "KVM internal error
# ... emulation failure"; TCG, which the other tests use, runs them and would not tell.
# usage: no_sse.sh IMAGE.elf
set -euo pipefail
hits=$(objdump -d --no-show-raw-insn "$1" | awk '/^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3) } /%[xyz]mm[0-9]/ { print fn ": " $0 }')
if [ -n "$hits" ]; then
	echo "FAIL: $(printf '%s\n' "$hits" | wc -l) instructions use SSE/AVX registers in $1, the first:"
	printf '%s\n' "$hits" | head -10
	exit 1
fi
echo "ok: $(objdump -d "$1" | grep -c '^ ') instructions, none on an SSE or AVX register"
