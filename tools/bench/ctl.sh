#!/usr/bin/env bash
# The control socket's benchmarks (docs/BENCHMARKS.md, "Control socket"). Numbers, never
# pass/fail.
#
# usage: ctl.sh SOURCE_ROOT BUILD_DIR [--only PART[,PART...]] [--repeat N]
# PARTs, all by default:
#  commit     the hosted fw (afpacket ports on veths between two namespaces, its management
#             port on a third), with 10, 1,000 and 10,000 rules: `sluice ctl load` of the
#             ruleset, N times: the commit's own time as the appliance reports it (parse,
#             compile, check, swap: "committed ... in X ms") and the client's wall time
#             (TLS handshake, the text sent, the answer); one rule added by `fw add rule` at
#             that size; and `nft -f` of the same ruleset (fw2nft) into a namespace of
#             its own, with its flush, in the same run. Root;
#  dip        bench-fw's throughput through the life cycle over in-memory ports, with and
#             without 10 commits a second of the same ruleset (bench-fw commits=10), at 10,
#             1,000 and 10,000 rules;
#  handshake  sluice ctl ping in a loop against the hosted fw: full handshakes (ECDHE-ECDSA
#             P-256, client certificate) a second, one client at a time; and with a PSK;
#  size       the fw image's stripped size.
# --quick: 2 commits at 10 and 1,000 rules, 10 handshakes of each kind, the dip at 10 and
# 10,000 rules with 10M packets, once. Results go to $BENCH_RESULTS (results.sh).
set -euo pipefail
root=$1 build=$2; shift 2
only=commit,dip,handshake,size repeat=5 sizes="10 1000 10000" shakes=50 dip_sizes="10 1000 10000" dip_packets=20000000 dip_rounds=2
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift ;;
	--repeat) repeat=$2; shift ;;
	--quick) repeat=2 sizes="10 1000" shakes=10 dip_sizes="10 10000" dip_packets=10000000 dip_rounds=1 ;;
	*) echo "ctl.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchctl.XXXXXX")
