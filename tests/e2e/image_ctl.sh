#!/usr/bin/env bash
# The fw image's control socket, booted as a user would:
#   1. `sluice keys K --psk`, then `sluice run fw --keys K -p PORT:7443 --net user --net
#      user --config accept.conf`: the credentials reach the image in its boot bundle, the
#      boot log names them and the wall clock; `sluice ctl --target 127.0.0.1:PORT` pings,
#      shows the rules, is refused a bad load at its file:line:col, loads, adds a rule by
#      handle; the console has the audit lines; openssl s_client without a certificate is
#      refused, with the PSK answered; Ctrl-C stops the image cleanly.
#   2. (root) the data NICs on taps in two namespaces: a steady numbered UDP flow from A to
#      B while `load` swaps in rules that drop it: B got exactly the first K datagrams and
#      the new rule's counter holds the rest (nothing lost, nothing judged by a mix); then
#      1,000 commits in a row while the flow runs, and every datagram arrives.
# usage: image_ctl.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-ctl.XXXXXX")
id=$$
nsa=sl-ia-$id nsb=sl-ib-$id tapa=sia$id tapb=sib$id
cleanup() {
	kill $(jobs -p) 2>/dev/null
	ip netns del "$nsa" 2>/dev/null
	ip netns del "$nsb" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export SLUICE_ACCEL=tcg SLUICE_BUILD=$build
pass=0 failed=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }
port=$((21000 + id % 20000))
ctl() { "$build/tools/ctl/sluice-ctl" --target "127.0.0.1:$port" --keys "$work/k" --timeout 60 "$@"; }
here=$root/tests/ctl

"$root/tools/sluice" keys "$work/k" --psk >/dev/null || { echo "FAIL: sluice keys"; exit 1; }
read -r psk_id psk_key <"$work/k/psk"
cat >"$work/accept.conf" <<'EOF'
interface lan
interface wan
conntrack { max 4096 }
chain forward policy accept {
    udp dport 5000 counter accept
    ct state established,related accept
}
EOF
sed 's/udp dport 5000 counter accept/udp dport 5000 counter drop/' "$work/accept.conf" >"$work/drop.conf"
printf 'interface lan\ninterface wan\nchain forward {\n    tcp dport @web accept\n}\n' >"$work/bad.conf"

# start NAME ARGS...: `sluice run fw ARGS`, console in $work/NAME.log, Ctrl-C through
# $work/NAME.in; waits for the control socket's line (180 s: TCG)
start() {
	local name=$1; shift
	mkfifo "$work/$name.in"
	"$root/tools/sluice" run fw "$@" <"$work/$name.in" >"$work/$name.log" 2>&1 &
	eval "pid_$name=$!"
	exec {fd}>"$work/$name.in"
	eval "fd_$name=$fd"
	local i
	for ((i = 0; i < 1800; i++)); do
		grep -q "control socket on TCP port 7443" "$work/$name.log" && grep -q "^sluice: management mgmt: " "$work/$name.log" && return 0
		kill -0 "$(eval echo \$pid_$name)" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name: no control socket line:"; sed 's/^/    /' "$work/$name.log"
	return 1
}
stop() {
	local name=$1 fd pid rc i
	fd=$(eval echo \$fd_$name) pid=$(eval echo \$pid_$name)
	printf '\003' >&"$fd"
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	eval "exec $fd>&-"
	[ "$rc" = 0 ] && ok "$name: Ctrl-C: status 0" || { fail "$name: Ctrl-C: status $rc"; tail -20 "$work/$name.log" | sed 's/^/    /'; }
}
wait_ctl() { # the first session (DHCP, then the listener)
	local i
	for ((i = 0; i < 60; i++)); do ctl ping >"$work/out" 2>&1 && return 0; sleep 1; done
	fail "sluice ctl ping never answered:"; cat "$work/out"; return 1
}

# ---- 1. user networking ---------------------------------------------------------------------
if start user --keys "$work/k" -p "$port:7443" --net user --net user --config "$work/accept.conf" && wait_ctl; then
	log=$work/user.log
	grep -q "sluice: wall clock 20" "$log" && ok "boot: $(grep -m1 -o 'sluice: wall clock.*' "$log" | tr -d '\r')" || fail "boot: no wall clock line"
	grep -q "control socket on TCP port 7443: TLS 1.2, client certificates from .* or PSK" "$log" &&
		ok "boot: $(grep -m1 -o 'control socket on.*' "$log" | tr -d '\r')" || fail "boot: no control socket line"
	ok "sluice ctl ping: $(head -1 "$work/out")"
	ctl show rules >"$work/out" && grep -q "udp dport 5000 counter accept # handle" "$work/out" &&
		ok "show rules: $(grep -c '# handle' "$work/out") rules with handles" || { fail "show rules"; cat "$work/out"; }
	ctl load "$work/bad.conf" >"$work/out" 2>&1
	rc=$?
	case "$(head -1 "$work/out")" in
	"error $work/bad.conf:4:16: "*) [ "$rc" = 1 ] && ok "a bad load: $(head -1 "$work/out")" || fail "a bad load: exit $rc" ;;
	*) fail "a bad load: exit $rc: $(head -1 "$work/out")" ;;
	esac
	ctl load "$work/drop.conf" >"$work/out" 2>&1 && ok "load: $(head -1 "$work/out")" || { fail "load drop.conf"; cat "$work/out"; }
	ctl fw add rule forward tcp dport 22 drop >"$work/out" 2>&1 && grep -q '^ok handle [0-9]*; committed' "$work/out" &&
		ok "fw add rule: $(head -1 "$work/out")" || { fail "fw add rule"; cat "$work/out"; }
	ctl show rules >"$work/out" && grep -q "tcp dport 22 drop # handle" "$work/out" && grep -q "counter drop # handle" "$work/out" &&
		ok "show rules has the loaded rules and the added one" || { fail "show rules after"; cat "$work/out"; }
	for _ in $(seq 20); do grep -q "control: audit: .*in force" "$log" && break; sleep 0.2; done
	grep -q "control: audit: O=Sluice lab, CN=operator: load .*drop.conf.*in force" "$log" &&
		grep -q "control: audit: .*refused: .*bad.conf:4:16" "$log" && ok "console audit: $(grep -c 'control: audit' "$log") lines" ||
		{ fail "console audit lines"; grep "control" "$log"; }
	printf 'ping\n' | timeout 20 openssl s_client -connect "127.0.0.1:$port" -quiet -ign_eof -tls1_2 -CAfile "$work/k/ca.crt" \
		>"$work/sc" 2>&1
	grep -q '^ok pong' "$work/sc" && fail "s_client without a certificate got an answer" || ok "s_client without a certificate: refused"
	printf 'ping\n' | timeout 20 openssl s_client -connect "127.0.0.1:$port" -quiet -ign_eof -tls1_2 -psk "$psk_key" \
		-psk_identity "$psk_id" -cipher PSK -nocommands >"$work/sc" 2>&1
	grep -q '^ok pong' "$work/sc" && ok "s_client with the PSK: ok pong" || { fail "s_client with the PSK"; cat "$work/sc"; }
	stop user
