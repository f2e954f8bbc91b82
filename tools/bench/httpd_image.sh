#!/usr/bin/env bash
# The httpd image under QEMU beside nginx in a Debian Linux guest under the same QEMU, as
# measured (docs/BENCHMARKS.md). Numbers, never pass/fail. Needs root (taps), wrk, nginx and
# Debian's kernel package (boot.sh fetches it into BUILD_DIR/bench/cache/).
#
# usage: httpd_image.sh SOURCE_ROOT BUILD_DIR [SECONDS] [--quick]
#
# Each guest gets one virtio-net NIC (q35, PCI) on a tap of its own, 256 MiB and one vCPU,
# with the accelerator of SLUICE_ACCEL (tcg unless kvm); wrk runs on this host against the
# guest's address through the tap, one thread, keep-alive. The Linux guest is Debian's
# kernel with an initramfs that holds one static program (it loads the virtio modules,
# gives eth0 its address, then runs nginx: one process, sendfile, no access log) and nginx
# with its libraries copied from this host. The same site: a 1 KiB file.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
set -euo pipefail
root=$1 build=$2; shift 2
seconds=10 quick=0
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	*) seconds=$a ;;
	esac
done
[ "$quick" = 0 ] || seconds=3
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
# shellcheck source=wrk.sh
. "$(dirname "$0")/wrk.sh"
accel=${SLUICE_ACCEL:-tcg}
conns=8
res_table httpd_image "Guests under the same QEMU ($accel, q35, 1 vCPU, virtio-net on a tap): requests a second (wrk, keep-alive, $conns connections, ${seconds} s, a 1 KiB file)"
res_cols httpd_image guest "req/s" "p50 / p99" "boot to first answer"
if ! { [ "$(id -u)" = 0 ] && command -v wrk >/dev/null && command -v nginx >/dev/null; }; then
	echo "== httpd image: needs root, wrk and nginx, skipped"
	res_skip httpd_image "needs root, wrk and nginx"
	exit 0
fi
cache=$build/bench/cache
deb=$(compgen -G "$cache/linux-image-*.deb" | head -1 || true)
vmlinuz=$(compgen -G "$cache/vmlinuz-*" | head -1 || true)
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchhttpdimg.XXXXXX")
tapS=bhis$$ tapL=bhil$$
qemu=""
cleanup() {
	[ -z "$qemu" ] || kill "$qemu" 2>/dev/null || true
	pkill -f -- "$work/" 2>/dev/null || true    # a guest by its files, whatever became of $qemu
	for _ in $(seq 50); do pgrep -f -- "$work/" >/dev/null || break; sleep 0.1; done
	wait 2>/dev/null || true
	ip link del "$tapS" 2>/dev/null || true
	ip link del "$tapL" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/site"
head -c 1024 /dev/urandom >"$work/site/1k.bin"
"$root/tools/httpd/sitepack" "$work/site" "$work/site"

for t in "$tapS:10.238.0.1/24" "$tapL:10.239.0.1/24"; do
	ip tuntap add dev "${t%%:*}" mode tap
	ip addr add "${t#*:}" dev "${t%%:*}"
	ip link set "${t%%:*}" up
done

# wrk URL -> "REQS P50 P99 ERRORS" (wrk.sh)
run_wrk() {
	wrk -t1 -c"$conns" -d"$seconds" --latency "$1" >"$work/wrk.out" 2>&1 || true
	wrk_summary "$work/wrk.out"
}
# wait_up URL: seconds until it answers (up to 120), from now
wait_up() {
	local t0=$EPOCHREALTIME
	for _ in $(seq 600); do
		curl -s -o /dev/null -m 2 "$1" && { awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f s", b - a }'; return 0; }
		sleep 0.2
	done
	echo "-"
	return 1
}

echo "== httpd image: wrk -t1 -c$conns -d$seconds against each guest ($accel, q35, 1 vCPU, 256 MiB, tap)"
# ---- Sluice's image ----
SLUICE_ACCEL=$accel "$root/tools/qemu-boot" "$build/kernel/httpd.elf" --machine q35 --mem 256M --rng --net "tap:$tapS" \
	--module "$work/site.tar" --append "clock=$(date +%s) mgmt=port=0,ip=10.238.0.2/24" </dev/null >"$work/sluice.log" 2>&1 &
qemu=$!
up=$(wait_up "http://10.238.0.2/1k.bin" || true)
read -r r p50 p99 _ < <(run_wrk "http://10.238.0.2/1k.bin")
printf '   %-34s %10s req/s  p50 %s ms  p99 %s ms  up in %s\n' "sluice httpd image" "$r" "$p50" "$p99" "$up"
res_row httpd_image "Sluice httpd image ($(( $(stat -c %s "$build/kernel/httpd.elf") / 1024 )) KiB ELF)" "$r" "$p50 / $p99 ms" "$up"
kill "$qemu" 2>/dev/null || true
wait "$qemu" 2>/dev/null || true
qemu=""

# ---- Debian's Linux with nginx ----
if [ -z "$deb" ] || [ -z "$vmlinuz" ]; then
	echo "   (no Debian kernel in $cache: run the image suite first (boot.sh fetches it); Linux guest skipped)"
	res_note httpd_image "Linux guest: no Debian kernel package in the cache (the image suite's boot.sh fetches it): skipped."
	exit 0
fi
kver=$(basename "$vmlinuz" | sed 's/^vmlinuz-//')
ir=$work/initramfs
mkdir -p "$ir"/{proc,sys,dev,etc,tmp,www,mods,var/lib/nginx,run}
dpkg-deb -x "$deb" "$work/k"
for m in virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
	f=$(find "$work/k/lib/modules/$kver" -name "$m.ko*" | head -1)
	[ -n "$f" ] || { echo "   (module $m not in the package: Linux guest skipped)"; res_note httpd_image "Linux guest: module $m missing: skipped."; exit 0; }
	case "$f" in *.xz) xz -dc "$f" >"$ir/mods/$m.ko" ;; *.zst) zstd -qdc "$f" >"$ir/mods/$m.ko" ;; *) cp "$f" "$ir/mods/$m.ko" ;; esac
