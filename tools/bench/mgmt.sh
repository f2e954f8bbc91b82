#!/usr/bin/env bash
# The management plane's benchmarks (docs/BENCHMARKS.md). Numbers, never pass/fail.
#
# usage: mgmt.sh SOURCE_ROOT BUILD_DIR [--only PART[,PART...]] [--boots N] [--scrapes N]
#                                      [--rules N] [--packets N]
# PARTs, all by default:
#  transit  callgrind instructions per packet of fw's later packets (bench-fw, 1,000 rules,
#           in-memory ports) through app_run alone, through the life cycle without and with
#           the management plane (a dedicated idle port; in-band on port 0), on a packet
#           clock (bench-fw ms=N) so that the once-a-millisecond work runs as often per
#           packet as at N packets a millisecond, not 50 times as often as under callgrind;
#  size     the images' stripped sizes, and the fw image's bytes by archive (the link
#           map of the same link, made again into this script's scratch directory);
#  boot     the fw image with two data NICs and a management NIC on user networking,
#           mgmt=dhcp (boot.sh --mgmt), under TCG unless SLUICE_ACCEL says otherwise;
#  scrape   the hosted fw with RULES rules (default 10,000), each with a counter, as a
#           router between two network namespaces on veths (afpacket: ports), its
#           management port on a third veth into a third namespace: the page's size and
#           the time of N scrapes (curl); a ping flood through fw with and without scrapes
#           (its longest round trip); and the page written in the metrics server's chunks
#           by bench-metrics (the time a poll can spend on it). Root;
#  image    the same scrape of the fw image under TCG: `sluice run fw -p PORT:9100 --net
#           user --net user --config BIG.conf --mem 64M`.
# --quick: 1,000,000 packets, sparse, the clock at 20,000 only (transit), 3 boots, 1,000 rules,
# 3 scrapes, one round of the ping flood, 5 pages for bench-metrics.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
set -euo pipefail
root=$1 build=$2; shift 2
only=transit,size,boot,scrape,image boots=10 scrapes=10 rules=10000 packets=20000000
clocks="20000 1000" kinds="sparse established" rounds=3 pages=20
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift ;;
	--boots) boots=$2; shift ;;
	--scrapes) scrapes=$2; shift ;;
	--rules) rules=$2; shift ;;
	--packets) packets=$2; shift ;;
	--quick) boots=3 scrapes=3 rules=1000 packets=1000000 clocks=20000 kinds=sparse rounds=1 pages=5 ;;
	*) echo "mgmt.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
export SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchmgmt.XXXXXX")
tag=slbm$$                # names of this run's namespaces and interfaces
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
	for n in a b m; do ip netns del "$tag-$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
