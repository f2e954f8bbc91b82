#!/usr/bin/env bash
# The benchmarks of docs/BENCHMARKS.md, as suites (`sluice bench` runs this). Numbers,
# never pass/fail: the status is 1 only when a suite's script breaks, never for a number.
#
# usage: run.sh SOURCE_ROOT BUILD_DIR [--quick] [--seconds N] [SUITE...]
#        run.sh SOURCE_ROOT BUILD_DIR --list
#        run.sh SOURCE_ROOT BUILD_DIR --check [ARGS...]   (the arguments are fine: status 0)
#
# Suites, all of them when none is named:
#   l2fwd   l2fwd.sh: instructions per packet (callgrind), hosted l2fwd against testpmd
#           io-forwarding on the same ports (the ceiling) and the ratio
#   image   the images: the virtio path's instructions per packet (l2fwd.sh --only virtio),
#           frames through the l2fwd image (image_net.sh), boot beside Debian's Linux under
#           the same QEMU, size and smallest memory (boot.sh), sizes (mgmt.sh --only size)
#   fw      fw.sh (callgrind, natively, against testpmd) and nft.sh (the fw router beside
#           Linux: forwarding, nftables as a list and as a set, on veths)
#   nat     nat.sh: callgrind, natively (1,000 and 1,000,000 sessions, new sessions, churn),
#           memory per session, against testpmd on DPDK ports, beside Linux nftables
#           masquerade on veths (pktgen)
#   lb      lb.sh: the load balancer with 100 backends (dsr by MAC rewrite, IP-in-IP and GUE;
#           nat both ways): callgrind, natively (1,000 and 1,000,000 flows, new flows), the
#           Maglev tables' rebuild time for 1,000 backends, against testpmd on DPDK ports,
#           beside Linux IPVS on veths (where the kernel has IPVS)
#   mgmt    mgmt.sh: transit cost, boot with a management NIC, scrapes (hosted and image)
#   ctl     ctl.sh: commits against nft -f, throughput during commits, TLS handshakes
#   httpd   httpd.sh: the hosted httpd beside nginx (one worker) under wrk, 1 KiB and 1 MiB,
#           HTTP and HTTPS, on veths; httpd_image.sh: the image under QEMU beside nginx in
#           Debian's Linux under the same QEMU
#   pktgen  tools/bench/pktgen.sh SOURCE_ROOT BUILD_DIR [--quick], when it is there and
#           executable: RFC 2544 and latency through the apps (skipped otherwise)
#
# Each suite prints what it measures and writes BUILD_DIR/bench/results/SUITE.tsv (with
# --quick: BUILD_DIR/bench/results.quick/) and SUITE.log, its output. The format of
# SUITE.tsv is described in full at the top of tools/bench/render.py. In short: one record
# a line, fields separated by one tab, the first field the record's kind:
#   table NAME TITLE | cols NAME HEADER... | row NAME VALUE... | cmd NAME COMMAND |
#   note NAME TEXT | hide NAME | skip NAME REASON |
#   chart NAME FILE KIND(lines|cdf|bars[,logx][,logy]) X Y[|Y...] SERIES|- TITLE
# A suite's scripts write these with the res_* functions of tools/bench/results.sh
# (res_table, res_cols, res_row, ...) into the file $BENCH_RESULTS names; run.sh adds the
# suite, machine, run and status records around them. A suite's script is run as
# `SCRIPT SOURCE_ROOT BUILD_DIR [--quick]` (pktgen.sh) and writes the same way.
#
# Then tools/bench/render.py turns the results into markdown and PNG charts: a full run
# rewrites the <!-- bench:NAME --> blocks of docs/BENCHMARKS.md and docs/bench/*.png;
# --quick writes BUILD_DIR/bench/BENCHMARKS.quick.md and BUILD_DIR/bench/*.png and never
# touches docs/ (short runs must not replace recorded numbers).
#
# --quick: every script's short mode (fewer packets, shorter runs, one round, fewer rule
# counts and boots): a few minutes for all suites. --seconds N: the throughput runs' length
# for the l2fwd, fw, nat and lb suites (default: their own).
set -uo pipefail
root=$1 build=$2
shift 2
bench=$root/tools/bench
suites_all=(l2fwd image fw nat lb mgmt ctl httpd pktgen)
declare -A title=(
	[l2fwd]="l2fwd: instructions per packet and the testpmd ceiling"
	[image]="Images: the virtio path, frames through the image, boot beside Linux, sizes"
	[fw]="fw: the stateful firewall, against testpmd and beside Linux nftables"
	[nat]="nat: NAT44 sessions, new sessions, memory, against testpmd and beside nftables masquerade"
	[lb]="lb: the L4 load balancer (Maglev, dsr and nat, 100 backends), table rebuilds, against testpmd and beside IPVS"
	[mgmt]="Management plane: transit cost, boot with a management NIC, scrapes"
	[ctl]="Control socket: commits, throughput during commits, handshakes"
	[httpd]="httpd: the static server beside nginx, hosted and as an image beside a Linux guest"
	[pktgen]="pktgen: RFC 2544 and latency through the apps"
)
usage_err() { echo "sluice: bench: $*" >&2; exit 2; }

