#!/usr/bin/env bash
# The pktgen benchmarks of docs/BENCHMARKS.md, numbers never pass/fail:
#  1. pktgen's own rate against DPDK testpmd txonly, each sending 64-byte frames as fast as
#     it can into the same kind of port (net_null, nothing received) on the same CPU, in
#     the same run, alternated; and its instructions per packet (callgrind, bench-loop);
#  2. RFC 2544 through each device under test (DUT) on two memif ports, pktgen on CPU 1,
#     the DUT on CPU 0: testpmd io-forwarding first (the ports' ceiling), then the hosted
#     l2fwd and the hosted fw (a bridge with a 3-rule ruleset); throughput per frame size
#     and its ratio to the ceiling's;
#  3. latency through each DUT at 50 % and 90 % of its 64-byte zero-loss rate (the latency
#     CDFs come from these runs' histograms);
#  4. the pktgen image sending over vhost-user into testpmd rxonly (TCG, as measured).
# Without hugepages throughout (--no-huge), the same for every process.
#
# usage: pktgen.sh SOURCE_ROOT BUILD_DIR [--quick]
# Results go to $BENCH_RESULTS (results.sh) as well as to stdout.
set -uo pipefail
root=$1 build=$2
quick=0
[ "${3:-}" != --quick ] || quick=1
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
export SLUICE_BUILD=$build SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-pktgen.XXXXXX")
dut_pid=""
cleanup() {
	[ -z "$dut_pid" ] || kill -INT "$dut_pid" 2>/dev/null
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
sluice="$root/tools/sluice"
hosted="$build/hosted/sluice-hosted"
if [ "$quick" = 1 ]; then
	seconds=3 sizes=64 trial=0.3 drain=0.1 resolution=2 lat_s=0.5
else
	seconds=10 sizes=64,128,256,512,1024,1280,1518 trial=2 drain=0.5 resolution=0.5 lat_s=5
fi
# Loss a trial may have and pass: on this machine's two shared vCPUs a process stops for
# several milliseconds now and then (steal time), which overflows a 1,024-slot memif ring
# at any rate worth measuring; 0.01 % lost is tolerated, said beside the numbers.
tolerance=${SLUICE_RFC2544_TOLERANCE:-0.01}
eal() { # PREFIX CPU
	echo "--no-huge -m 512 --no-pci --no-telemetry --log-level=*:error --file-prefix=bench-pg-$1-$$ --lcores 0@$2"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {'d': d}))" "$@"; }

echo "== pktgen: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"

# ---- 1. pktgen against testpmd txonly -------------------------------------------------------
null="net_null0,no-rx=1"
tp_cmd="dpdk-testpmd --no-huge -m 512 --no-pci --no-telemetry --log-level=*:error --file-prefix=bench-pg-tp-$$ --lcores 0@0,1@0 --vdev $null -- --forward-mode=txonly --txpkts=60 --nb-cores=1 --stats-period=1 --total-num-mbufs=16384"
pg_cmd="$sluice pktgen --tx dpdk:$null --size 64 --duration $seconds --no-latency --eal '$(eal tx 0)' --json $work/tx.json"
echo "== generating 64-byte frames as fast as the port takes them, ${seconds} s a run, CPU 0, alternated twice"
echo "   testpmd: timeout -s INT $((seconds + 2)) $tp_cmd"
echo "   pktgen:  $pg_cmd"
tp_best=0 pg_best=0
for round in 1 2; do
	timeout -s INT $((seconds + 2)) $tp_cmd < <(sleep $((seconds + 5))) >"$work/tp.log" 2>&1   # stdin open: no "Press enter" exit
	tp=$(awk '/NIC statistics for port 0/ { p = 1 } p && /Tx-pps:/ { print $2; p = 0 }' "$work/tp.log" |
		awk '$1 > 0' | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }')
	pg=0
	eval "$pg_cmd" >/dev/null 2>"$work/pg.err" && pg=$(json "$work/tx.json" "d['streams'][0]['tx_pps']")
	printf '   round %d: testpmd txonly %s Mpps, pktgen %s Mpps\n' "$round" "$(res_mpps "$tp")" "$(res_mpps "$pg")"
	[ "$tp" -gt "$tp_best" ] && tp_best=$tp
	[ "$pg" -gt "$pg_best" ] && pg_best=$pg
