#!/usr/bin/env bash
# The fw appliance's benchmarks (docs/BENCHMARKS.md). Numbers, never pass/fail.
#
# usage: fw.sh BUILD_DIR [SECONDS]
#  1. instructions per packet (callgrind over bench-fw, in-memory ports): 10, 1,000 and
#     10,000 rules (sparse), 10,000 rules (dense, the bit vectors' worst case), for later
#     packets of connections (decisions kept) and for packets opening connections (the
#     classifier every time), 1,000 rules with conntrack's checksum check off, fw as a
#     router at 1,000 rules (later and new), and 1,000 rules with 1,000,000 tracked flows;
#  2. Mpps with 1,000 and with 1,000,000 tracked flows (bench-fw natively: the cost of
#     the connection table's cache misses);
#  3. Mpps of sluice-hosted fw against testpmd io-forwarding on the same DPDK ports
#     (net_pcap replaying 1,024 flows of 64-byte frames in, net_null out), one core each,
#     alternated twice in the same run, better run of each (and 1,000 rules with
#     conntrack { checksum off }, what a device's receive checksum offload saves: these
#     PMDs have none; and fw as a router); on 2 MiB hugepages (the fair
#     ceiling, when the kernel gives them: huge.sh) and without hugepages; before them,
#     the same ports through the hosted l2fwd with and without the parser, which says
#     how much of the ceiling's time Sluice's runtime leaves fw;
#  4. the same at 1,000 rules with 1,048,576 tracked flows: net_pcap replays one frame of
#     each flow, so its pool holds them all (about 2.7 GB on hugepages, 4.3 GB without).
# usage: fw.sh BUILD_DIR [SECONDS] [--quick]
# --quick: 10 and 10,000 rules only, 50,000 packets under callgrind (no dense, checksum
# off, router or million-flow rows), natively 1,000 flows only, 4 s runs once in one memory
# mode (hugepages when had), no budget (l2fwd, l2fwd validate), checksum-off or router
# runs, no million flows.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
set -euo pipefail
build=$1; shift
seconds=8 quick=0
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	*) seconds=$a ;;
	esac
done
rounds=2 counts="10 1000 10000" cgpackets=200000
if [ "$quick" = 1 ]; then
	seconds=4 rounds=1 counts="10 10000" cgpackets=50000
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchfw.XXXXXX")
# shellcheck source=huge.sh
. "$(dirname "$0")/huge.sh"
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
trap 'huge_release; rm -rf "$work"' EXIT

echo "== fw: callgrind instructions per packet (bench-fw RULES FLOWS PACKETS [dense]), warm-up pass not counted"
ipp() { # RULES FLOWS PACKETS MODE
	valgrind --tool=callgrind --callgrind-out-file="$work/cg" --toggle-collect=measure_fw \
		"$build/tools/bench/bench-fw" "$@" >/dev/null 2>"$work/cg.log"
	awk -v ir="$(grep -m1 '^summary:' "$work/cg" | awk '{print $2}')" -v n="$3" 'BEGIN { printf "%.1f", ir / n }'
}
echo "   command: valgrind --tool=callgrind --toggle-collect=measure_fw $build/tools/bench/bench-fw RULES FLOWS PACKETS MODE"
res_table fw_ipp "fw: instructions per packet (callgrind over bench-fw, in-memory ports; the warm-up pass that creates the flows' connections not counted)"
res_cols fw_ipp ruleset packets instructions/packet
res_cmd fw_ipp "valgrind --tool=callgrind --toggle-collect=measure_fw $build/tools/bench/bench-fw RULES FLOWS PACKETS MODE"
res_note fw_ipp "Rulesets: RULES-1 rules ip saddr 10.A.B.0/24 ip daddr 172.16.C.0/24 udp dport P drop that miss (sparse; dense: alternately ip saddr 10.0.0.0/8 udp dport 7 and ip saddr 11.0.0.0/8 udp dport 9), then the accepting rule. Later packets: their connection's decision is kept; new: every packet opens a connection (the classifier each time)."
ipp_row() { # RULESET PACKETS RULES FLOWS NPACKETS MODE
	local v
	v=$(ipp "$3" "$4" "$5" "$6")
	printf '   %-40s %-36s %s instructions/packet\n' "$1" "$2" "$v"
	res_row fw_ipp "$1" "$2" "$v"
}
echo "   later packets of 1,000 connections (their decisions kept, fw_decide_flow):"
for r in $counts; do
	ipp_row "$r rules, sparse" "later packets of 1,000 connections" "$r" 1000 "$cgpackets" sparse
