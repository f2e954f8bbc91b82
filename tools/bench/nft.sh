#!/usr/bin/env bash
# Linux nftables forwarding beside the fw router, on the same ports and with the same
# rules (docs/BENCHMARKS.md). Numbers, never pass/fail. Needs root and nft.
#
# usage: nft.sh BUILD_DIR [SECONDS] [--quick]
#
# Two network namespaces joined by veth pairs: the sender's (p0, p1) and the router's
# (lan, wan). testpmd sends 64-byte UDP frames (txonly, many source addresses) from p0 to
# the router's lan MAC, for 192.0.2.9 behind wan; what the router forwards is counted as
# p1's received packets (p1 holds 192.0.2.9, answers ARP and drops everything else). The
# router is either Linux (ip_forward, the rules translated by fw2nft) or sluice-hosted fw
# on the same interfaces through its afpacket backend (DPDK's net_af_packet for the
# testpmd ceiling: sluice-hosted refuses it, since it loses large datagrams). The sender, the kernel's
# forwarding (which runs in the sender's softirq) share CPU 0; Sluice runs once on CPU 0
# as well (time-sharing it with the sender, both polling) and once on CPU 1, its own. The ruleset is fw.sh's: N-1 rules that do not match,
# then one that accepts, after a `ct state invalid drop` that makes Linux track
# connections as Sluice always does. Linux runs that ruleset twice: as fw2nft translates it
# (a list of rules, walked one by one) and with the N-1 drop rules as one lookup in an
# nftables set (type ipv4_addr . ipv4_addr . inet_service, flags interval).
#
# --quick: 10 and 10,000 rules, 2 s runs, Sluice on CPU 1 only.
# Results go to $BENCH_RESULTS (results.sh) when it is set.
set -euo pipefail
build=$1; shift
seconds=6 quick=0
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	*) seconds=$a ;;
	esac
done
counts="10 1000 10000" cpus="0 1"
if [ "$quick" = 1 ]; then
	seconds=2 counts="10 10000" cpus=1
fi
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
res_table nft "Beside Linux: Mpps forwarded as routers on the same veth ports (64-byte UDP, ${seconds} s runs)"
res_table nft_chart "Routers by rule count"
res_cols nft_chart router rules Mpps
res_hide nft_chart
if ! { [ "$(id -u)" = 0 ] && command -v nft >/dev/null; }; then
	echo "== nft: needs root and nft, skipped"
	res_skip nft "needs root and nft"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-benchnft.XXXXXX")
R=bnr$$ H=bnh$$
cleanup() { ip netns del "$R" 2>/dev/null || true; ip netns del "$H" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
common="--no-huge -m 512 --no-pci --log-level=*:error"

rules() { # N -> $work/rN.conf: the router's interfaces, then fw.sh's N rules
	{
		printf 'interface lan { address 10.0.0.1/16; mac 02:00:00:00:01:00 }\n'
		printf 'interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }\n'
		printf 'chain forward policy drop {\nct state invalid drop\n'
		awk -v n="$1" 'BEGIN { srand(1); for (i = 0; i + 1 < n; i++)
			printf "ip saddr 10.%d.%d.0/24 ip daddr 172.16.%d.0/24 udp dport %d drop\n",
				int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }'
		printf 'iif lan udp dport 9 accept\n}\n'
	} >"$work/r$1.conf"
}
nftset() { # N -> $work/rN.set.nft: rN.conf for Linux with its N-1 drop rules as one set lookup
	{
		printf 'table inet sluice {\n\tset drops {\n\t\ttype ipv4_addr . ipv4_addr . inet_service\n\t\tflags interval\n'
		awk -v n="$1" 'BEGIN { srand(1); for (i = 0; i + 1 < n; i++)
			printf "10.%d.%d.0/24 . 172.16.%d.0/24 . %d\n",
				int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }' |
			awk '!seen[$0]++ { printf "%s\t\t\t%s", (n++ ? ",\n" : "\t\telements = {\n"), $0 }
				END { if (n) printf "\n\t\t}\n" }'
		printf '\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n'
		printf '\t\tct state invalid drop\n\t\tip saddr . ip daddr . udp dport @drops drop\n'
		printf '\t\tiifname "lan" udp dport 9 accept\n\t}\n}\n'
	} >"$work/r$1.set.nft"
}

