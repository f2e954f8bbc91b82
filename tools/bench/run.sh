#!/usr/bin/env bash
# The benchmarks of docs/BENCHMARKS.md. Numbers, never pass/fail.
#
# usage: run.sh BUILD_DIR [--seconds N] [--packets N]
#  1. instructions per packet of the l2fwd burst loop (and of l2fwd with the parse stage)
#     under callgrind: repeatable whatever else the machine does;
#  2. hosted l2fwd against DPDK testpmd io-forwarding on the same two ports (net_pcap
#     replaying 64-byte frames with infinite_rx=1 in, net_null with no-rx=1 out), each on
#     one forwarding core, as a ratio measured in the same run.
set -euo pipefail
build=$1; shift
seconds=10
packets=1000000
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift ;;
	--packets) packets=$2; shift ;;
	*) echo "bench: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
trap 'huge_release 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"

# ---- 1. instructions per packet -----------------------------------------------------------
callgrind_ipp() { # APP OPTS -> instructions per packet in app_run
	local out="$work/cg.out"
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=app_run \
		"$build/tools/bench/bench-loop" l2fwd "$packets" 64 "$1" >/dev/null 2>"$work/cg.log"
	local ir
	ir=$(grep -m1 '^summary:' "$out" | awk '{print $2}')
	awk -v ir="$ir" -v n="$packets" 'BEGIN { printf "%.1f", ir / n }'
}
echo "== callgrind: instructions per packet, $packets 64-byte packets through app_run"
echo "   command: valgrind --tool=callgrind --toggle-collect=app_run $build/tools/bench/bench-loop l2fwd $packets 64 [validate]"
printf '   l2fwd            %s instructions/packet\n' "$(callgrind_ipp "")"
printf '   l2fwd validate   %s instructions/packet (parse stage in front)\n' "$(callgrind_ipp validate)"
virtio_ipp() { # OPTS -> instructions per packet of the image's path: virtio RX ring -> app -> TX ring
	local out="$work/cgv.out"
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=app_run --toggle-collect=sim_step \
		"$build/tools/bench/bench-virtio" l2fwd "$packets" "$1" >/dev/null 2>"$work/cg.log"
	awk -v ir="$(grep -m1 '^summary:' "$out" | awk '{print $2}')" -v n="$packets" 'BEGIN { printf "%.1f", ir / n }'
}
echo "   command: valgrind --tool=callgrind --toggle-collect=app_run --toggle-collect=sim_step $build/tools/bench/bench-virtio l2fwd $packets [validate]"
printf '   l2fwd on virtio  %s instructions/packet (the image path: RX ring, refill, l2fwd, TX ring, reclaim)\n' "$(virtio_ipp "")"
printf '   + validate       %s instructions/packet\n' "$(virtio_ipp validate)"

# ---- 2. throughput against testpmd ----------------------------------------------------------
pcap="$work/in.pcap"
printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=18 / repeat 1024\n' >"$work/in.pkts"
"$build/tools/capgen/capgen" -o "$pcap" "$work/in.pkts"
port0="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
port1="net_null0,no-rx=1"
echo "== throughput: ${seconds} s per run, 64-byte frames, port 0 $port0 -> port 1 $port1"
echo "   both on CPU 0 with one forwarding core, alternated twice; the better run of each counts"
testpmd_run() { # -> median of port 1's per-second TX rates, first two seconds left out (pps)
	timeout -s INT $((seconds + 2)) $testpmd_cmd >"$work/testpmd.log" 2>&1 || true
	awk '/NIC statistics for port 1/ { p = 1 } p && /Tx-pps:/ { print $2; p = 0 }' "$work/testpmd.log" |
		tail -n +3 | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'
}
sluice_run() { # -> packets sent / run time (pps)
	eval "$sl_cmd" >"$work/sluice.log" 2>&1 || { cat "$work/sluice.log" >&2; echo 0; return; }
	grep -E '^l2fwd:' "$work/sluice.log" | sed -E 's/.*\(([0-9.]+) Mpps out\).*/\1/' | awk '{ printf "%d\n", $1 * 1e6 }'
}
throughput() { # WHAT EAL_MEMORY_ARGS
	local common="$2 --no-pci --log-level=*:error"
	testpmd_cmd="dpdk-testpmd $common --file-prefix=bench-tp-$$ --lcores 0@0,1@0 --vdev $port0 --vdev $port1 -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=16384"
	sl_cmd="$build/hosted/sluice-hosted l2fwd --quiet --duration $seconds --eal '$common --file-prefix=bench-sl-$$ --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1"
	echo "   memory: $1"
	echo "   testpmd: timeout -s INT $((seconds + 2)) $testpmd_cmd"
	echo "   sluice:  $sl_cmd"
	local tp=0 sl=0 t s round
	for round in 1 2; do
		t=$(testpmd_run); s=$(sluice_run)
		printf '   round %d: testpmd %.3f Mpps, sluice %.3f Mpps\n' "$round" "$(awk -v v="$t" 'BEGIN{print v/1e6}')" "$(awk -v v="$s" 'BEGIN{print v/1e6}')"
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$s" -gt "$sl" ] && sl=$s
	done
	awk -v tp="$tp" -v sl="$sl" 'BEGIN {
		printf "   testpmd io-fwd   %.3f Mpps (median of its per-second rates)\n", tp / 1e6
		printf "   sluice l2fwd     %.3f Mpps (packets sent / run time)\n", sl / 1e6
		if (tp > 0) printf "   ratio            %.1f%% of testpmd\n", 100 * sl / tp
	}'
}
# shellcheck source=huge.sh
. "$(dirname "$0")/huge.sh"
huge_both_modes "$work" throughput

# ---- 3. packets through the image -------------------------------------------------------
"$(dirname "$0")/image_net.sh" "$(cd "$(dirname "$0")/../.." && pwd)" "$build" 200000 256

# ---- 4. boot ----------------------------------------------------------------------------
"$(dirname "$0")/boot.sh" "$(cd "$(dirname "$0")/../.." && pwd)" "$build"

# ---- 5. the fw appliance ------------------------------------------------------------------
"$(dirname "$0")/fw.sh" "$build" "$seconds"
"$(dirname "$0")/nft.sh" "$build" "$seconds"

# ---- 6. the management plane --------------------------------------------------------------
"$(dirname "$0")/mgmt.sh" "$(cd "$(dirname "$0")/../.." && pwd)" "$build"

# ---- 7. the control socket ----------------------------------------------------------------
"$(dirname "$0")/ctl.sh" "$(cd "$(dirname "$0")/../.." && pwd)" "$build"
