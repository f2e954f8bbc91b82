#!/usr/bin/env bash
# The load balancer end to end, hosted (on veths) or the image (under QEMU, TCG, its NICs
# on taps), with real stacks: a client namespace C, three web
# servers (tests/lb/web.py) in their own namespaces S1..S3 on a bridge, the appliance
# routing between C's link (10.0.0.1) and the servers' (10.1.0.1), its management address
# 10.1.0.250 in-band on the servers' link (health checks, the control socket, metrics).
# A return router R (10.1.0.254, 10.9.0.1) carries dsr's replies from the servers to C
# (policy routing by the VIP the reply comes from), as a dsr deployment's other router does.
#
#   web     10.0.0.100:80  nat, health http /health (500 ms, fall 2, rise 2)
#   webdsr  10.0.0.101:80  dsr (MAC rewrite), health tcp
#   webtun  10.0.0.102:80  dsr encap ipip: S1 reads the tunnelled SYN on a raw socket
#   webdsr6 [2001:db8:c::101]:80  dsr over IPv6: the VIP on C's link (2001:db8:c::/64; the
#           appliance answers neighbour solicitations for it), the servers on
#           2001:db8:5::/64, replies by R (2001:db8:9::/64)
#
#  1. 90 curl requests to each of web and webdsr: none fails, each server answers some;
#     the servers see the client's own address. 60 to webdsr6 the same, over IPv6 (C's
#     kernel found the VIP's MAC by neighbour discovery).
#  2. show services / backends / flows --json: valid JSON with the services and counters.
#  3. S2's /health answers 503: after the fall threshold show backends says down, and 60
#     requests to each service go to S1 and S3 only, none failing; 200 again: S2 comes
#     back (rise) and is answered from again.
#  4. S3's server stopped: it is taken out by its failed checks; no request fails after.
#  5. Drain: a keep-alive connection open to web and to webdsr; its backend drained
#     (sluice ctl lb drain SVC NAME): 40 new requests never reach it, the open
#     connection's next request is still answered by it.
#  6. lb weight / remove backend / add backend / add service (nat snat: the servers see the
#     appliance's address) / remove service over the control socket, each in force at once
#     (requests follow it); a refused command names ctl:LINE:COL and changes nothing.
#  7. webtun: S1 receives the client's SYN in IP-in-IP from 10.1.0.1 to 10.1.0.11, the
#     inner packet unchanged (VIP destination, the client's source).
#  8. GET /metrics: promtool accepts the page; it has the lb families.
#  9. SIGINT (the image: Ctrl-C on its console): status 0.
# Skips (77) without root or network namespaces (or, for the image, QEMU).
#
# usage: hosted_lb.sh hosted|image BUILD_DIR
set -uo pipefail
mode=${1:-} build=${2:-}
case "$mode" in
hosted | image) [ -n "$build" ] || { echo "usage: hosted_lb.sh hosted|image BUILD_DIR" >&2; exit 2; } ;;
*) echo "usage: hosted_lb.sh hosted|image BUILD_DIR" >&2; exit 2 ;;
esac
hosted=$build/hosted/sluice-hosted
ctlbin=$build/tools/ctl/sluice-ctl
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
id=$$
nsc=sl-lc-$id nsb=sl-lb-$id nsr=sl-lr-$id
ifc=lbc$id ifs=lbs$id
mgip=10.1.0.250 cport=7443 mport=9100
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-lb.XXXXXX")
failed=0
app= appfd=
# C's end of its link to the appliance: a veth's peer (hosted), or the tap itself (image)
cdev=${ifc}p
[ "$mode" = hosted ] || cdev=$ifc
pids=()
. "$root/tests/dpdk/mgmt_lib.sh"   # ok, fail, alive, ctl, ctl_up, sigint_end; netns_*
nsm=sl-ls1-$id                      # the control client runs in S1 (mgmt_lib's inm)
cleanup() {
	[ "$mode" = hosted ] || pkill -f -- "tap:$ifc" 2>/dev/null
	netns_stop "${app:-}" "${pids[@]}"
	netns_teardown "$nsc" "$nsb" "$nsr" sl-ls1-$id sl-ls2-$id sl-ls3-$id -- "$ifc" "$ifs"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_or_skip "$nsc"
setup() {
	local i
	ip netns add "$nsb" && ip netns add "$nsr" || return 1
	ip -n "$nsb" link add br0 type bridge && ip -n "$nsb" link set br0 up || return 1
	ip -n "$nsc" link set lo up || return 1
	# C's link to the appliance, and the appliance's end toward the bridge (the image's
	# taps are wired once it runs: wire_taps)
	if [ "$mode" = hosted ]; then
		ip link add "$ifc" type veth peer name "${ifc}p" && ip link set "${ifc}p" netns "$nsc" &&
			ip link add "$ifs" type veth peer name "${ifs}p" && ip link set "${ifs}p" netns "$nsb" &&
			ip -n "$nsb" link set "${ifs}p" master br0 up || return 1
		ip -n "$nsc" addr add 10.0.0.10/24 dev "$cdev" && ip -n "$nsc" addr add 2001:db8:c::10/64 dev "$cdev" nodad &&
			ip -n "$nsc" link set "$cdev" up || return 1
		for i in "$ifc" "$ifs"; do
			sysctl -qw "net.ipv6.conf.$i.disable_ipv6=1" && ip link set "$i" up || return 1
		done
	fi
	# R: the servers' link and C's second one, forwarding
	ip -n "$nsr" link add rb type veth peer name rbp && ip -n "$nsr" link set rbp netns "$nsb" &&
		ip -n "$nsb" link set rbp master br0 up && ip -n "$nsr" addr add 10.1.0.254/24 dev rb &&
		ip -n "$nsr" link set rb up && ip -n "$nsr" link add rc type veth peer name rcp &&
		ip -n "$nsr" link set rcp netns "$nsc" && ip -n "$nsr" addr add 10.9.0.1/24 dev rc &&
		ip -n "$nsr" link set rc up && ip -n "$nsc" addr add 10.9.0.10/24 dev rcp && ip -n "$nsc" link set rcp up &&
		ip netns exec "$nsr" sysctl -qw net.ipv4.ip_forward=1 &&
		ip -n "$nsr" route add 10.0.0.0/24 via 10.9.0.10 || return 1
	# and for IPv6: R 2001:db8:5::254 on the servers' link, 2001:db8:9::1 toward C
	ip -n "$nsr" addr add 2001:db8:5::254/64 dev rb nodad && ip -n "$nsr" addr add 2001:db8:9::1/64 dev rc nodad &&
		ip -n "$nsc" addr add 2001:db8:9::10/64 dev rcp nodad &&
		ip netns exec "$nsr" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		ip -n "$nsr" -6 route add 2001:db8:c::/64 via 2001:db8:9::10 || return 1
	ip netns exec "$nsc" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		"net.ipv4.conf.rcp.rp_filter=0" || return 1
	for i in 1 2 3; do
		local ns=sl-ls$i-$id
		ip netns add "$ns" && ip -n "$ns" link add eth0 type veth peer name "s$i$id" &&
			ip -n "$ns" link set "s$i$id" netns "$nsb" && ip -n "$nsb" link set "s$i$id" master br0 up &&
			ip -n "$ns" addr add "10.1.0.1$i/24" dev eth0 && ip -n "$ns" link set eth0 up &&
			ip -n "$ns" link set lo up && ip -n "$ns" route add default via 10.1.0.1 || return 1
		# dsr: the VIPs on lo, never answered for on the link; replies from them by R
		ip -n "$ns" addr add 10.0.0.101/32 dev lo && ip -n "$ns" addr add 10.0.0.102/32 dev lo &&
			ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
				net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 &&
			ip -n "$ns" rule add from 10.0.0.101 table 100 && ip -n "$ns" rule add from 10.0.0.102 table 100 &&
			ip -n "$ns" route add default via 10.1.0.254 table 100 || return 1
		ip -n "$ns" addr add "2001:db8:5::1$i/64" dev eth0 nodad && ip -n "$ns" addr add 2001:db8:c::101/128 dev lo &&
			ip -n "$ns" -6 rule add from 2001:db8:c::101 table 100 &&
			ip -n "$ns" -6 route add default via 2001:db8:5::254 dev eth0 table 100 || return 1
		ip netns exec "$ns" ethtool -K eth0 tso off gso off >/dev/null 2>&1
	done
	return 0
}
# wire_taps: the image's taps into place, as the veths are for the hosted appliance
wire_taps() {
	ip link set "$ifc" netns "$nsc" && ip link set "$ifs" netns "$nsb" &&
		ip -n "$nsc" addr add 10.0.0.10/24 dev "$cdev" && ip -n "$nsc" addr add 2001:db8:c::10/64 dev "$cdev" nodad &&
		ip -n "$nsc" link set "$cdev" up && ip -n "$nsb" link set "$ifs" master br0 up || return 1
	ip netns exec "$nsb" ethtool -K "$ifs" tx off >/dev/null 2>&1
	return 0
}
setup || { echo "FAIL: setting up the namespaces"; exit 1; }
"$root/tools/sluice" keys "$work/k" >/dev/null || { echo "FAIL: sluice keys"; exit 1; }

server() {   # server N: S_N's web server, its pid in spid[N]
	ip netns exec "sl-ls$1-$id" python3 "$here/web.py" "s$1" 80 "$work/health$1" >"$work/web$1.log" 2>&1 &
	spid[$1]=$!
	pids+=("$!")
}
declare -A spid
for i in 1 2 3; do server "$i"; done

cat >"$work/lb.conf" <<'EOF'
interface clients { address 10.0.0.1/24; address 2001:db8:c::1/64 }
interface servers { address 10.1.0.1/24; address 2001:db8:5::1/64 }
management { interface servers; address 10.1.0.250/24 }
conntrack { max 65536 }
service web {
    vip 10.0.0.100 tcp 80
    mode nat
    health http /health status 200 interval 500ms timeout 400ms rise 2 fall 2
    backend s1 10.1.0.11
    backend s2 10.1.0.12
    backend s3 10.1.0.13
}
service webdsr {
    vip 10.0.0.101 tcp 80
    mode dsr
    health tcp interval 500ms timeout 400ms rise 2 fall 2
    backend s1 10.1.0.11
    backend s2 10.1.0.12
    backend s3 10.1.0.13
}
service webtun {
    vip 10.0.0.102 tcp 80
    mode dsr encap ipip
    backend s1 10.1.0.11
}
service webdsr6 {
    vip 2001:db8:c::101 tcp 80
    mode dsr
    backend s1 2001:db8:5::11
    backend s2 2001:db8:5::12
    backend s3 2001:db8:5::13
}
EOF

if [ "$mode" = hosted ]; then
	"$hosted" lb --config "$work/lb.conf" --port "afpacket:iface=$ifc" --port "afpacket:iface=$ifs" \
		--keys "$work/k" >"$work/app.log" 2>&1 &
	app=$!
else
	command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: QEMU is not installed (tools/sluice deps installs it)"; exit 77; }
	mkfifo "$work/con.in"
	SLUICE_ACCEL=tcg SLUICE_BUILD=$build "$root/tools/sluice" run lb --keys "$work/k" --config "$work/lb.conf" \
		--net "tap:$ifc" --net "tap:$ifs" <"$work/con.in" >"$work/app.log" 2>&1 &
	app=$!
	exec {appfd}>"$work/con.in"
	for _ in $(seq 1800); do
		grep -q "running on" "$work/app.log" && break
		alive || break
		sleep 0.1
	done
	grep -q "running on" "$work/app.log" || { echo "FAIL: the image did not come up"; show_log; exit 1; }
	wire_taps || { echo "FAIL: wiring the taps"; exit 1; }
fi
ip netns exec "$nsc" ethtool -K "$cdev" tso off gso off >/dev/null 2>&1
ctl_up

json() { # COMMAND...: the answer's body, one JSON document
	ctl --json "$@" >"$work/json.raw" 2>&1 && sed 1d "$work/json.raw"
}

# requests VIP N: N sequential requests from C, each on a new connection; the answering
# server of each (or "fail") in $work/answers, counts on stdout: "s1=N s2=N s3=N fail=N"
requests() {
	ip netns exec "$nsc" python3 - "$1" "$2" >"$work/answers" <<'PY'
import http.client, sys
vip, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    try:
        c = http.client.HTTPConnection(vip, 80, timeout=3)
        c.request("GET", "/x%d" % i)
        print(c.getresponse().read().decode().strip())
        c.close()
    except Exception as e:
        print("fail", e)
PY
	awk '{ n[$1]++ } END { printf "s1=%d s2=%d s3=%d fail=%d", n["s1"], n["s2"], n["s3"], n["fail"] }' "$work/answers"
}
count() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# --- 1: spread, no failure
for vip in 10.0.0.100 10.0.0.101; do
	r=$(requests "$vip" 90)
	if [ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s1)" -ge 10 ] && [ "$(count "$r" s2)" -ge 10 ] &&
		[ "$(count "$r" s3)" -ge 10 ]; then
		ok "90 requests to $vip spread over the three servers ($r)"
	else
		fail "90 requests to $vip: $r"; head -5 "$work/answers"
	fi
done
grep -q "^s[123] 10.0.0.10$" "$work/answers" && ok "the servers see the client's address" ||
	fail "the servers did not see the client's address: $(head -2 "$work/answers")"
r=$(requests 2001:db8:c::101 60)
if [ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s1)" -ge 5 ] && [ "$(count "$r" s2)" -ge 5 ] &&
	[ "$(count "$r" s3)" -ge 5 ] && grep -q "^s[123] 2001:db8:c::10$" "$work/answers"; then
	ok "60 requests to [2001:db8:c::101]:80 (dsr, IPv6) spread over the three servers, which see the client's address ($r)"
else
	fail "60 requests to [2001:db8:c::101]:80: $r"; head -3 "$work/answers"
fi
ip -n "$nsc" -6 neigh show 2001:db8:c::101 | grep -q "lladdr" && ok "C found the IPv6 VIP's MAC by neighbour discovery" ||
	fail "C has no neighbour entry for the IPv6 VIP: $(ip -n "$nsc" -6 neigh show)"

# --- 2: show, JSON
for what in services backends flows; do
	if json show "$what" >"$work/show.json" && python3 -m json.tool "$work/show.json" >/dev/null; then
		ok "show $what --json: valid JSON"
	else
		fail "show $what --json"; head -c 600 "$work/show.json"; echo
	fi
done
python3 - "$work/show.json" <<'PY' && ok "show flows lists dsr flows with their backends" || fail "show flows: no dsr flow listed"
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if any(f["mode"] == "dsr" and f["backend"] in ("s1", "s2", "s3") for f in d["flows"]) else 1)
PY
json show services >"$work/svc.json"
python3 - "$work/svc.json" <<'PY' && ok "show services: counters of both services" || fail "show services: $(head -c 400 "$work/svc.json")"
import json, sys
d = {s["name"]: s for s in json.load(open(sys.argv[1]))["services"]}
sys.exit(0 if d["web"]["flows"] >= 90 and d["webdsr"]["flows"] >= 90 and d["web"]["mode"] == "nat" and d["webdsr"]["mode"] == "dsr" else 1)
PY

