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
set -euo pipefail
root=$1 build=$2; shift 2
only=commit,dip,handshake,size repeat=5
while [ $# -gt 0 ]; do
	case "$1" in
	--only) only=$2; shift ;;
	--repeat) repeat=$2; shift ;;
	*) echo "ctl.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
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
	[ "$(id -u)" = 0 ] || { echo "== commit, handshake: need root, skipped"; only=${only/commit/}; only=${only/handshake/}; }
fi
if want commit || want handshake; then
	start_fw
fi

if want commit; then
	echo "== commit: load N rules to in force, median of $repeat (hosted fw; nft -f in a namespace, same run)"
	echo "   command: tools/bench/ctl.sh SOURCE BUILD --only commit"
	printf '   %-8s %14s %14s %16s %14s\n' rules "commit (ms)" "client (ms)" "add 1 rule (ms)" "nft -f (ms)"
	ip netns add "$tag-n"
	for n in 10 1000 10000; do
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
	done
fi

if want handshake; then
	echo "== handshake: sluice ctl ping, one at a time, 50 in a row (hosted fw)"
	for how in cert psk; do
		args=()
		[ "$how" = psk ] && args=(--psk-file "$work/k/psk")
		t0=$EPOCHREALTIME
		for _ in $(seq 50); do
			if [ "$how" = psk ]; then
				ip netns exec "$tag-m" "$ctlbin" --target "$mgip:7443" "${args[@]}" ping >/dev/null
			else
				ctl ping >/dev/null
			fi
			sleep 0.11     # under the appliance's handshake rate (10 a second)
		done
		awk -v a="$t0" -v b="$EPOCHREALTIME" -v how="$how" 'BEGIN { t = (b - a - 50 * 0.11) / 50;
			printf "   %s: %.1f ms a connection (handshake + ping + close), %.0f a second of work\n", how, t * 1000, 1 / t }'
	done
	grep -o 'refused_rate":[0-9]*' <(ctl --json stats) | sed 's/^/   /'
fi

if [ -n "$app" ]; then     # it polls a core: not beside what follows
	kill "$app"; wait "$app" 2>/dev/null || true; app=
fi

if want dip; then
	echo "== dip: fw through the life cycle over in-memory ports, 1,000 flows, established, 20M packets"
	echo "   command: bench-fw RULES 1000 20000000 sparse,established,life[,commits=10]"
	for n in 10 1000 10000; do
		for _ in 1 2; do        # alternating, twice: the noise shows
			for m in life life,commits=10; do
				"$build/tools/bench/bench-fw" "$n" 1000 20000000 "sparse,established,$m" 2>/dev/null | sed 's/^/   /'
			done
		done
	done
fi

if want size; then
	img=$build/images/fw.elf
	[ -f "$img" ] || img=$build/kernel/fw.elf
	strip -o "$work/fw.stripped" "$img"
	echo "== size: fw image $(stat -c %s "$work/fw.stripped") bytes stripped (lwIP, mbedTLS, the control socket)"
fi
