#!/usr/bin/env bash
# The lb appliance's benchmarks (docs/BENCHMARKS.md, "lb"). Numbers, never pass/fail.
#
# usage: lb.sh SOURCE_ROOT BUILD_DIR [SECONDS] [--quick] [--only PART[,PART...]]
# PARTs, all by default: ipp (1), native (2), rebuild (3), testpmd (4), veth (5):
#  1. instructions per packet (callgrind over bench-lb, in-memory ports; bench_lb.c says
#     how): a service of 100 backends, dsr by MAC rewrite, dsr by IP-in-IP and GUE, dsr over
#     TCP, nat client to backend and its answers, at 1,000 and 1,000,000 flows; every packet
#     a new flow (dsr's Maglev lookup and affinity insert; nat's connection); l2fwd on the
#     same ports (the harness's own share). And where the instructions go: callgrind's
#     functions, the top 10, for dsr and nat, and the sums by part of Sluice;
#  2. Mpps natively (bench-lb, one core), each against l2fwd on the same in-memory ports in
#     the same run (no NIC driver in these rates), at 1,000 and 1,000,000 flows; new flows
#     a second;
#  3. the Maglev tables built again for 1,000 backends (table 65,537, and the largest,
#     1,048,573), equal weights and weights 1..100: the population alone (lbm_build), the
#     running view (lb_set_build), the appliance's whole rebuild and swap (lba_set_swap:
#     what a reload, a weight, a drain or a failed health check costs), in CPU time (the
#     median of 21 runs; the wall clock beside); and how many entries move when one
#     backend of 1,000 goes down;
#  4. Mpps of sluice-hosted lb against testpmd io-forwarding on the same DPDK ports
#     (net_pcap replaying one 64-byte UDP frame of each of 1,000 or 1,000,000 flows to a
#     VIP in, net_null out), dsr and nat, one core each, alternated twice in the same run,
#     better run of each, on 2 MiB hugepages (the fair ceiling, when the kernel gives them:
#     huge.sh) and without. Each flow's first frame creates it; lb's rate is taken over the
#     replay's later passes (two snapshots of its counters by SIGUSR1, once the first pass
#     is through), testpmd's is the median of its per-second rates;
#  5. beside Linux IPVS on veths (root, network namespaces, and a kernel with IPVS and
#     ipvsadm: skipped, saying so, without them): pktgen in one namespace sends 64-byte UDP
#     frames of 1,000 and 30,000 flows (100 clients) to the VIP out of p0 into the
#     balancer's clients link and receives on p1 what it sends out of its servers link
#     (100 backends, their neighbours p1's MAC); the balancer is Linux forwarding to one
#     backend (no balancing: the kernel path's ceiling), IPVS direct routing (dsr) and
#     masquerading (nat), Maglev scheduling (mh) where the kernel has it, or sluice-hosted
#     lb, dsr and nat, on its afpacket: ports. pktgen and the kernel's forwarding share
#     CPU 0, Sluice runs on CPU 1. The rate is pktgen's received frames a second.
#
# --quick (CI, about a minute): callgrind with fewer packets and 1,000 flows only (dsr,
# dsr over IP-in-IP, nat); natively 1,000 flows (dsr, nat); the rebuild 5 runs at 65,537;
# testpmd and the hosted lb (dsr) at 1,000 flows once, 3 s, in one memory mode; on veths
# 1,000 flows, 2 s. Skips (saying why) what the machine lacks: DPDK ports, hugepages,
# root, namespaces, IPVS.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
# shellcheck disable=SC2034,SC2154  # variables bench_lib.sh sets or reads
set -uo pipefail
# shellcheck source=bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
bench_args ipp,native,rebuild,testpmd,veth "$@"
rounds=2 cgp=200000 veth_s=5 veth_flows="1000 30000" runs=21
if [ "$quick" = 1 ]; then
	seconds=3 rounds=1 cgp=20000 veth_s=2 veth_flows=1000 runs=5
fi
bl=$build/tools/bench/bench-lb
hosted=$build/hosted/sluice-hosted
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchlb.XXXXXX")
R=bnlr$$ H=bnlh$$
bg="" cg_ok=1
# shellcheck source=huge.sh
. "$(dirname "$0")/huge.sh"
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
trap cleanup EXIT
if [ ! -x "$bl" ] || [ ! -x "$hosted" ]; then
	echo "lb.sh: $bl or $hosted is not built" >&2
	exit 1
fi