# backend_state SVC NAME: its health as show backends says
backend_state() {
	json show backends "$1" | python3 -c '
import json, sys
for b in json.load(sys.stdin)["backends"]:
    if b["name"] == sys.argv[1]:
        print(b["state"], b["health"])' "$2"
}
wait_state() {   # wait_state SVC NAME STATE: up to 10 s
	for _ in $(seq 40); do
		[ "$(backend_state "$1" "$2" | cut -d' ' -f1)" = "$3" ] && return 0
		sleep 0.25
	done
	return 1
}

# --- 3: S2's health fails, then comes back
echo 503 >"$work/health2"
if wait_state web s2 down; then ok "web/s2 down after its checks answered 503"; else fail "web/s2 never went down: $(backend_state web s2)"; fi
r=$(requests 10.0.0.100 60)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s2)" = 0 ] && ok "web without s2: $r" || fail "web without s2: $r"
rm -f "$work/health2"
if wait_state web s2 up; then ok "web/s2 up again after its checks passed"; else fail "web/s2 never came back: $(backend_state web s2)"; fi
r=$(requests 10.0.0.100 60)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s2)" -ge 5 ] && ok "web with s2 again: $r" || fail "web with s2 again: $r"

# --- 4: S3's server stops
kill "${spid[3]}"; wait "${spid[3]}" 2>/dev/null
if wait_state web s3 down && wait_state webdsr s3 down; then
	ok "s3 stopped: down in web (http check) and webdsr (tcp check)"
