# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # the variables are the sourcing script's (see below)
# Sourced by nat.sh and lb.sh (after huge.sh and results.sh): what the two share.
#
#   bench_args DEFAULT-PARTS ARGS...   SOURCE_ROOT BUILD_DIR [SECONDS] [--quick] [--only PART,...]
#                                      -> build, seconds (8), quick (0|1), only; want PART
#   w gt commas cleanup                a command as recorded, A > B, 1,000,000, the EXIT trap
#                                      (kills $bg, releases hugepages, deletes $R, $H, $work)
#  callgrind (part 1), with cg_table (the results table), cg_bin (the bench binary), cg_fmt
#  (printf format of a row: LABEL PACKETS COUNT VALUE) and cg_parts (an awk function
#  part(FILE) -> "N the part's name") set:
#   ipp LABEL PLABEL CLABEL TOGGLE ARGS...   a row of instructions a packet; $work/cg.out kept
#   cg_lines, top NAME TITLE PACKETS, part_sums KEY PACKETS, parts_rows NAME WIDTH KEY...
#  against testpmd (part 4), with tp_prefix (the EAL file prefixes' start), common, port0,
#  port1, mbufs, seconds, startup set:
#   mkpcap_to FLOWS VIP FILE, testpmd_run, snap, hosted_ready FLOWS, hosted_rate
#  on veths (part 5), with pg_opts defined and veth_unit (sessions, flows) set:
#   send PG-OPTS-ARGS..., keep ROUTER FLOWS "RX TX LOST", veth_rows NAME (routers, got)