# The machine while the suite ran: its load average, at the start and after each part.
res_table lb_load "The machine while this suite ran (load average over 1, 5 and 15 minutes, from /proc/loadavg)"
res_cols lb_load when "load average"
res_note lb_load "$(nproc) CPUs: a load above $(nproc) means other work was waiting for a CPU while these numbers were taken, so the rates here are lower and more spread than on an idle machine (each run is shown beside the better one). Instruction counts and the rebuild's median are hardly affected."
load_row() { res_row lb_load "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
load_row "start"
svc_note="The bench config (bench-lb config FLOWS prints it): a router between clients (port 0; the clients 10.0.0.0/8 behind 172.16.0.2) and servers (port 1, 192.168.0.1/16); services of 100 backends each, weight 100, Maglev tables of 65,537, no health checks: dsr (VIP 198.51.100.10 udp 9, MAC rewrite, backends 192.168.1.1-100 on the servers' link, static neighbours), dsr_tcp (the same, tcp 9), ipip and gue (198.51.100.11 and .12, backends 172.20.0.1-100 behind the tunnel router 192.168.0.254), nat (198.51.100.13, the on-link backends, port 8080); conntrack max and lb { flows } twice the flows. Flow f: client 10.a.b.c (f's low 24 bits) port 1024 + f % 50000 to the VIP port 9, 64-byte frames."

# ---- 1. instructions per packet -----------------------------------------------------------
if want ipp; then
echo "== lb: callgrind instructions per packet (bench-lb FLOWS PACKETS MODE), warm-up passes not counted"
res_table lb_ipp "lb: instructions per packet (callgrind over bench-lb, in-memory ports, 64-byte UDP unless said; the warm-up passes that create the flows (and answer nat's) not counted)"
res_cols lb_ipp mode packets flows "instructions/packet"
res_cmd lb_ipp "valgrind --tool=callgrind --toggle-collect=measure_lb $bl FLOWS PACKETS MODE"
res_cmd lb_ipp "valgrind --tool=callgrind --toggle-collect=measure_io $bl 1000 PACKETS dsr   # l2fwd on the same ports"
res_note lb_ipp "$svc_note dsr: the stage forwards the packet itself (parse, flow key, service, affinity table, then the router's rtr_steer_hop: the way to the backend (interface, MACs) kept while the config and the neighbour cache hold, TTL, Ethernet); nat: through the router, the engine at its prerouting hook (conntrack, the destination translated to the backend's address and port 8080), nat-reply: the backend's answers translated back. The packet clock runs 1 ms per 20,000 packets (the app's tick: the affinity table's and conntrack's sweeps)."
cg_table=lb_ipp cg_bin=$bl cg_fmt='   %-52s %-36s %-22s %s\n'
cg_parts='
	function part(f) {
		if (f ~ /(^|\/)tools\/bench\//) return "1 the harness ports: frames written (what a NIC does), freed"
		if (f ~ /(^|\/)apps\/lb\//) return "3 the lb app: its stage (parse, flow key, service) and router hooks"
		if (f ~ /(^|\/)lb\/lb_flow[^\/]*$/) return "4 affinity table (lb_flow): tag, find, insert"
		if (f ~ /(^|\/)lb\//) return "5 lb engine: service lookup, Maglev, dsr pick, encapsulation, nat"
		if (f ~ /(^|\/)dataplane\/(ct[^\/]*|pkt_flow\.h)$/) return "6 conntrack and flow keys"
		if (f ~ /(^|\/)router\/|(^|\/)dataplane\/(route|neigh)[^\/]*$/) return "7 router: route, neighbour, TTL, Ethernet"
		if (f ~ /(^|\/)dataplane\/pkt_(parse|csum|xlate)[^\/]*$/) return "8 parsing, checksums, address rewrite"
		return "2 the poll loop, pipeline, pool and the rest"
	}'
echo "   command: valgrind --tool=callgrind --toggle-collect=measure_lb $bl FLOWS PACKETS MODE"
if ipp "dsr, MAC rewrite" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" dsr; then
	top lb_top_dsr "Where dsr's instructions go: later packets of 1,000 flows, MAC rewrite (callgrind, own instructions per packet, the top 10 functions)" "$cgp"
	part_sums dsr "$cgp"
fi
ipp "dsr, IP-in-IP" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" dsr-ipip && part_sums ipip "$cgp"
if [ "$quick" = 0 ]; then
	ipp "dsr, GUE" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" dsr-gue
	ipp "dsr, MAC rewrite, TCP" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" dsr,tcp
	ipp "dsr, MAC rewrite, lb { flows 1000 } (the documented sizing: half full)" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" dsr,lbflows=1000
fi
if ipp "nat, client to backend" "$(commas "$cgp") later packets" "1,000" measure_lb 1000 "$cgp" nat; then
	top lb_top_nat "Where nat's instructions go: later packets of 1,000 connections, client to backend (callgrind, own instructions per packet, the top 10 functions)" "$cgp"
	part_sums nat "$cgp"
fi
if [ "$quick" = 0 ]; then
	ipp "nat-reply, backend to client" "$(commas "$cgp") answers" "1,000" measure_lb 1000 "$cgp" nat-reply && part_sums reply "$cgp"
	ipp "nat-bidir, both ways at once" "$(commas "$cgp"), a burst each way a round" "1,000" measure_lb 1000 "$cgp" nat-bidir
	ipp "dsr, MAC rewrite" "1,000,000 later packets" "1,000,000" measure_lb 1000000 1000000 dsr && part_sums dsr1m 1000000
	ipp "dsr, IP-in-IP" "1,000,000 later packets" "1,000,000" measure_lb 1000000 1000000 dsr-ipip
	ipp "nat, client to backend" "1,000,000 later packets" "1,000,000" measure_lb 1000000 1000000 nat
	ipp "nat-reply, backend to client" "1,000,000 answers" "1,000,000" measure_lb 1000000 1000000 nat-reply
	ipp "dsr, new: every packet a new flow" "$(commas "$cgp"), into an empty table" "$(commas "$cgp")" measure_lb "$cgp" "$cgp" dsr,new
	ipp "nat, new: every packet a new connection" "$(commas "$cgp"), into an empty table" "$(commas "$cgp")" measure_lb "$cgp" "$cgp" nat,new
fi
ipp "l2fwd on the same ports, for scale (the harness: frames written, pool, loop)" "$(commas "$cgp")" "-" measure_io 1000 "$cgp" dsr
# by part: the sums of the runs above
res_table lb_parts "Where lb's instructions go, by part of Sluice (callgrind, instructions per packet by the source file they come from; inlined code counts where it was written)"
cols=(part) keys=()
for k in dsr ipip nat reply dsr1m; do
	[ -f "$work/parts.$k" ] || continue
	keys+=("$k")
	case $k in
	dsr) cols+=("dsr, MAC rewrite (1,000 flows)") ;;
	ipip) cols+=("dsr, IP-in-IP (1,000 flows)") ;;
	nat) cols+=("nat, client to backend (1,000)") ;;
	reply) cols+=("nat-reply (1,000)") ;;
	dsr1m) cols+=("dsr, MAC rewrite (1,000,000 flows)") ;;
	esac
