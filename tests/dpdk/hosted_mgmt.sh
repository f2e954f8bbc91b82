#!/usr/bin/env bash
# The hosted fw's management plane between three network namespaces: the fw bridges ns A
# and ns B on its two data ports, and ns M (the management host) reaches the appliance's
# own stack (lwIP) on its management port:
#
#   [ns A: 10.234.0.1] veth ==(afpacket, lan)== fw ==(afpacket, wan)== veth [ns B: 10.234.0.2]
#                                                |
#                                      (afpacket, --mgmt-port)
#                                                |
#                     veth [ns M: 10.233.0.1, fd33::1]  ->  appliance 10.233.0.2, fd33::2
#
#  1. M pings 10.233.0.2 and fd33::2, and has the appliance's MAC in its neighbour table.
#  2. GET /metrics over IPv4 and IPv6: 200, a page promtool accepts, with the build and
#     port families; HEAD /metrics 200 without a body; GET / 404; POST 405.
#  3. Hostile clients (mgmt_hostile.py) while A pings B through the fw every 0.1 s, whose
#     loss is reported and must stay small: (a) malformed, oversized, unfinished and binary
#     request heads (400, 431, 408, 400 or reset; never a hang); (b) 10,000 connections
#     opened at once and held idle; (c) a SYN flood from spoofed addresses. Then the
#     appliance still runs, /metrics answers again within 40 s (lwIP has no SYN cookies:
#     half-open connections lock the listener out for ~20 s), its RSS grew by less than
#     64 MiB, and the server counted the refused connections and the 400/408/431 answers.
#  4. SIGINT: status 0, the summary line, every packet buffer back in the pool.
# Skips (77) without root or network namespaces.
#
# usage: hosted_mgmt.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: hosted_mgmt.sh BUILD_DIR}
hosted=$build/hosted/sluice-hosted
here=$(cd "$(dirname "$0")" && pwd)
hostile=$here/mgmt_hostile.py
id=$$
nsa=sl-ma-$id nsb=sl-mb-$id nsm=sl-mm-$id
ifa=sma$id ifb=smb$id ifm=smm$id   # appliance-side ends (at most 15 characters)
mgip=10.233.0.2 mgip6=fd33::2 mport=9100
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mgmt.XXXXXX")
failed=0
app= pinger=
. "$here/mgmt_lib.sh"   # ok, fail, alive, rss_kb, inm, show_log; netns_*
cleanup() {
	netns_stop "${pinger:-}" "${app:-}"
	netns_teardown "$nsa" "$nsb" "$nsm" -- "$ifa" "$ifb" "$ifm"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
get() { # URL [curl args]: prints the status code (000: no answer); the page in $work/page
	inm curl -gsS --max-time 10 -o "$work/page" -w '%{http_code}' "$@" 2>>"$work/curl.log"
}
sample() { # NAME{LABELS}: its value on $work/page, empty if absent
	awk -v k="$1" '$1 == k { print $2; exit }' "$work/page"
}

netns_or_skip "$nsa"
netns_wire "$nsa" "$nsb" "$ifa" "$ifb" 10.234.0.1/24 10.234.0.2/24 || { echo "FAIL: setting up the namespaces"; exit 1; }
# M's end keeps its checksum offloads but not segmentation (README: hosted ports on veths);
# the appliance's end carries no IPv6 and forwards nothing, so the host stays out of it.
netns_mgmt "$nsm" "$ifm" 10.233.0.1/24 fd33::1/64 &&
	inm sysctl -qw net.ipv4.ip_local_port_range="1024 65000" &&
	sysctl -qw "net.ipv4.conf.$ifm.forwarding=0" || { echo "FAIL: setting up the management namespace"; exit 1; }
mac=$(cat "/sys/class/net/$ifm/address")

printf 'interface lan\ninterface wan\nchain forward policy accept {\n    ct state established,related accept\n}\n' >"$work/rules.conf"
"$hosted" fw --config "$work/rules.conf" --port "afpacket:iface=$ifa" --port "afpacket:iface=$ifb" \
	--mgmt-port "afpacket:iface=$ifm" --mgmt "ip=$mgip/24,ip6=$mgip6/64" --metrics-port "$mport" >"$work/app.log" 2>&1 &
app=$!

# A reaches B through the bridge (start-up takes a moment, longer under sanitizers)
reached=0
for _ in $(seq 30); do
	if ip netns exec "$nsa" ping -c 1 -W 1 10.234.0.2 >/dev/null 2>&1; then reached=1; break; fi
	alive || break
	sleep 0.2
done
if [ "$reached" != 1 ]; then
	echo "FAIL: A never reached B through fw"; show_log; exit 1
fi
ok "A reaches B through fw"

# ---- 1. ping and neighbours --------------------------------------------------------------
t0=$(now); r4=0
while [ "$(since "$t0" | cut -d. -f1)" -lt 20 ]; do
	inm ping -c 1 -W 1 "$mgip" >/dev/null 2>&1 && { r4=1; break; }
	alive || break
	sleep 0.2
done
[ "$r4" = 1 ] && ok "M pings $mgip (after $(since "$t0") s)" || fail "M cannot ping $mgip"
t0=$(now); r6=0
while [ "$(since "$t0" | cut -d. -f1)" -lt 10 ]; do   # the appliance's DAD
	inm ping -6 -c 1 -W 1 "$mgip6" >/dev/null 2>&1 && { r6=1; break; }
	alive || break
	sleep 0.2
done
[ "$r6" = 1 ] && ok "M pings $mgip6 (after $(since "$t0") s)" || fail "M cannot ping $mgip6"
for a in "$mgip" "$mgip6"; do
	n=$(ip -n "$nsm" neigh show "$a" dev "${ifm}p")
	case "$n" in
	*"lladdr $mac "*) ok "M's neighbour entry for $a: $n" ;;
	*) fail "M's neighbour entry for $a is not the appliance's MAC $mac: '$n'" ;;
	esac