want() { [[ ",$only," == *",$1,"* ]]; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
maxof() { sort -g | tail -1; }
image_of() { if [ -f "$build/images/$1.elf" ]; then echo "$build/images/$1.elf"; else echo "$build/kernel/$1.elf"; fi; }

# ---- transit: instructions per packet ---------------------------------------------------------
if want transit; then
	echo "== transit: fw later packets, 1,000 rules, 1,000 flows, $packets packets (callgrind, in-memory ports)"
	echo "   command: valgrind --tool=callgrind --toggle-collect=measure_fw $build/tools/bench/bench-fw 1000 1000 $packets MODE"
	res_table mgmt_transit "Transit cost of the management plane: instructions a packet of fw's later packets (callgrind, 1,000 rules, 1,000 flows, $packets packets, in-memory ports)"
	res_cols mgmt_transit "fw's packets" "clock: 1 ms per N packets" "app_run, no poll hook (before)" "life: app_life_run, no management" "dedicated management port" "in-band on port 0"
	res_cmd mgmt_transit "valgrind --tool=callgrind --toggle-collect=measure_fw $build/tools/bench/bench-fw 1000 1000 $packets MODE   # MODE: KIND,ms=N | KIND,life,ms=N | KIND,mgmt,ms=N | KIND,mgmt-inband,ms=N"
	res_note mgmt_transit "In brackets: instructions a packet more than before. ms=N: the packet clock advances 1 ms per N packets; 20,000 is about fw's native rate on a core, 1,000 a core forwarding 1 Mpps."
	ipp() { # MODE -> instructions per packet
		valgrind --tool=callgrind --callgrind-out-file="$work/cg" --toggle-collect=measure_fw \
			"$build/tools/bench/bench-fw" 1000 1000 "$packets" "$1" >/dev/null 2>"$work/cg.log" ||
			{ cat "$work/cg.log" >&2; echo -; return; }
		awk -v ir="$(grep -m1 '^summary:' "$work/cg" | awk '{print $2}')" -v n="$packets" 'BEGIN { printf "%.2f", ir / n }'
	}
	for n in $clocks; do
		for kind in $kinds; do
			[ "$n" = 1000 ] && [ "$kind" = established ] && continue
			before=$(ipp "$kind,ms=$n")
			printf '   %-12s ms=%-6s app_run, no poll hook (before)          %8s\n' "$kind" "$n" "$before"
			row=("$kind" "$n" "$before")
			for m in life mgmt mgmt-inband; do
				v=$(ipp "$kind,$m,ms=$n")
				printf '   %-12s ms=%-6s %-38s %8s  (%+.2f)\n' "$kind" "$n" \
					"$(case $m in life) echo "app_life_run, no management";; mgmt) echo "app_life_run, dedicated mgmt port";;
					   *) echo "app_life_run, in-band mgmt on port 0";; esac)" "$v" "$(awk -v a="$v" -v b="$before" 'BEGIN { print a - b }')"
				row+=("$v ($(awk -v a="$v" -v b="$before" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.2f", a - b }'))")
			done
			res_row mgmt_transit "${row[@]}"
		done
	done
	echo "   (ms=N: the clock advances 1 ms per N packets received; 20000 is about fw's native rate a core,"
	echo "    1000 a core forwarding 1 Mpps. Natively, for the rate: $build/tools/bench/bench-fw 1000 1000 5000000 sparse)"
	line=$("$build/tools/bench/bench-fw" 1000 1000 5000000 sparse 2>&1 | tail -1)
	printf '   %s\n' "$line"
	res_note mgmt_transit "Natively, for the rate (bench-fw 1000 1000 5000000 sparse): $line"
fi