done
res_cols lb_parts "${cols[@]}"
parts_rows lb_parts 64 "${keys[@]}"
load_row "after the callgrind runs"
fi # ipp

# ---- 2. natively ----------------------------------------------------------------------------
if want native; then
echo "== lb: natively on the in-memory ports (bench-lb), against l2fwd on the same ports, better of $rounds"
res_table lb_native "lb natively on the in-memory ports (bench-lb, one core; better of $rounds runs; no NIC driver in these rates)"
res_cols lb_native mode packets flows Mpps "l2fwd, same ports (Mpps)" ratio "new flows a second (millions)" "affinity entries made again (evicted flows' packets)" "each run: Mpps / l2fwd Mpps"
res_cmd lb_native "$bl FLOWS PACKETS MODE"
res_note lb_native "$svc_note The packet clock runs 1 ms per 20,000 packets. New flows a second: affinity entries (dsr) or connections (nat) made / measured time. Affinity entries made again: in the measured pass of established flows, packets of flows whose entry another flow had evicted (four ways a bucket, two buckets a flow), which take the new-flow path (Maglev gives them the same backend)."
native() { # LABEL PLABEL FLABEL BENCH-LB-ARGS...
	local label=$1 plabel=$2 flabel=$3 best=0 bio=0 bnew="-" again="-" each="" line i m io nw
	shift 3
	for ((i = 1; i <= rounds; i++)); do
		line=$("$bl" "$@" 2>"$work/native.err" | tail -1)
		m=$(printf '%s\n' "$line" | sed -nE 's/.*flows: ([0-9.]+) Mpps.*/\1/p')
		io=$(printf '%s\n' "$line" | sed -nE 's/.*ceiling ([0-9.]+) Mpps.*/\1/p')
		nw=$(printf '%s\n' "$line" | sed -nE 's/.*\(([0-9.]+) million a second\).*/\1/p')
		if [ -z "$m" ] || [ -z "$io" ]; then
			echo "   bench-lb $* failed: $(tail -2 "$work/native.err" | tr '\n' ' ')"
			res_note lb_native "bench-lb $* failed: $(tail -1 "$work/native.err")"
			continue
		fi
		printf '   %s\n' "$line"
		grep -E 'measured:|checked|dropped' "$work/native.err" | sed 's/^bench-lb: /      /' | head -6
		[ -n "$nw" ] || again=$(sed -nE 's/.*measured: [0-9]+ packets; ([0-9]+) new affinity entries.*/\1/p' "$work/native.err" | head -1)
		again=${again:--}
		each+="${each:+; }$m / $io"
		gt "$m" "$best" && best=$m
		gt "$io" "$bio" && bio=$io
		if [ -n "$nw" ] && { [ "$bnew" = - ] || gt "$nw" "$bnew"; }; then
			bnew=$nw
		fi
	done
	[ -n "$each" ] || return 0
	res_row lb_native "$label" "$plabel" "$flabel" "$best" "$bio" \
		"$(awk -v a="$best" -v b="$bio" 'BEGIN { printf "%.1f %%", 100 * a / b }')" "$bnew" "$again" "$each"
}
if [ "$quick" = 1 ]; then
	native "dsr, MAC rewrite" "2,000,000" "1,000" 1000 2000000 dsr
	native "nat, client to backend" "2,000,000" "1,000" 1000 2000000 nat