done

# ---- 2. the metrics page -------------------------------------------------------------------
for url in "http://$mgip:$mport/metrics" "http://[$mgip6]:$mport/metrics"; do
	code=$(get "$url")
	if [ "$code" != 200 ]; then
		fail "GET $url: status $code"; cat "$work/curl.log"; continue
	fi
	ok "GET $url: 200, $(wc -l <"$work/page") lines, $(wc -c <"$work/page") bytes"
	if promtool check metrics <"$work/page" >"$work/promtool" 2>&1; then
		ok "promtool check metrics accepts the page"
	else
		fail "promtool check metrics refuses the page:"; head -20 "$work/promtool"
	fi
	grep -q '^sluice_build_info{app="fw"' "$work/page" || fail "no sluice_build_info{app=\"fw\"...} on the page"
	grep -q '^sluice_port_receive_packets_total{port="port0"' "$work/page" ||
		fail "no sluice_port_receive_packets_total{port=\"port0\"...} on the page"
done
inm python3 "$hostile" head "$mgip" "$mport" || failed=$((failed + 1))
code=$(get "http://$mgip:$mport/")
[ "$code" = 404 ] && ok "GET /: 404" || fail "GET /: status $code, want 404"
code=$(get "http://$mgip:$mport/metrics" -X POST -d x=1)
[ "$code" = 405 ] && ok "POST /metrics: 405" || fail "POST /metrics: status $code, want 405"

# ---- 3. hostile clients while A pings B ----------------------------------------------------
pings_sent=0 pings_lost=0
pinger_start() {
	ip netns exec "$nsa" ping -i 0.1 -W 1 10.234.0.2 >"$work/ping" 2>&1 &
	pinger=$!
}
pinger_stop() { # PHASE: A's pings to B over the phase, reported; > 5% lost fails
	kill -INT "$pinger" 2>/dev/null
	wait "$pinger" 2>/dev/null
	pinger=
	local tx rx
	read -r tx rx < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$work/ping")
	tx=${tx:-0} rx=${rx:-0}
	pings_sent=$((pings_sent + tx)) pings_lost=$((pings_lost + tx - rx))
	local pct=100
	[ "$tx" -gt 0 ] && pct=$(((tx - rx) * 100 / tx))
	if [ "$tx" -gt 0 ] && [ $(((tx - rx) * 20)) -le "$tx" ]; then
		ok "$1: A pinged B $tx times through fw, $((tx - rx)) lost ($pct%)"
	else
		fail "$1: A pinged B $tx times through fw, $((tx - rx)) lost ($pct%)"
	fi
}
rss0=$(rss_kb)

