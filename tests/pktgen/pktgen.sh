#!/usr/bin/env bash
# pktgen end to end, through `sluice pktgen` as users type it. Every part checks exact
# numbers from the --json results:
#   ring     a DPDK port looped on itself (--tx dpdk:net_ring0 --rx dpdk:net_ring0): sent ==
#            received, none lost, reordered or duplicated; IMIX's bytes are 7:4:1; two
#            streams (UDP with 10 ports, TCP) each accounted for on their own
#   l2fwd    pktgen -> sock -> the hosted l2fwd -> sock -> pktgen: the same exact accounting,
#            and l2fwd forwarded exactly what was sent
#   memif    the same through l2fwd over DPDK memif rings
#   delay    a delay line of 20 ms (tests/pktgen/delay_line.py; no netem here) against one of
#            0 ms: the latency pktgen reports moves by 20 ms (within 3 ms)
#   args     bad arguments: a non-zero exit and one line on stderr naming the problem
#   rfc2544  a short RFC 2544 run on the ring: a result per frame size, its latency and its
#            frame loss curve
#   wire     what goes out, read by tshark: checksums, sizes (IMIX, the IPv6 minimum), VLAN,
#            ranges, TCP flags
#   replay   a capture replayed: byte for byte into a pcap port, five passes at its own
#            timing (the time they take), looped at a set rate (the rate held)
#   image    the pktgen image under QEMU (TCG), NIC 0 wired to NIC 1 over sockets: sent ==
#            received from the image's own report
#
# usage: pktgen.sh SOURCE_ROOT BUILD_DIR PART
set -euo pipefail
root=$1 build=$2 part=$3
export SLUICE_BUILD=$build SLUICE_ACCEL=tcg
sluice="$root/tools/sluice"
w=$(mktemp -d "${TMPDIR:-/tmp}/sluice-pktgen-test.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$w"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port=$((20000 + ($$ % 400) * 100))   # UDP ports on the loopback: port .. port+95
bound() { # PORT: wait until a UDP socket is bound there
	local i
	for ((i = 0; i < 100; i++)); do ss -Hulnp "sport = :$1" | grep -q . && return 0; sleep 0.05; done
	fail "nothing bound UDP port $1"
}

# jq-like reads with python: field PATH of FILE (PATH as a Python subscript: ['streams'][0]['lost'])
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))$2)" "$1"; }
# the stream's numbers must account exactly: sent N, received N, nothing lost/reordered/duplicated
exact() { # FILE STREAM N
	local f=$1 s=$2 n=$3 k v
	for k in tx_packets rx_packets lost reordered duplicates; do
		v=$(field "$f" "['streams'][$s]['$k']")
		case $k in tx_packets|rx_packets) [ "$v" = "$n" ] || fail "stream $s: $k $v, expected $n ($f)" ;;
		*) [ "$v" = 0 ] || fail "stream $s: $k $v, expected 0 ($f)" ;; esac
	done
	[ "$(field "$f" "['streams'][$s]['latency_ns']['samples']")" = "$n" ] || fail "stream $s: not every frame timed"
}

case "$part" in
ring)
	"$sluice" pktgen --tx dpdk:net_ring0 --rx dpdk:net_ring0 --count 50000 --rate 50kpps --json "$w/a.json" | tee "$w/a.txt"
	exact "$w/a.json" 0 50000
	grep -q '^pktgen: stream 0: 64-byte udp4 frames, 1 flows, port 0: 50000 sent, 50000 received, 0 lost' "$w/a.txt" ||
		fail "the line for people does not say what the JSON says"
	"$sluice" pktgen --tx dpdk:net_ring0 --size imix --count 1200 --json "$w/b.json" >/dev/null
	exact "$w/b.json" 0 1200
	bytes=$(field "$w/b.json" "['streams'][0]['tx_bytes']")
	[ "$bytes" = $((100 * (7 * 64 + 4 * 594 + 1518))) ] || fail "IMIX: 1200 frames of $bytes bytes, not 100 cycles of 7:4:1"
	"$sluice" pktgen --tx dpdk:net_ring0 --stream rate=20kpps,count=20000,dport=1-10,random \
		--stream proto=tcp,size=128,count=10000,rate=10kpps,ip=6,src=fd00::1-fd00::4,dst=fd00::100 --json "$w/c.json" >/dev/null
	exact "$w/c.json" 0 20000
	exact "$w/c.json" 1 10000
	[ "$(field "$w/c.json" "['streams'][0]['flows']")" = 10 ] || fail "10 destination ports are not 10 flows"
	[ "$(field "$w/c.json" "['streams'][1]['flows']")" = 4 ] || fail "4 source addresses are not 4 flows"
	echo "ring: 50000 of 50000, IMIX 7:4:1 by bytes, two streams each exact"
	;;
