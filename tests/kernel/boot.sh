#!/usr/bin/env bash
# Boots an image on microvm and q35 in 8 MiB under TCG: it must reach the ready line and,
# with exit=ready, leave with status 0; a bad command line must give one precise line and
# status 2 (KERN_EXIT_CMDLINE); each planted fault (test=...) must be caught, explained
# and named in a symbolized backtrace, with status 3 (KERN_EXIT_FAULT).
#
# usage: boot.sh SOURCE_ROOT IMAGE
set -uo pipefail
root=$1 image=$2
boot="$root/tools/qemu-boot"
export SLUICE_ACCEL=tcg
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
# entropy: QEMU's default CPU under TCG has no RDRAND; a virtio-rng device (mmio on
# microvm; transitional and modern PCI on q35) is then the source, else TSC jitter, named
expect "entropy without a device" 0 "entropy from tsc jitter (no rdrand/rdseed, no virtio-rng)" --mem 8M --append exit=ready
expect "virtio-rng on microvm" 0 "entropy from virtio-rng" --mem 8M --append exit=ready --rng
expect "virtio-rng on q35" 0 "entropy from virtio-rng" --machine q35 --mem 8M --append exit=ready --rng
expect "virtio-rng modern" 0 "entropy from virtio-rng" --machine q35 --mem 8M --append exit=ready -- \
	-object rng-random,id=r,filename=/dev/urandom -device virtio-rng-pci,rng=r,disable-legacy=on
expect "metrics port" 2 "command line column 12: 'metrics=0': metrics takes a TCP port, 1 to 65535" --append "exit=ready metrics=0"
expect "no management plane" 2 "this image of l2fwd has no management plane" --append "mgmt=port=0,dhcp" -- \
	-netdev user,id=n0 -device virtio-net-device,netdev=n0
expect "not key=value" 2 "command line column 1: 'ready': expected key=value" --append "ready"
expect "bad value" 2 "command line column 3: 'exit=later': exit takes 'ready'" --append "  exit=later"
expect "planted fault" 3 "#0 0x" --append test=fault
grep -q "test_planted_fault+" "$work/out" && grep -q "kern_run_test+" "$work/out" && grep -q "kern_boot+" "$work/out" ||
	{ failed=$((failed + 1)); echo "FAIL planted fault: the backtrace does not name test_planted_fault, kern_run_test, kern_boot"; }
expect "fault report" 3 "page fault at 0x100000000000: write; nothing is mapped there" --append test=fault
expect "W^X" 3 "write; the page is read-only (W^X)" --append test=wx
expect "NULL" 3 "page fault at 0: read; a NULL pointer dereference" --append test=null
expect "stack overflow" 3 "the stack ran into its guard page" --append test=overflow
grep -q "sluice: stack overflow at" "$work/out" && grep -q "test_recurse+" "$work/out" ||
	{ failed=$((failed + 1)); echo "FAIL stack overflow: not reported as such, or test_recurse not named"; }
# device discovery: PCI on q35; microvm's transports by probing (ACPI on) or from the
# virtio_mmio.device= words QEMU adds with acpi=off; boot modules
net="-netdev user,id=n0 -netdev user,id=n1"
expect "q35 pci" 0 "1 virtio-net" --machine q35 --append exit=ready -- $net -device virtio-net-pci,netdev=n0
expect "microvm probe" 0 "2 virtio-net" --append exit=ready -- $net -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1
expect "microvm cmdline" 0 "virtio-mmio 0xfeb00e00 irq 12: virtio device 1" --machine microvm,acpi=off --append exit=ready -- $net -device virtio-net-device,netdev=n0
printf 'rules go here\n' >"$work/module"
expect "module" 0 "module 0: 14 bytes" --module "$work/module" --append "exit=ready opts=validate"
expect "app options" 0 "app options: validate" --module "$work/module" --append "exit=ready opts=validate"
expect "bad mmio" 2 "expected SIZE@0xBASE:IRQ" --append "virtio_mmio.device=512@0xfeb00000"
expect "mmio size overflow" 2 "expected SIZE@0xBASE:IRQ" --append "virtio_mmio.device=99999999999999999999999@0xfeb00000:5"
expect "mmio bad irq" 2 "expected SIZE@0xBASE:IRQ" --append "virtio_mmio.device=512@0xfeb00e00:4096"
expect "mmio k suffix" 0 "virtio-mmio 0xfeb02e00 irq 12: virtio device 1" --append "exit=ready virtio_mmio.device=1K@0xfeb02e00:12" -- -netdev user,id=n0 -device virtio-net-device,netdev=n0
# the wall clock: clock= (sluice run passes the host's); l2fwd reads no RTC (fw does:
# tests/kernel/bundle.sh); a cpio archive as the module is split into its files
expect "clock=" 0 "sluice: wall clock 2026-12-06T09:00:00Z (clock=)" --append "exit=ready clock=1796547600"
expect "no wall clock" 0 "sluice: wall clock unknown (no clock=; no RTC in this image)" --append exit=ready
printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0\0\0\0%s' 1 33188 0 0 1 0 1 0 0 0 0 3 0 ca x \
	>"$work/bundle"     # one file "ca" holding "x", and no trailer