else
	for f in 1000 1000000; do
		native "dsr, MAC rewrite" "5,000,000" "$(commas $f)" $f 5000000 dsr
		native "dsr, IP-in-IP" "5,000,000" "$(commas $f)" $f 5000000 dsr-ipip
		native "dsr, GUE" "5,000,000" "$(commas $f)" $f 5000000 dsr-gue
		native "nat, client to backend" "5,000,000" "$(commas $f)" $f 5000000 nat
		native "nat-reply, backend to client" "5,000,000" "$(commas $f)" $f 5000000 nat-reply
		native "nat-bidir, both ways at once" "5,000,000" "$(commas $f)" $f 5000000 nat-bidir
	done
	native "dsr, new: every packet a new flow" "1,000,000, an empty table" "1,000,000" 1000000 1000000 dsr,new
	native "nat, new: every packet a new connection" "1,000,000, an empty table" "1,000,000" 1000000 1000000 nat,new
fi
load_row "after the native runs"
fi # native

# ---- 3. the tables built again --------------------------------------------------------------
if want rebuild; then
echo "== lb: the Maglev tables built again for 1,000 backends (bench-lb rebuild), median of $runs runs"
res_table lb_rebuild "Rebuild time for 1,000 backends (bench-lb rebuild, one nat service; milliseconds of CPU time, the median of $runs runs, min and max beside, and the wall clock's median)"
res_cols lb_rebuild backends "table size" weights what "median (ms)" "min (ms)" "max (ms)" "wall clock, median (ms)"
res_note lb_rebuild "lbm_build: Maglev's population of the table alone (each backend's permutation, turns until the table is full; weighted: a backend takes its turn only while its share is below its weight's). lb_set_build: the running view (the service, its backends, the table: what the packet path reads). lba_set_swap: the appliance's whole rebuild and swap, what a reload, a weight, a drain or a failed health check costs (each backend's id and source address, the build, the pointer swapped; the replaced set freed afterwards, untimed). Off the packet path: the workers keep forwarding on the old set meanwhile. CPU time of the thread (CLOCK_THREAD_CPUTIME_ID): on a shared machine the time other work held the CPU is left out (the wall clock beside has it), the cache it shares is not."
res_table lb_moved "Maglev's disruption: one backend of 1,000 goes down (its health check fails), entries of the table that change backend"
res_cols lb_moved "table size" weights "entries moved" "share of the table" "entries the backend held"
res_note lb_moved "The backend of index 549 goes down (weights 1..100: its weight is 50). The entries it held must move; Maglev moves others too, between the backends still up, the more so the fewer entries a backend holds (its paper sizes the table at 100 entries a backend or more: 65,537 for 1,000 backends is 65). The flows of those entries that are in the affinity table (dsr) or conntrack (nat) keep their backend; new flows hashed there go elsewhere."
if [ "$quick" = 1 ]; then sizes=65537; else sizes="65537 1048573"; fi
for m in $sizes; do
	res_cmd lb_rebuild "$bl rebuild 1000 $runs $m"
	if "$bl" rebuild 1000 "$runs" "$m" >"$work/rb.tsv" 2>"$work/rb.err"; then
		while IFS=$'\t' read -r kind a b c d e f g; do
			case $kind in
			rebuild)
				echo "   1,000 backends, table $(commas "$m"), $a: $b median $c ms of CPU (min $d, max $e, $f runs; wall clock $g)"
				res_row lb_rebuild "1,000" "$(commas "$m")" "$a" "$b" "$c" "$d" "$e" "$g" ;;
			moved)
				echo "   table $(commas "$m"), $a: one backend down moved $b of $(commas "$c") entries ($d %; it held $e)"
				res_row lb_moved "$(commas "$m")" "$a" "$b" "$d %" "$e" ;;
			esac
		done <"$work/rb.tsv"
	else
		echo "   bench-lb rebuild 1000 $runs $m failed: $(tail -1 "$work/rb.err")"
		res_note lb_rebuild "bench-lb rebuild 1000 $runs $m failed: $(tail -1 "$work/rb.err")"
	fi
