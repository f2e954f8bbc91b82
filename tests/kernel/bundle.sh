#!/usr/bin/env bash
# A boot module that is a cpio "newc" archive (the config and the control socket's
# credentials, as `sluice run --keys DIR` boots them) gives one blob per file: the boot log
# lists them, the config is the first file that is not a credential, wherever it is in the
# archive, and the app loads it (a broken one is refused under its name in the archive). A
# malformed archive (truncated, a bad magic in the second header, a size past the end, no
# trailer) stops the boot with its offset and the reason and status 2, at once. The wall
# clock: clock= on the command line, else the CMOS RTC (microvm and q35), in the boot log.
# Then `sluice run fw --keys DIR` end to end: the server's credentials only, the config
# first, clock= passed.
#
# usage: bundle.sh SOURCE_ROOT BUILD_ROOT FW_IMAGE
set -uo pipefail
root=$1 build=$2 image=$3
boot="$root/tools/qemu-boot"
export SLUICE_ACCEL=tcg
pass=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
nics=(-netdev user,id=n0 -device virtio-net-device,netdev=n0 -netdev user,id=n1 -device virtio-net-device,netdev=n1)

# newc OUT NAME=FILE ...: a cpio newc archive of those files, in that order (as tools/sluice
# writes it; GNU cpio reads it back in the first case)
newc() {
	python3 - "$@" <<'PY'
import sys
out, pairs = sys.argv[1], sys.argv[2:]
def entry(ino, name, mode, data):
    n = name.encode() + b"\0"
    e = b"070701" + b"".join(b"%08X" % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0)) + n
    e += b"\0" * (-len(e) % 4) + data
    return e + b"\0" * (-len(e) % 4)
ar = b""
for i, p in enumerate(pairs, 1):
    name, path = p.split("=", 1)
    ar += entry(i, name, 0o40755 if path == "DIR" else 0o100644, b"" if path == "DIR" else open(path, "rb").read())
ar += entry(0, "TRAILER!!!", 0, b"")
open(out, "wb").write(ar)
PY
}

# expect NAME STATUS TEXT QEMU-BOOT-ARGS...: the boot ends with STATUS (not by the
# timeout) and its console has the line TEXT
expect() {
	local name=$1 want=$2 text=$3; shift 3
	timeout 60 "$boot" "$image" "$@" </dev/null >"$work/out" 2>"$work/err"
	local rc=$?
	sed -i 's/\r$//' "$work/out"      # the serial console ends its lines with CR LF
	if [ "$rc" = "$want" ] && grep -qF -- "$text" "$work/out"; then
		pass=$((pass + 1))
		printf 'ok   %s: %s\n' "$name" "$(grep -m1 -F -- "$text" "$work/out")"
	else
		failed=$((failed + 1))
		printf 'FAIL %s: status %s (want %s), wanted "%s" on the console:\n' "$name" "$rc" "$want" "$text"
		sed 's/^/    /' "$work/out" "$work/err"
	fi
}
# also LINE: the last boot's console has that line too
also() {
	if grep -qxF -- "$1" "$work/out"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL   and the line "%s":\n' "$1"
		sed 's/^/    /' "$work/out"
	fi
}

cp "$root/tools/demo/fw/rules.conf" "$work/rules.conf"
printf -- '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n' >"$work/ca.crt"
printf -- '-----BEGIN CERTIFICATE-----\nSERVER\n-----END CERTIFICATE-----\n' >"$work/server.crt"
printf -- '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n' >"$work/server.key"
printf 'chain forward policy drop {\n    bogus\n}\n' >"$work/broken.conf"
size() { stat -c %s "$1"; }

newc "$work/b.cpio" rules.conf="$work/rules.conf" ca.crt="$work/ca.crt" server.crt="$work/server.crt" server.key="$work/server.key"
if command -v cpio >/dev/null && [ "$(cd "$work" && cpio -it --quiet <b.cpio | tr '\n' ' ')" = "rules.conf ca.crt server.crt server.key " ]; then
	pass=$((pass + 1)); echo "ok   GNU cpio reads the archive back"
elif command -v cpio >/dev/null; then
	failed=$((failed + 1)); echo "FAIL GNU cpio does not read the archive as written"