tag=slbc$$
app=
cleanup() {
	[ -z "$app" ] || kill "$app" 2>/dev/null || true
	for n in a b m n; do ip netns del "$tag-$n" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
want() { [[ ",$only," == *",$1,"* ]]; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
ctlbin=$build/tools/ctl/sluice-ctl
mgip=10.238.0.2

rules() { # N -> $work/rN.conf: bench-fw's sparse ruleset, N rules (nft.sh's too)
	{
		printf 'interface lan\ninterface wan\nconntrack { max 65536 }\nchain forward policy drop {\nct state invalid drop\n'
		awk -v n="$1" 'BEGIN { srand(1); for (i = 0; i + 1 < n; i++)
			printf "ip saddr 10.%d.%d.0/24 ip daddr 172.16.%d.0/24 udp dport %d drop\n",
				int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }'
		printf 'iif lan udp dport 9 accept\n}\n'
	} >"$work/r$1.conf"
}

start_fw() { # the hosted fw with the management plane and the lab keys
	ip netns add "$tag-a"
	ip netns add "$tag-b"
	ip netns add "$tag-m"
	ip link add "${tag}a" type veth peer name "${tag}A" netns "$tag-a"
	ip link add "${tag}b" type veth peer name "${tag}B" netns "$tag-b"
	ip link add "${tag}m" type veth peer name "${tag}M" netns "$tag-m"
	ip -n "$tag-m" addr add 10.238.0.1/24 dev "${tag}M"
	for l in a b m; do ip link set "$tag$l" up; done
	for n in a b m; do ip -n "$tag-$n" link set lo up; ip -n "$tag-$n" link set "$tag${n^^}" up; done
	# the afpacket ports take frames of at most 2,048 bytes: no segmentation offload on the peers
	for n in a b m; do ip netns exec "$tag-$n" ethtool -K "$tag${n^^}" tso off gso off >/dev/null 2>&1 || true; done
	sysctl -qw "net.ipv6.conf.${tag}a.disable_ipv6=1" "net.ipv6.conf.${tag}b.disable_ipv6=1" "net.ipv6.conf.${tag}m.disable_ipv6=1"
	"$root/tools/sluice" keys "$work/k" --psk >/dev/null
	rules 10
	"$build/hosted/sluice-hosted" fw --config "$work/r10.conf" --port "afpacket:iface=${tag}a" --port "afpacket:iface=${tag}b" \
		--mgmt-port "afpacket:iface=${tag}m" --mgmt "ip=$mgip/24" --keys "$work/k" >"$work/app.log" 2>&1 &
	app=$!
	for _ in $(seq 60); do
		ip netns exec "$tag-m" "$ctlbin" --target "$mgip:7443" --keys "$work/k" ping >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	echo "the hosted fw's control socket never answered"; tail "$work/app.log"; exit 1
}
ctl() { ip netns exec "$tag-m" "$ctlbin" --target "$mgip:7443" --keys "$work/k" "$@"; }

if want commit || want handshake; then
	[ "$(id -u)" = 0 ] || {
		echo "== commit, handshake: need root, skipped"
		want commit && res_skip ctl_commit "needs root (network namespaces)"
		want handshake && res_skip ctl_handshake "needs root (network namespaces)"
		only=${only/commit/}; only=${only/handshake/}
	}
fi
if want commit || want handshake; then
	start_fw
fi

if want commit; then
	echo "== commit: load N rules to in force, median of $repeat (hosted fw; nft -f in a namespace, same run)"
	echo "   command: tools/bench/ctl.sh SOURCE BUILD --only commit"
	printf '   %-8s %14s %14s %16s %14s\n' rules "commit (ms)" "client (ms)" "add 1 rule (ms)" "nft -f (ms)"
	res_table ctl_commit "Commit to in force over the control socket, beside nft -f of the same rules (medians of $repeat)"
	res_cols ctl_commit rules "commit, the appliance's (ms)" "client wall time (ms)" "add one rule (ms)" "nft -f (ms)" "commit vs nft -f"
	res_cmd ctl_commit "$build/hosted/sluice-hosted fw --config r10.conf --port afpacket:iface=${tag}a --port afpacket:iface=${tag}b --mgmt-port afpacket:iface=${tag}m --mgmt ip=$mgip/24 --keys KEYS"
	res_cmd ctl_commit "ip netns exec $tag-m $ctlbin --target $mgip:7443 --keys KEYS load rN.conf"
	res_cmd ctl_commit "ip netns exec $tag-m $ctlbin --target $mgip:7443 --keys KEYS fw add rule forward udp dport 7777 drop"
	res_cmd ctl_commit "ip netns exec $tag-n nft -f rN.nftf   # flush ruleset, then $build/tools/nft/fw2nft rN.conf"
	res_note ctl_commit "The ruleset: ct state invalid drop, N-1 rules ip saddr 10.A.B.0/24 ip daddr 172.16.C.0/24 udp dport P drop that do not match, then iif lan udp dport 9 accept. Commit: the appliance's committed ... in X ms (parse, compile, check, swap); client: sluice ctl's process from start to exit (TLS handshake with a client certificate included)."
	ip netns add "$tag-n"
	for n in $sizes; do
		rules "$n"
		: >"$work/c" ; : >"$work/w"; : >"$work/add"; : >"$work/nft"
		for _ in $(seq "$repeat"); do
			t0=$EPOCHREALTIME
			ctl load "$work/r$n.conf" >"$work/out"
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >>"$work/w"
			sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$work/out" >>"$work/c"
			sleep 0.12     # under the appliance's handshake rate (10 a second)
			ctl fw add rule forward udp dport 7777 drop >"$work/out"
			sed -n 's/.* in \([0-9.]*\) ms$/\1/p' "$work/out" >>"$work/add"
			sleep 0.12
		done
		"$build/tools/nft/fw2nft" "$work/r$n.conf" >"$work/r$n.nft"
		{ echo "flush ruleset"; cat "$work/r$n.nft"; } >"$work/r$n.nftf"
		for _ in $(seq "$repeat"); do
			t0=$EPOCHREALTIME
			ip netns exec "$tag-n" nft -f "$work/r$n.nftf"
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' >>"$work/nft"
		done
		printf '   %-8s %14s %14s %16s %14s\n' "$n" "$(median <"$work/c")" "$(median <"$work/w")" "$(median <"$work/add")" "$(median <"$work/nft")"
		res_row ctl_commit "$n" "$(median <"$work/c")" "$(median <"$work/w")" "$(median <"$work/add")" "$(median <"$work/nft")" \
			"$(awk -v c="$(median <"$work/c")" -v n="$(median <"$work/nft")" 'BEGIN { if (c + 0 > 0 && n + 0 > 0) printf "%.1fx faster\n", n / c; else print "-" }')"
	done
fi

if want handshake; then
	echo "== handshake: sluice ctl ping, one at a time, $shakes in a row (hosted fw)"
	res_table ctl_handshake "TLS handshakes: sluice ctl ping against the hosted fw, $shakes in a row, one at a time"
	res_cols ctl_handshake credentials "a connection (ms)" "a second of work"
	res_cmd ctl_handshake "ip netns exec $tag-m $ctlbin --target $mgip:7443 --keys KEYS ping   # $shakes times, 0.11 s apart (subtracted)"
	res_cmd ctl_handshake "ip netns exec $tag-m $ctlbin --target $mgip:7443 --psk-file KEYS/psk ping   # $shakes times"
	res_note ctl_handshake "A connection: the client's process start to its exit (full handshake, ping, close); certificate: ECDHE-ECDSA P-256 with a client certificate."
	for how in cert psk; do
		args=()
		[ "$how" = psk ] && args=(--psk-file "$work/k/psk")
		t0=$EPOCHREALTIME
		for _ in $(seq "$shakes"); do
			if [ "$how" = psk ]; then
				ip netns exec "$tag-m" "$ctlbin" --target "$mgip:7443" "${args[@]}" ping >/dev/null
			else
				ctl ping >/dev/null
			fi
			sleep 0.11     # under the appliance's handshake rate (10 a second)
		done
		line=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$shakes" 'BEGIN { t = (b - a - n * 0.11) / n;
			printf "%.1f %.0f", t * 1000, 1 / t }')
		echo "   $how: ${line% *} ms a connection (handshake + ping + close), ${line#* } a second of work"
		res_row ctl_handshake "$([ "$how" = psk ] && echo "PSK" || echo "client certificate")" "${line% *}" "${line#* }"
	done
	grep -o 'refused_rate":[0-9]*' <(ctl --json stats) | sed 's/^/   /'