else
	fail "s3 stopped: web $(backend_state web s3), webdsr $(backend_state webdsr s3)"
fi
for vip in 10.0.0.100 10.0.0.101; do
	r=$(requests "$vip" 60)
	[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s3)" = 0 ] && ok "$vip without s3: $r" || fail "$vip without s3: $r"
done
server 3
wait_state web s3 up && wait_state webdsr s3 up && ok "s3 restarted: up again" || fail "s3 restarted: $(backend_state web s3)"

# --- 5: drain keeps an open connection, takes no new one
for pair in web:10.0.0.100 webdsr:10.0.0.101; do
	svc=${pair%%:*} vip=${pair#*:}
	rm -f "$work/go" "$work/first" "$work/second"
	ip netns exec "$nsc" python3 - "$vip" "$work" <<'PY' &
import http.client, os, sys, time
vip, work = sys.argv[1], sys.argv[2]
c = http.client.HTTPConnection(vip, 80, timeout=5)
c.request("GET", "/first")
open(work + "/first", "w").write(c.getresponse().read().decode())
for _ in range(200):
    if os.path.exists(work + "/go"):
        break
    time.sleep(0.05)
try:
    c.request("GET", "/second")
    open(work + "/second", "w").write(c.getresponse().read().decode())
except Exception as e:
    open(work + "/second", "w").write("fail %s\n" % e)
PY
	cpid=$!
	for _ in $(seq 100); do [ -s "$work/first" ] && break; sleep 0.05; done
	be=$(cut -d' ' -f1 "$work/first")
	if [ -z "$be" ]; then fail "$svc: the keep-alive connection got no answer"; kill "$cpid"; continue; fi
	ctl lb drain "$svc" "$be" >"$work/out" 2>&1 && ok "lb drain $svc $be: $(head -1 "$work/out")" || fail "lb drain $svc $be: $(cat "$work/out")"
	r=$(requests "$vip" 40)
	[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" "$be")" = 0 ] && ok "$svc with $be draining: no new flow to it ($r)" ||
		fail "$svc with $be draining: $r"
	touch "$work/go"
	wait "$cpid"
	[ "$(cut -d' ' -f1 "$work/second")" = "$be" ] && ok "$svc: the open connection is still served by $be" ||
		fail "$svc: the open connection's next request: $(cat "$work/second")"
	ctl lb drain "$svc" "$be" off >"$work/out" 2>&1 || fail "lb drain $svc $be off: $(cat "$work/out")"
done

# --- 6: weight, remove, add; a refused command
ctl lb weight web s1 0 >"$work/out" 2>&1 || fail "lb weight web s1 0: $(cat "$work/out")"
r=$(requests 10.0.0.100 40)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s1)" = 0 ] && ok "weight 0: s1 gets no new flow ($r)" || fail "weight 0: $r"
ctl lb remove backend web s2 >"$work/out" 2>&1 || fail "lb remove backend web s2: $(cat "$work/out")"
r=$(requests 10.0.0.100 40)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s3)" = 40 ] && ok "s1 at weight 0 and s2 removed: s3 alone ($r)" || fail "s2 removed: $r"
ctl lb add backend web s2 10.1.0.12 weight 100 >"$work/out" 2>&1 || fail "lb add backend: $(cat "$work/out")"
ctl lb weight web s1 100 >"$work/out" 2>&1 || fail "lb weight web s1 100: $(cat "$work/out")"
r=$(requests 10.0.0.100 60)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s1)" -ge 5 ] && [ "$(count "$r" s2)" -ge 5 ] && ok "s2 added back, s1 weighted back: $r" ||
	fail "added back: $r"