fi
expect "bundle" 0 "  module 0: $(size "$work/b.cpio") bytes at " --append exit=ready --module "$work/b.cpio" -- "${nics[@]}"
also "    rules.conf: $(size "$work/rules.conf") bytes (config)"
also "    ca.crt: $(size "$work/ca.crt") bytes"
also "    server.crt: $(size "$work/server.crt") bytes"
also "    server.key: $(size "$work/server.key") bytes"
grep -q " ready in " "$work/out" || { failed=$((failed + 1)); echo "FAIL bundle: no ready line"; }

# the config is the first file that is not a credential, wherever it is; paths are kept
newc "$work/c.cpio" keys=DIR keys/ca.crt="$work/ca.crt" keys/server.crt="$work/server.crt" keys/server.key="$work/server.key" \
	etc/fw.conf="$work/rules.conf"
expect "config last" 0 "    etc/fw.conf: $(size "$work/rules.conf") bytes (config)" --append exit=ready --module "$work/c.cpio" -- "${nics[@]}"
also "    keys/server.key: $(size "$work/server.key") bytes"
newc "$work/d.cpio" ca.crt="$work/ca.crt" broken.conf="$work/broken.conf" server.crt="$work/server.crt" server.key="$work/server.key"
expect "the app loads it" 2 "sluice: fw: broken.conf:2:5: " --append exit=ready --module "$work/d.cpio" -- "${nics[@]}"
newc "$work/e.cpio" ca.crt="$work/ca.crt" server.crt="$work/server.crt" server.key="$work/server.key"
expect "credentials only" 2 "sluice: fw needs its config as a boot module" --append exit=ready --module "$work/e.cpio" -- "${nics[@]}"
# a module that is not an archive is one blob, as before
expect "plain module" 0 "  module 0: $(size "$work/rules.conf") bytes at 0x" --append exit=ready --module "$work/rules.conf" -- "${nics[@]}"

# malformed: each a clear line with the offset, status 2 (KERN_EXIT_CMDLINE), no hang
second=$(( (124 + $(size "$work/rules.conf") + 3) / 4 * 4 ))   # rules.conf: header and name (to 124), data
head -c $((second + 60)) "$work/b.cpio" >"$work/trunc.cpio"
expect "truncated" 2 "sluice: boot module 0: malformed cpio archive at offset $second: truncated header" \
	--append exit=ready --module "$work/trunc.cpio" -- "${nics[@]}"
cp "$work/b.cpio" "$work/magic.cpio"
printf '070799' | dd of="$work/magic.cpio" bs=1 seek="$second" conv=notrunc status=none
expect "bad magic" 2 "sluice: boot module 0: malformed cpio archive at offset $second: bad magic (not 070701)" \
	--append exit=ready --module "$work/magic.cpio" -- "${nics[@]}"
cp "$work/b.cpio" "$work/size.cpio"
printf '0000FFFF' | dd of="$work/size.cpio" bs=1 seek=$((second + 6 + 6 * 8)) conv=notrunc status=none
expect "size past the end" 2 "malformed cpio archive at offset $((second + 54)): file size past the end" \
	--append exit=ready --module "$work/size.cpio" -- "${nics[@]}"
head -c "$second" "$work/b.cpio" >"$work/notrailer.cpio"
expect "no trailer" 2 "malformed cpio archive at offset $second: no TRAILER!!! entry before the end" \
	--append exit=ready --module "$work/notrailer.cpio" -- "${nics[@]}"
cp "$work/b.cpio" "$work/hex.cpio"
printf 'x' | dd of="$work/hex.cpio" bs=1 seek=$((6 + 8 * 11 + 3)) conv=notrunc status=none
expect "not hex" 2 "malformed cpio archive at offset 94: header field not 8 hex digits" \
	--append exit=ready --module "$work/hex.cpio" -- "${nics[@]}"

# the wall clock: clock= wins; without it the CMOS RTC (QEMU's is set to the host's UTC
# time, or to -rtc base=)
expect "clock=" 0 "sluice: wall clock 2027-01-15T08:00:00Z (clock=)" --append "exit=ready clock=1800000000" \
	--module "$work/rules.conf" -- "${nics[@]}"