setup() { # linux|sluice
	ip netns del "$R" 2>/dev/null || true
	ip netns del "$H" 2>/dev/null || true
	ip netns add "$R"
	ip netns add "$H"
	ip link add lan netns "$R" type veth peer name p0 netns "$H"
	ip link add wan netns "$R" type veth peer name p1 netns "$H"
	ip netns exec "$H" sh -c 'ip link set p0 up; ip link set p1 up; ip addr add 192.0.2.9/24 dev p1
		sysctl -qw net.ipv6.conf.p0.disable_ipv6=1 net.ipv6.conf.p1.disable_ipv6=1
		printf "table inet sink { chain input { type filter hook input priority 0; policy drop; }; }\n" | nft -f -'
	ip netns exec "$R" sh -c 'ip link set lan address 02:00:00:00:01:00; ip link set wan address 02:00:00:00:02:00
		sysctl -qw net.ipv6.conf.lan.disable_ipv6=1 net.ipv6.conf.wan.disable_ipv6=1
		ip link set lan up; ip link set wan up'
	if [ "$1" = linux ]; then
		ip netns exec "$R" sh -c 'sysctl -qw net.ipv4.ip_forward=1; ip addr add 10.0.0.1/16 dev lan
			ip addr add 192.0.2.2/24 dev wan'
	fi
}

received() { ip netns exec "$H" cat /sys/class/net/p1/statistics/rx_packets; }

send() { # runs the sender for $seconds, prints the forwarded rate in Mpps
	local before after
	before=$(received)
	timeout -s INT $((seconds + 1)) ip netns exec "$H" dpdk-testpmd $common --file-prefix=bnft-tp-$$ --lcores 0@0,1@0 \
		--vdev net_af_packet0,iface=p0,framecnt=8192 -- --forward-mode=txonly --eth-peer=0,02:00:00:00:01:00 \
		--tx-ip=10.0.0.2,192.0.2.9 --txonly-multi-flow --nb-cores=1 --port-topology=loop --total-num-mbufs=16384 --stats-period=1 \
		>"$work/tp.log" 2>&1 || true
	after=$(received)
	awk -v n="$((after - before))" -v s="$seconds" 'BEGIN { printf "%.3f", n / s / 1e6 }'
}