done
cp "$work/site/1k.bin" "$ir/www/"
nginx_bin=$(command -v nginx)
cp --parents "$nginx_bin" "$ir"
for lib in $(ldd "$nginx_bin" | grep -o '/[^ ]*'); do cp -L --parents "$lib" "$ir" 2>/dev/null || true; done
printf 'root:x:0:0::/:/bin/false\nnobody:x:65534:65534::/:/bin/false\n' >"$ir/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$ir/etc/group"
cat >"$ir/etc/nginx.conf" <<'EOF'
user root;
worker_processes 1;
master_process off;
daemon off;
error_log /dev/console warn;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_requests 100000000;
	default_type application/octet-stream;
	server { listen 80; root /www; }
}
EOF
cat >"$work/init.c" <<'EOF'
/* The whole of userspace: the virtio modules, eth0's address, then nginx. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void up(int s, const char *ifn, const char *addr, const char *mask)
{
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strncpy(r.ifr_name, ifn, IFNAMSIZ - 1);
	struct sockaddr_in *a = (struct sockaddr_in *)&r.ifr_addr;
	a->sin_family = AF_INET;
	if (addr) {
		inet_pton(AF_INET, addr, &a->sin_addr);
		if (ioctl(s, SIOCSIFADDR, &r))
			perror(ifn);
		inet_pton(AF_INET, mask, &a->sin_addr);
		ioctl(s, SIOCSIFNETMASK, &r);
	}
	ioctl(s, SIOCGIFFLAGS, &r);
	r.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &r))
		perror(ifn);
}
int main(void)
{
	static const char *const mods[] = { "virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
					     "virtio_pci", "failover", "net_failover", "virtio_net" };   /* in their order */
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	for (unsigned i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		char p[64];
		snprintf(p, sizeof(p), "/mods/%s.ko", mods[i]);
		int fd = open(p, O_RDONLY);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
			perror(p);
		close(fd);
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	up(s, "lo", "127.0.0.1", "255.0.0.0");
	for (int i = 0; i < 50; i++) {      /* the NIC's probe may finish after the module returns */
		if (if_nametoindex("eth0"))
			break;
		usleep(100000);
	}
	up(s, "eth0", "10.239.0.2", "255.255.255.0");
	printf("SLUICE-LINUX-NGINX\n");
	fflush(stdout);
	execl("/usr/sbin/nginx", "nginx", "-c", "/etc/nginx.conf", "-p", "/var/lib/nginx", (char *)NULL);
	perror("nginx");
	return 1;
}
EOF
gcc -static -O2 -o "$ir/init" "$work/init.c"
mknod "$ir/dev/console" c 5 1
mknod "$ir/dev/null" c 1 3
(cd "$ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initramfs.cpio.gz")
acc=tcg
[ "$accel" = kvm ] && acc=kvm
qemu-system-x86_64 -M q35 -m 256M -smp 1 -accel "$acc" -nodefaults -no-user-config -display none -no-reboot \
	-serial stdio -kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
	-netdev "tap,id=n0,ifname=$tapL,script=no,downscript=no" -device virtio-net-pci,netdev=n0 \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init net.ifnames=0" </dev/null >"$work/linux.log" 2>&1 &
qemu=$!
up=$(wait_up "http://10.239.0.2/1k.bin" || true)
read -r r p50 p99 _ < <(run_wrk "http://10.239.0.2/1k.bin")
printf '   %-34s %10s req/s  p50 %s ms  p99 %s ms  up in %s\n' "linux $kver + nginx" "$r" "$p50" "$p99" "$up"
res_row httpd_image "Debian Linux $kver + nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')" "$r" "$p50 / $p99 ms" "$up"
[ "$up" != - ] || { echo "   the Linux guest never answered:"; tail -20 "$work/linux.log"; }
res_cmd httpd_image "tools/qemu-boot build/kernel/httpd.elf --machine q35 --mem 256M --net tap:TAP --module site.tar --append 'mgmt=port=0,ip=10.238.0.2/24'"
res_cmd httpd_image "qemu-system-x86_64 -M q35 -m 256M -smp 1 -accel $acc -kernel vmlinuz-$kver -initrd initramfs.cpio.gz (init + nginx) -netdev tap,... -device virtio-net-pci"
res_cmd httpd_image "wrk -t1 -c$conns -d$seconds --latency http://GUEST/1k.bin"
res_note httpd_image "Boot to first answer: from QEMU's start to the first 200 over the tap, as seen from the host (the Linux guest's includes loading its virtio modules)."
