#!/usr/bin/env bash
# Packets per second through the l2fwd image (NIC 0 -> NIC 1), as measured, under TCG
# as the tests and boot.sh (SLUICE_ACCEL=kvm to choose KVM: the nested KVM on the build
# machines emulates so much that it forwards a few thousand frames a second), over
# vhost-user (DPDK's vhost PMD in sluice-feed) and over host datagram sockets (QEMU's
# dgram netdev). Beside each rate, the time from QEMU's start to the first frame back
# from NIC 1 (wall clock: the start taken just before QEMU is launched, the frame's
# timestamp in what sluice-feed writes). Over vhost-user the feeder is sending before
# QEMU starts, so that is QEMU start to first forwarded packet; over the sockets the
# feeder starts once the console says "running on" (polled every 0.1 s), so it is later.
#
# usage: image_net.sh SOURCE_ROOT BUILD_DIR [PACKETS] [WINDOW] [--quick]
# --quick: 100,000 frames (PACKETS ignored). Results go to $BENCH_RESULTS (results.sh).
set -uo pipefail
root=$1 build=$2 packets=${3:-200000} window=${4:-0}
[ "${5:-}" != --quick ] || packets=100000
# shellcheck source=results.sh
. "$(dirname "$0")/results.sh"
export SLUICE_ACCEL=${SLUICE_ACCEL:-tcg}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-net.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
image="$build/images/l2fwd.elf"
[ -e "$image" ] || image="$build/kernel/l2fwd.elf"
feed="$build/tools/feed/sluice-feed"
echo "eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1000 dport=2000 / payload len=18 / repeat $packets" >"$work/b.pkts"
"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/b.pkts" || exit 1

# run LABEL MACHINE NET0 NET1 SEND RECV [QEMU-ARGS]: prints the feeder's line and the image's
run() {
	local label=$1 machine=$2 net0=$3 net1=$4 send=$5 recv=$6; shift 6
	rm -f "$work/vu0" "$work/vu1"
	mkfifo "$work/con.in"
	if [[ "$send" == dpdk:* ]]; then
		"$feed" --send "$send" --recv "$recv" --in "$work/in.pcap" --out "$work/out.pcap" --window "$window" \
			--expect "$packets" --idle 30 --wait 120 \
			--eal "--no-huge -m 256 --no-pci --file-prefix=sluice-bench-$$ --log-level=*:warning" >"$work/feed.log" 2>&1 &
		local feeder=$! i
		for ((i = 0; i < 300; i++)); do [ -S "$work/vu0" ] && [ -S "$work/vu1" ] && break; sleep 0.1; done
	fi
	local t0
	t0=$(date +%s%N)
	"$root/tools/qemu-boot" "$image" --machine "$machine" --mem 8M --net "$net0" --net "$net1" -- "$@" \
		<"$work/con.in" >"$work/console" 2>&1 &
	local qemu=$!
	exec {con}>"$work/con.in"
	if [[ "$send" != dpdk:* ]]; then
		for ((i = 0; i < 600; i++)); do grep -q "running on" "$work/console" && break; sleep 0.1; done
		"$feed" --send "$send" --recv "$recv" --in "$work/in.pcap" --out "$work/out.pcap" --window "$window" \
			--expect "$packets" --idle 30 >"$work/feed.log" 2>&1
	else
		wait "$feeder"
	fi
	printf '\003' >&"$con"
	wait "$qemu"
	exec {con}>&-
	rm -f "$work/con.in"
	# the first frame back: its pcap record's timestamp (seconds, microseconds) at byte 24
	local first="-"
	if [ "$(stat -c %s "$work/out.pcap" 2>/dev/null || echo 0)" -gt 40 ]; then
		first=$(od -An -tu4 -j24 -N8 "$work/out.pcap" | awk -v t0="$t0" '{ printf "%.1f", ($1 * 1e6 + $2 - t0 / 1000) / 1000 }')
	fi
	local feedline
	feedline=$(grep -m1 'sent' "$work/feed.log" | sed 's/sluice-feed: //')
	printf '%-34s %s\n' "$label" "$feedline"
	printf '%-34s %s\n' "" "$(grep -m1 'packets in' "$work/console")"
	grep -E "^nic[01] \(virtio\)" "$work/console" | sed 's/^/                                   /'
	printf '%-34s QEMU start -> first frame back %s ms\n' "" "$first"
	local sent recv rate
	read -r sent recv rate < <(printf '%s\n' "$feedline" |
		sed -nE 's/^sent ([0-9]+), received ([0-9]+),.*\(([0-9]+) frames\/s\).*/\1 \2 \3/p')
	res_row image_net "$label" "${rate:--}" "${sent:--}" "${recv:--}" \
		"$([ -n "$sent" ] && [ -n "$recv" ] && echo $((sent - recv)) || echo -)" "$first"
}
echo "== packets through the l2fwd image, NIC 0 -> NIC 1, $packets x 64 B, window $window (0: none)"
echo "   accelerator: $SLUICE_ACCEL; command: tools/bench/image_net.sh . build $packets $window"
res_table image_net "Frames through the l2fwd image, NIC 0 -> NIC 1 ($packets x 64 B, at most $window in flight, $SLUICE_ACCEL)"
res_cols image_net NICs frames/s sent received lost "QEMU start to first frame back (ms)"
res_cmd image_net "SLUICE_ACCEL=$SLUICE_ACCEL tools/bench/image_net.sh $root $build $packets $window"
res_note image_net "sluice-feed injects the frames and collects NIC 1; the rate runs from the first frame sent to the last one back. The feeder shares the 2 cores, so the rates are a floor. First frame: over vhost-user the feeder sends before QEMU starts (QEMU start to first forwarded packet); over the sockets it starts once the console says running (polled every 0.1 s)."
run "microvm, virtio-mmio 2, vhost-user" microvm "vhost-user:$work/vu0" "vhost-user:$work/vu1" \
	"dpdk:net_vhost0,iface=$work/vu0" "dpdk:net_vhost1,iface=$work/vu1" -global virtio-mmio.force-legacy=false
run "q35, virtio-net-pci, vhost-user" q35 "vhost-user:$work/vu0" "vhost-user:$work/vu1" \
	"dpdk:net_vhost0,iface=$work/vu0" "dpdk:net_vhost1,iface=$work/vu1"
run "microvm, virtio-mmio 2, dgram socket" microvm "socket:dgram,local=$work/q0,remote=$work/f0" \
	"socket:dgram,local=$work/q1,remote=$work/f1" "sock:bind=$work/f0,peer=$work/q0" "sock:bind=$work/f1,peer=$work/q1" \
	-global virtio-mmio.force-legacy=false
