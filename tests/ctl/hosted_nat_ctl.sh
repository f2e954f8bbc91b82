#!/usr/bin/env bash
# The control socket and metrics of the hosted nat, end to end, between three network
# namespaces: nat routes between ns A (the lan, 10.0.0.10) and ns B (the wan's far side,
# 192.0.2.1), masquerading the lan behind 192.0.2.2; ns M reaches the appliance's own stack
# on its management port (control TCP 7443, metrics TCP 9100).
#
#  1. A's datagrams reach B from 192.0.2.2 (masqueraded); `show nat sessions --json` is one
#     JSON document (python3 -m json.tool) with the translated connection's fields; every
#     show's JSON is valid.
#  2. B cannot reach A through 192.0.2.2:5353; `load` of a config with that port forward:
#     it can.
#  3. `nat add rule prerouting ...` answers a handle and commits: B reaches A on 6000;
#     `show nat rules` lists it with its handle; `nat delete rule ... handle H`: a new
#     connection no longer does. A refused command names ctl:LINE:COL and changes nothing.
#  4. GET /metrics: a page promtool accepts, with the NAT's families.
#  5. SIGINT: status 0.
# Skips (77) without root or network namespaces.
#
# usage: hosted_nat_ctl.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: hosted_nat_ctl.sh BUILD_DIR}
hosted=$build/hosted/sluice-hosted
ctlbin=$build/tools/ctl/sluice-ctl
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=$$
nsa=sl-na-$id nsb=sl-nb-$id nsm=sl-nm-$id
ifa=sna$id ifb=snb$id ifm=snm$id
mgip=10.237.0.2 cport=7443 mport=9100
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-natctl.XXXXXX")
failed=0
app=
. "$root/tests/dpdk/mgmt_lib.sh"   # ok, fail, alive, inm, ctl, ctl_up, sigint_end; netns_*
cleanup() {
	netns_stop "${app:-}"
	netns_teardown "$nsa" "$nsb" "$nsm" -- "$ifa" "$ifb" "$ifm"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_or_skip "$nsa"
netns_wire "$nsa" "$nsb" "$ifa" "$ifb" 10.0.0.10/24 192.0.2.1/24 &&
	ip -n "$nsa" route add default via 10.0.0.1 || { echo "FAIL: setting up the namespaces"; exit 1; }
netns_mgmt "$nsm" "$ifm" 10.237.0.1/24 || { echo "FAIL: setting up the management namespace"; exit 1; }
"$root/tools/sluice" keys "$work/k" >/dev/null || { echo "FAIL: sluice keys"; exit 1; }

cat >"$work/nat.conf" <<'EOF'
# the lan masqueraded behind the wan's address
interface lan { address 10.0.0.1/24 }
interface wan { address 192.0.2.2/24 }
nat { filtering address-dependent }
chain postrouting {
    oif wan ip saddr 10.0.0.0/24 masquerade
}
EOF
sed 's/^nat {.*/&\nchain prerouting {\n    iif wan udp dport 5353 dnat to 10.0.0.10:5353\n}/' "$work/nat.conf" >"$work/fwd.conf"

"$hosted" nat --config "$work/nat.conf" --port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb" \
	--mgmt-port "afpacket:iface=$ifm" --mgmt "ip=$mgip/24" --keys "$work/k" >"$work/app.log" 2>&1 &
app=$!
ctl_up

# probe FROM-NS TO-NS DST PORT SPORT: what the receiver in TO-NS on PORT saw as the source of
# FROM-NS's datagrams to DST:PORT from SPORT ("none": nothing arrived within a second of the
# last one sent)
probe() {
	local out=$work/probe.$RANDOM
	ip netns exec "$2" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(0.2)
open(sys.argv[2] + ".ready", "w").close()
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        d, a = s.recvfrom(2048)
        print("%s:%d" % a)
        break
    except socket.timeout:
        if os.path.exists(sys.argv[2] + ".sent"):
            end = min(end, os.path.getmtime(sys.argv[2] + ".sent") + 1)
else:
    print("none")' "$4" "$out" >"$out" &
	local r=$!
	for _ in $(seq 600); do [ -f "$out.ready" ] && break; sleep 0.05; done
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[3])))
for i in range(5):
    s.sendto(b"probe", (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.2)
open(sys.argv[4] + ".sent", "w").close()' "$3" "$4" "$5" "$out" 2>/dev/null
	wait "$r"
	cat "$out"
}
json() { # COMMAND...: the answer's body as one JSON document, pretty-printed (python3 -m json.tool)
	ctl --json "$@" >"$work/json.raw" 2>&1 && sed 1d "$work/json.raw" | python3 -m json.tool
}

