#!/usr/bin/env bash
# Boot benchmarks of docs/BENCHMARKS.md: for each image, the guest's own first-instruction
# to ready time (from its ready line), QEMU process start to the ready line on the console,
# the image size and the smallest --mem it boots in; beside them the same figures for
# Debian's Linux kernel with a one-program initramfs, booted by the same QEMU in the same
# run. Under TCG (the tests' accelerator) unless SLUICE_ACCEL says otherwise.
#
# usage: boot.sh SOURCE_ROOT BUILD_DIR [--boots N]
set -euo pipefail
root=$1 build=$2; shift 2
boots=10
[ "${1:-}" = --boots ] && boots=$2
export SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bootbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }

# boot_once CMD...: prints "GUEST_MS WALL_MS" for one boot (wall: process start -> "ready")
boot_once() {
	local t0 line guest="-" wall="-"
	t0=$(date +%s%N)
	while IFS= read -r line; do
		case "$line" in
		*" ready in "*|*"SLUICE-LINUX-READY"*)
			wall=$(( ($(date +%s%N) - t0) / 1000 ))
			guest=$(printf '%s\n' "$line" | sed -nE 's/.* ready in ([0-9.]+) ms.*/\1/p; s/.*SLUICE-LINUX-READY uptime ([0-9.]+) s.*/\1/p')
			;;
		esac
	done < <(timeout 60 "$@" </dev/null 2>/dev/null)
	printf '%s %s\n' "$guest" "$wall"
}

echo "== boot: $boots boots each, accelerator $SLUICE_ACCEL, $(qemu-system-x86_64 --version | head -1)"
printf '%-28s %14s %16s %12s %10s\n' "image" "guest boot ms" "QEMU start->ready" "size" "min --mem"
for image in "$build"/images/*.elf; do
	app=$(basename "$image" .elf)
	for machine in microvm q35; do
		: >"$work/g"; : >"$work/w"
		for _ in $(seq "$boots"); do
			read -r g w < <(boot_once "$root/tools/qemu-boot" "$image" --machine "$machine" --mem 8M --append exit=ready)
			echo "$g" >>"$work/g"; echo "$w" >>"$work/w"
		done
		minmem="-"
		if [ "$machine" = microvm ]; then
			for m in 1 2 3 4 5 6 7 8; do
				if timeout 20 "$root/tools/qemu-boot" "$image" --mem "${m}M" --append exit=ready </dev/null >/dev/null 2>&1; then
					minmem="${m}M"; break
				fi
			done
		fi
		printf '%-28s %14s %13s ms %9s KB %10s\n' "sluice $app ($machine)" "$(median <"$work/g")" \
			"$(awk '{ printf "%.1f\n", $1 / 1000 }' "$work/w" | median)" "$(strip -o "$work/s.elf" "$image" && echo $(( $(stat -c %s "$work/s.elf") / 1024 )))" "$minmem"
	done
done

# ---- Debian Linux with a one-program initramfs ----
echo "   fetching Debian's kernel package (apt-get download, not installed)"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$pkg" ] || ! (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); then
	echo "   (no Debian kernel package to be had here: Linux comparison skipped)"
	exit 0
fi
dpkg-deb -x "$work"/linux-image-*.deb "$work/k"
vmlinuz=$(ls "$work"/k/boot/vmlinuz-* | head -1)
cat >"$work/init.c" <<'EOF'
/* The whole of userspace: say when we got here, then power off. */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>
int main(void)
{
	char up[64] = "?";
	mount("proc", "/proc", "proc", 0, NULL);
	FILE *f = fopen("/proc/uptime", "r");
	if (f && fscanf(f, "%63s", up) == 1)
		fclose(f);
	printf("SLUICE-LINUX-READY uptime %s s\n", up);
	fflush(stdout);
	reboot(RB_POWER_OFF);
	return 0;
}
EOF
mkdir -p "$work/initramfs/proc" "$work/initramfs/dev"
mknod "$work/initramfs/dev/console" c 5 1
gcc -static -O2 -o "$work/initramfs/init" "$work/init.c"
(cd "$work/initramfs" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.cpio.gz")
accel=tcg
[ "$SLUICE_ACCEL" = kvm ] && accel=kvm
cat >"$work/linux-boot" <<EOF
#!/bin/sh
# linux-boot MACHINE MEM
exec qemu-system-x86_64 -M "\$1" -m "\$2" -accel $accel -nodefaults -no-user-config -display none -no-reboot \\
	-serial stdio -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \\
	-append "console=ttyS0 quiet panic=-1 rdinit=/init"
EOF
chmod +x "$work/linux-boot"
for machine in microvm q35; do
	: >"$work/g"; : >"$work/w"
	hung=0
	for _ in $(seq "$boots"); do
		read -r g w < <(boot_once "$work/linux-boot" "$machine" 128M)
		if [ "$g" = - ]; then hung=$((hung + 1)); continue; fi  # Linux under TCG now and then stalls
		g=$(awk -v s="$g" 'BEGIN { printf "%.1f", s * 1000 }')
		echo "$g" >>"$work/g"; echo "$w" >>"$work/w"
	done
	[ "$hung" = 0 ] || echo "   ($hung of $boots Linux boots on $machine did not reach init within 60 s; left out)"
	minmem="-"
	if [ "$machine" = microvm ]; then
		for m in 16 24 32 48 64 96 128; do
			if timeout 60 "$work/linux-boot" microvm "${m}M" 2>/dev/null </dev/null | grep -q SLUICE-LINUX-READY; then
				minmem="${m}M"; break
			fi
		done
	fi
	printf '%-28s %14s %13s ms %9s KB %10s\n' "linux $(basename "$vmlinuz" | sed 's/vmlinuz-//') ($machine)" \
		"$(median <"$work/g")" "$(awk '{ printf "%.1f\n", $1 / 1000 }' "$work/w" | median)" \
		"$(( ($(stat -c %s "$vmlinuz") + $(stat -c %s "$work/initramfs.cpio.gz")) / 1024 ))" "$minmem"
done
echo "   (size: the stripped image; for Linux bzImage + initramfs. Linux guest boot: /proc/uptime when init runs)"