echo "-- 3a. malformed and slow request heads"
pinger_start
inm python3 "$hostile" requests "$mgip" "$mport" || failed=$((failed + 1))
pinger_stop "3a"
alive || fail "fw died in 3a"

echo "-- 3b. 10,000 idle connections"
pinger_start
inm python3 "$hostile" conns "$mgip" "$mport" 10000 5 | tee "$work/conns" | grep -v '^RESULT' || failed=$((failed + 1))
alive || fail "fw died in 3b"
# the server takes connections again once the 10,000 are gone (before the flood, whose
# effect on lwIP's counters is then measured from here)
t0=$(now) code=000
while alive && [ "$(since "$t0" | cut -d. -f1)" -lt 20 ]; do
	code=$(inm curl -sS --max-time 2 -o "$work/page" -w '%{http_code}' "http://$mgip:$mport/metrics" 2>/dev/null)
	[ "$code" = 200 ] && break
	sleep 0.5
done
tcp_recv0= tcp_chkerr0=
if [ "$code" = 200 ]; then
	ok "GET /metrics answers $(since "$t0") s after the 10,000 connections were closed"
	tcp_recv0=$(sample 'sluice_lwip_packets_total{proto="tcp",event="recv"}')
	tcp_chkerr0=$(sample 'sluice_lwip_packets_total{proto="tcp",event="chkerr"}')
else
	fail "GET /metrics did not answer within 20 s of closing the 10,000 connections (last status $code)"
fi
pinger_stop "3b"

echo "-- 3b'. readers that stop reading"
# each is cut after 10 s without progress, though all of its page was queued: lwIP's
# memory comes back while they still hold their connections open
cut0=$(sample 'sluice_metrics_http_cut_total{reason="timeout"}')
inm python3 "$hostile" stall "$mgip" "$mport" 6 16 >"$work/stall" 2>&1 &
staller=$!
sleep 13.5
code=$(inm curl -sS --max-time 5 -o "$work/page" -w '%{http_code}' "http://$mgip:$mport/metrics" 2>/dev/null)
used=$(sample 'sluice_lwip_memory{pool="mem",field="used"}')
cut1=$(sample 'sluice_metrics_http_cut_total{reason="timeout"}')
if [ "$code" = 200 ] && [ "${used:-99999}" -lt 16384 ] && [ $((${cut1:-0} - ${cut0:-0})) -ge 6 ]; then
	ok "6 stalled readers cut while still connected: lwIP's heap holds $used bytes, $((cut1 - cut0)) cut for time"
else
	fail "stalled readers: status $code, lwIP heap $used bytes in use, cut for time $cut0 -> $cut1"; cat "$work/stall"
fi
wait "$staller"
grep -v '^RESULT' "$work/stall"; grep '^RESULT' "$work/stall"
alive || fail "fw died in 3b'"

echo "-- 3c. SYN flood"
pinger_start
inm python3 "$hostile" synflood "$mgip" "$mport" 3 3000 10.233.0.0/24 10.233.0.1,10.233.0.2 |
	tee "$work/flood" | grep -v '^RESULT' || failed=$((failed + 1))
syns=$(sed -n 's/^RESULT sent=\([0-9]*\).*/\1/p' "$work/flood")
t_flood=$(now)
pinger_stop "3c"
alive || fail "fw died in 3c"

echo "-- after 3b and 3c"
pinger_start
code=000 tries=0 first=
while alive && [ "$(since "$t_flood" | cut -d. -f1)" -lt 40 ]; do
	tries=$((tries + 1)) t_try=$(now)
	code=$(inm curl -sS --max-time 2 -o "$work/page" -w '%{http_code}' "http://$mgip:$mport/metrics" 2>/dev/null)
	first=${first:-$code}
	[ "$code" = 200 ] && break
	sleep "$(awk -v a="$t_try" -v b="$EPOCHREALTIME" 'BEGIN { d = 2 - (b - a); printf "%.2f", (d > 0 ? d : 0) }')"