done
load_row "after the rebuild runs"
fi # rebuild

# ---- 4. against testpmd on DPDK ports -------------------------------------------------------------
if want testpmd; then
echo "== lb: sluice-hosted lb against testpmd io-forwarding on the same DPDK ports"
res_table lb_tput "lb against testpmd io-forwarding on the same DPDK ports (64-byte UDP, one frame of each flow replayed, one core each, better of $rounds; the goal: dsr >= 60 %)"
res_cols lb_tput memory service flows "lb (Mpps)" "testpmd io-fwd (Mpps)" ratio "each run: lb / testpmd (Mpps)"
res_note lb_tput "Port 0: net_pcap replaying one frame of each flow (infinite_rx=1) to the clients' MAC, to the dsr VIP (198.51.100.10) or the nat VIP (198.51.100.13) port 9; port 1: net_null (no-rx=1). lb: the bench config (bench-lb config FLOWS: 100 backends a service); its rate is over the replay's later passes (its counters read by SIGUSR1 once the first pass is through, then $seconds s later); testpmd: the median of its per-second rates. Only the hugepage rows are a fair ceiling (4 KiB pages: testpmd's pool one mbuf a page, sluice's packed)."
mkpcap() { mkpcap_to "$1" "$2" "$work/in$1-$2.pcap"; }   # FLOWS VIP -> $work/inFLOWS-VIP.pcap
hosted_run() { # FLOWS -> pps over the replay's later passes (0 when it did not run)
	local flows=$1
	"$hosted" lb --config "$work/lb$flows.conf" "${pool[@]}" --quiet \
		--eal "$common --file-prefix=blb-sl-$$ --lcores 0@0" --port "dpdk:$port0" --port "dpdk:$port1" \
		>"$work/sl.log" 2>&1 </dev/null &
	bg=$!
	if ! hosted_ready "$flows"; then
		local how="still running after $hr_i looks, $snap_n frames out"
		kill -0 "$bg" 2>/dev/null || { wait "$bg"; how="exited with status $?"; }
		echo "   sluice-hosted lb did not get through its first pass ($how): $(grep -v '^ ' "$work/sl.log" | tail -2 | tr '\n' ' ')" >&2
		kill -INT "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; bg=""
		echo 0
		return
	fi
	hosted_rate
}
versus() { # FLOWS SERVICE
	local tp=0 sl=0 t s round each=""
	for ((round = 1; round <= rounds; round++)); do
		t=$(testpmd_run); s=$(hosted_run "$1" 2>"$work/hr.err")
		cat "$work/hr.err" >&2
		[ "$s" != 0 ] || res_note lb_tput "$mem_label, $2, $(commas "$1") flows, run $round: lb did not run: $(tail -1 "$work/hr.err" | sed 's/^ *//')"
		each+="${each:+; }$(res_mpps "$s") / $(res_mpps "$t")"
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$s" -gt "$sl" ] && sl=$s
	done
	awk -v what="$2, $(commas "$1") flows" -v tp="$tp" -v sl="$sl" 'BEGIN {
		printf "   %s: lb %.3f Mpps, testpmd io-fwd %.3f Mpps: %.1f%%\n", what, sl / 1e6, tp / 1e6, tp ? 100 * sl / tp : 0 }'
	if [ "$tp" = 0 ] || [ "$sl" = 0 ]; then
		res_note lb_tput "$mem_label, $2, $(commas "$1") flows: $([ "$tp" = 0 ] && echo "testpmd" || echo "lb") did not run (its log: $(tail -1 "$work/$([ "$tp" = 0 ] && echo tp || echo sl).log"))"
	fi
	res_row lb_tput "$mem_label" "$2" "$(commas "$1")" "$(res_mpps "$sl")" "$(res_mpps "$tp")" \
		"$(awk -v tp="$tp" -v sl="$sl" 'BEGIN { if (tp > 0 && sl > 0) printf "%.1f %%", 100 * sl / tp; else print "-" }')" "$each"
}
throughput() { # MEMORY-LABEL EAL-MEMORY-ARGS (huge.sh's huge_*_modes)
	local svc vip label
	common="$2 --no-pci --log-level=*:error"
	mem_label=$1
	echo "   memory: $1"
	for svc in $services; do
		vip=10 label="dsr, MAC rewrite"
		[ "$svc" = nat ] && vip=13 label="nat"
		port0="net_pcap0,rx_pcap=$work/in$flows-$vip.pcap,infinite_rx=1"
		res_cmd lb_tput "$(w "timeout -s INT $((seconds + startup)) dpdk-testpmd $common --file-prefix=blb-tp-$$ --lcores 0@0,1@0 --vdev $port0 --vdev $port1 -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs")"
		res_cmd lb_tput "$(w "$hosted lb --config $work/lb$flows.conf ${pool[*]}${pool[*]:+ }--quiet --eal '$common --file-prefix=blb-sl-$$ --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1")   # SIGUSR1 once the first pass is through, again $seconds s later: port 1's tx"
		versus "$flows" "$label"
	done
}
prepare() { # FLOWS: the config and the captures
	"$bl" config "$1" >"$work/lb$1.conf"
	local svc
	for svc in $services; do
		if [ "$svc" = nat ]; then mkpcap "$1" 13; else mkpcap "$1" 10; fi
	done
}
if ! command -v dpdk-testpmd >/dev/null || ! "$hosted" --help 2>&1 | grep -q 'dpdk:'; then
	echo "   (no dpdk-testpmd, or sluice-hosted without DPDK: skipped)"
	res_skip lb_tput "no dpdk-testpmd here, or sluice-hosted built without DPDK"
