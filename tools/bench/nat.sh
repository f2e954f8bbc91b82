#!/usr/bin/env bash
# The nat appliance's benchmarks (docs/BENCHMARKS.md, "nat"). Numbers, never pass/fail.
#
# usage: nat.sh SOURCE_ROOT BUILD_DIR [SECONDS] [--quick] [--only PART[,PART...]]
# PARTs, all by default: ipp (1), native (2), mem (3), testpmd (4), veth (5):
#  1. instructions per packet (callgrind over bench-nat, in-memory ports; bench_nat.c says
#     how): established sessions' packets out (source translated), back in (destination
#     translated) and both ways at once, at 1,000 and 1,000,000 sessions; masquerade to
#     one address; every packet a new session (the allocation path: conntrack entry,
#     mapping, port, reply key); a new session into a full table whose oldest sessions
#     expire (churn); the fw router on the same ports and traffic; l2fwd on them (the
#     harness's own share). And where the instructions go: callgrind's functions, the
#     top 10, for packets out, back in and new sessions;
#  2. Mpps natively (bench-nat, one core), each against l2fwd on the same in-memory ports
#     in the same run (no NIC driver in these rates), at 1,000 and 1,000,000 sessions; new
#     sessions a second into an empty table until it is full, and into a full one as its
#     oldest expire (churn); the fw router beside;
#  3. memory per session: the connection table and the mappings at the nat app's sizing
#     (bench-nat mem MAX), part by part, against the issue's goal of 64 bytes;
#  4. Mpps of sluice-hosted nat against testpmd io-forwarding on the same DPDK ports
#     (net_pcap replaying one 64-byte UDP frame of each of 1,000 or 1,000,000 sessions in,
#     net_null out), one core each, alternated twice in the same run, better run of each,
#     on 2 MiB hugepages (the fair ceiling, when the kernel gives them: huge.sh) and
#     without. Each session's first frame creates it; nat's rate is taken over the
#     replay's later passes (two snapshots of its counters by SIGUSR1, once the first pass
#     is through), testpmd's is the median of its per-second rates;
#  5. beside Linux on veths (root, network namespaces): pktgen in one namespace sends
#     64-byte UDP frames of 1,000 and 30,000 sessions (100 inside hosts) out of p0 to the
#     router's lan, and receives on p1 what the router sends out of wan; the router is
#     Linux forwarding (no NAT), Linux with an nftables masquerade, testpmd mac-forwarding
#     lan to wan (no NAT: the userspace ceiling of these ports) or sluice-hosted nat
#     masquerading on its afpacket: ports. pktgen and the kernel's forwarding share CPU 0,
#     testpmd and Sluice run on CPU 1. The rate is pktgen's received frames a second.
#
# --quick (CI): callgrind with fewer packets and 1,000 sessions only; natively 1,000
# sessions out, new sessions into 100,000, churn in 50,000; memory at 65,536; testpmd and
# the hosted nat at 1,000 sessions once, 4 s, in one memory mode; on veths 1,000 sessions,
# 2 s, no testpmd. Skips (saying why) what the machine lacks: DPDK ports, hugepages, root,
# namespaces, nft.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
# shellcheck disable=SC2034,SC2154  # variables bench_lib.sh sets or reads
set -uo pipefail
# shellcheck source=bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
bench_args ipp,native,mem,testpmd,veth "$@"
rounds=2 cgp=200000 veth_s=5 veth_flows="1000 30000"
if [ "$quick" = 1 ]; then
	seconds=4 rounds=1 cgp=50000 veth_s=2 veth_flows=1000
fi
bn=$build/tools/bench/bench-nat
hosted=$build/hosted/sluice-hosted
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchnat.XXXXXX")
R=bnnr$$ H=bnnh$$
bg="" cg_ok=1
# shellcheck source=huge.sh
. "$(dirname "$0")/huge.sh"
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
trap cleanup EXIT
if [ ! -x "$bn" ] || [ ! -x "$hosted" ]; then
	echo "nat.sh: $bn or $hosted is not built" >&2
	exit 1
