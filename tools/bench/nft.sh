#!/usr/bin/env bash
# Linux nftables forwarding beside the fw router, on the same ports and with the same
# rules (docs/BENCHMARKS.md). Numbers, never pass/fail. Needs root and nft.
#
# usage: nft.sh BUILD_DIR [SECONDS]
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
# connections as Sluice always does.
set -euo pipefail
build=$1
seconds=${2:-6}
[ "$(id -u)" = 0 ] && command -v nft >/dev/null || { echo "== nft: needs root and nft, skipped"; exit 0; }
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
setup linux
printf '   %-28s %s Mpps\n' "linux, no ruleset" "$(send)"
# through LABEL COMMAND...: the forwarded rate while COMMAND forwards in the router's namespace
through() {
	local label=$1 pid
	shift
	ip netns exec "$R" "$@" >"$work/fwd.log" 2>&1 &
	pid=$!
	sleep 2
	printf '   %-28s %s Mpps\n' "$label" "$(send)"
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
for n in 10 1000 10000; do
	rules "$n"
	setup linux
	"$build/tools/nft/fw2nft" "$work/r$n.conf" >"$work/r$n.nft"
	ip netns exec "$R" nft -f "$work/r$n.nft"
	printf '   %-28s %s Mpps\n' "linux nftables, $n rules" "$(send)"
	for cpu in 0 1; do
		setup sluice
		through "sluice fw router (CPU $cpu), $n rules" taskset -c "$cpu" "$build/hosted/sluice-hosted" fw \
			--config "$work/r$n.conf" --quiet --port "afpacket:iface=lan,frames=8192" --port "afpacket:iface=wan,frames=8192"
	done
done
