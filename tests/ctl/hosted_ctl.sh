#!/usr/bin/env bash
# The control socket of the hosted fw, end to end, between three network namespaces (as
# hosted-mgmt): fw bridges ns A and ns B; ns M reaches the appliance's own stack on its
# management port, TCP 7443, with the lab credentials of `sluice keys`.
#
#  1. sluice ctl: ping, stats --json (valid JSON), show interfaces/rules; a refused load
#     names file:line:col and changes nothing; the audit lines.
#  2. openssl s_client: a client certificate of the CA and the right PSK get "ok pong"
#     (the controls); no certificate, one of another CA, an expired one, TLS 1.0 and 1.1, a
#     wrong PSK get nothing: refused before any command is read.
#  3. A steady numbered UDP flow from A to B while `load` swaps in rules that drop it: B got
#     exactly the flow's first K datagrams, the new rule's counter holds the rest, K + D is
#     all that was sent: nothing lost, nothing judged by a mix.
#  4. 1,000 commits in a row (sluice ctl -f) while the flow runs: every datagram arrives.
#  5. Hostile clients (ctl_hostile.py) while A pings B: a 1 MiB line, half a handshake held,
#     100 connections at once, garbage, a transaction never committed, a command for an app
#     that is not there, 100 pipelined commands; forwarding goes on, RSS stays bounded.
#  6. sslscan, when installed: TLS 1.2 only, AEAD suites only.
#  7. SIGINT: status 0.
# Skips (77) without root or network namespaces.
#
# usage: hosted_ctl.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: hosted_ctl.sh BUILD_DIR}
hosted=$build/hosted/sluice-hosted
ctlbin=$build/tools/ctl/sluice-ctl
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=$$
nsa=sl-ca-$id nsb=sl-cb-$id nsm=sl-cm-$id
ifa=sca$id ifb=scb$id ifm=scm$id
mgip=10.235.0.2 cport=7443
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ctl.XXXXXX")
failed=0
app= pinger= recv=
. "$root/tests/dpdk/mgmt_lib.sh"   # ok, fail, alive, rss_kb, inm, ctl, ctl_up, sigint_end; netns_*
cleanup() {
	netns_stop "${pinger:-}" "${recv:-}" "${app:-}"
	netns_teardown "$nsa" "$nsb" "$nsm" -- "$ifa" "$ifb" "$ifm"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_or_skip "$nsa"
netns_wire "$nsa" "$nsb" "$ifa" "$ifb" 10.236.0.1/24 10.236.0.2/24 || { echo "FAIL: setting up the namespaces"; exit 1; }
netns_mgmt "$nsm" "$ifm" 10.235.0.1/24 || { echo "FAIL: setting up the management namespace"; exit 1; }

# ---- credentials: the lab's, another CA's, an expired client certificate --------------
"$root/tools/sluice" keys "$work/k" --psk >/dev/null || { echo "FAIL: sluice keys"; exit 1; }
"$root/tools/sluice" keys "$work/other" >/dev/null || { echo "FAIL: sluice keys (another CA)"; exit 1; }
. "$here/keys_lib.sh"
keys_expired_client "$work/k" "$work/expired" || { echo "FAIL: making an expired client certificate"; exit 1; }
read -r psk_id psk_key <"$work/k/psk"

cat >"$work/accept.conf" <<'EOF'
interface lan
interface wan
chain forward policy accept {
    udp dport 5000 counter accept
    ct state established,related accept
}
EOF
cat >"$work/drop.conf" <<'EOF'
interface lan
interface wan
chain forward policy accept {
    udp dport 5000 counter drop
    ct state established,related accept
}
EOF
printf 'interface lan\ninterface wan\nchain forward {\n    ip saddr @blocked drop\n}\n' >"$work/bad.conf"

"$hosted" fw --config "$work/accept.conf" --port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb" \
	--mgmt-port "afpacket:iface=$ifm" --mgmt "ip=$mgip/24" --keys "$work/k" >"$work/app.log" 2>&1 &
app=$!
ctl_up

# ---- 1. the client's commands ----------------------------------------------------------
grep -q "control socket on TCP port $cport: TLS 1.2" "$work/app.log" && ok "the start says: $(grep -o 'control socket on.*' "$work/app.log")" ||
	fail "no 'control socket on TCP port $cport' line at start"
if ctl --json stats >"$work/stats.json" && sed 1d "$work/stats.json" | python3 -m json.tool >/dev/null; then
	ok "stats --json is one JSON document: $(sed 1d "$work/stats.json" | head -c 120)..."
else
	fail "stats --json:"; cat "$work/stats.json"
fi
ctl show interfaces >"$work/out" && grep -q "^port 0 " "$work/out" && grep -q "^management " "$work/out" &&
	ok "show interfaces: $(grep -c '^port' "$work/out") ports and the management port" || { fail "show interfaces:"; cat "$work/out"; }
ctl show rules >"$work/out" && grep -q "udp dport 5000 counter accept # handle" "$work/out" &&
	ok "show rules lists the boot config's rules with handles" || { fail "show rules:"; cat "$work/out"; }
ctl load "$work/bad.conf" >"$work/out" 2>&1
rc=$?
want="error $work/bad.conf:4:15: no set named 'blocked' (declare it before the chain)"
if [ "$rc" = 1 ] && [ "$(head -1 "$work/out")" = "$want" ]; then
	ok "a bad load: exit 1, '$want'"
else
	fail "a bad load: exit $rc, '$(head -1 "$work/out")' (want '$want')"
fi
ctl show rules >"$work/out2" && grep -q "udp dport 5000 counter accept" "$work/out2" && ok "the running rules are unchanged" ||
	fail "the refused load changed the rules"
grep -q "control: audit: .*CN=operator.*refused: $work/bad.conf:4:15" "$work/app.log" &&
	ok "audit: $(grep -o 'control: audit: .*refused.*' "$work/app.log" | head -1)" || fail "no audit line for the refused load"

# ---- 2. refused before any command ---------------------------------------------------------
sclient() { # WHAT ARGS...: the server's answer to "ping" through openssl s_client
	local what=$1
	shift
	printf 'ping\n' | inm timeout 8 openssl s_client -connect "$mgip:$cport" -quiet -ign_eof "$@" \
		>"$work/sc.out" 2>"$work/sc.err"
	grep -q '^ok pong' "$work/sc.out"
}
s_ok() { if sclient "$@"; then ok "s_client $1: ok pong"; else fail "s_client $1: no pong"; tail -3 "$work/sc.err"; fi; sleep 0.5; }
s_no() { if sclient "$@"; then fail "s_client $1 got an answer"; else ok "s_client $1: refused ($(grep -o 'alert [a-z ]*' "$work/sc.err" | head -1))"; fi; sleep 0.5; }
commands0=$(ctl --json stats | sed 1d | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"]["commands"])')
s_ok "with the CA's client certificate" -tls1_2 -CAfile "$work/k/ca.crt" -cert "$work/k/client.crt" -key "$work/k/client.key"
s_ok "with the right PSK" -tls1_2 -psk "$psk_key" -psk_identity "$psk_id" -cipher PSK -nocommands
s_no "without a client certificate" -tls1_2 -CAfile "$work/k/ca.crt"
s_no "with a certificate of another CA" -tls1_2 -CAfile "$work/k/ca.crt" -cert "$work/other/client.crt" -key "$work/other/client.key"
s_no "with an expired certificate" -tls1_2 -CAfile "$work/k/ca.crt" -cert "$work/expired/client.crt" -key "$work/expired/client.key"
s_no "over TLS 1.1" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -cert "$work/k/client.crt" -key "$work/k/client.key"
s_no "over TLS 1.0" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -cert "$work/k/client.crt" -key "$work/k/client.key"
s_no "with a wrong PSK" -tls1_2 -psk "00${psk_key:2}" -psk_identity "$psk_id" -cipher PSK
s_no "with an unknown PSK identity" -tls1_2 -psk "$psk_key" -psk_identity intruder -cipher PSK
commands1=$(ctl --json stats | sed 1d | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"]["commands"])')
# the two controls' pings, and the stats command itself
[ "$((commands1 - commands0))" = 3 ] && ok "the refused connections sent no command (2 pings + 1 stats answered)" ||
	fail "commands answered went from $commands0 to $commands1: want +3"
n=$(grep -c 'TLS handshake refused' "$work/app.log")
[ "$n" -ge 7 ] && ok "the log has $n 'TLS handshake refused' lines: $(grep -o 'TLS handshake refused.*' "$work/app.log" | sort -u | head -3 | tr '\n' ';')" ||
	fail "only $n 'TLS handshake refused' lines"

# ---- 3. load swaps the verdict from one datagram on ----------------------------------------
flow() { # COUNT PPS: B's receiver up, A's sender; the numbers B got in $work/got
	rm -f "$work/got" "$work/got.ready" "$work/got.first"
	ip netns exec "$nsb" python3 "$here/udp_flow.py" recv 5000 "$work/got" 3 &
	recv=$!
	for _ in $(seq 50); do [ -f "$work/got.ready" ] && break; sleep 0.1; done
	ip netns exec "$nsa" python3 "$here/udp_flow.py" send 10.236.0.2 5000 "$1" "$2" >/dev/null &
	sender=$!
}
flow_end() { wait "$sender"; wait "$recv"; recv=; }
counter_of() { # RULE-TEXT: packets of that rule's counter (show counters --json)
	ctl --json show counters | sed 1d | python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d["counters"]:
    if sys.argv[1] in c.get("rule", ""):
        print(c["packets"]); break
else:
    print(-1)' "$1"
}
ip netns exec "$nsa" ping -c 1 -W 1 10.236.0.2 >/dev/null 2>&1   # neighbours resolved
flow 20000 4000
for _ in $(seq 100); do [ -f "$work/got.first" ] && break; sleep 0.1; done   # under way (a loaded
sleep 1                                                                      # machine starts it late)
ctl load "$work/drop.conf" >"$work/out" 2>&1 && ok "load drop.conf under traffic: $(head -1 "$work/out")" ||
	{ fail "load drop.conf:"; cat "$work/out"; }
flow_end
k=$(wc -l <"$work/got")
contiguous=$(awk '$1 != NR - 1 { bad = 1 } END { print bad ? "no" : "yes" }' "$work/got")
d=$(counter_of "udp dport 5000 counter drop")
if [ "$k" -gt 0 ] && [ "$d" -gt 0 ] && [ "$contiguous" = yes ] && [ "$((k + d))" = 20000 ]; then
	ok "B got datagrams 0..$((k - 1)) and the new rule dropped the other $d: $k + $d = 20000"
else
	fail "B got $k datagrams (contiguous from 0: $contiguous), the drop rule counted $d: want a sum of 20000"
fi

# ---- 4. 1,000 commits in a row under traffic ------------------------------------------------
ctl load "$work/accept.conf" >/dev/null || fail "load accept.conf"
for i in $(seq 1000); do
	if [ $((i % 2)) = 1 ]; then echo "fw policy forward drop"; else echo "fw policy forward accept"; fi
done >"$work/commits.txt"
commits0=$(ctl --json stats | sed 1d | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"]["commits"])')
flow 30000 3000
ctl -f "$work/commits.txt" >"$work/out" 2>&1
rc=$?
flow_end
commits1=$(ctl --json stats | sed 1d | python3 -c 'import json,sys; print(json.load(sys.stdin)["control"]["commits"])')
got=$(wc -l <"$work/got")
oks=$(grep -c '^ok .*committed ctl:' "$work/out")
if [ "$rc" = 0 ] && [ "$oks" = 1000 ] && [ "$((commits1 - commits0))" = 1000 ]; then
	ok "1,000 commits in a row: all ok ($(tail -1 "$work/out"))"
else
	fail "1,000 commits: exit $rc, $oks ok answers, commits went $commits0 -> $commits1"; tail -3 "$work/out"
fi
[ "$got" = 30000 ] && ok "the flow during them: 30000 of 30000 datagrams arrived" || fail "the flow during the commits: $got of 30000 arrived"

# ---- 5. hostile clients while A pings B -----------------------------------------------------
rss0=$(rss_kb)
ip netns exec "$nsa" ping -i 0.1 -W 1 10.236.0.2 >"$work/ping" 2>&1 &
pinger=$!
inm python3 "$here/ctl_hostile.py" "$mgip" "$cport" "$work/k" longline halfhs many garbage uncommitted noapp pipeline ||
	failed=$((failed + 1))
kill -INT "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
pinger=
read -r tx rx < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$work/ping")
tx=${tx:-0} rx=${rx:-0}
if [ "$tx" -gt 0 ] && [ $(((tx - rx) * 20)) -le "$tx" ]; then
	ok "during the hostile clients A pinged B $tx times, $((tx - rx)) lost"
else
	fail "during the hostile clients A pinged B $tx times, $((tx - rx)) lost"
fi
alive || fail "fw died under the hostile clients"
rss1=$(rss_kb)
[ -n "$rss0" ] && [ -n "$rss1" ] && [ "$((rss1 - rss0))" -lt 65536 ] && ok "RSS $rss0 -> $rss1 KiB" ||
	fail "RSS $rss0 -> $rss1 KiB (want < 64 MiB of growth)"
grep -q 'aborted: the session ended before commit' "$work/app.log" && ok "audit: the dropped transaction is logged as aborted" ||
	fail "no audit line for the uncommitted transaction"

# ---- 6. sslscan ---------------------------------------------------------------------------
if command -v sslscan >/dev/null; then
	inm sslscan --sleep=150 --certs="$work/k/client.crt" --pk="$work/k/client.key" --no-colour --no-heartbleed --no-compression --no-fallback --no-renegotiation "$mgip:$cport" >"$work/scan" 2>&1
	accepted=$(grep -E '^(Preferred|Accepted)' "$work/scan")
	weak=$(printf '%s\n' "$accepted" | grep -vE 'TLSv1\.2 .*(GCM|CHACHA20)')
	enabled=$(grep -E '^(SSLv2|SSLv3|TLSv1\.0|TLSv1\.1|TLSv1\.3) +enabled' "$work/scan")
	if [ -n "$accepted" ] && [ -z "$weak" ] && [ -z "$enabled" ]; then
		ok "sslscan: TLS 1.2 only, $(printf '%s\n' "$accepted" | wc -l) suites, all AEAD: $(printf '%s\n' "$accepted" | awk '{print $5}' | tr '\n' ' ')"
	else
		fail "sslscan: weak: '$weak' enabled: '$enabled'"; sed -n '1,60p' "$work/scan"
	fi
else
	echo "note: sslscan is not installed (tools/sluice deps installs it): skipped"
fi

# ---- 7. the end ---------------------------------------------------------------------------
sigint_end