ctl lb add service web2 { vip 10.0.0.103 tcp 80\; mode nat snat\; backend s1 10.1.0.11\; backend s2 10.1.0.12 } >"$work/out" 2>&1 ||
	fail "lb add service: $(cat "$work/out")"
r=$(requests 10.0.0.103 30)
[ "$(count "$r" fail)" = 0 ] && [ "$(count "$r" s3)" = 0 ] && [ "$(count "$r" s1)" -ge 3 ] && ok "a service added live: $r" ||
	fail "service added live: $r"
grep -q "^s[12] 10.1.0.1$" "$work/answers" && ok "snat: the servers see the appliance's address" ||
	fail "snat: the servers saw $(head -1 "$work/answers")"
ctl lb remove service web2 >"$work/out" 2>&1 || fail "lb remove service: $(cat "$work/out")"
r=$(requests 10.0.0.103 3)
[ "$(count "$r" fail)" = 3 ] && ok "the service removed: nothing answers on its VIP" || fail "service removed: $r"
ctl lb add backend web s9 10.1.0.999 >"$work/out" 2>&1
if grep -q "^error ctl:1:[0-9]*: .*10.1.0.999" "$work/out"; then ok "a bad address refused: $(head -1 "$work/out")"; else fail "bad address: $(cat "$work/out")"; fi
ctl lb add backend nosuch s9 10.1.0.19 >"$work/out" 2>&1
grep -q "^error ctl:1:16: no service 'nosuch'" "$work/out" && ok "an unknown service refused: $(head -1 "$work/out")" ||
	fail "unknown service: $(cat "$work/out")"

