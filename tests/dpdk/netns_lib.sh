# netns_lib.sh - sourced by the tests that put a hosted appliance between two network
# namespaces: [ns A] IFAp ==veth== IFA (here, the appliance's) ... IFB ==veth== IFBp [ns B];
# and a management namespace, the check for root and namespaces, and the teardown.
# shellcheck shell=bash

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

# netns_or_skip NS: makes NS, the tests' check for root and namespaces; where it cannot be
# made, says SKIP and ends the script with 77.
netns_or_skip() {
	if [ "$(id -u)" != 0 ] || ! ip netns add "$1" 2>/dev/null; then
		echo "SKIP: cannot create network namespaces here (needs root and netns support)"
		exit 77
	fi
}

# netns_mgmt NSM IFM ADDR [ADDR6]: the management host's namespace NSM and a veth pair into
# it, IFM the appliance's end. NSM's end (IFMp) gets ADDR (and ADDR6, without duplicate
# detection) and keeps its checksum offloads but not segmentation (README: hosted ports on
# veths); IFM carries no IPv6. Every end up. Returns non-zero at the first step that fails.
netns_mgmt() {
	local nsm=$1 ifm=$2 a4=$3 a6=${4:-}
	ip netns add "$nsm" &&
		ip link add "$ifm" type veth peer name "${ifm}p" &&
		ip link set "${ifm}p" netns "$nsm" &&
		ip -n "$nsm" addr add "$a4" dev "${ifm}p" || return 1
	if [ -n "$a6" ]; then
		ip -n "$nsm" addr add "$a6" dev "${ifm}p" nodad || return 1
	fi
	ip -n "$nsm" link set lo up &&
		ip -n "$nsm" link set "${ifm}p" up &&
		ip netns exec "$nsm" ethtool -K "${ifm}p" tso off gso off >/dev/null 2>&1 &&
		sysctl -qw "net.ipv6.conf.$ifm.disable_ipv6=1" &&
		ip link set "$ifm" up
}

# netns_stop PID...: ends each process (an empty PID is passed over) and waits for it.
netns_stop() {
	local p
	for p in "$@"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	return 0
}

# netns_teardown NS... [-- LINK...]: deletes the namespaces, then the links (the appliance's
# ends of veth pairs, taps); any of them may be gone already.
netns_teardown() {
	local x what=netns
	for x in "$@"; do
		if [ "$x" = -- ]; then
			what='link'
			continue
		fi
		ip "$what" del "$x" 2>/dev/null
	done
	return 0
}