# ---- size: the images ---------------------------------------------------------------------------
if want size; then
	echo "== size: the images, stripped (strip -o)"
	res_table sizes "Image sizes (strip -o)"
	res_cols sizes image "stripped (bytes)" "with symbols (bytes)"
	res_cmd sizes "strip -o APP.stripped.elf $build/kernel/APP.elf"
	for img in "$build"/kernel/*.elf; do
		app=$(basename "$img" .elf)
		[ -f "$img" ] && [[ "$app" != *-pass1 ]] || continue
		img=$(image_of "$app")
		strip -o "$work/$app.s.elf" "$img"
		printf '   %-6s %8d bytes stripped (%s)\n' "$app" "$(stat -c %s "$work/$app.s.elf")" "$img"
		res_row sizes "$app" "$(stat -c %s "$work/$app.s.elf")" "$(stat -L -c %s "$img")"
	done
	# the fw image's link again, with a map, into $work (the build's own output untouched)
	cmd=$(cd "$build" && ninja -t commands kernel/fw.elf 2>/dev/null | tail -1)
	if [ -n "$cmd" ] && (cd "$build" && eval "${cmd/ -o kernel\/fw.elf / -o $work/fw.elf -Wl,-Map=$work/fw.map }") 2>/dev/null; then
		echo "   the fw image by archive (its link map: .text, .rodata and .data are in the file; .bss is not):"
		awk '
			function hex(h,   i, v) { v = 0; h = tolower(substr(h, 3))
				for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
				return v }
			/^Linker script and memory map/ { on = 1; next }
			!on { next }
			/^ [.][^ ]+$/ || /^ COMMON$/ { sec = substr($1, 1); next }
			/^ ([.][^ ]+|COMMON)? *0x[0-9a-f]+ +0x[0-9a-f]+ +[^ ]+$/ {
				n = split($0, f, " ")
				if (n == 4) { sec = f[1]; size = f[3]; file = f[4] } else { size = f[2]; file = f[3] }
				if (sec == "") next
				g = file
				if (match(file, /lib[a-z_0-9]+\.a/)) g = substr(file, RSTART + 3, RLENGTH - 5)
				else if (file ~ /ksyms/) g = "ksyms (the symbol table)"
				s = hex(size)
				if (sec ~ /^[.]bss/ || sec == "COMMON") bss[g] += s
				else if (sec ~ /^[.](text|rodata|data)/) file_b[g] += s
				sec = ""; next
			}
			{ sec = "" }
			END { for (g in file_b) printf "%s\t%d\t%d\n", g, file_b[g], bss[g] }' "$work/fw.map" |
			sort -t$'\t' -k2 -rn >"$work/fw.archives"
		awk -F'\t' '
				{ t += $2; printf "     %-28s %8d bytes in the file, %7d of .bss\n", $1, $2, $3 }
				END { printf "     %-28s %8d\n", "total", t }' "$work/fw.archives"
		echo "     (img_stack_lwip: lwIP itself; img_stack: its glue, stack/stk*.c; img_mgmt: apps/mgmt*.c)"
		res_table fw_archives "The fw image by archive (its link map: .text, .rodata and .data are in the file, .bss is not)"
		res_cols fw_archives "in the fw image" "in the file (bytes)" ".bss (bytes)"
		res_cmd fw_archives "(cd $build && \$(ninja -t commands kernel/fw.elf | tail -1) with -o WORK/fw.elf -Wl,-Map=WORK/fw.map)"
		res_note fw_archives "img_stack_lwip: lwIP itself; img_stack: its glue, stack/stk*.c; img_mgmt: apps/mgmt*.c; ksyms: the symbol table for backtraces."
		while IFS=$'\t' read -r g f b; do res_row fw_archives "$g" "$f" "$b"; done <"$work/fw.archives"
	fi
fi

# ---- boot with a management NIC --------------------------------------------------------------------
if want boot; then
	"$root/tools/bench/boot.sh" "$root" "$build" --mgmt --boots "$boots"
fi

# ---- scrape ---------------------------------------------------------------------------------------
big="$work/big.conf"
{
	printf 'interface lan { address 10.1.0.1/24 }\ninterface wan { address 10.2.0.1/24 }\n'
	printf 'chain forward policy drop {\nct state established,related counter accept\n'
	awk -v n="$rules" 'BEGIN { srand(1); for (i = 0; i + 2 < n; i++)
		printf "ip saddr 10.%d.%d.0/24 ip daddr 172.16.%d.0/24 udp dport %d counter drop\n",
			int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }'
	printf 'iif lan counter accept\n}\n'
} >"$big"

scrape_series() { # URL NETNS-PREFIX... -> one "TIME BYTES" line per scrape into $work/scrapes
	local url=$1 i; shift
	: >"$work/scrapes"
	for ((i = 0; i < scrapes; i++)); do
		"$@" curl -s -o /dev/null --max-time 120 -w '%{time_total} %{size_download}\n' "$url" >>"$work/scrapes" || true
	done
}
scrape_report() { # [LABEL]: and the results' row
	echo "   page $(awk '{ print $2 }' "$work/scrapes" | median) bytes; $(wc -l <"$work/scrapes") scrapes:" \
		"median $(awk '{ print $1 }' "$work/scrapes" | median) s, longest $(awk '{ print $1 }' "$work/scrapes" | maxof) s"
	[ -z "${1:-}" ] || res_row scrape "$1" "$(awk '{ print $2 }' "$work/scrapes" | median)" "$(wc -l <"$work/scrapes")" \
		"$(awk '{ print $1 }' "$work/scrapes" | median)" "$(awk '{ print $1 }' "$work/scrapes" | maxof)"
}
if want scrape || want image; then
	res_table scrape "Scraping the metrics page of $rules counted rules ($scrapes scrapes)"
	res_cols scrape fw "page (bytes)" scrapes "median (s)" "longest (s)"
	res_note scrape "The ruleset: ct state established,related counter accept, $((rules - 2)) rules ip saddr 10.A.B.0/24 ip daddr 172.16.C.0/24 udp dport P counter drop, iif lan counter accept."
fi

if want scrape; then
	echo "== scrape: the hosted fw, $rules rules each with a counter, a router between two namespaces on veths"
	for n in a b m; do ip netns add "$tag-$n"; done
	ip link add "${tag}l" type veth peer name eth0 netns "$tag-a"
	ip link add "${tag}w" type veth peer name eth0 netns "$tag-b"
	ip link add "${tag}g" type veth peer name eth0 netns "$tag-m"
	ip -n "$tag-a" addr add 10.1.0.2/24 dev eth0
	ip -n "$tag-b" addr add 10.2.0.2/24 dev eth0
	ip -n "$tag-m" addr add 192.0.2.1/24 dev eth0
	for n in a b m; do
		ip -n "$tag-$n" link set eth0 up
		ip -n "$tag-$n" link set lo up
		ip netns exec "$tag-$n" ethtool -K eth0 tso off gso off >/dev/null
	done
	ip -n "$tag-a" route replace default via 10.1.0.1
	ip -n "$tag-b" route replace default via 10.2.0.1
	for i in l w g; do ip link set "$tag$i" up; done
	fw_cmd=("$build/hosted/sluice-hosted" fw --config "$big" --port "afpacket:iface=${tag}l" --port "afpacket:iface=${tag}w"
		--mgmt-port "afpacket:iface=${tag}g" --mgmt ip=192.0.2.200/24)
	echo "   command: ${fw_cmd[*]}"
	res_cmd scrape "${fw_cmd[*]}"
	setsid "${fw_cmd[@]}" >"$work/fw.log" 2>&1 </dev/null &
	pids+=($!)
	for ((i = 0; i < 100; i++)); do grep -q "management mgmt" "$work/fw.log" && break; sleep 0.1; done
	ip netns exec "$tag-a" ping -c 3 -i 0.2 -W 1 10.2.0.2 >/dev/null || echo "   (no ping through fw: $(tail -3 "$work/fw.log"))"
	url=http://192.0.2.200:9100/metrics
	echo "   command: ip netns exec $tag-m curl -s -o /dev/null -w '%{time_total} %{size_download}' $url ($scrapes times)"
	res_cmd scrape "ip netns exec $tag-m curl -s -o /dev/null -w '%{time_total} %{size_download}' $url   # $scrapes times"
	t0=$(date +%s%N)
	scrape_series "$url" ip netns exec "$tag-m"
	echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$work/scrape_ms"
	scrape_report "hosted, management port on a veth (afpacket:)"
	ip netns exec "$tag-m" curl -s "$url" -o "$work/page.txt"
	echo "   the page: $(wc -l <"$work/page.txt") lines, $(grep -c '^sluice_fw_rule_' "$work/page.txt") rule series"
	echo "   ping -f through fw ($tag-a -> $tag-b) while nothing scrapes, then during $scrapes scrapes; $rounds round(s):"
	res_table scrape_ping "A ping flood through the hosted fw without and during $scrapes scrapes of the page"
	res_cols scrape_ping round while "echo requests" "replies" "rtt avg (ms)" "rtt max (ms)"
	res_cmd scrape_ping "ip netns exec $tag-a ping -f -q -w 120 10.2.0.2   # for as long as $scrapes scrapes take, alternately without and with them"
	flood() { # SECONDS|scrape -> the ping summary's rtt line
		ip netns exec "$tag-a" ping -f -q -w 120 10.2.0.2 >"$work/ping.out" 2>&1 &
		local p=$!
		sleep 0.2
		if [ "$1" = scrape ]; then
			local t0; t0=$(date +%s%N)
			scrape_series "$url" ip netns exec "$tag-m"
			echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$work/scrape_ms"
		else
			sleep "$1"
		fi
		kill -INT "$p"; wait "$p" || true
		awk '/packets transmitted/ { tx = $1; rx = $4 } /^rtt/ { split($4, v, "/"); printf "%s sent, %s back, rtt avg %s max %s ms", tx, rx, v[2], v[3] }' "$work/ping.out"
	}
	ping_row() { # ROUND WHILE LINE
		local v
		read -r -a v < <(printf '%s\n' "$3" | sed -nE 's/^([0-9]+) sent, ([0-9]+) back, rtt avg ([0-9.]+) max ([0-9.]+) ms$/\1 \2 \3 \4/p') || true
		res_row scrape_ping "$1" "$2" "${v[@]}"
	}
	for ((round = 1; round <= rounds; round++)); do
		d=$(awk -v ms="$(cat "$work/scrape_ms" 2>/dev/null || echo 1500)" 'BEGIN { printf "%.2f", ms / 1000 }')
		line=$(flood "$d")
		printf '   round %d, no scrape (%s s):  %s\n' "$round" "$d" "$line"
		ping_row "$round" "no scrape ($d s)" "$line"
		line=$(flood scrape)
		printf '   round %d, %d scrapes:        %s\n' "$round" "$scrapes" "$line"
		ping_row "$round" "$scrapes scrapes" "$line"
	done
	kill -TERM -- "-${pids[-1]}" 2>/dev/null || true
	wait "${pids[-1]}" 2>/dev/null || true
	unset 'pids[-1]'
	echo "   the page written in the metrics server's chunks (4,096 bytes at most, a poll writes two or three):"
	echo "   command: $build/tools/bench/bench-metrics BIG.conf $pages"
	"$build/tools/bench/bench-metrics" "$big" "$pages" >"$work/bm20.out"
	sed 's/^/   /' "$work/bm20.out"
	valgrind --tool=callgrind --callgrind-out-file="$work/cgm" --toggle-collect=page_chunk \
		"$build/tools/bench/bench-metrics" "$big" 1 >"$work/bm.out" 2>/dev/null
	line=$(awk -v ir="$(grep -m1 '^summary:' "$work/cgm" | awk '{print $2}')" -v c="$(sed -nE 's/.* ([0-9]+) chunks of.*/\1/p' "$work/bm.out")" \
		'BEGIN { printf "%.1f million instructions a page, %.0f a chunk", ir / 1e6, ir / c }')
	echo "   callgrind (--toggle-collect=page_chunk): $line"
	res_table metrics_chunks "The page of $rules counted rules written in the metrics server's chunks (bench-metrics, $pages pages)"
	res_cols metrics_chunks measure value
	res_cmd metrics_chunks "$build/tools/bench/bench-metrics BIG.conf $pages"
	res_cmd metrics_chunks "valgrind --tool=callgrind --toggle-collect=page_chunk $build/tools/bench/bench-metrics BIG.conf 1"
	while IFS= read -r l; do
		case "$l" in
		page:*) res_row metrics_chunks "the page" "${l#page: }" ;;
		"page written in"*) res_row metrics_chunks "a page written in" "${l#page written in }" ;;
		chunk:*) res_row metrics_chunks "a chunk" "${l#chunk: }" ;;
		esac
	done <"$work/bm20.out"
	res_row metrics_chunks "callgrind" "$line"