else
	flows=1000 port1="net_null0,no-rx=1" mbufs=16384 pool=() startup=3 tp_prefix=blb
	if [ "$quick" = 1 ]; then
		services=dsr
		prepare "$flows"
		huge_one_mode "$work" throughput lb_tput
	else
		services="dsr nat"
		prepare "$flows"
		huge_both_modes "$work" throughput lb_tput
		echo "== lb: the same with 1,000,000 flows (net_pcap replays one frame of each: about 2.7 GB of pool)"
		flows=1000000 mbufs=1100000 pool=(--pool 1100000) startup=30
		prepare "$flows"
		if huge_reserve "$work" 3584; then
			throughput "2 MiB hugepages, both pools packed: the ceiling" "$HUGE_EAL"
			huge_release
		else
			huge_none lb_tput
		fi
		throughput "4 KiB pages (--no-huge): not a fair ceiling" "--no-huge -m 5120"
		rm -f "$work"/in1000000-*.pcap
	fi
fi
load_row "after the testpmd comparison"
fi # testpmd

# ---- 5. beside Linux IPVS on veths --------------------------------------------------------------
if want veth; then
echo "== lb: beside Linux IPVS on veths, pktgen sending and receiving, ${veth_s} s runs"
res_table lb_veth "Beside Linux IPVS: Mpps through the load balancer on the same veth ports (pktgen sending 64-byte UDP on CPU 0, receiving what comes out; ${veth_s} s runs after 1 s of warm-up, better of $rounds)"
hdr=(balancer)
for n in $veth_flows; do hdr+=("$(commas "$n") flows"); done
res_cols lb_veth "${hdr[@]}"
res_note lb_veth "Two namespaces joined by veth pairs: pktgen's (p0 into the balancer's clients link, p1 from its servers link; p1 drops what it gets) and the balancer's (clients, servers). Flows: 100 clients 10.0.0.2-101, each with N/100 source ports, to the VIP 198.51.100.10 port 9 (dsr) or 198.51.100.13 (nat); 100 backends 192.168.1.1-100 on the servers link, each a permanent neighbour at p1's MAC. IPVS: the VIP on lo, ipvsadm -A -u VIP:9 -s mh (Maglev; sh where the kernel has no mh), 100 real servers -g (direct routing: dsr) or -m (masquerading to port 8080: nat). pktgen and the kernel's forwarding (in the sender's softirq) share CPU 0; Sluice polls CPU 1. The rate: frames pktgen received a second (its rx_pps)."
veth_skip=""
if [ "$(id -u)" != 0 ]; then
	veth_skip="needs root (network namespaces)"