fi

if [ -n "$app" ]; then     # it polls a core: not beside what follows
	kill "$app"; wait "$app" 2>/dev/null || true; app=
fi

if want dip; then
	echo "== dip: fw through the life cycle over in-memory ports, 1,000 flows, established, $dip_packets packets"
	echo "   command: bench-fw RULES 1000 $dip_packets sparse,established,life[,commits=10]"
	res_table ctl_dip "Throughput during 10 commits a second (bench-fw through the life cycle, in-memory ports, 1,000 established flows, $dip_packets packets)"
	res_cols ctl_dip rules "no commits (Mpps)" "10 commits a second (Mpps)" "a commit, start to in force (ms, average)" "on the worker's thread (ms, average)"
	res_cmd ctl_dip "$build/tools/bench/bench-fw RULES 1000 $dip_packets sparse,established,life[,commits=10]"
	res_note ctl_dip "Alternating, $dip_rounds time(s): each run's rate. With commits=10 the same ruleset is committed again 10 times a second the control socket's way (built on a thread, swapped in between bursts)."
	for n in $dip_sizes; do
		a="" b="" c="" d=""
		for ((round = 0; round < dip_rounds; round++)); do        # alternating: the noise shows
			for m in life life,commits=10; do
				line=$("$build/tools/bench/bench-fw" "$n" 1000 "$dip_packets" "sparse,established,$m" 2>/dev/null || true)
				printf '%s\n' "$line" | sed 's/^/   /'
				v=$(printf '%s\n' "$line" | sed -nE 's/.*flows: ([0-9.]+) Mpps.*/\1/p' | tail -1)
				if [ "$m" = life ]; then a+="${a:+, }${v:--}"; else b+="${b:+, }${v:--}"; fi
				# "commits: N during the measure, A ms each from start to in force on average, ...;
				#  on the worker's thread W ms on average, ..."
				v=$(printf '%s\n' "$line" | sed -nE 's/^commits: .* ([0-9.]+) ms each from start to in force on average.*/\1/p')
				[ -z "$v" ] || c+="${c:+, }$v"
				v=$(printf '%s\n' "$line" | sed -nE "s/^commits: .*on the worker's thread ([0-9.]+) ms on average.*/\1/p")
				[ -z "$v" ] || d+="${d:+, }$v"
			done
		done
		res_row ctl_dip "$n" "$a" "$b" "${c:--}" "${d:--}"
	done
fi

if want size; then
	img=$build/images/fw.elf
	[ -f "$img" ] || img=$build/kernel/fw.elf
	strip -o "$work/fw.stripped" "$img"
	echo "== size: fw image $(stat -c %s "$work/fw.stripped") bytes stripped (lwIP, mbedTLS, the control socket)"
	res_table ctl_size "The fw image with the control socket (strip -o)"
	res_cols ctl_size image "stripped (bytes)"
	res_cmd ctl_size "strip -o fw.stripped $img"
	res_row ctl_size "fw (lwIP, mbedTLS with TLS 1.2, X.509 and PSK, the control socket)" "$(stat -c %s "$work/fw.stripped")"
fi