fi

if want image; then
	port=$((19900 + $$ % 90))
	echo "== scrape: the fw image under $SLUICE_ACCEL with $rules counted rules (boot module), -p $port:9100"
	echo "   command: SLUICE_BUILD=$build SLUICE_ACCEL=$SLUICE_ACCEL $root/tools/sluice run fw -p $port:9100 --net user --net user --config BIG.conf --mem 64M"
	res_cmd scrape "SLUICE_BUILD=$build SLUICE_ACCEL=$SLUICE_ACCEL $root/tools/sluice run fw -p $port:9100 --net user --net user --config BIG.conf --mem 64M"
	res_cmd scrape "curl -s -o /dev/null -w '%{time_total} %{size_download}' http://127.0.0.1:$port/metrics   # $scrapes times"
	SLUICE_BUILD=$build setsid "$root/tools/sluice" run fw -p "$port:9100" --net user --net user --config "$big" --mem 64M \
		>"$work/img.log" 2>&1 </dev/null &
	pids+=($!)
	for ((i = 0; i < 600; i++)); do grep -q "management mgmt" "$work/img.log" && break; sleep 0.1; done
	grep -E "ready in|management mgmt" "$work/img.log" | sed 's/^/   /'
	scrape_series "http://127.0.0.1:$port/metrics"
	scrape_report "the image under $SLUICE_ACCEL, QEMU user networking, --mem 64M"
	kill -TERM -- "-${pids[-1]}" 2>/dev/null || true
	wait "${pids[-1]}" 2>/dev/null || true
	unset 'pids[-1]'
fi