fi

# The machine while the suite ran: its load average (2 cores: above 2, other work waited
# for a CPU during the measurements), at the start and after each part.
res_table nat_load "The machine while this suite ran (load average over 1, 5 and 15 minutes, from /proc/loadavg)"
res_cols nat_load when "load average"
res_note nat_load "$(nproc) CPUs: a load above $(nproc) means other work was waiting for a CPU while these numbers were taken, so the rates here are lower and more spread than on an idle machine (each run is shown beside the better one). Instruction counts are not affected."
load_row() { res_row nat_load "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
load_row "start"

# ---- 1. instructions per packet -----------------------------------------------------------
if want ipp; then
echo "== nat: callgrind instructions per packet (bench-nat SESSIONS PACKETS MODE), warm-up passes not counted"
res_table nat_ipp "nat: instructions per packet (callgrind over bench-nat, in-memory ports, 64-byte UDP; the warm-up passes that create and answer the sessions not counted)"
res_cols nat_ipp appliance packets sessions "instructions/packet"
res_cmd nat_ipp "valgrind --tool=callgrind --toggle-collect=measure_nat $bn SESSIONS PACKETS MODE"
res_cmd nat_ipp "valgrind --tool=callgrind --toggle-collect=measure_io $bn 1000 PACKETS out   # l2fwd on the same ports"
res_note nat_ipp "nat: the nat app (a router, the NAT at its prerouting and postrouting hooks), snat to a pool of 32 outside addresses (masquerade: wan's one), address-dependent filtering, 1 session per inside host; out: lan to wan, source translated; in: the answers, destination translated; established: each session answered once in the warm-up. fw router: the fw app on the same interfaces and routes, forward chain 'ct state established,related accept; iif lan accept'. The packet clock runs 1 ms per 20,000 packets (the app's tick: conntrack's sweep)."
cg_table=nat_ipp cg_bin=$bn cg_fmt='   %-44s %-44s %-26s %s\n'
cg_parts='
	function part(f) {
		if (f ~ /(^|\/)tools\/bench\//) return "1 the harness ports: frames written (what a NIC does), freed"
		if (f ~ /(^|\/)apps\/nat\//) return "3 the nat app: its router hooks"
		if (f ~ /(^|\/)nat\//) return "4 NAT engine (nat/): rules, translation, mappings"
		if (f ~ /(^|\/)firewall\/|(^|\/)apps\/fw\//) return "5 firewall (fw router only)"
		if (f ~ /(^|\/)dataplane\/(ct[^\/]*|pkt_flow\.h)$/) return "6 conntrack: lookup, state, insert, reply key"
		if (f ~ /(^|\/)router\/|(^|\/)dataplane\/(route|neigh)[^\/]*$/) return "7 router: ingress, route, neighbour, TTL, Ethernet"
		if (f ~ /(^|\/)dataplane\/pkt_(parse|csum)[^\/]*$/) return "8 parsing and checksums"
		return "2 the poll loop, pipeline, pool and the rest"
	}'
echo "   command: valgrind --tool=callgrind --toggle-collect=measure_nat $bn SESSIONS PACKETS MODE"
if ipp "nat, out (established)" "$(commas "$cgp") later packets" "1,000" measure_nat 1000 "$cgp" out; then
	top nat_top_out "Where nat's instructions go: packets out of 1,000 established sessions (callgrind, own instructions per packet, the top 10 functions)" "$cgp"
	part_sums out "$cgp"
fi
if ipp "nat, in (established)" "$(commas "$cgp") answers" "1,000" measure_nat 1000 "$cgp" in; then
	top nat_top_in "Where nat's instructions go: answers back in to 1,000 established sessions (callgrind, own instructions per packet, the top 10 functions)" "$cgp"
	part_sums in "$cgp"
fi
if [ "$quick" = 0 ]; then
	ipp "nat, both ways at once" "$(commas "$cgp"), a burst each way a round" "1,000" measure_nat 1000 "$cgp" bidir
	ipp "nat, out, masquerade (one outside address)" "$(commas "$cgp") later packets" "1,000" measure_nat 1000 "$cgp" out,masq
	ipp "nat, out (established)" "1,000,000 later packets" "1,000,000" measure_nat 1000000 1000000 out
	ipp "nat, in (established)" "1,000,000 answers" "1,000,000" measure_nat 1000000 1000000 in
fi
if ipp "nat, new: every packet opens a session" "$(commas "$cgp"), an empty table to full" "$(commas "$cgp") (the table's size)" measure_nat "$cgp" "$cgp" new; then
	top nat_top_new "Where nat's instructions go: every packet a new session, $(commas "$cgp") into an empty table of $(commas "$cgp") (callgrind, own instructions per session, the top 10 functions)" "$cgp"
	part_sums new "$cgp"
fi
if [ "$quick" = 0 ]; then
	ipp "nat, churn: new sessions into a full table" "200,000 new, the oldest expiring" "100,000 (the table's size)" measure_nat 100000 200000 churn
fi
ipp "fw router, out (established)" "$(commas "$cgp") later packets" "1,000" measure_nat 1000 "$cgp" out,fw && part_sums fw "$cgp"
[ "$quick" = 1 ] || ipp "fw router, in (established)" "$(commas "$cgp") answers" "1,000" measure_nat 1000 "$cgp" in,fw
ipp "fw router, new: every packet opens a connection" "$(commas "$cgp"), an empty table to full" "$(commas "$cgp") (the table's size)" measure_nat "$cgp" "$cgp" new,fw
ipp "l2fwd on the same ports, for scale (the harness: frames written, pool, loop)" "$(commas "$cgp")" "-" measure_io 1000 "$cgp" out
# by part: the sums of the runs above
res_table nat_parts "Where nat's instructions go, by part of Sluice (callgrind, instructions per packet by the source file they come from; inlined code counts where it was written)"
res_cols nat_parts part "nat out (1,000 sessions)" "nat in (1,000 sessions)" "nat new sessions" "fw router out (1,000 sessions)"
parts_rows nat_parts 56 out in new fw
load_row "after the callgrind runs"
fi # ipp

# ---- 2. natively ----------------------------------------------------------------------------
if want native; then
echo "== nat: natively on the in-memory ports (bench-nat), against l2fwd on the same ports, better of $rounds"
res_table nat_native "nat natively on the in-memory ports (bench-nat, one core; better of $rounds runs; no NIC driver in these rates)"
res_cols nat_native appliance packets sessions Mpps "l2fwd, same ports (Mpps)" ratio "new sessions a second (millions)" "each run: Mpps / l2fwd Mpps"
res_cmd nat_native "$bn SESSIONS PACKETS MODE"
res_note nat_native "The packet clock runs 1 ms per 20,000 packets (churn: per SESSIONS / 1,000 packets, so that a table's worth of sessions is the UDP timeout, 1 s). New sessions a second: connections conntrack created / measured time (new and churn; a session refused is a packet dropped, bench-nat says why on stderr)."
native() { # LABEL PLABEL SLABEL BENCH-NAT-ARGS...
	local label=$1 plabel=$2 slabel=$3 best=0 bio=0 bnew="-" each="" line i m io nw
	shift 3
	for ((i = 1; i <= rounds; i++)); do
		line=$("$bn" "$@" 2>"$work/native.err" | tail -1)
		m=$(printf '%s\n' "$line" | sed -nE 's/.*sessions: ([0-9.]+) Mpps.*/\1/p')
		io=$(printf '%s\n' "$line" | sed -nE 's/.*ceiling ([0-9.]+) Mpps.*/\1/p')
		nw=$(printf '%s\n' "$line" | sed -nE 's/.*\(([0-9.]+) million a second\).*/\1/p')
		if [ -z "$m" ] || [ -z "$io" ]; then
			echo "   bench-nat $* failed: $(tail -2 "$work/native.err" | tr '\n' ' ')"
			res_note nat_native "bench-nat $* failed: $(tail -1 "$work/native.err")"
			continue
		fi
		printf '   %s\n' "$line"
		grep -E 'conntrack:|dropped|checked' "$work/native.err" | grep -v '^bench-nat: *$' | sed 's/^/      /' | head -6
		each+="${each:+; }$m / $io"
		gt "$m" "$best" && best=$m
		gt "$io" "$bio" && bio=$io
		if [ -n "$nw" ] && { [ "$bnew" = - ] || gt "$nw" "$bnew"; }; then
			bnew=$nw
		fi
	done
	[ -n "$each" ] || return 0
	res_row nat_native "$label" "$plabel" "$slabel" "$best" "$bio" \
		"$(awk -v a="$best" -v b="$bio" 'BEGIN { printf "%.1f %%", 100 * a / b }')" "$bnew" "$each"
}
if [ "$quick" = 1 ]; then
	native "nat, out (established)" "2,000,000" "1,000" 1000 2000000 out
	native "nat, new: every packet opens a session" "100,000, an empty table to full" "100,000" 100000 100000 new
	native "nat, churn: new sessions into a full table" "100,000 new, the oldest expiring" "50,000" 50000 100000 churn
else
	native "nat, out (established)" "5,000,000" "1,000" 1000 5000000 out
	native "nat, out (established)" "5,000,000" "1,000,000" 1000000 5000000 out
	native "nat, in (established)" "5,000,000" "1,000" 1000 5000000 in
	native "nat, in (established)" "5,000,000" "1,000,000" 1000000 5000000 in
	native "nat, both ways at once" "5,000,000" "1,000" 1000 5000000 bidir
	native "nat, both ways at once" "5,000,000" "1,000,000" 1000000 5000000 bidir
	native "fw router, out (established)" "5,000,000" "1,000" 1000 5000000 out,fw
	native "fw router, out (established)" "5,000,000" "1,000,000" 1000000 5000000 out,fw
	native "nat, new: every packet opens a session" "1,000,000, an empty table to full" "1,000,000" 1000000 1000000 new
	native "fw router, new: every packet opens a connection" "1,000,000, an empty table to full" "1,000,000" 1000000 1000000 new,fw
	native "nat, churn: new sessions into a full table" "2,000,000 new, the oldest expiring" "1,000,000" 1000000 2000000 churn
fi
load_row "after the native runs"
fi # native

# ---- 3. memory per session -------------------------------------------------------------------
if want mem; then
echo "== nat: memory per session at the nat app's sizing (bench-nat mem MAX)"
if [ "$quick" = 1 ]; then big=65536 caps="1000 65536"; else big=1000000 caps="1000 65536 1000000 1048576"; fi
res_table nat_mem "Memory per session: the connection table and the mappings of a nat sized for $(commas "$big") sessions (conntrack { max $big }), part by part"
res_cols nat_mem part bytes "bytes a session" what
res_cmd nat_mem "$bn mem $big"
if "$bn" mem "$big" >"$work/mem.tsv" 2>"$work/mem.err"; then
	awk -F'\t' '$1 == "mem" { printf "   %-14s %12s %9s  %s\n", $2, $3, $4, $5 }' "$work/mem.tsv"
	while IFS=$'\t' read -r kind part bytes per what; do
		[ "$kind" = mem ] || continue
		res_row nat_mem "$part" "$bytes" "$per" "$what"
	done <"$work/mem.tsv"
else
	echo "   bench-nat mem $big failed: $(tail -1 "$work/mem.err")"
	res_skip nat_mem "bench-nat mem $big failed: $(tail -1 "$work/mem.err")"
fi
res_table nat_mem_sizes "Memory per session by the table's size (goal: 64 bytes of table memory a session)"
res_cols nat_mem_sizes "sessions (conntrack max)" "conntrack (bytes a session)" "NAT mappings (bytes a session)" "total (bytes a session)" "against the goal" "heap the whole setup took (bytes a session)"
res_cmd nat_mem_sizes "$bn mem MAX"
res_note nat_mem_sizes "conntrack: its entries (128 bytes), free stack (4), index (8-slot buckets of 64 bytes for two keys an entry, at most half full, a power of two) and spill bytes; NAT: mapping records (32), host records (8), four 12-byte-slot indexes at most 3/4 full (a power of two: inside endpoint, outside endpoint, host, ADF remotes), port bitmaps of 64 outside addresses (fixed, 1.5 MB). A mapping may serve several sessions (endpoint-independent mapping), but the app sizes its mappings for one each."
for c in $caps; do
	if "$bn" mem "$c" >"$work/m.tsv" 2>/dev/null; then
		awk -F'\t' -v c="$c" '$1 == "mem" { b[$2] = $3 } END {
			ct = b["ct_entry"] + b["ct_free"] + b["ct_index"] + b["ct_spill"]
			nat = b["map_record"] + b["map_host"] + b["map_ix_in"] + b["map_ix_out"] + b["map_ix_host"] + b["map_ix_remote"] + b["map_fixed"]
			printf "%s\t%.1f\t%.1f\t%.1f\t%.1fx the goal\t%.1f\n", c, ct / c, nat / c, (ct + nat) / c, (ct + nat) / c / 64, b["heap"] / c }' \
			"$work/m.tsv" >"$work/m.row"
		IFS=$'\t' read -r a b c2 d e f <"$work/m.row"
		echo "   $(commas "$a") sessions: conntrack $b + NAT $c2 = $d bytes a session ($e); heap $f"
		res_row nat_mem_sizes "$(commas "$a")" "$b" "$c2" "$d" "$e" "$f"
	fi
done
load_row "after the memory part"
fi # mem

# ---- 4. against testpmd on DPDK ports -------------------------------------------------------------
if want testpmd; then
echo "== nat: sluice-hosted nat against testpmd io-forwarding on the same DPDK ports"
res_table nat_tput "nat against testpmd io-forwarding on the same DPDK ports (64-byte UDP, one frame of each session replayed, one core each, better of $rounds)"
res_cols nat_tput memory sessions "nat (Mpps)" "testpmd io-fwd (Mpps)" ratio "each run: nat / testpmd (Mpps)"
res_note nat_tput "Port 0: net_pcap replaying one frame of each session (infinite_rx=1) to lan's MAC; port 1: net_null (no-rx=1). nat: the bench-nat config (snat to 32 outside addresses, conntrack max twice the sessions); its rate is over the replay's later passes (its counters read by SIGUSR1 once the first pass is through, then $seconds s later); testpmd: the median of its per-second rates. Only the hugepage rows are a fair ceiling (4 KiB pages: testpmd's pool one mbuf a page, sluice's packed)."
mkpcap() { mkpcap_to "$1" 1 "$work/in$1.pcap"; }   # FLOWS -> $work/inFLOWS.pcap
natconf() { # FLOWS -> $work/natFLOWS.conf
	local max=$(($1 * 2 > 1024 ? $1 * 2 : 1024))
	cat >"$work/nat$1.conf" <<EOF
interface lan { address 172.16.0.1/24; mac 02:00:00:00:01:00 }
interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
route 10.0.0.0/8 via 172.16.0.2
route 0.0.0.0/0 via 192.0.2.1
neighbor 172.16.0.2 lladdr 02:00:00:00:00:20 dev lan
neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan
conntrack { max $max }
chain postrouting {
  oif wan ip saddr 10.0.0.0/8 snat to 192.0.2.100-192.0.2.131
}
EOF
}
hosted_run() { # FLOWS -> pps over the replay's later passes (0 when it did not run)
	local flows=$1
	"$hosted" nat --config "$work/nat$flows.conf" "${pool[@]}" --quiet \
		--eal "$common --file-prefix=bnat-sl-$$ --lcores 0@0" --port "dpdk:$port0" --port "dpdk:$port1" \
		>"$work/sl.log" 2>&1 </dev/null &
	bg=$!
	if ! hosted_ready "$flows"; then
		echo "   sluice-hosted nat did not get through its first pass: $(grep -v '^ ' "$work/sl.log" | tail -2 | tr '\n' ' ')" >&2
		kill -INT "$bg" 2>/dev/null; wait "$bg" 2>/dev/null; bg=""
		echo 0
		return
	fi
	hosted_rate
}
versus() { # FLOWS LABEL
	local tp=0 sl=0 t s round each=""
	for ((round = 1; round <= rounds; round++)); do
		t=$(testpmd_run); s=$(hosted_run "$1")
		each+="${each:+; }$(res_mpps "$s") / $(res_mpps "$t")"
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$s" -gt "$sl" ] && sl=$s
	done
	awk -v what="$2" -v tp="$tp" -v sl="$sl" 'BEGIN {
		printf "   %s: nat %.3f Mpps, testpmd io-fwd %.3f Mpps: %.1f%%\n", what, sl / 1e6, tp / 1e6, tp ? 100 * sl / tp : 0 }'
	if [ "$tp" = 0 ] || [ "$sl" = 0 ]; then
		res_note nat_tput "$mem_label, $2: $([ "$tp" = 0 ] && echo "testpmd" || echo "nat") did not run (its log: $(tail -1 "$work/$([ "$tp" = 0 ] && echo tp || echo sl).log"))"
	fi
	res_row nat_tput "$mem_label" "$2" "$(res_mpps "$sl")" "$(res_mpps "$tp")" \
		"$(awk -v tp="$tp" -v sl="$sl" 'BEGIN { if (tp > 0 && sl > 0) printf "%.1f %%", 100 * sl / tp; else print "-" }')" "$each"
}
throughput() { # MEMORY-LABEL EAL-MEMORY-ARGS (huge.sh's huge_*_modes)
	common="$2 --no-pci --log-level=*:error"
	mem_label=$1
	echo "   memory: $1"
	res_cmd nat_tput "$(w "timeout -s INT $((seconds + startup)) dpdk-testpmd $common --file-prefix=bnat-tp-$$ --lcores 0@0,1@0 --vdev $port0 --vdev $port1 -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs")"
	res_cmd nat_tput "$(w "$hosted nat --config $work/nat$flows.conf ${pool[*]}${pool[*]:+ }--quiet --eal '$common --file-prefix=bnat-sl-$$ --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1")   # SIGUSR1 once the first pass is through, again $seconds s later: port 1's tx"
	versus "$flows" "$(commas "$flows")"
}
if ! command -v dpdk-testpmd >/dev/null || ! "$hosted" --help 2>&1 | grep -q 'dpdk:'; then
	echo "   (no dpdk-testpmd, or sluice-hosted without DPDK: skipped)"
	res_skip nat_tput "no dpdk-testpmd here, or sluice-hosted built without DPDK"
else
	flows=1000 port1="net_null0,no-rx=1" mbufs=16384 pool=() startup=3 tp_prefix=bnat
	mkpcap "$flows"
	natconf "$flows"
	port0="net_pcap0,rx_pcap=$work/in$flows.pcap,infinite_rx=1"
	if [ "$quick" = 1 ]; then
		huge_one_mode "$work" throughput nat_tput
	else
		huge_both_modes "$work" throughput nat_tput
		echo "== nat: the same with 1,000,000 sessions (net_pcap replays one frame of each: about 2.7 GB of pool)"
		flows=1000000 mbufs=1100000 pool=(--pool 1100000) startup=30
		mkpcap "$flows"
		natconf "$flows"
		port0="net_pcap0,rx_pcap=$work/in$flows.pcap,infinite_rx=1"
		if huge_reserve "$work" 3584; then
			throughput "2 MiB hugepages, both pools packed: the ceiling" "$HUGE_EAL"
			huge_release
		else
			huge_none nat_tput
		fi
		throughput "4 KiB pages (--no-huge): not a fair ceiling" "--no-huge -m 5120"
		rm -f "$work/in$flows.pcap"
	fi
fi
load_row "after the testpmd comparison"
fi # testpmd

# ---- 5. beside Linux on veths -----------------------------------------------------------------
if want veth; then
echo "== nat: beside Linux nftables masquerade on veths, pktgen sending and receiving, ${veth_s} s runs"
res_table nat_veth "Beside Linux: Mpps through the NAT on the same veth ports (pktgen sending 64-byte UDP on CPU 0, receiving what comes out; ${veth_s} s runs after 1 s of warm-up, better of $rounds)"
hdr=(router)
for n in $veth_flows; do hdr+=("$(commas "$n") sessions"); done
res_cols nat_veth "${hdr[@]}"
res_note nat_veth "Two namespaces joined by veth pairs: pktgen's (p0 into the router's lan, p1 from its wan; p1 holds 192.0.2.9, the server, and drops what it gets) and the router's (lan, wan). Sessions: 100 inside hosts 10.0.0.2-101, each with N/100 source ports, to 192.0.2.9 port 9; masqueraded to wan's 192.0.2.2. pktgen and the kernel's forwarding (in the sender's softirq) share CPU 0; testpmd and Sluice poll CPU 1. The rate: frames pktgen received a second (its rx_pps)."
veth_skip=""
if [ "$(id -u)" != 0 ]; then
	veth_skip="needs root (network namespaces)"
elif ! ip netns add "$R" 2>/dev/null; then
	veth_skip="no network namespaces here"
fi
ip netns del "$R" 2>/dev/null || true
if [ -n "$veth_skip" ]; then
	echo "   ($veth_skip: skipped)"
	res_skip nat_veth "$veth_skip"
	exit 0
fi
have_nft=0
command -v nft >/dev/null && have_nft=1
setup() { # linux|user
	ip netns del "$R" 2>/dev/null || true
	ip netns del "$H" 2>/dev/null || true
	ip netns add "$R"
	ip netns add "$H"
	ip link add lan netns "$R" type veth peer name p0 netns "$H"
	ip link add wan netns "$R" type veth peer name p1 netns "$H"
	ip netns exec "$H" sh -c 'ip link set p0 up; ip link set p1 up; ip addr add 192.0.2.9/24 dev p1
		sysctl -qw net.ipv6.conf.p0.disable_ipv6=1 net.ipv6.conf.p1.disable_ipv6=1'
	[ "$have_nft" = 0 ] || printf 'table inet sink { chain input { type filter hook input priority 0; policy drop; }; }\n' |
		ip netns exec "$H" nft -f -
	ip netns exec "$R" sh -c 'ip link set lan address 02:00:00:00:01:00; ip link set wan address 02:00:00:00:02:00
		sysctl -qw net.ipv6.conf.lan.disable_ipv6=1 net.ipv6.conf.wan.disable_ipv6=1
		ip link set lan up; ip link set wan up'
	p1mac=$(ip netns exec "$H" cat /sys/class/net/p1/address)
	if [ "$1" = linux ]; then
		ip netns exec "$R" sh -c "sysctl -qw net.ipv4.ip_forward=1; ip addr add 10.0.0.1/16 dev lan
			ip addr add 192.0.2.2/24 dev wan; ip neigh replace 192.0.2.9 lladdr $p1mac dev wan nud permanent"
	fi
}
masq_nft() {
	cat >"$work/masq.nft" <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" ip saddr 10.0.0.0/16 masquerade
	}
}
EOF
}
vnat_conf() {
	cat >"$work/vnat.conf" <<EOF
interface lan { address 10.0.0.1/16; mac 02:00:00:00:01:00 }
interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
neighbor 192.0.2.9 lladdr $p1mac dev wan
conntrack { max 262144 }
chain postrouting {
  oif wan ip saddr 10.0.0.0/16 masquerade
}
EOF
}
pg_opts() { # FLOWS (or N: the form, for the record)
	local hi=$((1023 + ${1/N/100} / 100))
	[ "$1" != N ] || hi="1023+N/100"
	echo "src=10.0.0.2-10.0.0.101,sport=1024-$hi,dst=192.0.2.9,dport=9,dmac=02:00:00:00:01:00,flows=$1,warmup=1,duration=$veth_s,nolatency,json"
}
# through LABEL FLOWS COMMAND...: pktgen's rate while COMMAND forwards in the router's namespace
through() {
	local label=$1 flows=$2
	shift 2
	ip netns exec "$R" "$@" >"$work/fwd.log" 2>&1 </dev/null &
	bg=$!
	sleep 2
	rate=$(send "$flows")
	kill -INT "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	bg=""
}
res_cmd nat_veth "ip netns exec H taskset -c 0 $hosted pktgen --port afpacket:iface=p0 --port afpacket:iface=p1 --opts '$(pg_opts N)'   # the sender and receiver"
res_cmd nat_veth "ip netns exec R nft -f masq.nft   # table ip nat { chain postrouting { type nat hook postrouting priority srcnat; oifname \"wan\" ip saddr 10.0.0.0/16 masquerade } }, ip_forward=1, 192.0.2.9 a permanent neighbour"
res_cmd nat_veth "ip netns exec R taskset -c 1 $hosted nat --config vnat.conf --quiet --port afpacket:iface=lan,frames=8192 --port afpacket:iface=wan,frames=8192   # vnat.conf: the same masquerade, 192.0.2.9 a static neighbour, conntrack { max 262144 }"
[ "$quick" = 1 ] || res_cmd nat_veth "ip netns exec R dpdk-testpmd --no-huge -m 512 --no-pci --log-level=*:error --file-prefix=bnat-io-$$ --lcores 1@1,2@1 --vdev net_af_packet0,iface=lan,framecnt=8192 --vdev net_af_packet1,iface=wan,framecnt=8192 -- --forward-mode=mac --eth-peer=1,P1MAC --nb-cores=1 --total-num-mbufs=16384 --stats-period=1"
masq_nft
routers=("Linux forwarding, no NAT (the kernel path's ceiling)" "Linux nftables masquerade")
[ "$quick" = 1 ] || routers+=("testpmd mac forwarding lan to wan on net_af_packet, CPU 1 (no NAT)")
routers+=("Sluice nat on afpacket:, CPU 1")
declare -A got=()
veth_unit=sessions
for ((round = 1; round <= rounds; round++)); do
	for n in $veth_flows; do
		setup linux
		keep "${routers[0]}" "$n" "$(send "$n")"
		if [ "$have_nft" = 1 ]; then
			setup linux
			ip netns exec "$R" nft -f "$work/masq.nft"
			keep "${routers[1]}" "$n" "$(send "$n")"
		fi
		if [ "$quick" = 0 ] && command -v dpdk-testpmd >/dev/null; then
			setup user
			through tp "$n" dpdk-testpmd --no-huge -m 512 --no-pci --log-level=*:error --file-prefix=bnat-io-$$ --lcores 1@1,2@1 \
				--vdev net_af_packet0,iface=lan,framecnt=8192 --vdev net_af_packet1,iface=wan,framecnt=8192 -- \
				--forward-mode=mac --eth-peer=1,"$p1mac" --nb-cores=1 --total-num-mbufs=16384 --stats-period=1
			keep "${routers[2]}" "$n" "$rate"
		fi
		setup user
		vnat_conf
		through nat "$n" taskset -c 1 "$hosted" nat --config "$work/vnat.conf" --quiet \
			--port afpacket:iface=lan,frames=8192 --port afpacket:iface=wan,frames=8192
		grep -E '^  dropped|^nat: [0-9]+ packets' "$work/fwd.log" | sed 's/^/      /'
		keep "${routers[${#routers[@]} - 1]}" "$n" "$rate"
	done
done
[ "$have_nft" = 1 ] || res_note nat_veth "nft is not installed here: no Linux masquerade row."
veth_rows nat_veth
load_row "after the veth comparison"
fi # veth
[ "$cg_ok" = 1 ] || echo "   (a bench-nat run under callgrind failed: see the notes)"
exit 0