echo "== nft: Linux nftables forwarding beside the fw router, same veth ports, one core, ${seconds} s runs"
echo "   sender: ip netns exec H dpdk-testpmd $common --lcores 0@0,1@0 --vdev net_af_packet0,iface=p0,framecnt=8192 -- --forward-mode=txonly --eth-peer=0,02:00:00:00:01:00 --tx-ip=10.0.0.2,192.0.2.9 --txonly-multi-flow"
hdr=(router "no rules")
for n in $counts; do hdr+=("$(printf "%'d" "$n" 2>/dev/null || echo "$n") rules"); done
res_cols nft "${hdr[@]}"
res_cmd nft "timeout -s INT $((seconds + 1)) ip netns exec H dpdk-testpmd $common --file-prefix=bnft-tp-$$ --lcores 0@0,1@0 --vdev net_af_packet0,iface=p0,framecnt=8192 -- --forward-mode=txonly --eth-peer=0,02:00:00:00:01:00 --tx-ip=10.0.0.2,192.0.2.9 --txonly-multi-flow --nb-cores=1 --port-topology=loop --total-num-mbufs=16384 --stats-period=1   # the sender; forwarded: p1's rx_packets / ${seconds} s"
res_cmd nft "ip netns exec R nft -f rN.nft   # $build/tools/nft/fw2nft rN.conf: the list"
res_cmd nft "ip netns exec R nft -f rN.set.nft   # the N-1 drop rules as one set (ip saddr . ip daddr . udp dport @drops drop)"
res_cmd nft "ip netns exec R taskset -c CPU $build/hosted/sluice-hosted fw --config rN.conf --quiet --port afpacket:iface=lan,frames=8192 --port afpacket:iface=wan,frames=8192"
res_note nft "Two namespaces joined by veth pairs: the sender's (p0, p1) and the router's (lan, wan). The sender (testpmd txonly on net_af_packet) and Linux's forwarding (in the sender's softirq) share CPU 0. The ruleset: ct state invalid drop, N-1 rules that do not match, then the accepting rule."
declare -A got=()
row_once() { # LABEL VALUE: a row measured once, with no rules
	local r=("$1" "$2") n
	for n in $counts; do r+=("-"); done
	res_row nft "${r[@]}"
}
setup linux
v=$(send)
printf '   %-28s %s Mpps\n' "linux, no ruleset" "$v"
row_once "Linux forwarding, no ruleset (the path's ceiling here)" "$v"
# through LABEL COMMAND...: the forwarded rate while COMMAND forwards in the router's namespace
through() {
	local label=$1 pid
	shift
	ip netns exec "$R" "$@" >"$work/fwd.log" 2>&1 &
	pid=$!
	sleep 2
	rate=$(send)
	printf '   %-28s %s Mpps\n' "$label" "$rate"
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || true
}

# The ceiling of these ports: testpmd forwarding from lan to wan on the same interfaces,
# through net_af_packet, on CPU 1 as the Sluice router's second run, rewriting the MAC
# addresses for p1 as a router does (mac mode; io mode leaves them and measures the same).
setup sluice
p1mac=$(ip netns exec "$H" cat /sys/class/net/p1/address)
through "testpmd mac-fwd (CPU 1)" dpdk-testpmd $common --file-prefix=bnft-io-$$ --lcores 1@1,2@1 \
	--vdev net_af_packet0,iface=lan,framecnt=8192 --vdev net_af_packet1,iface=wan,framecnt=8192 -- \
	--forward-mode=mac --eth-peer=1,"$p1mac" --nb-cores=1 --total-num-mbufs=16384 --stats-period=1
row_once "testpmd mac forwarding lan to wan on net_af_packet, CPU 1 (no rules)" "$rate"
res_cmd nft "ip netns exec R dpdk-testpmd $common --file-prefix=bnft-io-$$ --lcores 1@1,2@1 --vdev net_af_packet0,iface=lan,framecnt=8192 --vdev net_af_packet1,iface=wan,framecnt=8192 -- --forward-mode=mac --eth-peer=1,$p1mac --nb-cores=1 --total-num-mbufs=16384 --stats-period=1"
# measured ROUTER N RATE: into the wide table's cell and the chart's rows
measured() { got["$1|$2"]=$3; res_row nft_chart "$1" "$2" "$3"; }
routers=("Linux nftables, the rules as a list (fw2nft)" "Linux nftables, the drop rules as a set")
for cpu in $cpus; do
	if [ "$cpu" = 0 ]; then
		routers+=("Sluice fw router on afpacket:, CPU 0 (shared with the sender)")
	else
		routers+=("Sluice fw router on afpacket:, CPU $cpu")
	fi
done
for n in $counts; do
	rules "$n"
	setup linux
	"$build/tools/nft/fw2nft" "$work/r$n.conf" >"$work/r$n.nft"
	ip netns exec "$R" nft -f "$work/r$n.nft"
	v=$(send)
	printf '   %-28s %s Mpps\n' "linux nftables, $n rules" "$v"
	measured "${routers[0]}" "$n" "$v"
	nftset "$n"
	setup linux
	ip netns exec "$R" nft -f "$work/r$n.set.nft"
	v=$(send)
	printf '   %-28s %s Mpps\n' "linux nftables set, $n rules" "$v"
	measured "${routers[1]}" "$n" "$v"
	i=2
	for cpu in $cpus; do
		setup sluice
		through "sluice fw router (CPU $cpu), $n rules" taskset -c "$cpu" "$build/hosted/sluice-hosted" fw \
			--config "$work/r$n.conf" --quiet --port "afpacket:iface=lan,frames=8192" --port "afpacket:iface=wan,frames=8192"
		measured "${routers[$i]}" "$n" "$rate"
		i=$((i + 1))
	done
done
for r in "${routers[@]}"; do
	row=("$r" "-")
	for n in $counts; do row+=("${got["$r|$n"]:--}"); done
	res_row nft "${row[@]}"
done
res_chart nft_chart fw-nft lines,logx,logy rules Mpps router "Mpps forwarded against rule count: the fw router beside Linux nftables (list and set), same veth ports"