elif ! ip netns add "$R" 2>/dev/null; then
	veth_skip="no network namespaces here"
else
	# IPVS: the module (when the kernel has modules) and ipvsadm
	[ -e /proc/net/ip_vs ] || modprobe -q ip_vs 2>/dev/null || true
	if ! ip netns exec "$R" test -e /proc/net/ip_vs; then
		veth_skip="this kernel has no IPVS (no /proc/net/ip_vs$([ -d "/lib/modules/$(uname -r)" ] || echo ", and no modules at all: /lib/modules/$(uname -r) is missing"))"
	elif ! command -v ipvsadm >/dev/null; then
		veth_skip="ipvsadm is not installed (apt-get install ipvsadm)"
	fi
fi
ip netns del "$R" 2>/dev/null || true
# LB_VETH_NO_IPVS=1 (for checking this part on a kernel without IPVS): the Linux and
# Sluice rows that need no IPVS only
no_ipvs=0
if [ -n "$veth_skip" ] && [ "${LB_VETH_NO_IPVS:-0}" = 1 ] && [[ "$veth_skip" != needs* && "$veth_skip" != no\ network* ]]; then
	echo "   ($veth_skip: LB_VETH_NO_IPVS=1, so the rows without IPVS only)"
	res_note lb_veth "$veth_skip: only the rows without IPVS were run (LB_VETH_NO_IPVS=1)."
	veth_skip="" no_ipvs=1
fi
if [ -n "$veth_skip" ]; then
	echo "   ($veth_skip: skipped)"
	res_skip lb_veth "$veth_skip"
	[ "$cg_ok" = 1 ] || echo "   (a bench-lb run under callgrind failed: see the notes)"
	exit 0
