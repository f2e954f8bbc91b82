#!/usr/bin/env bash
# The static server (apps/httpd) beside Debian's nginx, one worker, serving the same
# folder over the same kind of path (docs/BENCHMARKS.md). Numbers, never pass/fail.
# Needs root (network namespaces), wrk and nginx.
#
# usage: httpd.sh SOURCE_ROOT BUILD_DIR [SECONDS] [--quick]
#
# Three namespaces: the client's (C, wrk), Sluice's (S) and nginx's (N), C joined to each
# by a veth pair. The hosted httpd runs in S on its veth end through the afpacket backend,
# pinned to CPU 1, its own addresses in-band (10.236.0.2); nginx runs in N on the kernel's
# stack, one worker pinned to CPU 1 (sendfile, keep-alive, no access log, the same
# certificate: ECDSA P-256, TLS 1.2); wrk runs in C on CPU 0, one thread, keep-alive, the
# same connections and seconds against each. Files: 1 KiB and 1 MiB; HTTP and HTTPS.
# One server at a time; each run once (--quick: 3 s runs, fewer rows).
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
conns=32
res_table httpd "Requests a second and latency (wrk, keep-alive, $conns connections, ${seconds} s): hosted Sluice httpd against nginx, one worker each, on veths"
res_cols httpd file protocol "Sluice req/s" "Sluice p50 / p99" "nginx req/s" "nginx p50 / p99" "Sluice / nginx"
if ! { [ "$(id -u)" = 0 ] && command -v wrk >/dev/null && command -v nginx >/dev/null; }; then
	echo "== httpd: needs root, wrk and nginx, skipped"
	res_skip httpd "needs root, wrk and nginx"
	exit 0
fi
hosted=$build/hosted/sluice-hosted
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchhttpd.XXXXXX")
C=bhc$$ S=bhs$$ N=bhn$$
app="" ngx=""
cleanup() {
	[ -z "$app" ] || kill "$app" 2>/dev/null || true
	[ -z "$ngx" ] || kill "$ngx" 2>/dev/null || true
	wait 2>/dev/null || true
	for ns in "$C" "$S" "$N"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# the namespaces and veths: C 10.236.0.1 <-> S (Sluice 10.236.0.2), C 10.237.0.1 <-> N 10.237.0.2
for ns in "$C" "$S" "$N"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add bhs$$ type veth peer name bhsc$$
ip link add bhn$$ type veth peer name bhnc$$
ip link set bhs$$ netns "$S"; ip link set bhn$$ netns "$N"
ip link set bhsc$$ netns "$C"; ip link set bhnc$$ netns "$C"
ip -n "$C" addr add 10.236.0.1/24 dev bhsc$$; ip -n "$C" addr add 10.237.0.1/24 dev bhnc$$
ip -n "$N" addr add 10.237.0.2/24 dev bhn$$
ip netns exec "$S" sysctl -qw "net.ipv6.conf.bhs$$.disable_ipv6=1"
for l in "$C bhsc$$" "$C bhnc$$" "$S bhs$$" "$N bhn$$"; do
	set -- $l
	ip -n "$1" link set "$2" up
	# the kernel's segmentation offloads off on every end, so that both servers get and
	# send MTU-sized frames (the afpacket backend's rings hold frames, not 64 KiB segments)
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
done

# the site and the keys
mkdir -p "$work/site"
head -c 1024 /dev/urandom >"$work/site/1k.bin"
head -c 1048576 /dev/urandom >"$work/site/1m.bin"
"$root/tools/httpd/sitepack" "$work/site" "$work/site"
"$root/tools/sluice" keys "$work/k" --https >/dev/null

ip netns exec "$S" taskset -c 1 "$hosted" httpd --quiet --port "afpacket:iface=bhs$$" --mgmt "port=0,ip=10.236.0.2/24" \
	--config "$work/site.tar" --keys "$work/k" >"$work/sluice.log" 2>&1 &
app=$!
cat >"$work/nginx.conf" <<EOF
user root;
worker_processes 1;
worker_cpu_affinity 10;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 100000000;
	open_file_cache max=100;
	default_type application/octet-stream;
	ssl_protocols TLSv1.2;
	ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;
	server {
		listen 10.237.0.2:80;
		listen 10.237.0.2:443 ssl;
		ssl_certificate $work/k/https.crt;
		ssl_certificate_key $work/k/https.key;
		root $work/site;
	}
}
EOF
ip netns exec "$N" nginx -c "$work/nginx.conf" -p "$work" >"$work/nginx.log" 2>&1 &
ngx=$!
for _ in $(seq 100); do
	ip netns exec "$C" curl -s -o /dev/null http://10.236.0.2/1k.bin && ip netns exec "$C" curl -s -o /dev/null http://10.237.0.2/1k.bin && break
	sleep 0.2
done

# wrk URL -> "REQS P50 P99 ERRORS" (wrk.sh)
run_wrk() {
	ip netns exec "$C" taskset -c 0 wrk -t1 -c"$conns" -d"$seconds" --latency "$1" >"$work/wrk.out" 2>&1 || true
	wrk_summary "$work/wrk.out"
}

echo "== httpd: wrk -t1 -c$conns -d$seconds --latency, Sluice (hosted, afpacket, CPU 1) and nginx (1 worker, CPU 1); wrk on CPU 0"
printf '   %-8s %-6s %14s %18s %14s %18s %8s\n' file proto "sluice req/s" "p50/p99 ms" "nginx req/s" "p50/p99 ms" ratio
rows=("1k.bin http" "1k.bin https" "1m.bin http" "1m.bin https")
[ "$quick" = 0 ] || rows=("1k.bin http" "1m.bin http" "1k.bin https")
for row in "${rows[@]}"; do
	set -- $row
	f=$1 p=$2
	host_s=10.236.0.2 host_n=10.237.0.2
	read -r rs s50 s99 se < <(run_wrk "$p://$host_s/$f")
	[ "$se" = ok ] || echo "   (sluice: $se)"
	read -r rn n50 n99 ne < <(run_wrk "$p://$host_n/$f")
	[ "$ne" = ok ] || echo "   (nginx: $ne)"
	ratio=$(awk -v a="$rs" -v b="$rn" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	printf '   %-8s %-6s %14s %18s %14s %18s %8s\n' "$f" "$p" "$rs" "$s50 / $s99" "$rn" "$n50 / $n99" "$ratio"
	res_row httpd "$([ "$f" = 1k.bin ] && echo "1 KiB" || echo "1 MiB")" "$p" "$rs" "$s50 / $s99 ms" "$rn" "$n50 / $n99 ms" "$ratio"
done
res_cmd httpd "ip netns exec S taskset -c 1 sluice-hosted httpd --port afpacket:iface=VETH --mgmt port=0,ip=10.236.0.2/24 --config site.tar --keys KEYS"
res_cmd httpd "ip netns exec N nginx -c nginx.conf   # worker_processes 1, worker_cpu_affinity CPU 1, sendfile, TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256"
res_cmd httpd "ip netns exec C taskset -c 0 wrk -t1 -c$conns -d$seconds --latency URL"
res_note httpd "Both on veths from the client's namespace, segmentation offloads off on every end (net.core.netdev_max_backlog as the machine has it). Sluice's TLS is mbedTLS 2.28 (hosted: AES-NI and PCLMULQDQ; 4 KiB records), nginx's OpenSSL 3 (16 KiB records); both ECDHE-ECDSA-AES128-GCM-SHA256."