l2fwd)
	# UDP on the loopback, not Unix sockets: a Unix datagram socket queues 10 datagrams
	# (net.unix.max_dgram_qlen), so a 5 ms stall of either process would drop frames
	"$build/hosted/sluice-hosted" l2fwd --port "sock:bind=127.0.0.1:$((port + 0)),peer=127.0.0.1:$((port + 2))" \
		--port "sock:bind=127.0.0.1:$((port + 1)),peer=127.0.0.1:$((port + 3))" >"$w/l2fwd.log" 2>&1 &
	pids+=($!)
	bound $((port + 1))
	"$sluice" pktgen --tx "sock:bind=127.0.0.1:$((port + 2)),peer=127.0.0.1:$((port + 0))" \
		--rx "sock:bind=127.0.0.1:$((port + 3)),peer=127.0.0.1:$((port + 1))" \
		--count 20000 --rate 10kpps --flows 100 --dport 1-100 --json "$w/r.json"
	exact "$w/r.json" 0 20000
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "l2fwd: $(cat "$w/l2fwd.log")"
	grep -q '^l2fwd: 20000 packets in, 20000 out, 0 dropped' "$w/l2fwd.log" || fail "l2fwd: $(tail -1 "$w/l2fwd.log")"
	echo "l2fwd: 20000 sent, 20000 through l2fwd, 20000 back, in order"
	;;
memif)
	# the same loop over DPDK memif (shared memory, zero copy): l2fwd serves both rings
	"$build/hosted/sluice-hosted" l2fwd --eal "--no-huge -m 512 --no-pci --file-prefix=pgt-l2-$$" \
		--port "dpdk:net_memif0,role=server,socket=$w/m0.sock" --port "dpdk:net_memif1,role=server,socket=$w/m1.sock" \
		>"$w/l2fwd.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do [ -S "$w/m0.sock" ] && [ -S "$w/m1.sock" ] && break; sleep 0.05; done
	"$sluice" pktgen --tx "dpdk:net_memif0,role=client,socket=$w/m0.sock" --rx "dpdk:net_memif1,role=client,socket=$w/m1.sock" \
		--eal "--no-huge -m 512 --no-pci --file-prefix=pgt-pg-$$" --warmup 0.5 --count 20000 --rate 10kpps --json "$w/m.json"
	exact "$w/m.json" 0 20000
	kill -INT "${pids[0]}"
	wait "${pids[0]}" || fail "l2fwd: $(cat "$w/l2fwd.log")"
	echo "memif: 20000 sent, 20000 back through l2fwd, in order (after a warm-up while the rings connect)"
	;;
delay)
	run_delay() { # MS -> p50 latency in ns (UDP on the loopback, as the l2fwd part)
		local b=$((port + 4 * $1))
		python3 "$root/tests/pktgen/delay_line.py" "127.0.0.1:$b" "127.0.0.1:$((b + 1))" "127.0.0.1:$((b + 3))" "$1" \
			>"$w/line-$1.log" 2>&1 &
		local line=$!
		bound $((b + 1))
		"$sluice" pktgen --tx "sock:bind=127.0.0.1:$((b + 2)),peer=127.0.0.1:$b" \
			--rx "sock:bind=127.0.0.1:$((b + 3)),peer=127.0.0.1:$((b + 1))" \
			--count 1000 --rate 1kpps --drain 1 --json "$w/d$1.json" >/dev/null
		kill "$line"; wait "$line" || true
		exact "$w/d$1.json" 0 1000 >&2
		field "$w/d$1.json" "['streams'][0]['latency_ns']['p50']"
	}
	base=$(run_delay 0)
	late=$(run_delay 20)
	min=$(field "$w/d20.json" "['streams'][0]['latency_ns']['min']")
	echo "delay: p50 $base ns through a 0 ms line, $late ns through a 20 ms line (min $min ns)"
	[ "$min" -ge 20000000 ] || fail "a frame came back sooner than the 20 ms line lets it"
	diff=$((late - base))
	[ "$diff" -ge 17000000 ] && [ "$diff" -le 23000000 ] || fail "20 ms added, $diff ns measured"
	;;