fi
mh=mh
setup() { # linux|user
	ip netns del "$R" 2>/dev/null || true
	ip netns del "$H" 2>/dev/null || true
	ip netns add "$R"
	ip netns add "$H"
	ip link add clients netns "$R" type veth peer name p0 netns "$H"
	ip link add servers netns "$R" type veth peer name p1 netns "$H"
	ip netns exec "$H" sh -c 'ip link set p0 up; ip link set p1 up
		sysctl -qw net.ipv6.conf.p0.disable_ipv6=1 net.ipv6.conf.p1.disable_ipv6=1'
	ip netns exec "$R" sh -c 'ip link set clients address 02:00:00:00:01:00; ip link set servers address 02:00:00:00:02:00
		sysctl -qw net.ipv6.conf.clients.disable_ipv6=1 net.ipv6.conf.servers.disable_ipv6=1
		ip link set clients up; ip link set servers up'
	p0mac=$(ip netns exec "$H" cat /sys/class/net/p0/address)
	p1mac=$(ip netns exec "$H" cat /sys/class/net/p1/address)
	if [ "$1" = linux ]; then
		local i
		ip netns exec "$R" sh -c "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.clients.rp_filter=0
			ip addr add 172.16.0.1/24 dev clients; ip addr add 192.168.0.1/16 dev servers
			ip neigh replace 172.16.0.2 lladdr $p0mac dev clients nud permanent
			ip route add 10.0.0.0/8 via 172.16.0.2"
		for ((i = 1; i <= 100; i++)); do
			echo "neigh replace 192.168.1.$i lladdr $p1mac dev servers nud permanent"
		done | ip -n "$R" -batch -
	fi
}
# ipvs dsr|nat: IPVS in the balancer's namespace (after setup linux)
ipvs() {
	local vip=10 fwd=-g port=9 i
	[ "$1" = nat ] && vip=13 fwd=-m port=8080
	ip netns exec "$R" sh -c "ip link set lo up; ip addr add 198.51.100.$vip/32 dev lo"
	if ! ip netns exec "$R" ipvsadm -A -u "198.51.100.$vip:9" -s "$mh" 2>/dev/null; then
		mh="sh"
		ip netns exec "$R" ipvsadm -A -u "198.51.100.$vip:9" -s "$mh" || return 1
	fi
	for ((i = 1; i <= 100; i++)); do
		echo "-a -u 198.51.100.$vip:9 -r 192.168.1.$i:$port $fwd -w 100"
	done | ip netns exec "$R" ipvsadm -R
}
vlb_conf() {
	{
		echo "interface clients { address 172.16.0.1/24; mac 02:00:00:00:01:00 }"
		echo "interface servers { address 192.168.0.1/16; mac 02:00:00:00:02:00 }"
		echo "route 10.0.0.0/8 via 172.16.0.2"
		echo "neighbor 172.16.0.2 lladdr $p0mac dev clients"
		for ((i = 1; i <= 100; i++)); do echo "neighbor 192.168.1.$i lladdr $p1mac dev servers"; done
		echo "conntrack { max 262144 }"
		echo "lb { flows 262144 }"
		echo "service dsr {"
		echo "  vip 198.51.100.10 udp 9"
		echo "  mode dsr"
		for ((i = 1; i <= 100; i++)); do echo "  backend b$i 192.168.1.$i"; done
		echo "}"
		echo "service nat {"
		echo "  vip 198.51.100.13 udp 9"
		echo "  mode nat"
		for ((i = 1; i <= 100; i++)); do echo "  backend b$i 192.168.1.$i port 8080"; done
		echo "}"
	} >"$work/vlb.conf"
}
pg_opts() { # FLOWS VIP (FLOWS N: the form, for the record)
	local hi=$((1023 + ${1/N/100} / 100))
	[ "$1" != N ] || hi="1023+N/100"
	echo "src=10.0.0.2-10.0.0.101,sport=1024-$hi,dst=198.51.100.$2,dport=9,dmac=02:00:00:00:01:00,flows=$1,warmup=1,duration=$veth_s,nolatency,json"
}
# through FLOWS VIP COMMAND...: pktgen's rate while COMMAND balances in the balancer's namespace
through() {
	local flows=$1 vip=$2
	shift 2
	ip netns exec "$R" "$@" >"$work/fwd.log" 2>&1 </dev/null &
	bg=$!
	sleep 2
	rate=$(send "$flows" "$vip")
	kill -INT "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	bg=""
}
res_cmd lb_veth "ip netns exec H taskset -c 0 $hosted pktgen --port afpacket:iface=p0 --port afpacket:iface=p1 --opts '$(pg_opts N VIP)'   # the sender and receiver"
res_cmd lb_veth "ip netns exec R ipvsadm -A -u 198.51.100.10:9 -s mh; ipvsadm -a -u 198.51.100.10:9 -r 192.168.1.I:9 -g -w 100   # I = 1..100, the VIP on lo, ip_forward=1, the backends permanent neighbours at p1's MAC (nat: 198.51.100.13, -r 192.168.1.I:8080 -m)"
res_cmd lb_veth "ip netns exec R taskset -c 1 $hosted lb --config vlb.conf --quiet --port afpacket:iface=clients,frames=8192 --port afpacket:iface=servers,frames=8192   # vlb.conf: services dsr (198.51.100.10) and nat (198.51.100.13, port 8080) of the 100 backends, static neighbours at p1's MAC"
routers=("Linux forwarding to one backend, no balancing (the kernel path's ceiling)")
[ "$no_ipvs" = 1 ] || routers+=("Linux IPVS direct routing (dsr)" "Linux IPVS masquerading (nat)")
routers+=("Sluice lb dsr (MAC rewrite) on afpacket:, CPU 1" "Sluice lb nat on afpacket:, CPU 1")
declare -A got=()
veth_unit=flows
for ((round = 1; round <= rounds; round++)); do
	for n in $veth_flows; do
		setup linux
		ip netns exec "$R" ip route add 198.51.100.10/32 via 192.168.1.1
		keep "${routers[0]}" "$n" "$(send "$n" 10)"
		if [ "$no_ipvs" = 0 ]; then
			setup linux
			if ipvs dsr; then keep "${routers[1]}" "$n" "$(send "$n" 10)"; fi
			setup linux
			if ipvs nat; then keep "${routers[2]}" "$n" "$(send "$n" 13)"; fi
		fi
		for svc in dsr nat; do
			setup user
			vlb_conf
			vip=10 ri=$((${#routers[@]} - 2))
			[ "$svc" = nat ] && vip=13 ri=$((${#routers[@]} - 1))
			through "$n" "$vip" taskset -c 1 "$hosted" lb --config "$work/vlb.conf" --quiet \
				--port afpacket:iface=clients,frames=8192 --port afpacket:iface=servers,frames=8192
			grep -E '^  dropped|^lb: service' "$work/fwd.log" | sed 's/^/      /'
			keep "${routers[$ri]}" "$n" "$rate"
		done
	done
done
[ "$no_ipvs" = 1 ] || [ "$mh" = mh ] || res_note lb_veth "This kernel's IPVS has no mh (Maglev) scheduler: IPVS ran with sh (source hashing)."
veth_rows lb_veth
load_row "after the veth comparison"
fi # veth
[ "$cg_ok" = 1 ] || echo "   (a bench-lb run under callgrind failed: see the notes)"
exit 0
