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
# usage: boot.sh SOURCE_ROOT BUILD_DIR [--boots N] [--mgmt] [--quick]
# --quick: one boot each (3 with --mgmt); Linux on q35 only, with no smallest-memory
# search (under TCG Linux on microvm stalls before init in most boots, each costing the
# 60 s timeout). Debian's kernel package is kept in BUILD_DIR/bench/cache/ for the next
# run. Results go to $BENCH_RESULTS (results.sh).
set -euo pipefail
root=$1 build=$2; shift 2
boots=10 mgmt=0 quick=0 boots_set=0
while [ $# -gt 0 ]; do
	case "$1" in
	--boots) boots=$2; boots_set=1; shift ;;
	--mgmt) mgmt=1 ;;
	--quick) quick=1 ;;
	*) echo "boot.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
if [ "$quick" = 1 ] && [ "$boots_set" = 0 ]; then
	boots=1
	[ "$mgmt" = 0 ] || boots=3
fi
export SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bootbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
range() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) print lo " to " hi; else print "-" }'; }

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
	res_table boot_mgmt "Boot to ready with a management NIC: the fw image, mgmt=dhcp on QEMU user networking ($SLUICE_ACCEL, $boots boots)"
	res_cols boot_mgmt "from QEMU's start (guest: from its first instruction)" "median (ms)" "range (ms)" boots
	res_cmd boot_mgmt "SLUICE_ACCEL=$SLUICE_ACCEL $root/tools/qemu-boot $image --mem 16M --module $root/tools/demo/fw/rules.conf --net user --net user --net user,hostfwd=tcp:127.0.0.1:PORT-:9100 --append mgmt=dhcp"
	res_cmd boot_mgmt "curl -s -o /dev/null --max-time 0.5 http://127.0.0.1:PORT/metrics   # every 20 ms from QEMU's start"
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
	msr() { awk '{ printf "%.1f\n", $1 / 1000 }' | range; }
	res_row boot_mgmt "guest boot (the image's own figure)" "$(grep -v '^-$' "$work/g" | median)" "$(grep -v '^-$' "$work/g" | range)" "$(grep -cv '^-$' "$work/g") of $boots"
	res_row boot_mgmt "QEMU start -> ready line" "$(grep -v '^-$' "$work/r" | ms)" "$(grep -v '^-$' "$work/r" | msr)" "$(grep -cv '^-$' "$work/r") of $boots"
	res_row boot_mgmt "QEMU start -> first GET /metrics answered" "$(ms <"$work/f")" "$(msr <"$work/f")" "$(wc -l <"$work/f") of $boots"
	res_row boot_mgmt "QEMU start -> the management line (DHCP lease, DAD done)" "$(ms <"$work/m")" "$(msr <"$work/m")" "$(wc -l <"$work/m") of $boots"
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
res_table boot "Boot: medians of $boots boots each ($SLUICE_ACCEL), the same QEMU for Sluice and Debian's Linux"
res_cols boot image "guest boot (ms)" "QEMU start to ready (ms)" "size (KB)" "smallest --mem" boots
res_cmd boot "SLUICE_ACCEL=$SLUICE_ACCEL $root/tools/bench/boot.sh $root $build --boots $boots"
res_cmd boot "$root/tools/qemu-boot IMAGE --machine microvm|q35 --mem 8M [--module $root/tools/demo/APP/rules.conf] --append exit=ready   # the module for an app that needs a config (fw)"
res_note boot "Guest boot: the image's own TSC figure from its first instruction to ready; for Linux /proc/uptime when init runs. QEMU start to ready: wall clock from launching QEMU to the ready line on the console. Size: the stripped ELF; for Linux bzImage + initramfs. Smallest --mem: the first size that boots to ready (Sluice: 1 to 8 MiB; Linux: 16 to 128 MiB), on microvm."
res_chart boot boot bars,logy image "guest boot (ms)|QEMU start to ready (ms)" - "Boot time, Sluice images against Debian's Linux under the same QEMU ($SLUICE_ACCEL; log scale)"
for image in "${images[@]}"; do
	app=$(basename "$image" .elf)
	# an app that needs a config (fw) boots with its demo ruleset as the boot module
	module=()
	[ ! -f "$root/tools/demo/$app/rules.conf" ] || module=(--module "$root/tools/demo/$app/rules.conf")
	for machine in microvm q35; do
		: >"$work/g"; : >"$work/w"
		for _ in $(seq "$boots"); do
			read -r g w < <(boot_once "$root/tools/qemu-boot" "$image" --machine "$machine" --mem 8M "${module[@]}" --append exit=ready)
			echo "$g" >>"$work/g"; echo "$w" >>"$work/w"
		done
		minmem="-"
		if [ "$machine" = microvm ]; then
			# too little memory (1 MiB) hangs rather than fails: 5 s is 30 boots' time (2 s quick)
			for m in 1 2 3 4 5 6 7 8; do
				if timeout "$([ "$quick" = 1 ] && echo 2 || echo 5)" "$root/tools/qemu-boot" "$image" --mem "${m}M" "${module[@]}" --append exit=ready </dev/null >/dev/null 2>&1; then
					minmem="${m}M"; break
				fi
			done
		fi
		printf '%-28s %14s %13s ms %9s KB %10s\n' "sluice $app ($machine)" "$(median <"$work/g")" \
			"$(awk '{ printf "%.1f\n", $1 / 1000 }' "$work/w" | median)" "$(strip -o "$work/s.elf" "$image" && echo $(( $(stat -c %s "$work/s.elf") / 1024 )))" "$minmem"
		res_row boot "sluice $app ($machine)" "$(grep -v '^-$' "$work/g" | median)" \
			"$(grep -v '^-$' "$work/w" | awk '{ printf "%.1f\n", $1 / 1000 }' | median)" \
			"$(( $(stat -c %s "$work/s.elf") / 1024 ))" "$minmem" "$(grep -cv '^-$' "$work/g") of $boots"
	done