done
if [ "$quick" = 0 ]; then
	ipp_row "10000 rules, dense" "later packets of 1,000 connections" 10000 1000 "$cgpackets" dense
fi
ipp_row "1000 rules, established" "later packets of 1,000 connections" 1000 1000 "$cgpackets" established
if [ "$quick" = 0 ]; then
	ipp_row "1000 rules, sparse, checksum off" "later packets of 1,000 connections" 1000 1000 "$cgpackets" sparse,nocsum
	ipp_row "1000 rules, router" "later packets of 1,000 connections" 1000 1000 "$cgpackets" sparse,router
fi
echo "   every packet opening its connection (the classifier for each; $cgpackets flows):"
for r in $counts; do
	ipp_row "$r rules, sparse" "every packet a new connection" "$r" "$cgpackets" "$cgpackets" new
done
if [ "$quick" = 0 ]; then
	ipp_row "10000 rules, dense" "every packet a new connection" 10000 "$cgpackets" "$cgpackets" dense,new
	ipp_row "1000 rules, router" "every packet a new connection" 1000 "$cgpackets" "$cgpackets" new,router
	ipp_row "1000 rules, sparse" "1,000,000 connections, each seen once" 1000 1000000 1000000 sparse
fi
v=$(valgrind --tool=callgrind --callgrind-out-file="$work/cgl" --toggle-collect=app_run \
	"$build/tools/bench/bench-loop" l2fwd "$cgpackets" 64 validate >/dev/null 2>&1; awk -v ir="$(grep -m1 '^summary:' "$work/cgl" | awk '{print $2}')" -v n="$cgpackets" 'BEGIN { printf "%.1f", ir / n }')
echo "   (l2fwd with the parse stage on the same ports: $v instructions/packet)"
res_row fw_ipp "l2fwd with the parse stage, for scale" "bench-loop l2fwd $cgpackets 64 validate" "$v"

res_table fw_native "fw natively on the in-memory ports (bench-fw, 1,000 rules; no NIC driver in these rates)"
res_cols fw_native packets Mpps "bench-fw's line"
res_cmd fw_native "$build/tools/bench/bench-fw 1000 FLOWS PACKETS MODE"
native_row() { # LABEL BENCH-FW-ARGS...
	local label=$1 line
	shift
	line=$("$build/tools/bench/bench-fw" "$@" 2>&1 | tail -1)
	printf '   %s\n' "$line"
	res_row fw_native "$label" "$(printf '%s\n' "$line" | sed -nE 's/.*flows: ([0-9.]+) Mpps.*/\1/p')" "bench-fw $*: $line"
}
echo "== fw: 1,000$([ "$quick" = 1 ] || echo " against 1,000,000") tracked flows (bench-fw, in-memory ports, natively; the ceiling is l2fwd on the same ports)"
native_row "later packets of 1,000 connections" 1000 1000 5000000 sparse
if [ "$quick" = 0 ]; then
	native_row "later packets of 1,000,000 connections" 1000 1000000 5000000 sparse
	echo "== fw: connection setup, every packet a new connection (bench-fw 1000 2000000 2000000 new, natively)"
	native_row "every packet a new connection (2,000,000 flows)" 1000 2000000 2000000 new
fi

echo "== fw: throughput against testpmd io-forwarding, ${seconds} s runs"
for ((f = 0; f < 1024; f++)); do
	printf 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.%d.%d dst=192.0.2.1 / udp sport=%d dport=9 / payload len=18\n' \
		$((f >> 8)) $((f & 255)) $((1024 + f))