fi

# ---- 2. traffic through the image while commits land -----------------------------------------
if [ "$(id -u)" != 0 ] || ! ip netns add "$nsa" 2>/dev/null; then
	echo "skip: the traffic part needs root and network namespaces"
else
	ip netns add "$nsb"
	port=$((port + 1))
	if start tap --keys "$work/k" -p "$port:7443" --net "tap:$tapa" --net "tap:$tapb" --config "$work/accept.conf" && wait_ctl; then
		ip link set "$tapa" netns "$nsa" && ip link set "$tapb" netns "$nsb" &&
			ip -n "$nsa" addr add 10.237.0.1/24 dev "$tapa" && ip -n "$nsb" addr add 10.237.0.2/24 dev "$tapb" &&
			ip -n "$nsa" link set "$tapa" up && ip -n "$nsb" link set "$tapb" up &&
			ip netns exec "$nsa" ethtool -K "$tapa" tx off >/dev/null 2>&1
		ip netns exec "$nsb" ethtool -K "$tapb" tx off >/dev/null 2>&1
		reached=0
		for _ in $(seq 30); do ip netns exec "$nsa" ping -c 1 -W 1 10.237.0.2 >/dev/null 2>&1 && { reached=1; break; }; done
		[ "$reached" = 1 ] && ok "tap: A reaches B through the image" || fail "tap: A never reached B through the image"
		flow() {
			rm -f "$work/got" "$work/got.ready" "$work/got.first"
			ip netns exec "$nsb" python3 "$here/udp_flow.py" recv 5000 "$work/got" 4 &
			recv=$!
			for _ in $(seq 50); do [ -f "$work/got.ready" ] && break; sleep 0.1; done
			ip netns exec "$nsa" python3 "$here/udp_flow.py" send 10.237.0.2 5000 "$1" "$2" >/dev/null &
			sender=$!
		}
		flow 6000 1000
		# the swap comes once the flow is under way (a loaded machine may start the sender
		# late: B must have got some of it first), a second or more into its six
		for _ in $(seq 100); do [ -f "$work/got.first" ] && break; sleep 0.1; done
		sleep 1
		ctl load "$work/drop.conf" >"$work/out" 2>&1 || { fail "tap: load drop.conf"; cat "$work/out"; }
		wait "$sender"; wait "$recv"
		k=$(wc -l <"$work/got")
		contiguous=$(awk '$1 != NR - 1 { bad = 1 } END { print bad ? "no" : "yes" }' "$work/got")
		d=$(ctl --json show counters | sed 1d | python3 -c '
import json, sys
for c in json.load(sys.stdin)["counters"]:
    if "udp dport 5000 counter drop" in c.get("rule", ""):
        print(c["packets"]); break
else:
    print(-1)')
		if [ "$k" -gt 0 ] && [ "$d" -gt 0 ] && [ "$contiguous" = yes ] && [ "$((k + d))" = 6000 ]; then
			ok "tap: B got datagrams 0..$((k - 1)), the new rule dropped the other $d: $k + $d = 6000"
		else
			fail "tap: B got $k datagrams (contiguous from 0: $contiguous), the drop rule counted $d: want a sum of 6000"
		fi
		ctl load "$work/accept.conf" >/dev/null || fail "tap: load accept.conf"
		for i in $(seq 1000); do echo "fw policy forward $([ $((i % 2)) = 1 ] && echo drop || echo accept)"; done >"$work/commits.txt"
		flow 20000 1000      # 20 s: longer than the 1,000 commits under TCG (about 16 s)
		t0=$EPOCHREALTIME
		ctl -f "$work/commits.txt" >"$work/out" 2>&1
		rc=$?
		wait "$sender"; wait "$recv"
		got=$(wc -l <"$work/got")
		n=$(grep -c '^ok .*committed ctl:' "$work/out")
		[ "$rc" = 0 ] && [ "$n" = 1000 ] && ok "tap: 1,000 commits in a row: all ok, in $(since "$t0") s" || fail "tap: 1,000 commits: exit $rc, $n ok"
		[ "$got" = 20000 ] && ok "tap: the flow during them: 20000 of 20000 arrived" || fail "tap: the flow during the commits: $got of 20000 arrived"
		stop tap
	fi
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
