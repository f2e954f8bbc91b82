#!/usr/bin/env bash
# The l2fwd benchmarks of docs/BENCHMARKS.md (before: the first parts of run.sh). Numbers,
# never pass/fail.
#
# usage: l2fwd.sh BUILD_DIR [--only PART[,PART...]] [--seconds N] [--packets N] [--quick]
# PARTs, ipp,throughput by default:
#  ipp         instructions per packet of the l2fwd burst loop (and of l2fwd with the
#              parse stage) under callgrind: repeatable whatever else the machine does;
#  virtio      the same through the image's virtio driver over a simulated device
#              (bench-virtio; the image suite runs it);
#  throughput  hosted l2fwd against DPDK testpmd io-forwarding on the same two ports
#              (net_pcap replaying 64-byte frames with infinite_rx=1 in, net_null with
#              no-rx=1 out), each on one forwarding core, as a ratio measured in the same
#              run: alternated twice, the better run of each, on 2 MiB hugepages (the fair
#              ceiling) and without.
# --quick: 200,000 packets under callgrind, 4 s runs, one round, one memory mode
# (hugepages when the kernel gives them, else 4 KiB pages).
# Results go to $BENCH_RESULTS (results.sh) when it is set.
set -euo pipefail
build=$1; shift
seconds=10 packets=1000000 only=ipp,throughput quick=0 rounds=2
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--packets) packets=$2; shift ;;
	--quick) quick=1 ;;
	*) echo "l2fwd.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
if [ "$quick" = 1 ]; then
	packets=200000 seconds=4 rounds=1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
# shellcheck source=huge.sh
. "$(dirname "$0")/huge.sh"
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
trap 'huge_release 2>/dev/null || true; rm -rf "$work"' EXIT
want() { [[ ",$only," == *",$1,"* ]]; }

# ---- instructions per packet --------------------------------------------------------------
callgrind_ipp() { # APP OPTS -> instructions per packet in app_run
	local out="$work/cg.out"
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=app_run \
		"$build/tools/bench/bench-loop" l2fwd "$packets" 64 "$1" >/dev/null 2>"$work/cg.log"
	local ir
	ir=$(grep -m1 '^summary:' "$out" | awk '{print $2}')
	awk -v ir="$ir" -v n="$packets" 'BEGIN { printf "%.1f", ir / n }'
}
if want ipp; then
	echo "== callgrind: instructions per packet, $packets 64-byte packets through app_run"
	cmd="valgrind --tool=callgrind --toggle-collect=app_run $build/tools/bench/bench-loop l2fwd $packets 64 [validate]"
	echo "   command: $cmd"
	res_table l2fwd_ipp "Instructions per packet (callgrind, in-memory ports, $packets 64-byte packets)"
	res_cols l2fwd_ipp pipeline instructions/packet
	res_cmd l2fwd_ipp "$cmd"
	v=$(callgrind_ipp "")
	printf '   l2fwd            %s instructions/packet\n' "$v"
	res_row l2fwd_ipp l2fwd "$v"
	v=$(callgrind_ipp validate)
	printf '   l2fwd validate   %s instructions/packet (parse stage in front)\n' "$v"
	res_row l2fwd_ipp "l2fwd with the parse stage in front (validate)" "$v"
fi
virtio_ipp() { # OPTS -> instructions per packet of the image's path: virtio RX ring -> app -> TX ring
	local out="$work/cgv.out"
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect=app_run --toggle-collect=sim_step \
		"$build/tools/bench/bench-virtio" l2fwd "$packets" "$1" >/dev/null 2>"$work/cg.log"
	awk -v ir="$(grep -m1 '^summary:' "$out" | awk '{print $2}')" -v n="$packets" 'BEGIN { printf "%.1f", ir / n }'
}
if want virtio; then
	echo "== callgrind: instructions per packet of the image's path, $packets 64-byte packets"
	cmd="valgrind --tool=callgrind --toggle-collect=app_run --toggle-collect=sim_step $build/tools/bench/bench-virtio l2fwd $packets [validate]"
	echo "   command: $cmd"
	res_table virtio_ipp "Instructions per packet of the image's path (callgrind, virtio driver over a simulated device)"
	res_cols virtio_ipp path instructions/packet
	res_cmd virtio_ipp "$cmd"
	v=$(virtio_ipp "")
	printf '   l2fwd on virtio  %s instructions/packet (the image path: RX ring, refill, l2fwd, TX ring, reclaim)\n' "$v"
	res_row virtio_ipp "l2fwd on virtio ports" "$v"
	v=$(virtio_ipp validate)
	printf '   + validate       %s instructions/packet\n' "$v"
	res_row virtio_ipp "l2fwd + parse stage on virtio ports" "$v"
fi

# ---- throughput against testpmd ----------------------------------------------------------
want throughput || exit 0
pcap="$work/in.pcap"
printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=18 / repeat 1024\n' >"$work/in.pkts"
"$build/tools/capgen/capgen" -o "$pcap" "$work/in.pkts"
port0="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
port1="net_null0,no-rx=1"
echo "== throughput: ${seconds} s per run, 64-byte frames, port 0 $port0 -> port 1 $port1"
echo "   both on CPU 0 with one forwarding core, alternated $rounds times; the better run of each counts"
res_table l2fwd_tput "Throughput against testpmd io-forwarding (64-byte frames, one core each, ${seconds} s runs, better of $rounds)"
res_cols l2fwd_tput memory "testpmd io-fwd (Mpps)" "Sluice l2fwd (Mpps)" ratio "each round, testpmd / Sluice (Mpps)"
res_note l2fwd_tput "Ports for both: port 0 net_pcap replaying 1,024 64-byte UDP frames (infinite_rx=1), port 1 net_null (no-rx=1). testpmd: median of its per-second rates; Sluice: packets sent / run time. Only the hugepage row is a fair ceiling (4 KiB pages: testpmd's pool keeps one mbuf a page, Sluice's is packed)."
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
	res_cmd l2fwd_tput "timeout -s INT $((seconds + 2)) $testpmd_cmd"
	res_cmd l2fwd_tput "$sl_cmd"
	local tp=0 sl=0 t s round each=""
	for ((round = 1; round <= rounds; round++)); do
		t=$(testpmd_run); s=$(sluice_run)
		printf '   round %d: testpmd %.3f Mpps, sluice %.3f Mpps\n' "$round" "$(awk -v v="$t" 'BEGIN{print v/1e6}')" "$(awk -v v="$s" 'BEGIN{print v/1e6}')"
		each+="${each:+; }$(res_mpps "$t") / $(res_mpps "$s")"
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$s" -gt "$sl" ] && sl=$s
	done
	awk -v tp="$tp" -v sl="$sl" 'BEGIN {
		printf "   testpmd io-fwd   %.3f Mpps (median of its per-second rates)\n", tp / 1e6
		printf "   sluice l2fwd     %.3f Mpps (packets sent / run time)\n", sl / 1e6
		if (tp > 0) printf "   ratio            %.1f%% of testpmd\n", 100 * sl / tp
	}'
	res_row l2fwd_tput "$1" "$(res_mpps "$tp")" "$(res_mpps "$sl")" \
		"$(awk -v tp="$tp" -v sl="$sl" 'BEGIN { if (tp > 0) printf "%.1f %%", 100 * sl / tp; else print "-" }')" "$each"
}
if [ "$quick" = 1 ]; then
	huge_one_mode "$work" throughput l2fwd_tput
else
	huge_both_modes "$work" throughput l2fwd_tput
fi