quick=0 list=0 check=0 seconds="" picked=() child=""
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--list) list=1 ;;
	--check) check=1 ;;
	--suite-child) child=$2; shift ;;    # internal: run.sh runs each suite this way (below)
	--seconds)
		[[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] || usage_err "--seconds: expected a whole number of seconds, got '${2:-}'"
		seconds=$2; shift ;;
	-*) usage_err "unknown option '$1' (see 'sluice bench --help')" ;;
	*)
		[ -n "${title[$1]:-}" ] || usage_err "no suite '$1' (suites: ${suites_all[*]})"
		picked+=("$1") ;;
	esac
	shift
done
[ "$check" = 0 ] || exit 0
if [ "$list" = 1 ]; then
	for s in "${suites_all[@]}"; do printf '%-8s %s\n' "$s" "${title[$s]}"; done
	exit 0
fi
[ ${#picked[@]} -gt 0 ] || picked=("${suites_all[@]}")

if [ "$quick" = 1 ]; then
	results=$build/bench/results.quick
else
	results=$build/bench/results
fi
mkdir -p "$results"
q=()
[ "$quick" = 0 ] || q=(--quick)

# ---- the machine ----------------------------------------------------------------------------
machine() { # -> "KEY<TAB>VALUE" lines
	local v
	printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf 'cpu\t%s\n' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	printf 'cores\t%s\n' "$(nproc)"
	printf 'memory\t%s\n' "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	printf 'os\t%s\n' "$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}")"
	printf 'kernel\t%s\n' "$(uname -r)"
	v=$(dpkg-query -W -f='${Version}' dpdk 2>/dev/null || true)
	[ -n "$v" ] || v=$(pkg-config --modversion libdpdk 2>/dev/null || true)
	printf 'dpdk\t%s\n' "${v:--}"
	v=$(qemu-system-x86_64 --version 2>/dev/null | head -1 | sed -nE 's/.*version ([^ ]+).*/\1/p')
	printf 'qemu\t%s\n' "${v:--}"
	printf 'accel\t%s\n' "${SLUICE_ACCEL:-tcg}$([ -e /dev/kvm ] || echo ", no /dev/kvm")"
	printf 'gcc\t%s\n' "$(gcc -dumpfullversion 2>/dev/null || echo -)"
	printf 'valgrind\t%s\n' "$(valgrind --version 2>/dev/null || echo -)"
	v=$(python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
print(o.get("buildtype", "?") + ("" if o.get("b_sanitize", "none") == "none" else ", sanitize=" + o["b_sanitize"]))' \
		"$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo -)
	printf 'build\t%s\n' "$v"
	v=$(git -C "$root" describe --always --dirty 2>/dev/null || echo -)
	printf 'commit\t%s\n' "$v"
}

# suite_body NAME: the suite's scripts (in a session of its own, run by run_suite)
suite_body() {
	local s=$1 rc=0
	case "$s" in
	l2fwd)
		"$bench/l2fwd.sh" "$build" --only ipp,throughput ${seconds:+--seconds "$seconds"} "${q[@]}" || rc=$? ;;
	image)
		"$bench/l2fwd.sh" "$build" --only virtio "${q[@]}" || rc=$?
		"$bench/image_net.sh" "$root" "$build" 200000 256 "${q[@]}" || rc=$?
		"$bench/boot.sh" "$root" "$build" "${q[@]}" || rc=$?
		"$bench/mgmt.sh" "$root" "$build" --only size "${q[@]}" || rc=$? ;;
	fw)
		"$bench/fw.sh" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$?
		"$bench/nft.sh" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$? ;;
	nat)
		"$bench/nat.sh" "$root" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$? ;;
	lb)
		"$bench/lb.sh" "$root" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$? ;;
	mgmt)
		if [ "$(id -u)" = 0 ]; then
			"$bench/mgmt.sh" "$root" "$build" --only transit,boot,scrape,image "${q[@]}" || rc=$?
		else
			echo "   (not root: no network namespaces, so no hosted scrape)"
			printf 'table\tscrape_ping\tA ping flood through the hosted fw\nskip\tscrape_ping\tneeds root (network namespaces)\n' >>"$BENCH_RESULTS"
			"$bench/mgmt.sh" "$root" "$build" --only transit,boot,image "${q[@]}" || rc=$?
		fi ;;
	ctl)
		"$bench/ctl.sh" "$root" "$build" "${q[@]}" || rc=$? ;;
	httpd)
		"$bench/httpd.sh" "$root" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$?
		"$bench/httpd_image.sh" "$root" "$build" ${seconds:+"$seconds"} "${q[@]}" || rc=$? ;;
	pktgen)
		"$bench/pktgen.sh" "$root" "$build" "${q[@]}" || rc=$? ;;
	esac
	return "$rc"
}
if [ -n "$child" ]; then
	suite_body "$child"
	exit