args)
	bad() { # EXPECTED-TEXT ARGS...
		local want=$1; shift
		if "$sluice" pktgen "$@" >"$w/out" 2>"$w/err"; then fail "pktgen $* succeeded"; fi
		[ "$(wc -l <"$w/err")" = 1 ] || fail "pktgen $*: not one line on stderr: $(cat "$w/err")"
		grep -qF -- "$want" "$w/err" || fail "pktgen $*: '$(cat "$w/err")' does not say '$want'"
		echo "  $* -> $(cat "$w/err")"
	}
	tx=(--tx "pcap:tx=$w/x.pcap")
	bad "rate=12x: expected a rate" "${tx[@]}" --rate 12x
	bad "size=40: expects a frame size from 64" "${tx[@]}" --size 40
	bad "size=9000: expects a frame size from 64 to 2052" "${tx[@]}" --size 9000
	bad "range ends before it starts" "${tx[@]}" --src 10.0.0.9-10.0.0.1
	bad "unknown argument '--bogus'" "${tx[@]}" --bogus
	bad "which port sends?" --rate 1Mpps
	bad "rate in percent needs the link's speed" "${tx[@]}" --rate 50%
	bad "vlan=5000: expects a VLAN ID" "${tx[@]}" --vlan 5000
	bad "flows=0: expects a number of flows" "${tx[@]}" --flows 0
	bad "foo=1: is not an option of pktgen" "${tx[@]}" --stream rate=1Mpps,foo=1
	bad "sizes=64:20: expects frame sizes" "${tx[@]}" --rfc2544 --sizes 64,20
	bad "need 82 bytes" "${tx[@]}" --ip6 --src fd00::1 --dst fd00::2 --size 64
	bad "flows=100: the ranges hold fewer combinations" "${tx[@]}" --dport 1-10 --flows 100
	bad "--duration: no spaces" "${tx[@]}" --duration "1 2"
	bad "replays a capture: give it one" "${tx[@]}" --stream pcap,loop=2
	printf 'this is not a capture, though long enough\n' >"$w/bad.pcap"
	bad "is not a pcap file (bad magic)" "${tx[@]}" --pcap "$w/bad.pcap"
	bad "rfc2544 sends its own frames" "${tx[@]}" --pcap "$w/bad.pcap" --rfc2544
	;;
rfc2544)
	"$sluice" pktgen --tx dpdk:net_ring0 --rfc2544 --sizes 64,1518 --trial 0.3 --drain 0.1 --json "$w/r.json" | tee "$w/r.txt"
	python3 - "$w/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["rfc2544"]
res = r["results"]
assert [x["frame_size"] for x in res] == [64, 1518], res
for x in res:
    assert x["max_pps"] > 0 and 0 < x["throughput_pps"] <= x["max_pps"], x
    assert x["trials"] >= 1
    assert x["latency_ns"]["samples"] > 0 and x["latency_ns"]["p50"] > 0, x["latency_ns"]
    curve = x["loss_curve"]
    assert len(curve) >= 2 and curve[0]["rate_pps"] == x["max_pps"], curve
    assert all(a["rate_pps"] > b["rate_pps"] for a, b in zip(curve, curve[1:])), curve
    print(f"rfc2544: {x['frame_size']} bytes: throughput {x['throughput_pps']} pps of {x['max_pps']}, "
          f"{x['trials']} trials, p50 {x['latency_ns']['p50']} ns, {len(curve)} loss points")
PY
	grep -q '^pktgen: rfc2544 64 bytes: throughput' "$w/r.txt" || fail "no line for people"
	;;
wire)
	# what pktgen puts on the wire, read by tshark: every IPv4, UDP and TCP checksum good,
	# the sizes, the VLAN, the ranges, for each kind of stream
	"$sluice" pktgen --tx "pcap:tx=$w/w.pcap" --drain 0 --stream count=30,dport=1-3 \
		--stream proto=tcp,count=30,size=100,src=10.1.1.1-10.1.1.3,tcpflags=SA \
		--stream ip=6,src=fd00::1,dst=fd00::2,count=36,size=imix \
		--stream ip=6,proto=tcp,src=fd00::1,dst=fd00::2-fd00::9,count=30,size=200,vlan=7 \
		--stream count=30,size=1518,sport=1-65535,random >/dev/null
	tshark -r "$w/w.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-T fields -E separator=";" -e frame.len -e vlan.id -e ip.checksum.status -e udp.checksum.status \
		-e tcp.checksum.status -e ip.src -e ipv6.dst -e udp.dstport -e tcp.flags 2>/dev/null >"$w/w.txt"
	[ "$(wc -l <"$w/w.txt")" = 156 ] || fail "156 frames expected, $(wc -l <"$w/w.txt") on the wire"
	python3 - "$w/w.txt" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split(";") for l in open(sys.argv[1])]
