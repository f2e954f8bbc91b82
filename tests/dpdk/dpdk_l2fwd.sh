#!/usr/bin/env bash
# l2fwd end to end on the DPDK backend: a capture goes in through DPDK's net_pcap PMD and
# must come out of the other port byte-identical, in both mixes of backends:
#   dpdk -> dpdk   (mbufs received and sent without a copy)
#   pcap -> dpdk   (the libpcap port fills mbufs from the DPDK pool)
#   dpdk -> pcap
# EAL runs without hugepages or PCI, with a file prefix of its own per process.
#
# usage: dpdk_l2fwd.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-dpdk.XXXXXX")
trap 'rm -rf "$work"' EXIT
hosted="$build/hosted/sluice-hosted"
cat >"$work/in.pkts" <<'PKTS'
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=18 / repeat 100
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / vlan id=5 / ipv6 src=2001:db8::1 dst=2001:db8::2 / tcp sport=3 dport=4 flags=S / repeat 100
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=1472 / repeat 100
raw hex=0102030405060708090a0b0c0d0e0f
PKTS
"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/in.pkts"
n=301
status=0
run() { # NAME PORT0 PORT1
	local name=$1; shift
	rm -f "$work/out.pcap"
	if ! "$hosted" l2fwd --max-packets "$n" --port "$1" --port "$2" >"$work/log" 2>&1; then
		echo "FAIL $name: sluice-hosted failed"; cat "$work/log"; status=1; return
	fi
	if ! grep -q "^l2fwd: $n packets in, $n out, 0 dropped" "$work/log"; then
		echo "FAIL $name: counters"; cat "$work/log"; status=1; return
	fi
	if ! "$build/tools/pcapdiff" "$work/in.pcap" "$work/out.pcap" >"$work/diff"; then
		echo "FAIL $name: output differs"; cat "$work/diff"; status=1; return
	fi
	echo "ok   $name: $(tail -n1 "$work/diff")"
}
run dpdk-dpdk "dpdk:net_pcap0,rx_pcap=$work/in.pcap" "dpdk:net_pcap1,tx_pcap=$work/out.pcap"
run pcap-dpdk "pcap:rx=$work/in.pcap" "dpdk:net_pcap1,tx_pcap=$work/out.pcap"
run dpdk-pcap "dpdk:net_pcap0,rx_pcap=$work/in.pcap" "pcap:tx=$work/out.pcap"

# Without hugepages the mbufs must be packed, not one a 4 KiB page at the same offset:
# that layout puts a burst's headers in the same L1 sets and halves the forwarding rate.
# (The log is the last run's, with EAL's defaults.)
if grep -Eq '^pool sluice_rx: [0-9]+ buffers of [0-9]+ bytes, packed, mbufs on ([2-9]|[1-9][0-9]) of the 64 ' "$work/log"; then
	echo "ok   pool-layout: $(grep '^pool sluice_rx' "$work/log")"
else
	echo "FAIL pool-layout: buffers not packed"; grep '^pool' "$work/log" || cat "$work/log"; status=1
fi

# a device EAL cannot create is one precise line and status 1
if "$hosted" l2fwd --port dpdk:net_nosuchpmd0 --port pcap:tx=/dev/null >"$work/log" 2>&1; then
	echo "FAIL bad-device: accepted"; status=1
elif ! grep -q '^sluice-hosted: ' "$work/log"; then
	echo "FAIL bad-device: no message"; cat "$work/log"; status=1
else
	echo "ok   bad-device: $(grep -m1 '^sluice-hosted: ' "$work/log")"
fi
exit $status