expect "cpio module" 2 "sluice: boot module 0: malformed cpio archive at offset 120: no TRAILER!!! entry before the end" \
	--module "$work/bundle" --append exit=ready
expect "bad log" 2 "log takes quiet, info or debug" --append "log=loud"
expect "bad test" 2 "test takes fault, wx, null or overflow" --append test=boom
# NICs: too few is a precise refusal with KERN_EXIT_DEVICE (4)
expect "no NICs" 4 "l2fwd needs 1 NIC(s) and found 0"
expect "NIC report" 0 "nic1: virtio-net pci 00:03.0 (pci-legacy), MAC 52:54:00:12:34:57, link up, queues rx 256 tx 256" \
	--machine q35 --append exit=ready -- $net -device virtio-net-pci,netdev=n0 -device virtio-net-pci,netdev=n1,disable-modern=on,addr=3
expect "features" 0 "sluice: NIC 0 features: MAC MRG_RXBUF STATUS EVENT_IDX VERSION_1" --append "exit=ready log=debug" \
	-- -global virtio-mmio.force-legacy=false $net -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1
expect "fewer features" 0 "sluice: NIC 0 features: MAC STATUS" --append "exit=ready log=debug" \
	-- $net -device virtio-net-device,netdev=n0,mrg_rxbuf=off,event_idx=off,any_layout=off,mac=02:00:00:00:00:01,ctrl_mac_addr=off \
	-device virtio-net-device,netdev=n1
# a device that insists on a feature the driver does not take is refused at boot, precisely
expect "refused device" 4 "sluice: NIC 0 (virtio-net, pci 00:01.0): the device refused the features Sluice asked for (MAC MRG_RXBUF STATUS EVENT_IDX VERSION_1); it wants ACCESS_PLATFORM, an IOMMU Sluice does not drive" \
	--machine q35 --append exit=ready -- $net -device virtio-net-pci,netdev=n0,iommu_platform=on,disable-legacy=on
# queue sizes: the driver picks 256 where it may, a legacy device imposes its own
expect "queue sizes" 0 "nic1: virtio-net pci 00:03.0 (pci-legacy), MAC 52:54:00:12:34:57, link up, queues rx 1024 tx 256" \
	--machine q35 --append exit=ready -- $net -device virtio-net-pci,netdev=n0,rx_queue_size=1024,addr=2 \
	-device virtio-net-pci,netdev=n1,rx_queue_size=1024,addr=3,disable-modern=on
grep -q "nic0: virtio-net pci 00:02.0 (pci), MAC 52:54:00:12:34:56, link up, queues rx 256 tx 256" "$work/out" ||
	{ failed=$((failed + 1)); echo "FAIL queue sizes: the modern NIC did not get 256 descriptors"; }
# runs until stopped: Ctrl-C on the console is a clean shutdown that prints its counters
(sleep 3; printf '\003') | timeout 60 "$boot" "$image" -- $net -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1 >"$work/out" 2>"$work/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "l2fwd: 0 packets in, 0 out, 0 dropped" "$work/out" && grep -q "^nic1 (virtio): rx" "$work/out"; then
	pass=$((pass + 1)); printf 'ok   ctrl-c: %s\n' "$(grep -m1 'packets in' "$work/out")"
else
	failed=$((failed + 1)); echo "FAIL ctrl-c: status $rc"; sed 's/^/    /' "$work/out" "$work/err"
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