fi

# run_suite NAME: the suite's scripts with BENCH_RESULTS set, in a session of their own
# (setsid), their output into SUITE.log and shown as it comes; what they leave running
# when they end is stopped (their process group). Returns their status.
run_suite() {
	local s=$1 rc=0 t0 skip="" pid log=$results/$1.log
	export BENCH_RESULTS=$results/$s.tsv
	{
		printf 'suite\t%s\t%s\n' "$s" "${title[$s]}"
		machine | sed 's/^/machine\t/'
		printf 'run\tmode\t%s\n' "$([ "$quick" = 1 ] && echo quick || echo full)"
		printf 'run\tcommand\t%s\n' "tools/sluice bench${args[*]:+ ${args[*]}}"
	} >"$BENCH_RESULTS"
	t0=$(date +%s)
	echo "==== suite $s: ${title[$s]}" | tee "$log"
	if [ "$s" = pktgen ] && [ ! -x "$bench/pktgen.sh" ]; then
		skip="tools/bench/pktgen.sh is not there (or not executable) yet"
	else
		# setsid in a background job: no fork, so $! is the session's and process group's id
		setsid "$bench/run.sh" "$root" "$build" --suite-child "$s" "${q[@]}" ${seconds:+--seconds "$seconds"} \
			>>"$log" 2>&1 </dev/null &
		pid=$!
		tail -s 0.2 -n +2 --pid="$pid" -f "$log"
		wait "$pid" || rc=$?
		if kill -0 -- "-$pid" 2>/dev/null; then
			echo "   (stopping what the suite left running: $(pgrep -l -g "$pid" | tr '\n' ' '))"
			kill -TERM -- "-$pid" 2>/dev/null
			sleep 1
			kill -KILL -- "-$pid" 2>/dev/null
		fi
	fi
	local dt=$(($(date +%s) - t0))
	if [ -n "$skip" ]; then
		printf 'status\tskipped\t%s\t%s\n' "$dt" "$skip" >>"$BENCH_RESULTS"
		echo "==== suite $s: skipped: $skip" | tee -a "$log"
	elif [ "$rc" = 0 ]; then
		printf 'status\tok\t%s\n' "$dt" >>"$BENCH_RESULTS"
		echo "==== suite $s: done in $dt s" | tee -a "$log"
	else
		printf 'status\tfailed\t%s\texit status %s\n' "$dt" "$rc" >>"$BENCH_RESULTS"
		echo "==== suite $s: FAILED (exit status $rc) after $dt s" | tee -a "$log"
	fi
	unset BENCH_RESULTS
	return "$rc"
}

t_all=$(date +%s)
echo "== sluice bench$([ "$quick" = 1 ] && echo " --quick"): ${picked[*]}; results in $results/"
machine | awk -F'\t' '{ printf "   %-9s %s\n", $1, $2 }'
failed=()
for s in "${picked[@]}"; do
	run_suite "$s" || failed+=("$s")
done
total=$(($(date +%s) - t_all))

if [ "$quick" = 1 ]; then
	report=$build/bench/BENCHMARKS.quick.md charts=$build/bench
	python3 "$bench/render.py" --results "$results" --charts "$charts" --report "$report" || failed+=(render)
else
	report=$root/docs/BENCHMARKS.md charts=$root/docs/bench
	python3 "$bench/render.py" --results "$results" --charts "$charts" --doc "$report" || failed+=(render)
fi
echo "== sluice bench$([ "$quick" = 1 ] && echo " --quick"): ${#picked[@]} suite(s) in $total s; report $report, charts in $charts/"
if [ ${#failed[@]} -gt 0 ]; then
	echo "== broken: ${failed[*]} (their logs: $results/SUITE.log)" >&2
	exit 1
fi
