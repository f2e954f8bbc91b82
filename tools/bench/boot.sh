#!/usr/bin/env bash
# Boot benchmarks of docs/BENCHMARKS.md: for each image, the guest's own first-instruction
# to ready time (from its ready line), QEMU process start to the ready line on the console,
# the image size and the smallest --mem it boots in; beside them the same figures for
# Debian's Linux kernel with a one-program initramfs, booted by the same QEMU in the same
# run. Under TCG (the tests' accelerator) unless SLUICE_ACCEL says otherwise.
#
# With --mgmt, instead: the fw image with two data NICs and a management NIC, all three on
# QEMU user networking, mgmt=dhcp on its command line (as `sluice run fw -p ...` boots it)
# and its demo ruleset as the boot module: the ready line, the first GET /metrics answered
# through QEMU's forward of a host port to the management NIC's TCP 9100, and the
# management line ("sluice: management mgmt: ... (dhcp)"), which comes once the DHCP
# lease is taken and no address is tentative (IPv6 duplicate address detection).
#
# usage: boot.sh SOURCE_ROOT BUILD_DIR [--boots N] [--mgmt]
set -euo pipefail
root=$1 build=$2; shift 2
boots=10 mgmt=0
while [ $# -gt 0 ]; do
	case "$1" in
	--boots) boots=$2; shift ;;
	--mgmt) mgmt=1 ;;
	*) echo "boot.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
export SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bootbench.XXXXXX")
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
# the images: build/images/ (made by `sluice build`), else the build's kernel/ (a scratch build)
images=()
for f in "$build"/images/*.elf; do if [[ -e "$f" && "$f" != *.stripped.elf ]]; then images+=("$f"); fi; done
if [ ${#images[@]} = 0 ]; then
	for f in "$build"/kernel/*.elf; do if [[ -e "$f" && "$f" != *-pass1.elf ]]; then images+=("$f"); fi; done
fi

# mgmt_boot_once IMAGE MODULE PORT: prints "GUEST_MS READY_WALL_MS MGMT_WALL_MS FIRST_WALL_MS"
# for one boot (wall: QEMU process start -> the ready line, the management line, the first
# GET /metrics answered through QEMU's forward of TCP PORT, tried every 20 ms), then stops
# QEMU
mgmt_boot_once() {
	local t0 line guest="-" ready="-" mg="-" first="-" poller i
	t0=$(date +%s%N)
	coproc QB { exec timeout 60 "$root/tools/qemu-boot" "$1" --mem 16M --module "$2" --net user --net user \
		--net "user,hostfwd=tcp:127.0.0.1:$3-:9100" --append mgmt=dhcp </dev/null 2>/dev/null; }
	rm -f "$work/first"
	( for ((i = 0; i < 2000; i++)); do
		if curl -s -o /dev/null --max-time 0.5 "http://127.0.0.1:$3/metrics"; then
			echo $(( ($(date +%s%N) - t0) / 1000 )) >"$work/first"; break
		fi
		sleep 0.02
	  done ) &
	poller=$!
	while IFS= read -r -u "${QB[0]}" line; do
		case "$line" in
		*" ready in "*)
			ready=$(( ($(date +%s%N) - t0) / 1000 ))
			guest=$(printf '%s\n' "$line" | sed -nE 's/.* ready in ([0-9.]+) ms.*/\1/p') ;;
		*"sluice: management mgmt: "*"(dhcp)"*)
			mg=$(( ($(date +%s%N) - t0) / 1000 ))
			break ;;
		esac
	done
	for ((i = 0; i < 100; i++)); do [ -s "$work/first" ] && break; sleep 0.05; done
	kill "$poller" 2>/dev/null || true
	wait "$poller" 2>/dev/null || true
	[ ! -s "$work/first" ] || first=$(cat "$work/first")
	kill "$QB_PID" 2>/dev/null || true     # timeout passes it on to QEMU
	wait "$QB_PID" 2>/dev/null || true
	printf '%s %s %s %s\n' "$guest" "$ready" "$mg" "$first"
}

if [ "$mgmt" = 1 ]; then
	image=$(printf '%s\n' "${images[@]}" | grep '/fw\.elf$' | head -1)
	[ -n "$image" ] || { echo "boot.sh: no fw image in $build"; exit 1; }
	echo "== boot with a management NIC: $boots boots of $image, accelerator $SLUICE_ACCEL, $(qemu-system-x86_64 --version | head -1)"
	echo "   command: $root/tools/qemu-boot $image --mem 16M --module $root/tools/demo/fw/rules.conf --net user --net user --net user --append mgmt=dhcp"
	echo "   (the management NIC: --net user,hostfwd=tcp:127.0.0.1:PORT-:9100; GET /metrics tried every 20 ms from QEMU's start)"
	port=$((19200 + $$ % 700))
	: >"$work/g"; : >"$work/r"; : >"$work/m"; : >"$work/d"; : >"$work/f"
	s_() { awk -v v="$1" 'BEGIN { if (v == "-") print v; else printf "%.1f", v / 1000 }'; }
	for _ in $(seq "$boots"); do
		read -r g r m f < <(mgmt_boot_once "$image" "$root/tools/demo/fw/rules.conf" "$port")
		echo "$g" >>"$work/g"; echo "$r" >>"$work/r"
		[ "$m" = - ] || { echo "$m" >>"$work/m"; echo $((m - r)) >>"$work/d"; }
		[ "$f" = - ] || echo "$f" >>"$work/f"
		printf '   boot: guest ready %s ms; QEMU start -> ready %s ms, -> first scrape answered %s ms, -> management line %s ms\n' \
			"$g" "$(s_ "$r")" "$(s_ "$f")" "$(s_ "$m")"
	done
	ms() { awk '{ printf "%.1f\n", $1 / 1000 }' | median; }
	echo "   median: guest boot $(median <"$work/g") ms; QEMU start -> ready $(ms <"$work/r") ms;" \
		"-> first scrape answered $(ms <"$work/f") ms; -> management address line $(ms <"$work/m") ms" \
		"($(ms <"$work/d") ms after ready); $(wc -l <"$work/m") of $boots boots reached the line," \
		"$(wc -l <"$work/f") answered"
	exit 0
fi

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
for image in "${images[@]}"; do
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
