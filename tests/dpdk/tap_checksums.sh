#!/usr/bin/env bash
# Checksums through a DPDK device that verifies them on receive: fw as a bridge on
# net_tap (which has the receive checksum offloads, so the backend turns them on and
# takes the device's verdicts) sees frames written into its tap interface. A right
# frame passes whatever the device said; a wrong IPv4 header checksum is dropped by the
# parser (parse_ip4_csum), and a wrong UDP or TCP checksum makes the packet ct state
# invalid (invalid checksum), dropped by the rule: the device's "bad" is summed again,
# its "good" trusted. Skips (77) without root or /dev/net/tun.
#
# usage: tap_checksums.sh BUILD_DIR
set -uo pipefail
build=$1
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for a tap interface"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-tap.XXXXXX")
tap=sltap$$
tap=${tap:0:15}
cleanup() {
	[ -n "${app:-}" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$work/log" 2>/dev/null; exit 1; }
cat >"$work/in.pkts" <<'PKTS'
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1000 dport=53 / payload len=20
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1001 dport=53 csum=0x1234 / payload len=20
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 csum=0x1234 / udp sport=1002 dport=53 / payload len=20
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1003 dport=80 flags=S csum=0x1234
eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1004 dport=80 flags=S
PKTS
"$build/tools/capgen/capgen" -o "$work/in.pcap" "$work/in.pkts" >/dev/null || fail "capgen"
printf 'interface lan\ninterface wan\nchain forward policy accept {\n    ct state invalid counter drop\n}\n' >"$work/r.conf"
"$build/hosted/sluice-hosted" fw --config "$work/r.conf" --duration 8 --port "dpdk:net_tap0,iface=$tap" \
	--port "pcap:tx=$work/out.pcap" >"$work/log" 2>&1 &
app=$!
for _ in $(seq 50); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
ip link show "$tap" >/dev/null 2>&1 || fail "no tap interface $tap"
ip link set "$tap" up
sleep 0.5
"$build/tools/nft/sluice-inject" --gap-ms 20 "$tap=$work/in.pcap" >/dev/null || fail "sluice-inject"
wait "$app"
status=$?
app=
[ "$status" = 0 ] || fail "fw exited with $status"
grep -qE 'fw.parse_ip4_csum +1$' "$work/log" || fail "the wrong IPv4 header checksum was not dropped by the parser"
grep -qE 'invalid checksum +2$' "$work/log" || fail "the wrong UDP and TCP checksums were not invalid"
# what came out: the two right frames, and nothing else of ours (the kernel's own chatter
# on a fresh interface is left out)
got=$(tshark -r "$work/out.pcap" -Y 'ip.src == 10.0.0.1' -T fields -E separator=, -e udp.srcport -e tcp.srcport 2>/dev/null |
	tr -d ',' | tr '\n' ' ')
[ "$got" = "1000 1004 " ] || fail "out came the frames from ports: $got (want 1000 1004)"
echo "ok: through net_tap, right checksums pass and wrong ones are dropped"
