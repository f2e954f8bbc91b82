#!/usr/bin/env bash
# Steering to the host stack, replayed from captures (no root, no clock):
#   in-band: the fw bridge with its management address on lan (--mgmt port=0,...) gets the
#   demo's lan capture with management frames mixed in (tests/cli/mgmt/inband.pkts, one
#   after every 50 transit frames). What it forwards to wan is byte for byte what it
#   forwards without the management plane from the transit frames alone; what it sends
#   back on lan is that too, plus lwIP's answers (ARP reply, echo reply, SYN-ACK, RST)
#   and nothing else; the management frames are counted as handed to the host stack.
#   dedicated: the same run with a management port of its own (mgmt.pkts): the app's
#   ports forward exactly as without it, and the management port gets lwIP's answers.
# Either way every packet buffer is back in the pool at exit (the launcher says so and
# fails otherwise).
# usage: mgmt_steering.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
hosted=$build/hosted/sluice-hosted capgen=$build/tools/capgen/capgen pcapdiff=$build/tools/pcapdiff
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-steer.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 failed=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }
count() { capinfos -M -c "$1" | awk '/Number of packets/ { print $NF }'; }
rules=$root/tools/demo/fw/rules.conf

for f in in0 in1; do "$capgen" -o "$work/$f.pcap" "$root/tools/demo/fw/$f.pkts" >/dev/null || exit 1; done
"$capgen" -o "$work/mg.pcap" "$root/tests/cli/mgmt/inband.pkts" >/dev/null || exit 1
"$capgen" -o "$work/mgport.pcap" "$root/tests/cli/mgmt/mgmt.pkts" >/dev/null || exit 1
# the mixed capture: a management frame after every 50 transit frames, then the rest
python3 - "$work/in0.pcap" "$work/mg.pcap" "$work/mixed.pcap" <<'PY'
import struct, sys
def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        out = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                return head, out
            incl = struct.unpack("<IIII", h)[2]
            out.append((h, f.read(incl)))
head, transit = frames(sys.argv[1])
_, mgmt = frames(sys.argv[2])
mixed = []
for i, fr in enumerate(transit):
    mixed.append(fr)
    if i % 50 == 49 and mgmt:
        mixed.append(mgmt.pop(0))
mixed += mgmt
with open(sys.argv[3], "wb") as f:
    f.write(head)
    for h, d in mixed:
        f.write(h + d)
PY

run() { # run NAME ARGS...: the hosted fw; its output in $work/NAME.log
	local name=$1; shift
	if ! "$hosted" fw --config "$rules" "$@" >"$work/$name.log" 2>&1; then
		fail "$name: the launcher failed:"; grep -v "^denied" "$work/$name.log" | sed 's/^/    /'; return 1
	fi
	grep -q "not back in the pool" "$work/$name.log" && { fail "$name: buffers lost"; return 1; }
	return 0
}
same() { # same LABEL WANT GOT
	if "$pcapdiff" "$2" "$3" >"$work/diff" 2>&1; then ok "$1: $(count "$3") frames, byte for byte"; else fail "$1:"; head -20 "$work/diff"; fi
}

run plain --port "pcap:rx=$work/in0.pcap,tx=$work/p0.pcap" --port "pcap:rx=$work/in1.pcap,tx=$work/p1.pcap" || exit 1

# in-band
if run inband --port "pcap:rx=$work/mixed.pcap,tx=$work/b0.pcap" --port "pcap:rx=$work/in1.pcap,tx=$work/b1.pcap" \
	--mgmt port=0,ip=10.0.0.250/24; then
	same "in-band: wan gets what it gets without management" "$work/p1.pcap" "$work/b1.pcap"
	# lan: the plain run's frames, and lwIP's answers (from its MAC to the asker's)
	tshark -r "$work/b0.pcap" -Y 'not (eth.src == 02:00:00:00:00:01 and (arp or ip.src == 10.0.0.250))' -F pcap -w "$work/b0.transit.pcap" 2>/dev/null
	same "in-band: lan gets what it gets without management, besides lwIP's answers" "$work/p0.pcap" "$work/b0.transit.pcap"
	answers=$(tshark -r "$work/b0.pcap" -Y 'eth.src == 02:00:00:00:00:01 and (arp or ip.src == 10.0.0.250)' -T fields \
		-e _ws.col.Info 2>/dev/null | tr '\n' ';')
	want_ok=1
	for want in "10.0.0.250 is at 02:00:00:00:00:01" "Echo (ping) reply" "9100 → 40000 [SYN, ACK]" "22 → 40001 [RST, ACK]"; do
		case "$answers" in *"$want"*) ;; *) want_ok=0; fail "in-band: no '$want' among lwIP's answers: $answers" ;; esac
	done
	[ "$want_ok" = 1 ] && ok "in-band: lwIP answered ARP, ping and TCP on lan"
	# the well-formed management frames go to lwIP; the one with a bad IPv4 checksum fails
	# the pipeline's parser and is dropped there, counted with its reason
	host=$(awk '/to host stack/ { print $NF }' "$work/inband.log")
	[ "$host" = $(($(count "$work/mg.pcap") - 1)) ] && ok "in-band: $host frames handed to the host stack, the management frames and no other" ||
		fail "in-band: $host frames to the host stack, want $(($(count "$work/mg.pcap") - 1))"
	grep -qE '^  fw.parse_ip4_csum +1$' "$work/inband.log" && ok "in-band: the malformed one dropped by the parser: fw.parse_ip4_csum 1" ||
		fail "in-band: no fw.parse_ip4_csum drop for the malformed management frame"
fi

# in-band from the config language: the same, said by a management block
{ cat "$rules"; printf 'management {\n    interface lan\n    address 10.0.0.250/24\n}\n'; } >"$work/mgmt.conf"
if rules=$work/mgmt.conf run config --port "pcap:rx=$work/mixed.pcap,tx=$work/c0.pcap" \
	--port "pcap:rx=$work/in1.pcap,tx=$work/c1.pcap"; then
	same "config's management block: wan as with --mgmt port=0" "$work/b1.pcap" "$work/c1.pcap"
	tshark -r "$work/c0.pcap" -Y 'eth.src == 02:00:00:00:00:01 and (arp or ip.src == 10.0.0.250)' -T fields \
		-e _ws.col.Info 2>/dev/null | grep -q "Echo (ping) reply" && ok "config's management block: lwIP answers on lan" ||
		fail "config's management block: no echo reply from lwIP on lan"
fi

# dedicated
if run dedicated --port "pcap:rx=$work/in0.pcap,tx=$work/d0.pcap" --port "pcap:rx=$work/in1.pcap,tx=$work/d1.pcap" \
	--mgmt-port "pcap:rx=$work/mgport.pcap,tx=$work/dm.pcap" --mgmt ip=10.77.0.2/24; then
	same "dedicated: lan as without management" "$work/p0.pcap" "$work/d0.pcap"
	same "dedicated: wan as without management" "$work/p1.pcap" "$work/d1.pcap"
	answers=$(tshark -r "$work/dm.pcap" -T fields -e _ws.col.Info 2>/dev/null | tr '\n' ';')
	case "$answers" in
	*"10.77.0.2 is at"*"Echo (ping) reply"*"9100 → 40000 [SYN, ACK]"*) ok "dedicated: lwIP answered on the management port: $(count "$work/dm.pcap") frames" ;;
	*) fail "dedicated: lwIP's answers on the management port: $answers" ;;
	esac
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