# ---- 1. masquerade, and the sessions it shows ------------------------------------------------
ip netns exec "$nsa" ping -c 2 -W 1 192.0.2.1 >/dev/null 2>&1   # neighbours resolved
src=$(probe "$nsa" "$nsb" 192.0.2.1 5000 40000)
[ "$src" = "192.0.2.2:40000" ] && ok "A -> B: B sees $src (masqueraded, port kept)" || fail "A -> B: B saw '$src', want 192.0.2.2:40000"
if json show nat sessions >"$work/sessions.json"; then
	ok "show nat sessions --json is one JSON document ($(wc -l <"$work/sessions.json") lines)"
	python3 - "$work/sessions.json" <<'EOF' && ok "its session: inside 10.0.0.10:40000, outside 192.0.2.2:40000, remote 192.0.2.1:5000, snat" || fail "show nat sessions: the session's fields"
import json, sys
d = json.load(open(sys.argv[1]))
fields = {"proto", "kind", "inside", "outside", "remote", "translated_remote", "state", "seen_reply", "assured", "expires_in"}
want = [s for s in d["sessions"] if s["inside"] == "10.0.0.10:40000"]
assert d["total"] >= 1 and d["shown"] == len(d["sessions"]), d
assert len(want) == 1, d
s = want[0]
assert set(s) == fields, s
assert (s["proto"], s["kind"], s["outside"], s["remote"], s["translated_remote"], s["state"]) == \
    ("udp", "snat", "192.0.2.2:40000", "192.0.2.1:5000", "192.0.2.1:5000", "udp"), s
assert 0 < s["expires_in"] <= 300, s
EOF
else
	fail "show nat sessions --json:"; cat "$work/json.raw"
fi
for what in "nat mappings" "nat counters" "nat rules" "connections" "interfaces" "config" "nat sessions limit 0"; do
	# shellcheck disable=SC2086
	json show $what >/dev/null && ok "show $what --json: valid JSON" || { fail "show $what --json is not JSON:"; head -5 "$work/json.raw"; }
done
ctl show nat rules >"$work/out" && grep -q "masquerade # handle [0-9]* # hits 2 # pool 0: 192.0.2.2 ports 1024-65535" "$work/out" &&
	ok "show nat rules: $(grep masquerade "$work/out" | sed 's/^\t//')" || { fail "show nat rules (want 2 hits: the ping and the datagrams):"; cat "$work/out"; }

# ---- 2. a load that adds a port forward ------------------------------------------------------
src=$(probe "$nsb" "$nsa" 192.0.2.2 5353 41000)
[ "$src" = none ] && ok "B -> 192.0.2.2:5353 before the port forward: nothing reaches A" || fail "B -> 192.0.2.2:5353 reached A before the load: $src"
ctl load "$work/fwd.conf" >"$work/out" 2>&1 && ok "load fwd.conf: $(head -1 "$work/out")" || { fail "load fwd.conf:"; cat "$work/out"; }
src=$(probe "$nsb" "$nsa" 192.0.2.2 5353 41001)
[ "$src" = "192.0.2.1:41001" ] && ok "B -> 192.0.2.2:5353 after the load: A gets it from $src" || fail "B -> 192.0.2.2:5353 after the load: A saw '$src'"
ctl show config >"$work/out" && grep -q "dnat to 10.0.0.10:5353" "$work/out" && ok "show config: the loaded text" || fail "show config does not show the loaded text"