done
recovery=$(since "$t_flood")
if [ "$code" = 200 ]; then
	ok "GET /metrics answers again $recovery s after the SYN flood ended (attempt $tries; the first got $first)"
else
	fail "GET /metrics did not answer within 40 s of the SYN flood (last status $code)"
fi
pinger_stop "recovery"
if alive; then
	ok "fw still runs"
	rss1=$(rss_kb)
	growth=$((${rss1:-0} - ${rss0:-0}))
	if [ -n "$rss0" ] && [ -n "$rss1" ] && [ "$growth" -lt $((64 * 1024)) ]; then
		ok "RSS $rss0 kB before the hostile phase, $rss1 kB after: $growth kB more"
	else
		fail "RSS ${rss0:-?} kB before the hostile phase, ${rss1:-?} kB after: $growth kB more (limit 64 MiB)"
	fi
else
	fail "fw is gone after the hostile phase"
fi
if [ "$pings_sent" -gt 0 ] && [ $((pings_lost * 50)) -le "$pings_sent" ]; then
	ok "over the whole hostile phase A pinged B $pings_sent times, $pings_lost lost"
else
	fail "over the whole hostile phase A pinged B $pings_sent times, $pings_lost lost (more than 2%)"
fi
if [ "$code" = 200 ]; then
	for k in 'sluice_metrics_http_connections_total{outcome="refused"}' \
		'sluice_metrics_http_responses_total{code="400"}' \
		'sluice_metrics_http_responses_total{code="408"}' \
		'sluice_metrics_http_responses_total{code="431"}'; do
		v=$(sample "$k")
		[ -n "$v" ] && [ "$v" != 0 ] && ok "$k $v" || fail "$k is '${v}', want nonzero"
	done
	for k in 'sluice_stack_lwip_errors_total{kind="asserts"}' 'sluice_stack_lwip_errors_total{kind="errors"}'; do
		v=$(sample "$k")
		[ "$v" = 0 ] && ok "$k 0" || fail "$k is '${v}', want 0"
	done
	# the flood reached lwIP, with checksums it accepted
	tcp_recv1=$(sample 'sluice_lwip_packets_total{proto="tcp",event="recv"}')
	tcp_chkerr1=$(sample 'sluice_lwip_packets_total{proto="tcp",event="chkerr"}')
	if [ -n "$tcp_recv0" ] && [ -n "$tcp_recv1" ] && [ -n "${syns:-}" ]; then
		d=$((tcp_recv1 - tcp_recv0)) e=$((${tcp_chkerr1:-0} - ${tcp_chkerr0:-0}))
		if [ $((d * 10)) -ge $((syns * 9)) ] && [ "$e" = 0 ]; then
			ok "lwIP received $d TCP segments since the flood of $syns SYNs began, none with a bad checksum"
		else
			fail "lwIP received $d TCP segments ($e with a bad checksum) since the flood of $syns SYNs began"
		fi
	fi
	grep '^sluice_metrics_http_' "$work/page" | grep -v '} 0$\| 0$' | sed 's/^/   /'
fi

# ---- 4. SIGINT ---------------------------------------------------------------------------------
if alive; then
	kill -INT "$app"
	t0=$(now)
	while alive && [ "$(since "$t0" | cut -d. -f1)" -lt 30 ]; do sleep 0.2; done
	if alive; then
		fail "fw did not exit within 30 s of SIGINT"
		kill -KILL "$app"
	fi
	wait "$app"
	status=$?
	app=
	[ "$status" = 0 ] && ok "fw exited with status 0 on SIGINT" || fail "fw exited with status $status on SIGINT"
	if grep -E '^fw: [0-9]+ packets in, [0-9]+ out' "$work/app.log"; then
		ok "fw printed its summary line"
	else
		fail "no summary line from fw"
	fi
	if grep 'not back in the pool' "$work/app.log"; then fail "the host stack did not give its buffers back"; fi
	if grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$work/app.log"; then
		fail "a sanitizer report"
	fi
fi
if [ "$failed" != 0 ]; then
	show_log
	echo "$failed check(s) failed"
	exit 1
fi
echo "all checks passed"