done
ratio=$(awk -v a="$pg_best" -v b="$tp_best" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "-" }')
echo "   testpmd txonly $(res_mpps "$tp_best") Mpps, pktgen $(res_mpps "$pg_best") Mpps: $ratio % (goal >= 95 %)"
res_table pktgen_tx "pktgen's own rate against testpmd txonly (64-byte frames, net_null, one core, no hugepages)"
res_cols pktgen_tx "generator" "Mpps" "% of testpmd txonly"
res_row pktgen_tx "testpmd txonly" "$(res_mpps "$tp_best")" "100"
res_row pktgen_tx "sluice pktgen" "$(res_mpps "$pg_best")" "$ratio"
res_cmd pktgen_tx "timeout -s INT $((seconds + 2)) $tp_cmd"
res_cmd pktgen_tx "${pg_cmd//$work/WORK}"
res_note pktgen_tx "the better of two alternated runs each; testpmd: the median of its non-zero per-second Tx-pps (its stats thread shares the CPU with its forwarding one); pktgen: frames the port took / sending time"

# ---- 1b. instructions per packet -------------------------------------------------------------
cg_packets=$([ "$quick" = 1 ] && echo 100000 || echo 1000000)
res_table pktgen_ipp "pktgen's instructions per packet made and sent (callgrind, in-memory ports)"
res_cols pktgen_ipp "stream" "instructions/packet"
echo "== callgrind: instructions per packet pktgen makes and sends ($cg_packets, in-memory ports)"
for opts in "" "flows=1000,dport=1-1000,random" "size=imix"; do
	cg="valgrind --tool=callgrind --callgrind-out-file=$work/cg.out --toggle-collect=app_run $build/tools/bench/bench-loop pktgen $cg_packets 64 ${opts:-''}"
	if eval "$cg" >/dev/null 2>"$work/cg.log"; then
		ipp=$(awk -v ir="$(grep -m1 '^summary:' "$work/cg.out" | awk '{print $2}')" -v n="$cg_packets" 'BEGIN { printf "%.1f", ir / n }')
	else
		ipp="-"
	fi
	echo "   ${opts:-64-byte UDP, one flow}: $ipp instructions/packet"
	res_row pktgen_ipp "${opts:-64-byte UDP, one flow}" "$ipp"
	res_cmd pktgen_ipp "${cg//$work/WORK}"
done
res_note pktgen_ipp "the whole round per packet: pacing, allocation, the frame from its template, checksums, the send and its bookkeeping; ports that take everything and free it"

# ---- 2. and 3. RFC 2544 and latency through each DUT --------------------------------------
start_dut() { # NAME: the DUT on two memif servers, on CPU 0
	local m0="$work/m0.sock" m1="$work/m1.sock"
	rm -f "$m0" "$m1" "$work/dut.in"
	mkfifo "$work/dut.in"
	local ports="net_memif0,role=server,socket=$m0 net_memif1,role=server,socket=$m1"
	case "$1" in
	testpmd)
		dut_cmd="dpdk-testpmd --no-huge -m 512 --no-pci --no-telemetry --log-level=*:error --file-prefix=bench-pg-dut-$$ --lcores 0@0,1@0 --vdev net_memif0,role=server,socket=$m0 --vdev net_memif1,role=server,socket=$m1 -- --forward-mode=io --nb-cores=1 --total-num-mbufs=16384" ;;
	l2fwd)
		dut_cmd="$hosted l2fwd --quiet --eal '$(eal dut 0)' --port dpdk:${ports%% *} --port dpdk:${ports##* }" ;;
	fw)
		printf '%s\n' 'chain forward policy drop {' 'ct state established,related accept' 'udp dport 1024 accept' 'counter drop' '}' >"$work/fw.conf"
		dut_cmd="$hosted fw --quiet --config $work/fw.conf --eal '$(eal dut 0)' --port dpdk:${ports%% *} --port dpdk:${ports##* }" ;;
	esac
	eval "exec $dut_cmd" <"$work/dut.in" >"$work/dut.log" 2>&1 &
	dut_pid=$!
	exec {dut_in}>"$work/dut.in"
	local i
	for ((i = 0; i < 100; i++)); do [ -S "$m0" ] && [ -S "$m1" ] && break; sleep 0.1; done
	sleep 0.5
}
stop_dut() {
	exec {dut_in}>&-
	kill -INT "$dut_pid" 2>/dev/null
	local i
	for ((i = 0; i < 50; i++)); do kill -0 "$dut_pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$dut_pid" 2>/dev/null
	wait "$dut_pid" 2>/dev/null
	dut_pid=""
}
pg_ports() { echo "--tx dpdk:net_memif0,role=client,socket=$work/m0.sock --rx dpdk:net_memif1,role=client,socket=$work/m1.sock"; }