# ---- 3. incremental commands ---------------------------------------------------------------
ctl nat add rule prerouting iif wan udp dport 6000 dnat to 10.0.0.10:6000 >"$work/out" 2>&1
h=$(sed -n 's/^ok handle \([0-9]*\); committed .*/\1/p' "$work/out")
[ -n "$h" ] && ok "nat add rule: $(head -1 "$work/out")" || { fail "nat add rule:"; cat "$work/out"; }
src=$(probe "$nsb" "$nsa" 192.0.2.2 6000 42000)
[ "$src" = "192.0.2.1:42000" ] && ok "B -> 192.0.2.2:6000: A gets it from $src" || fail "B -> 192.0.2.2:6000 after the commit: A saw '$src'"
ctl show nat rules >"$work/out" && grep -q "iif wan udp dport 6000 dnat to 10.0.0.10:6000 # handle $h # hits 1" "$work/out" &&
	ok "show nat rules: the new rule, handle $h, one hit" || { fail "show nat rules after the add:"; cat "$work/out"; }
ctl nat add rule prerouting iif wan0 udp dport 1 accept >"$work/out" 2>&1
rc=$?
want="error ctl:1:29: no interface named 'wan0' (declare it before the chain)"
[ "$rc" = 1 ] && [ "$(head -1 "$work/out")" = "$want" ] && ok "a bad rule: exit 1, '$want'" || fail "a bad rule: exit $rc, '$(head -1 "$work/out")'"
ctl nat delete rule prerouting handle "$h" >"$work/out" 2>&1 && ok "nat delete rule: $(head -1 "$work/out")" || { fail "nat delete rule:"; cat "$work/out"; }
src=$(probe "$nsb" "$nsa" 192.0.2.2 6000 42001)
[ "$src" = none ] && ok "B -> 192.0.2.2:6000 from a new port after the delete: nothing reaches A" || fail "after the delete A saw '$src'"
grep -q "control: audit: .*ctl:1 (+1 rule): in force" "$work/app.log" && ok "audit: $(grep -o 'control: audit: .*+1 rule.*' "$work/app.log" | head -1)" ||
	fail "no audit line for the add"

# ---- 4. metrics ------------------------------------------------------------------------------
code=$(inm curl -sS --max-time 10 -o "$work/page" -w '%{http_code}' "http://$mgip:$mport/metrics" 2>"$work/curl.log")
if [ "$code" = 200 ]; then
	ok "GET /metrics: 200, $(wc -l <"$work/page") lines"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$work/page" >"$work/promtool" 2>&1 && ok "promtool check metrics accepts the page" ||
			{ fail "promtool check metrics refuses the page:"; head -20 "$work/promtool"; }
	else
		echo "note: promtool is not installed: the page's format unchecked"
	fi
	for s in '^sluice_nat_sessions [1-9]' '^sluice_nat_mappings [1-9]' '^sluice_nat_connections_total{kind="dnat"} [1-9]' \
		'^sluice_nat_translated_packets_total{direction="out"} [1-9]' '^sluice_nat_drops_total{reason="no_mapping"} ' \
		'^sluice_nat_rule_hits_total{chain="prerouting",rule="0",line="6"} 1' '^sluice_conntrack_entries [1-9]' \
		'^sluice_router_answers_total{kind="arp_reply"} [1-9]' '^sluice_build_info{app="nat"'; do
		grep -q "$s" "$work/page" && ok "metrics: $(grep "$s" "$work/page" | head -1)" || fail "metrics: no line $s"
	done
else
	fail "GET /metrics: status $code"; cat "$work/curl.log"
fi

# ---- 5. the end --------------------------------------------------------------------------
alive || fail "nat died"
sigint_end