bench_args() { # DEFAULT-PARTS SOURCE_ROOT BUILD_DIR [ARGS...]
	only=$1
	build=$3            # $2, the source root, is not needed: everything is in the build
	shift 3
	seconds=8 quick=0
	while [ $# -gt 0 ]; do
		case "$1" in
		--quick) quick=1 ;;
		--only) only=$2; shift ;;
		*) seconds=$1 ;;
		esac
		shift
	done
}
want() { [[ ",$only," == *",$1,"* ]]; }
cleanup() {
	[ -z "$bg" ] || { kill -INT "$bg" 2>/dev/null; sleep 0.5; kill -KILL "$bg" 2>/dev/null; }
	huge_release
	ip netns del "$R" 2>/dev/null || true
	ip netns del "$H" 2>/dev/null || true
	rm -rf "$work"
}
w() { local s=${1//$work/WORK}; echo "$s"; }   # a command as recorded: the scratch directory named WORK
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }   # is A > B (numbers)?
commas() { echo "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'; }   # 1000000 -> 1,000,000

# ---- callgrind ------------------------------------------------------------------------------
ipp() { # LABEL PACKETS-LABEL COUNT-LABEL TOGGLE BENCH-ARGS... -> a row; $work/cg.out kept
	local label=$1 plabel=$2 clabel=$3 toggle=$4 ir v name=${cg_bin##*/}
	shift 4
	if valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --toggle-collect="$toggle" "$cg_bin" "$@" \
		>"$work/cg.stdout" 2>"$work/cg.log"; then
		ir=$(grep -m1 '^summary:' "$work/cg.out" | awk '{ print $2 }')
		v=$(awk -v ir="$ir" -v n="$2" 'BEGIN { printf "%.1f", ir / n }')
	else
		v="-"
		cg_ok=0
		echo "   $name $* failed: $(grep -v '^==' "$work/cg.log" | tail -2 | tr '\n' ' ')"
		res_note "$cg_table" "$name $* failed: $(grep -v '^==' "$work/cg.log" | tail -1)"
	fi
	# shellcheck disable=SC2059
	printf "$cg_fmt" "$label" "$plabel" "$clabel" "$v"
	res_row "$cg_table" "$label" "$plabel" "$clabel" "$v"
	[ "$v" != - ]
}
# callgrind's own instructions a function (inlined code counted where it runs: the symbol),
# with the source files they come from, of $work/cg.out: "COUNT<TAB>FILE<TAB>FUNCTION" lines
cg_lines() {
	callgrind_annotate --auto=no --threshold=100 "$work/cg.out" 2>/dev/null | awk '
		/^-+$/ { dash++; next }
		/PROGRAM TOTALS/ { next }
		dash >= 3 && $1 ~ /^[0-9,]+$/ {
			c = $1; gsub(",", "", c)
			fn = $0; sub(/^ *[0-9,]+ *\( *[0-9.]+%\) */, "", fn); sub(/ \[.*$/, "", fn)
			file = fn; sub(/:[^:]*$/, "", file); f = fn; sub(/^.*:/, "", f)
			printf "%s\t%s\t%s\n", c, file, f }'
}
# top NAME TITLE PACKETS: the top 10 functions of $work/cg.out by their own instructions
top() {
	local name=$1 title=$2 n=$3
	res_table "$name" "$title"
	res_cols "$name" function "source files" "instructions/packet" "share"
	cg_lines | awk -F'\t' -v n="$n" '
		{ c[$3] += $1; total += $1; f = $2; sub(/^.*\//, "", f)
		  if (index(" " files[$3] " ", " " f " ") == 0) files[$3] = files[$3] (files[$3] == "" ? "" : " ") f }
		END { for (k in c) printf "%s\t%s\t%.1f\t%.1f %%\n", k, files[k], c[k] / n, 100 * c[k] / total }' |
		sort -t$'\t' -k3,3 -g -r | head -10 >"$work/top.tsv"
	while IFS=$'\t' read -r f file v s; do
		res_row "$name" "$f" "$file" "$v" "$s"
		printf '      %-28s %-36s %8s %s\n' "$f" "$file" "$v" "$s"
	done <"$work/top.tsv"
}
# part_sums KEY PACKETS: $work/cg.out's instructions a packet by the part of Sluice their
# source is in ($cg_parts), into $work/parts.KEY
part_sums() {
	cg_lines | awk -F'\t' -v n="$2" "$cg_parts"'
		{ s[part($2)] += $1; t += $1 }
		END { for (k in s) printf "%s\t%.1f\n", k, s[k] / n; printf "9 total\t%.1f\n", t / n }' >"$work/parts.$1"
}
# parts_rows NAME WIDTH KEY...: the part_sums of KEYs, a row a part, into table NAME
parts_rows() {
	local name=$1 width=$2
	shift 2
	cat "$work"/parts.* 2>/dev/null | cut -f1 | sort -u | while IFS= read -r p; do
		local row=("${p#? }") k
		for k in "$@"; do
			row+=("$(awk -F'\t' -v p="$p" '$1 == p { v = $2 } END { print v == "" ? "-" : v }' "$work/parts.$k" 2>/dev/null || echo -)")
		done
		res_row "$name" "${row[@]}"
		printf "   %-${width}s" "${row[0]}"
		printf ' %8s' "${row[@]:1}"
		printf '\n'
	done
}

# ---- against testpmd ------------------------------------------------------------------------
mkpcap_to() { # FLOWS VIP FILE: one 64-byte UDP frame of each flow to 198.51.100.VIP port 9
	awk -v n="$1" -v vip="$2" 'BEGIN { for (f = 0; f < n; f++)
		printf "eth src=02:00:00:00:00:20 dst=02:00:00:00:01:00 / ipv4 src=10.%d.%d.%d dst=198.51.100.%d / udp sport=%d dport=9 / payload len=18\n",
			int(f / 65536), int(f / 256) % 256, f % 256, vip, 1024 + f % 50000 }' >"$work/in.pkts"
	"$build/tools/capgen/capgen" -o "$3" "$work/in.pkts"
	rm -f "$work/in.pkts"
}
testpmd_run() { # -> pps (0 when it did not run)
	timeout -s INT $((seconds + startup)) dpdk-testpmd $common --file-prefix=$tp_prefix-tp-$$ --lcores 0@0,1@0 --vdev "$port0" \
		--vdev "$port1" -- --forward-mode=io --nb-cores=1 --stats-period=1 --total-num-mbufs=$mbufs \
		< <(sleep $((seconds + startup + 5))) >"$work/tp.log" 2>&1 || true
	# port 1's per-second rates, the first two left out (the start) when there are enough
	awk '/NIC statistics for port 1/ { p = 1 } p && /Tx-pps:/ { print $2; p = 0 }' "$work/tp.log" |
		awk '{ v[NR] = $1 } END { s = NR >= 4 ? 3 : NR >= 2 ? 2 : 1; for (i = s; i <= NR; i++) if (v[i] > 0) print v[i] }' |
		sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'
}
# snap: sends SIGUSR1 to $bg and waits for the counters it prints: snap_t (before the
# signal), snap_n (port 1's transmitted frames)
snap() {
	local before i
	before=$(grep -c '^sluice-hosted: end of counters' "$work/sl.log")
	snap_t=$(date +%s.%N)
	kill -USR1 "$bg" 2>/dev/null || { snap_n=-1; return; }
	for ((i = 0; i < 200; i++)); do
		[ "$(grep -c '^sluice-hosted: end of counters' "$work/sl.log")" -gt "$before" ] && break
		sleep 0.02
	done
	snap_n=$(grep '^device 1 ' "$work/sl.log" | tail -1 | sed -nE 's/.* tx ([0-9]+) pkts.*/\1/p')
	snap_n=${snap_n:-0}
}
# hosted_ready FLOWS: once sluice-hosted ($bg) catches SIGUSR1, snapshots until the first
# pass (FLOWS frames) is out; hr_i: the snapshots' loop count. Fails when it is not.
hosted_ready() {
	local flows=$1 sig
	# SIGUSR1 before its handler is set would end it: wait until it catches the signal
	for ((hr_i = 0; hr_i < 10 * (startup + 30); hr_i++)); do
		kill -0 "$bg" 2>/dev/null || break
		sig=$(awk '/^SigCgt:/ { print $2 }' "/proc/$bg/status" 2>/dev/null)
		[ -n "$sig" ] && (((0x$sig & 0x200) != 0)) && break
		sleep 0.1
	done
	snap_n=0
	for ((hr_i = 0; hr_i < 2 * (startup + 60); hr_i++)); do
		kill -0 "$bg" 2>/dev/null || break
		snap
		[ "$snap_n" -ge "$flows" ] && break
		sleep 0.5
	done
	kill -0 "$bg" 2>/dev/null && [ "$snap_n" -ge "$flows" ]
}
# hosted_rate: from the snapshot taken, another $seconds s later; stops $bg; prints pps
hosted_rate() {
	local t1=$snap_t n1=$snap_n
	sleep "$seconds"
	snap
	kill -INT "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	bg=""
	awk -v a="$n1" -v b="$snap_n" -v t1="$t1" -v t2="$snap_t" 'BEGIN { if (b > a && t2 > t1) printf "%d\n", (b - a) / (t2 - t1); else print 0 }'
}

# ---- on veths -------------------------------------------------------------------------------
send() { # PG-OPTS-ARGS... -> "RX TX LOST" (Mpps, Mpps, frames), "- - -" when pktgen failed
	timeout $((veth_s + 20)) ip netns exec "$H" taskset -c 0 "$hosted" pktgen --port afpacket:iface=p0 \
		--port afpacket:iface=p1 --opts "$(pg_opts "$@")" >"$work/pg.out" 2>&1 </dev/null
	sed -n 's/^pktgen\.json //p' "$work/pg.out" | python3 -c 'import json, sys
s = json.load(sys.stdin)["streams"][0]
print("%.3f %.3f %d" % (s["rx_pps"] / 1e6, s["tx_pps"] / 1e6, s["lost"]))' 2>/dev/null || echo "- - -"
}
keep() { # ROUTER FLOWS "RX TX LOST": the better round's rx, into got
	local r t l
	read -r r t l <<<"$3"
	echo "   $1, $2 $veth_unit: received $r Mpps (sent $t Mpps, $l lost)"
	[ "$r" != - ] || return 0
	if [ -z "${got["$1|$2"]:-}" ] || gt "$r" "${got["$1|$2"]}"; then
		got["$1|$2"]=$r
	fi
}
veth_rows() { # NAME: a row a router of got, a column a count of $veth_flows
	local r n row
	for r in "${routers[@]}"; do
		row=("$r")
		for n in $veth_flows; do row+=("${got["$r|$n"]:--}"); done
		res_row "$1" "${row[@]}"
	done
}
