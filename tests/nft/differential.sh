#!/usr/bin/env bash
# Differential against Linux nftables: each case (tests/nft/cases/NAME: rules.conf,
# in0.pkts for the lan side, in1.pkts for the wan side) runs through the hosted fw as a
# router and through a Linux router in a network namespace set up from the same file:
# its interfaces, MACs, addresses and routes, and the rules translated by fw2nft. The
# captures go into each in timestamp order; what comes out of each side must be the same
# packets, verdict for verdict: the same datagrams forwarded (addresses, ports, TCP flags
# and numbers, TTL) and the same answers (resets, ICMP errors and echo replies, with what
# they quote). Neighbour discovery and ARP, which the two do on their own schedules, are
# left out of the comparison; docs/RULES.md lists the intended differences.
#
# Needs root, network namespaces and nft; skips (77) saying which is missing.
#
# usage: differential.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v nft >/dev/null || skip "nft is not installed (tools/sluice deps installs nftables)"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v tshark >/dev/null || skip "tshark is not installed"
tag=sl$$
rns=${tag}r hns=${tag}h
ip netns add "$rns" 2>/dev/null || skip "cannot create a network namespace"
ip netns add "$hns" || { ip netns del "$rns"; skip "cannot create a second network namespace"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-nft.XXXXXX")
cleanup() {
	kill $(jobs -p) 2>/dev/null
	ip netns del "$rns" 2>/dev/null
	ip netns del "$hns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
R() { ip netns exec "$rns" "$@"; }
H() { ip netns exec "$hns" "$@"; }
pass=0 failed=0

# the fields that make a verdict: addresses, protocol, ports, TCP flags and numbers,
# ICMP type and code, TTL / hop limit, IPv4 header length and options, for the packet and
# for what an ICMP error quotes
fields=(-e ip.src -e ip.dst -e ip.ttl -e ip.proto -e ip.hdr_len -e ip.opt.type -e ipv6.src -e ipv6.dst -e ipv6.hlim -e ipv6.nxt
	-e tcp.srcport -e tcp.dstport -e tcp.flags -e tcp.seq_raw -e tcp.ack_raw -e udp.srcport -e udp.dstport
	-e icmp.type -e icmp.code -e icmpv6.type -e icmpv6.code -e icmp.mtu -e icmpv6.mtu -e ip.len -e ipv6.plen)
# neighbour discovery (133-137) and MLD (130-132, 143) are each side's own business
nd='icmpv6.type >= 130 and icmpv6.type <= 137 or icmpv6.type == 143'
normalize() {
	tshark -r "$1" -Y "(ip or ipv6) and not ($nd)" -T fields -E separator=' ' "${fields[@]}" 2>/dev/null
}

run_case() {
	local dir=$1 name
	name=$(basename "$dir")
	local w="$work/$name"
	mkdir -p "$w"
	# fresh namespaces per case
	ip netns del "$rns" 2>/dev/null; ip netns del "$hns" 2>/dev/null
	ip netns add "$rns" && ip netns add "$hns" || { echo "cannot create the namespaces"; exit 1; }
	"$build/tools/capgen/capgen" -o "$w/in0.pcap" "$dir/in0.pkts" >/dev/null &&
		"$build/tools/capgen/capgen" -o "$w/in1.pcap" "$dir/in1.pkts" >/dev/null || { echo "capgen failed"; exit 1; }
	# Sluice
	if ! "$build/hosted/sluice-hosted" fw --config "$dir/rules.conf" --port "pcap:rx=$w/in0.pcap,tx=$w/s0.pcap" \
		--port "pcap:rx=$w/in1.pcap,tx=$w/s1.pcap" >"$w/sluice.log" 2>&1; then
		failed=$((failed + 1)); echo "FAIL $name: sluice-hosted:"; sed 's/^/    /' "$w/sluice.log"; return
	fi
	# Linux: the interfaces as the config declares them (port 0 is the first), their
	# peers in a second namespace where the captures go in and the answers come out
	local ifs=() line
	while read -r line; do ifs+=("$line"); done < <(awk '$1 == "interface" { print $2 }' "$dir/rules.conf")
	R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0 net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
	local k=0 ifname
	for ifname in "${ifs[@]}"; do
		ip link add "$ifname" netns "$rns" type veth peer name "p$k" netns "$hns" || { echo "veth $ifname failed"; exit 1; }
		H sysctl -qw "net.ipv6.conf.p$k.disable_ipv6=1" >/dev/null
		local spec mac mtu addr
		spec=$(awk -v n="$ifname" '$1 == "interface" && $2 == n' "$dir/rules.conf" | tr ';{}' '   ')
		mac=$(printf '%s\n' "$spec" | awk '{ for (i = 1; i < NF; i++) if ($i == "mac") print $(i + 1) }')
		[ -z "$mac" ] || R ip link set "$ifname" address "$mac"
		mtu=$(printf '%s\n' "$spec" | awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") print $(i + 1) }')
		[ -z "$mtu" ] || R ip link set "$ifname" mtu "$mtu"
		for addr in $(printf '%s\n' "$spec" | awk '{ for (i = 1; i < NF; i++) if ($i == "address") print $(i + 1) }'); do
			R ip addr add "$addr" dev "$ifname"
		done
		R ip link set "$ifname" up
		H ip link set "p$k" up
		k=$((k + 1))
	done
	while read -r line; do
		# route PREFIX via GW [dev IF] | route PREFIX dev IF
		R ip route add ${line#route } || { echo "ip route add ${line#route } failed"; exit 1; }
	done < <(grep -E '^\s*route ' "$dir/rules.conf" | sed 's/#.*//')
	while read -r _ addr _ mac _ dev; do
		# neighbor ADDRESS lladdr MAC dev IF
		R ip neigh replace "$addr" lladdr "$mac" dev "$dev" nud permanent || { echo "ip neigh $addr failed"; exit 1; }
	done < <(grep -E '^\s*neighbor ' "$dir/rules.conf" | sed 's/#.*//; s/;//')
	"$build/tools/nft/fw2nft" "$dir/rules.conf" >"$w/rules.nft" || exit 1
	R nft -f "$w/rules.nft" || { echo "nft refused the translation:"; cat "$w/rules.nft"; exit 1; }
	# capture what the router sends on each side, inject, collect
	for ((k = 0; k < ${#ifs[@]}; k++)); do
		H tcpdump -i "p$k" -Q in -U -w "$w/l$k.pcap" 2>"$w/tcpdump$k.log" &
	done
	for _ in $(seq 50); do
		[ "$(cat "$w"/tcpdump*.log 2>/dev/null | grep -c listening)" = "${#ifs[@]}" ] && break
		sleep 0.1
	done
	sleep 0.5 # let the links settle (carrier, the first ND chatter)
	H "$build/tools/nft/sluice-inject" --gap-ms 30 "p0=$w/in0.pcap" "p1=$w/in1.pcap" >"$w/inject.log" 2>&1 ||
		{ echo "sluice-inject failed:"; cat "$w/inject.log"; exit 1; }
	sleep 0.5
	kill -TERM $(jobs -p) 2>/dev/null # (SIGINT is ignored by background jobs of a script)
	wait 2>/dev/null
	R nft list ruleset >"$w/nft-after.txt"
	local side ok=1
	for ((k = 0; k < ${#ifs[@]}; k++)); do
		side=${ifs[$k]}
		normalize "$w/s$k.pcap" >"$w/s$k.txt"
		normalize "$w/l$k.pcap" >"$w/l$k.txt"
		if diff -u --label "linux: out of $side" --label "sluice: out of $side" "$w/l$k.txt" "$w/s$k.txt" >"$w/diff$k"; then
			echo "     $name: out of $side: $(wc -l <"$w/s$k.txt") packets, the same from both"
		else
			ok=0
			echo "     $name: out of $side differs (fields: ${fields[*]//-e /}):"
			sed 's/^/        /' "$w/diff$k"
		fi
	done
	# the comparison must have something to compare, on both sides
	if [ "$(cat "$w"/s*.txt | wc -l)" -lt 10 ] || [ ! -s "$w/s0.txt" ] || [ ! -s "$w/s1.txt" ]; then
		ok=0
		echo "     $name: too little came out to compare"
	fi
	if [ "$ok" = 1 ]; then
		pass=$((pass + 1)); echo "ok   $name: Sluice == Linux nftables"
	else
		failed=$((failed + 1)); echo "FAIL $name"
		echo "--- the translated ruleset, after the run ---"; sed 's/^/    /' "$w/nft-after.txt"
		echo "--- sluice ---"; grep -v '^denied' "$w/sluice.log" | sed 's/^/    /'
	fi
}

for dir in "$root"/tests/nft/cases/*/; do
	run_case "${dir%/}"
done
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