done >"$work/in.pkts"
"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/in.pkts"
port0="net_pcap0,rx_pcap=$work/in.pcap,infinite_rx=1"
port1="net_null0,no-rx=1"
mbufs=16384 pool=()    # testpmd's --total-num-mbufs, sluice-hosted's --pool
startup=2              # seconds testpmd may take to start (loading its pcap) before the run
rules() { # N -> a ruleset file with N rules, the last accepting the traffic
	{
		printf 'interface lan\ninterface wan\nchain forward policy drop {\n'
		awk -v n="$1" 'BEGIN { srand(1); for (i = 0; i + 1 < n; i++)
			printf "ip saddr 10.%d.%d.0/24 ip daddr 172.16.%d.0/24 udp dport %d drop\n",
				int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }'
		printf 'iif lan udp dport 9 accept\n}\n'
	} >"$work/r$1.conf"
}
testpmd_run() {
	timeout -s INT $((seconds + startup)) dpdk-testpmd $common --file-prefix=bfw-tp-$$ --lcores 0@0,1@0 --vdev "$port0" \
		--vdev "$port1" -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs >"$work/tp.log" 2>&1 || true
	awk '/NIC statistics for port 1/ { p = 1 } p && /Tx-pps:/ { print $2; p = 0 }' "$work/tp.log" |
		tail -n +3 | sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'
}
hosted_run() { # APP [ARGS...] -> pps
	"$build/hosted/sluice-hosted" "$@" "${pool[@]}" --quiet --duration "$seconds" \
		--eal "$common --file-prefix=bfw-sl-$$ --lcores 0@0" --port "dpdk:$port0" --port "dpdk:$port1" >"$work/sl.log" 2>&1 ||
		{ cat "$work/sl.log" >&2; echo 0; return; }
	grep -E "^$1:" "$work/sl.log" | sed -E 's/.*\(([0-9.]+) Mpps out\).*/\1/' | awk '{ printf "%d\n", $1 * 1e6 }'
}
fw_run() { hosted_run fw --config "$work/r$1.conf"; } # N -> pps
# fw with the ruleset rRULES.conf against testpmd, alternately twice, the better run of each;
# its row into the results' TABLE (fw_tput), under the memory mode $mem_label
versus() { # RULES LABEL [TABLE]
	local tp=0 sl=0 t s round
	for ((round = 1; round <= rounds; round++)); do
		t=$(testpmd_run); s=$(fw_run "$1")
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$s" -gt "$sl" ] && sl=$s
	done
	awk -v what="$2" -v tp="$tp" -v sl="$sl" 'BEGIN {
		printf "   %s: fw %.3f Mpps, testpmd io-fwd %.3f Mpps: %.1f%%\n", what, sl / 1e6, tp / 1e6, tp ? 100 * sl / tp : 0 }'
	local ratio
	ratio=$(awk -v tp="$tp" -v sl="$sl" 'BEGIN { if (tp > 0) printf "%.1f %%", 100 * sl / tp; else print "-" }')
	res_row "${3:-fw_tput}" "$mem_label" "$(echo $2)" "$(res_mpps "$sl")" "$(res_mpps "$tp")" "$ratio"
	if [[ "$1" =~ ^[0-9]+$ ]]; then
		res_row fw_tput_chart "$mem_short" "$1" "$(res_mpps "$sl")" "$(res_mpps "$tp")"
	fi
}
# What the 50 % target leaves fw: the same ports through Sluice without fw's own work.
# l2fwd is the hosted runtime alone (conversion to and from pkt_buf, the pipeline);
# l2fwd 'validate' adds the parser as a stage. ns/packet is 1,000 / Mpps.
budget() {
	local tp=0 l2=0 va=0 t a b round
	for ((round = 1; round <= rounds; round++)); do
		t=$(testpmd_run); a=$(hosted_run l2fwd); b=$(hosted_run l2fwd --opts validate)
		[ "$t" -gt "$tp" ] && tp=$t
		[ "$a" -gt "$l2" ] && l2=$a
		[ "$b" -gt "$va" ] && va=$b
	done
	awk -v tp="$tp" -v l2="$l2" -v va="$va" 'BEGIN {
		if (!tp || !l2 || !va) { print "   (a run failed: no budget)"; exit }
		printf "   testpmd io-fwd       %7.3f Mpps  %5.1f ns/packet\n", tp / 1e6, 1e9 / tp
		printf "   l2fwd                %7.3f Mpps  %5.1f ns/packet  %5.1f%% of testpmd\n", l2 / 1e6, 1e9 / l2, 100 * l2 / tp
		printf "   l2fwd validate       %7.3f Mpps  %5.1f ns/packet  %5.1f%% of testpmd\n", va / 1e6, 1e9 / va, 100 * va / tp
		printf "   50%% of testpmd is %.1f ns/packet: %.1f ns left for fw beyond the parser\n", 2e9 / tp, 2e9 / tp - 1e9 / va }'
	[ "$tp" -gt 0 ] && [ "$l2" -gt 0 ] && [ "$va" -gt 0 ] || return 0
	res_row fw_budget "$mem_label" "$(res_mpps "$tp")" \
		"$(awk -v v="$l2" -v tp="$tp" 'BEGIN { printf "%.3f (%.1f %%)", v / 1e6, 100 * v / tp }')" \
		"$(awk -v v="$va" -v tp="$tp" 'BEGIN { printf "%.3f (%.1f %%)", v / 1e6, 100 * v / tp }')" \
		"$(awk -v tp="$tp" -v va="$va" 'BEGIN { printf "%.1f of %.1f", 2e9 / tp - 1e9 / va, 2e9 / tp }')"
}
res_table fw_budget "The budget: what Sluice's runtime leaves fw of 50 % of testpmd (the same ports, no rules)"
res_cols fw_budget memory "testpmd io-fwd (Mpps)" "sluice-hosted l2fwd (Mpps, % of testpmd)" "l2fwd --opts validate (Mpps, %)" "ns a packet left for fw beyond the parser, of 50 % of testpmd's"
[ "$quick" = 0 ] || res_skip fw_budget "not in a quick run (the l2fwd suite has l2fwd against testpmd)"
res_table fw_tput "fw against testpmd io-forwarding on the same DPDK ports (1,024 flows of 64-byte UDP, one core each, ${seconds} s runs, better of $rounds)"
res_cols fw_tput memory ruleset "fw (Mpps)" "testpmd io-fwd (Mpps)" ratio
res_note fw_tput "Port 0: net_pcap replaying 1,024 flows (infinite_rx=1); port 1: net_null (no-rx=1). fw in bridge mode unless it says router; only the hugepage rows are a fair ceiling."
res_table fw_tput_chart "fw and testpmd by rule count"
res_cols fw_tput_chart memory rules "fw (Mpps)" "testpmd io-fwd (Mpps)"
res_hide fw_tput_chart
throughput() { # WHAT EAL_MEMORY_ARGS
	common="$2 --no-pci --log-level=*:error"
	mem_label=$1
	case "$2" in *--no-huge*) mem_short="4 KiB pages";; *) mem_short="2 MiB hugepages";; esac
	echo "   memory: $1"
	echo "   testpmd: dpdk-testpmd $common --lcores 0@0,1@0 --vdev $port0 --vdev $port1 -- --forward-mode=io --nb-cores=1"
	echo "   fw:      sluice-hosted fw --config rN.conf --duration $seconds --eal '$common --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1"
	res_cmd fw_tput "timeout -s INT $((seconds + startup)) dpdk-testpmd $common --file-prefix=bfw-tp-$$ --lcores 0@0,1@0 --vdev $port0 --vdev $port1 -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs"
	res_cmd fw_tput "$build/hosted/sluice-hosted fw --config rN.conf --quiet --duration $seconds --eal '$common --file-prefix=bfw-sl-$$ --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1"
	[ "$quick" = 1 ] || res_cmd fw_budget "$build/hosted/sluice-hosted l2fwd [--opts validate] --quiet --duration $seconds --eal '$common --file-prefix=bfw-sl-$$ --lcores 0@0' --port dpdk:$port0 --port dpdk:$port1"
	if [ "$quick" = 0 ]; then
		echo "   the budget, no rules (l2fwd: sluice-hosted l2fwd [--opts validate] on the same ports):"
		budget
	fi
	for n in $counts; do
		rules "$n"
		versus "$n" "$(printf '%5d rules' "$n")"
	done
	if [ "$quick" = 1 ]; then
		return 0
	fi
	[ -f "$work/r1000.conf" ] || rules 1000
	# what a device that verifies checksums on receive saves (these PMDs do not)
	{ printf 'conntrack { checksum off }\n'; cat "$work/r1000.conf"; } >"$work/r1000c.conf"
	versus 1000c " 1000 rules, checksum off"
	# fw as a router: the frames are for lan's MAC, the server a configured neighbour
	{
		printf 'interface lan { address 10.0.255.254/16; mac 02:00:00:00:00:02 }\n'
		printf 'interface wan { address 192.0.2.2/24; mac 02:00:00:00:01:02 }\n'
		printf 'neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan\n'
		tail -n +3 "$work/r1000.conf"
	} >"$work/r1000r.conf"
	versus 1000r " 1000 rules, router"
}
res_chart fw_tput_chart fw-testpmd lines,logx rules "fw (Mpps)|testpmd io-fwd (Mpps)" memory "fw against testpmd io-forwarding on the same DPDK ports, by rule count"
if [ "$quick" = 1 ]; then
	huge_one_mode "$work" throughput fw_tput
