# netns_lib.sh - sourced by the tests that put a hosted appliance between two network
# namespaces: [ns A] IFAp ==veth== IFA (here, the appliance's) ... IFB ==veth== IFBp [ns B].

# netns_wire NSA NSB IFA IFB ADDR_A ADDR_B [ADDR6_A ADDR6_B]: NSA exists already (its
# creation is the tests' check for root and namespaces); makes NSB and the two veth pairs,
# gives the namespaces' ends their addresses (IPv6 ones without duplicate detection) and
# brings every end up. The appliance's ends carry no IPv6, so the host sends nothing on
# them. Returns non-zero at the first step that fails.
netns_wire() {
	local nsa=$1 nsb=$2 ifa=$3 ifb=$4 a4=$5 b4=$6 a6=${7:-} b6=${8:-}
	ip netns add "$nsb" &&
		ip link add "$ifa" type veth peer name "${ifa}p" &&
		ip link add "$ifb" type veth peer name "${ifb}p" &&
		ip link set "${ifa}p" netns "$nsa" &&
		ip link set "${ifb}p" netns "$nsb" &&
		ip -n "$nsa" addr add "$a4" dev "${ifa}p" &&
		ip -n "$nsb" addr add "$b4" dev "${ifb}p" || return 1
	if [ -n "$a6" ]; then
		ip -n "$nsa" addr add "$a6" dev "${ifa}p" nodad &&
			ip -n "$nsb" addr add "$b6" dev "${ifb}p" nodad || return 1
	fi
	local ns i
	for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up || return 1; done
	ip -n "$nsa" link set "${ifa}p" up && ip -n "$nsb" link set "${ifb}p" up || return 1
	for i in "$ifa" "$ifb"; do
		sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" && ip link set "$i" up || return 1
	done
}