bad = [r for r in rows if "2" in r[2:5] or "0" in r[2:5]]     # tshark: 1 good, 0 bad, 2 unverified
assert not bad, f"checksums not good: {bad[:3]}"
lens = collections.Counter(int(r[0]) for r in rows)
# 30 x 60 (UDP 64-byte), 30 x 96 (TCP 100), IMIX over IPv6: 21 x 78 (64 -> the 82 minimum),
# 12 x 590, 3 x 1514; 30 x 196 (VLAN TCP 200), 30 x 1514 (1518)
want = {60: 30, 96: 30, 78: 21, 590: 12, 1514: 33, 196: 30}
assert lens == want, f"frame sizes {dict(lens)}, expected {want}"
assert sum(1 for r in rows if r[1] == "7") == 30, "30 frames in VLAN 7"
assert {r[7] for r in rows if int(r[0]) == 60} == {"1", "2", "3"}, "dport 1-3"
assert {r[5] for r in rows if int(r[0]) == 96} == {"10.1.1.1", "10.1.1.2", "10.1.1.3"}, "src 10.1.1.1-3"
assert {r[8] for r in rows if int(r[0]) == 96} == {"0x0012"}, "SYN-ACK"
assert len({r[6] for r in rows if r[1] == "7"}) == 8, "dst fd00::2-fd00::9"
print(f"wire: {len(rows)} frames, every checksum good, sizes {dict(sorted(lens.items()))}")
PY
	;;
replay)
	printf '%s\n' 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=7 dport=9 / payload len=100 / repeat 20' \
		'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=fd00::1 dst=fd00::2 / tcp sport=7 dport=9 flags=S' >"$w/in.pkts"
	"$build/tools/capgen/capgen" -o "$w/in.pcap" "$w/in.pkts" >/dev/null
	# once into a capture: the same frames, byte for byte
	"$sluice" pktgen --tx "pcap:tx=$w/out.pcap" --pcap "$w/in.pcap" --drain 0 >/dev/null
	"$build/tools/pcapdiff" "$w/in.pcap" "$w/out.pcap" || fail "the replayed frames are not the capture's"
	# at the capture's own timing (frames 1 ms apart: a pass is 21 ms), five passes
	"$sluice" pktgen --tx dpdk:net_ring0 --pcap "$w/in.pcap" --loop 5 --json "$w/t.json" >/dev/null
	[ "$(field "$w/t.json" "['streams'][0]['tx_packets']")" = 105 ] || fail "5 passes of 21 frames are not 105 frames"
	[ "$(field "$w/t.json" "['rx_other']")" = 105 ] || fail "the ring did not give back 105 frames"
	ns=$(field "$w/t.json" "['duration_ns']")
	[ "$ns" -ge 100000000 ] && [ "$ns" -le 140000000 ] || fail "5 passes of 21 ms took $ns ns"
	# at a set rate, looped until the duration
	"$sluice" pktgen --tx dpdk:net_ring0 --pcap "$w/in.pcap" --loop 0 --rate 2kpps --duration 2 --json "$w/r.json" >/dev/null
	pps=$(field "$w/r.json" "['streams'][0]['tx_pps']")
	[ "$pps" -ge 1980 ] && [ "$pps" -le 2020 ] || fail "replayed at 2 kpps: $pps pps"
	echo "replay: byte for byte once, 5 passes in $ns ns at the capture's timing, $pps pps at 2 kpps"
	;;
image)
	"$sluice" pktgen --image --net "socket:dgram,local=$w/n0,remote=$w/n1" --net "socket:dgram,local=$w/n1,remote=$w/n0" \
		--count 5000 --rate 5kpps --dport 1-50 --json "$w/i.json" | tee "$w/i.txt"
	exact "$w/i.json" 0 5000
	echo "image: 5000 frames out of NIC 0, 5000 back on NIC 1, in order, each timed"
	;;
*) echo "pktgen.sh: unknown part '$part'" >&2; exit 2 ;;
esac