done

# ---- Debian Linux with a one-program initramfs ----
echo "   fetching Debian's kernel package (apt-get download, not installed; kept in $build/bench/cache/)"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
cache="$build/bench/cache"
mkdir -p "$cache"
if [ -n "$pkg" ] && ! compgen -G "$cache/${pkg}_*.deb" >/dev/null; then
	rm -f "$cache"/linux-image-*.deb "$cache"/vmlinuz-*
	(cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || true
fi
if [ -z "$pkg" ] || ! compgen -G "$cache/${pkg}_*.deb" >/dev/null; then
	echo "   (no Debian kernel package to be had here: Linux comparison skipped)"
	res_note boot "Linux: no Debian kernel package could be had here (apt-get download): skipped."
	exit 0
fi
vmlinuz="$cache/vmlinuz-${pkg#linux-image-}"     # the kernel out of the package, kept beside it
if [ ! -s "$vmlinuz" ]; then
	dpkg-deb -x "$(compgen -G "$cache/${pkg}_*.deb" | head -1)" "$work/k"
	cp "$(ls "$work"/k/boot/vmlinuz-* | head -1)" "$vmlinuz.tmp" && mv "$vmlinuz.tmp" "$vmlinuz"
fi
res_cmd boot "apt-get download $pkg   # Debian's kernel, not installed; its initramfs: one static program that reports /proc/uptime and powers off"
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
res_cmd boot "qemu-system-x86_64 -M microvm|q35 -m 128M -accel $accel -nodefaults -no-user-config -display none -no-reboot -serial stdio -kernel vmlinuz-${pkg#linux-image-} -initrd initramfs.cpio.gz -append 'console=ttyS0 quiet panic=-1 rdinit=/init'"
linux_machines=(microvm q35)
if [ "$quick" = 1 ]; then
	linux_machines=(q35)
	res_note boot "Quick run: Linux on q35 only, and no smallest-memory search for it."
fi
for machine in "${linux_machines[@]}"; do
	: >"$work/g"; : >"$work/w"
	hung=0
	for _ in $(seq "$boots"); do
		read -r g w < <(boot_once "$work/linux-boot" "$machine" 128M)
		if [ "$g" = - ]; then hung=$((hung + 1)); continue; fi  # Linux under TCG now and then stalls
		g=$(awk -v s="$g" 'BEGIN { printf "%.1f", s * 1000 }')
		echo "$g" >>"$work/g"; echo "$w" >>"$work/w"
	done
	[ "$hung" = 0 ] || echo "   ($hung of $boots Linux boots on $machine did not reach init within 60 s; left out)"
	[ "$hung" = 0 ] || res_note boot "$hung of $boots Linux boots on $machine did not reach init within 60 s (under TCG Linux now and then stalls); left out."
	minmem="-"
	if [ "$machine" = microvm ] && [ "$quick" = 0 ]; then
		for m in 16 24 32 48 64 96 128; do
			if timeout 60 "$work/linux-boot" microvm "${m}M" 2>/dev/null </dev/null | grep -q SLUICE-LINUX-READY; then
				minmem="${m}M"; break
			fi
		done
	fi
	printf '%-28s %14s %13s ms %9s KB %10s\n' "linux $(basename "$vmlinuz" | sed 's/vmlinuz-//') ($machine)" \
		"$(median <"$work/g")" "$(awk '{ printf "%.1f\n", $1 / 1000 }' "$work/w" | median)" \
		"$(( ($(stat -c %s "$vmlinuz") + $(stat -c %s "$work/initramfs.cpio.gz")) / 1024 ))" "$minmem"
	res_row boot "linux $(basename "$vmlinuz" | sed 's/vmlinuz-//') ($machine)" "$(median <"$work/g")" \
		"$(awk '{ printf "%.1f\n", $1 / 1000 }' "$work/w" | median)" \
		"$(( ($(stat -c %s "$vmlinuz") + $(stat -c %s "$work/initramfs.cpio.gz")) / 1024 ))" "$minmem" "$((boots - hung)) of $boots"
done
echo "   (size: the stripped image; for Linux bzImage + initramfs. Linux guest boot: /proc/uptime when init runs)"