# --- 7: the tunnel
rm -f "$work/tun" "$work/tun.ready"
ip netns exec sl-ls1-$id python3 - "$work/tun" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)    # IP-in-IP, as it arrives
s.settimeout(20)
open(sys.argv[1] + ".ready", "w").close()
try:
    d, a = s.recvfrom(4096)
    # the raw socket hands over the outer header too
    ohl = (d[0] & 15) * 4
    inner = d[ohl:]
    ihl = (inner[0] & 15) * 4
    fl = inner[ihl + 13]
    open(sys.argv[1], "w").write("%s %s %s %s %d %s\n" % (socket.inet_ntoa(d[12:16]), socket.inet_ntoa(d[16:20]),
        socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20]), inner[9], "syn" if fl & 2 else "-"))
except Exception as e:
    open(sys.argv[1], "w").write("none %s\n" % e)
PY
tpid=$!
for _ in $(seq 100); do [ -f "$work/tun.ready" ] && break; sleep 0.1; done
for _ in 1 2 3; do
	ip netns exec "$nsc" curl -s -m 2 http://10.0.0.102/ >/dev/null 2>&1
	[ -s "$work/tun" ] && break
done
wait "$tpid"
[ "$(cat "$work/tun")" = "10.1.0.1 10.1.0.11 10.0.0.10 10.0.0.102 6 syn" ] && ok "webtun: S1 got the client's SYN in IP-in-IP ($(cat "$work/tun"))" ||
	fail "webtun: $(cat "$work/tun")"

# --- 8: metrics
if inm curl -s -m 5 "http://$mgip:$mport/metrics" >"$work/metrics" && promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1; then
	ok "GET /metrics: promtool accepts it"
else
	fail "metrics: $(head -5 "$work/promtool")"
fi
for fam in sluice_lb_service_flows_total sluice_lb_backend_up sluice_lb_backend_checks_total sluice_lb_affinity_flows; do
	grep -q "^$fam" "$work/metrics" && ok "metrics: $fam" || fail "metrics: no $fam"
done

if [ "$mode" = hosted ]; then
	sigint_end
else
	printf '\003' >&"$appfd"
	for _ in $(seq 300); do alive || break; sleep 0.1; done
	wait "$app"; rc=$?
	app=
	[ "$rc" = 0 ] && ok "Ctrl-C: status 0" || fail "Ctrl-C: status $rc"
	[ "$failed" = 0 ] || show_log
	echo "$failed failed"
	[ "$failed" = 0 ]
fi