else
	huge_both_modes "$work" throughput fw_tput
fi

# 1,048,576 flows, one 64-byte frame each, at 1,000 rules. Every lookup misses the cache,
# and so does net_pcap's copy of each stored frame, for testpmd as for fw. Both rates
# count the whole run after the ports start; fw's includes the first pass, which opens
# the connections (about 0.2 s of the run at its connection setup rate).
million() { # WHAT EAL_MEMORY_ARGS
	common="$2 --no-pci --log-level=*:error"
	mem_label=$1
	echo "   memory: $1"
	versus 1000m " 1000 rules, 1048576 flows" fw_million
}
res_table fw_million "fw against testpmd with 1,048,576 tracked flows (1,000 rules; net_pcap replays one frame of each flow)"
res_cols fw_million memory ruleset "fw (Mpps)" "testpmd io-fwd (Mpps)" ratio
if [ "$quick" = 1 ]; then
	res_skip fw_million "not in a quick run (a million-frame capture, about 3 GB of pool)"
	exit 0
fi
echo "== fw: throughput against testpmd io-forwarding with 1,048,576 tracked flows, ${seconds} s runs"
awk 'BEGIN { for (f = 0; f < 1048576; f++)
	printf "eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.%d.%d.%d dst=192.0.2.1 / udp sport=%d dport=9 / payload len=18\n",
		int(f / 65536), int(f / 256) % 256, f % 256, 1024 + f % 60000 }' >"$work/m.pkts"
"$build/tools/capgen/capgen" -o "$work/m.pcap" "$work/m.pkts"
rm -f "$work/m.pkts"
{ printf 'conntrack { max 1100000 }\n'; cat "$work/r1000.conf"; } >"$work/r1000m.conf"
port0="net_pcap0,rx_pcap=$work/m.pcap,infinite_rx=1" mbufs=1100000 pool=(--pool 1100000) startup=30
echo "   testpmd: ... --total-num-mbufs=$mbufs; fw: sluice-hosted fw --config r1000m.conf (conntrack { max 1100000 }) ${pool[*]} ..."
res_cmd fw_million "dpdk-testpmd ... --vdev net_pcap0,rx_pcap=m.pcap,infinite_rx=1 --vdev $port1 -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs   # as above, startup $startup s"
res_cmd fw_million "$build/hosted/sluice-hosted fw --config r1000m.conf ${pool[*]} --quiet --duration $seconds ...   # conntrack { max 1100000 } and the 1,000 rules"
if huge_reserve "$work" 3584; then
	million "2 MiB hugepages, both pools packed: the ceiling" "$HUGE_EAL"
	huge_release
else
	huge_none fw_million
fi
million "4 KiB pages (--no-huge): not a fair ceiling" "--no-huge -m 5120"