expect "clock= refused" 2 "'clock=yesterday': clock takes seconds since 1970 UTC (date +%s)" --append "clock=yesterday"
expect "clock=0 refused" 2 "'clock=0': clock takes seconds since 1970 UTC" --append "clock=0"
for m in microvm q35; do
	day=$(date -u +%F)
	expect "cmos on $m" 0 "sluice: wall clock ${day}T" --machine "$m" --append exit=ready --module "$work/rules.conf" \
		-- -netdev user,id=n0 -netdev user,id=n1 \
		-device "virtio-net-$([ $m = q35 ] && echo pci || echo device),netdev=n0" \
		-device "virtio-net-$([ $m = q35 ] && echo pci || echo device),netdev=n1"
	grep -q "wall clock .*Z (cmos)$" "$work/out" || { failed=$((failed + 1)); echo "FAIL cmos on $m: not from the cmos"; }
done
expect "cmos date" 0 "sluice: wall clock 2031-07-04T23:59:" --machine q35 --append exit=ready --module "$work/rules.conf" \
	-- -rtc base=2031-07-04T23:59:30 -netdev user,id=n0 -netdev user,id=n1 -device virtio-net-pci,netdev=n0 -device virtio-net-pci,netdev=n1
expect "cmos unset" 0 "sluice: wall clock unknown (no clock=, no CMOS RTC)" --machine q35 --append exit=ready --module "$work/rules.conf" \
	-- -rtc base=2001-01-01T00:00:00 -netdev user,id=n0 -netdev user,id=n1 -device virtio-net-pci,netdev=n0 -device virtio-net-pci,netdev=n1

# sluice run fw --keys DIR: the config first, the server's credentials, never client.key
# or ca.key; clock= from the host
keys="$work/keys"
mkdir "$keys"
cp "$work/ca.crt" "$work/server.crt" "$work/server.key" "$keys/"
printf 'operator 00112233\n' >"$keys/psk"
printf 'secret\n' >"$keys/client.key"
printf 'secret\n' >"$keys/ca.key"
run() {
	SLUICE_BUILD=$build timeout 120 "$root/tools/sluice" run fw "$@" </dev/null >"$work/out" 2>&1
	local rc=$?
	sed -i 's/\r$//' "$work/out"
	return $rc
}
before=$(date -u +%s)
run --config "$work/rules.conf" --keys "$keys" --net user --net user --append exit=ready
rc=$?
if [ "$rc" = 0 ] && grep -q "^  module 0: [0-9]* bytes at 0x[0-9a-f]*, a cpio archive:$" "$work/out" &&
	[ "$(grep '^    ' "$work/out" | tr -d '\n')" = "    rules.conf: $(size "$work/rules.conf") bytes (config)    ca.crt: $(size "$keys/ca.crt") bytes    server.crt: $(size "$keys/server.crt") bytes    server.key: $(size "$keys/server.key") bytes    psk: $(size "$keys/psk") bytes" ] &&
	grep -q "^sluice: wall clock $(date -u -d "@$before" +%F)T.*Z (clock=)$" "$work/out"; then
	pass=$((pass + 1)); echo "ok   sluice run fw --keys: $(grep -c '^    ' "$work/out") files, no client.key, clock= given"
else
	failed=$((failed + 1)); echo "FAIL sluice run fw --keys: status $rc"; sed 's/^/    /' "$work/out"
fi
ls -d "${TMPDIR:-/tmp}"/sluice-keys.* 2>/dev/null | while read -r d; do
	[ "$(stat -c %Y "$d")" -lt "$before" ] || echo "$d"
done >"$work/left"
if [ -s "$work/left" ]; then
	failed=$((failed + 1)); echo "FAIL sluice run fw --keys left its bundle behind: $(cat "$work/left")"
else
	pass=$((pass + 1))
fi
rm "$keys/server.key"
run --keys "$keys" --append exit=ready
if [ $? != 0 ] && grep -qF "run: --keys: $keys: ca.crt, server.crt and server.key go together; server.key missing" "$work/out"; then
	pass=$((pass + 1)); echo "ok   sluice run --keys without server.key: $(cat "$work/out")"
else
	failed=$((failed + 1)); echo "FAIL sluice run --keys without server.key:"; sed 's/^/    /' "$work/out"
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