res_table rfc2544 "RFC 2544 throughput through each DUT (memif ports, DUT on CPU 0, pktgen on CPU 1)"
res_cols rfc2544 "DUT" "frame size" "throughput Mpps" "Gbit/s on the wire" "% of testpmd io-fwd" "latency p50 us at throughput" "trials"
res_table latency "Latency through each DUT at 50 % and 90 % of its 64-byte zero-loss rate"
res_cols latency "DUT" "load" "Mpps" "min us" "p50 us" "p99 us" "p99.9 us" "max us" "lost"
res_table latency_cdf "Latency CDF through each DUT at 90 % of its 64-byte zero-loss rate"
res_cols latency_cdf "series" "latency us" "fraction"
res_hide latency_cdf
res_table rfc2544_chart "RFC 2544 throughput by frame size"
res_cols rfc2544_chart "series" "frame size" "Mpps"
res_hide rfc2544_chart
declare -A ceiling=()
for dut in testpmd l2fwd fw; do
	start_dut "$dut"
	cmd="$sluice pktgen $(pg_ports) --rfc2544 --sizes $sizes --trial $trial --drain $drain --resolution $resolution --tolerance $tolerance --no-loss-curve --eal '$(eal pg 1)' --json $work/rfc-$dut.json"
	echo "== RFC 2544 through $dut"
	echo "   DUT:    ${dut_cmd//$work/WORK}"
	echo "   pktgen: ${cmd//$work/WORK}"
	res_cmd rfc2544 "${dut_cmd//$work/WORK}"
	res_cmd rfc2544 "${cmd//$work/WORK}"
	if ! eval "timeout 900 $cmd" >"$work/rfc.txt" 2>"$work/rfc.err"; then
		echo "   pktgen failed: $(tail -2 "$work/rfc.err")"
		res_note rfc2544 "$dut: pktgen failed: $(tail -1 "$work/rfc.err")"
		stop_dut
		continue
	fi
	sed 's/^/   /' "$work/rfc.txt"
	while read -r size tput lat trials; do
		[ "$dut" != testpmd ] || ceiling[$size]=$tput
		pct=$(awk -v a="$tput" -v b="${ceiling[$size]:-0}" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "-" }')
		gbps=$(awk -v p="$tput" -v s="$size" 'BEGIN { printf "%.3f", p * (s + 20) * 8 / 1e9 }')
		res_row rfc2544 "$dut" "$size" "$(res_mpps "$tput")" "$gbps" "$pct" "$(awk -v n="$lat" 'BEGIN { printf "%.1f", n / 1000 }')" "$trials"
		res_row rfc2544_chart "$dut" "$size" "$(res_mpps "$tput")"
	done < <(json "$work/rfc-$dut.json" "'\n'.join(f\"{r['frame_size']} {r['throughput_pps']} {r.get('latency_ns', {}).get('p50', 0)} {r['trials']}\" for r in d['rfc2544']['results'])")
	t64=$(json "$work/rfc-$dut.json" "d['rfc2544']['results'][0]['throughput_pps']")
	for load in 50 90; do
		rate=$((t64 * load / 100))
		[ "$rate" -gt 0 ] || continue
		lcmd="$sluice pktgen $(pg_ports) --size 64 --rate ${rate}pps --warmup 0.2 --duration $lat_s --eal '$(eal pg 1)' --json $work/lat-$dut-$load.json"
		res_cmd latency "${lcmd//$work/WORK}"
		eval "timeout 120 $lcmd" >/dev/null 2>"$work/lat.err" || { echo "   latency at $load %: $(tail -1 "$work/lat.err")"; continue; }
		read -r mn p50 p99 p999 mx lost < <(json "$work/lat-$dut-$load.json" "' '.join(str(d['streams'][0]['latency_ns'][k]) for k in ('min','p50','p99','p999','max')) + ' ' + str(d['streams'][0]['lost'])")
		us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
		echo "   latency at $load % ($(res_mpps "$rate") Mpps): min $(us "$mn") p50 $(us "$p50") p99 $(us "$p99") p99.9 $(us "$p999") max $(us "$mx") us, $lost lost"
		res_row latency "$dut" "$load %" "$(res_mpps "$rate")" "$(us "$mn")" "$(us "$p50")" "$(us "$p99")" "$(us "$p999")" "$(us "$mx")" "$lost"
		if [ "$load" = 90 ]; then
			json "$work/lat-$dut-$load.json" "'\n'.join(x for x in (lambda h, n: [f'{u/1000:.3f} {c/n:.5f}' for u, c in __import__('itertools').accumulate(h, lambda a, b: (b[0], a[1] + b[1]))])(d['streams'][0]['histogram'], max(1, d['streams'][0]['latency_ns']['samples'])))" |
				while read -r u f; do res_row latency_cdf "$dut" "$u" "$f"; done
		fi
	done
	stop_dut
done
res_note rfc2544 "trial $trial s, drain $drain s, resolution $resolution % of the top rate, $tolerance % loss tolerated (this machine's vCPUs stall for milliseconds now and then: with none tolerated the search measures the stalls); the fw is a bridge with 'udp dport 1024 accept' over conntrack"
res_chart rfc2544_chart bench/rfc2544.png line "frame size" "Mpps" series "RFC 2544 throughput by frame size"
res_chart latency_cdf bench/latency_cdf.png cdf,logx "latency us" "fraction" series "Latency CDF at 90 % of the zero-loss rate (64 bytes)"

# ---- 4. the image over vhost-user ----------------------------------------------------------
echo "== the pktgen image (TCG) sending over vhost-user into testpmd rxonly"
vu="$work/vu0"
rm -f "$vu"
rx_cmd="dpdk-testpmd --no-huge -m 512 --no-pci --no-telemetry --log-level=*:error --file-prefix=bench-pg-vu-$$ --lcores 0@0,1@0 --vdev net_vhost0,iface=$vu,queues=1 -- --forward-mode=rxonly --nb-cores=1 --stats-period=1 --total-num-mbufs=16384"
mkfifo "$work/vu.in"
eval "exec $rx_cmd" <"$work/vu.in" >"$work/vu.log" 2>&1 &
vu_pid=$!
exec {vu_in}>"$work/vu.in"
for ((i = 0; i < 100; i++)); do [ -S "$vu" ] && break; sleep 0.1; done
icmd="$sluice pktgen --image --net vhost-user:$vu --size 64 --duration $seconds --no-latency --json $work/img.json"
echo "   testpmd: ${rx_cmd//$work/WORK}"
echo "   pktgen:  ${icmd//$work/WORK}"
res_table pktgen_image "The pktgen image sending over vhost-user (TCG, as measured)"
res_cols pktgen_image "image" "sent Mpps" "frames sent" "frames testpmd received"
res_cmd pktgen_image "${rx_cmd//$work/WORK}"
res_cmd pktgen_image "${icmd//$work/WORK}"
if eval "timeout 300 $icmd" >/dev/null 2>"$work/img.err"; then
	img=$(json "$work/img.json" "d['streams'][0]['tx_pps']")
	exec {vu_in}>&-
	kill -INT "$vu_pid"; wait "$vu_pid" 2>/dev/null
	sent=$(json "$work/img.json" "d['streams'][0]['tx_packets']")
	got=$(grep -E 'RX-packets:' "$work/vu.log" | tail -1 | awk '{ print $2 }')
	echo "   pktgen image $(res_mpps "$img") Mpps sent ($sent frames); testpmd received ${got:-0} of them"
	res_row pktgen_image "pktgen.elf, microvm, $SLUICE_ACCEL" "$(res_mpps "$img")" "$sent" "${got:-0}"
else
	exec {vu_in}>&-
	kill -INT "$vu_pid"; wait "$vu_pid" 2>/dev/null
	echo "   the image did not run: $(tail -1 "$work/img.err")"
	res_skip pktgen_image "the image did not run: $(tail -1 "$work/img.err")"
fi
