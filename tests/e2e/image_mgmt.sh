#!/usr/bin/env bash
# The fw image's management plane, booted as a user would:
#   1. `sluice run fw -p PORT:9100 --net user --net user` (no --config: the demo rules):
#      the management NIC takes QEMU's DHCP address, and the host's PORT serves the
#      metrics page, which promtool accepts; Ctrl-C stops the image cleanly.
#   2. (root) the management NIC on a tap with static addresses: Linux pings the image over
#      IPv4 and IPv6 (ARP, ND and echo answered by lwIP) and fetches /metrics over both.
# usage: image_mgmt.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-mgmt.XXXXXX")
tap=slm$$
cleanup() {
	kill $(jobs -p) 2>/dev/null
	ip link del "$tap" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export SLUICE_ACCEL=tcg SLUICE_BUILD=$build
pass=0 failed=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }

# start NAME ARGS...: `sluice run fw ARGS` with its console in $work/NAME.log and Ctrl-C
# through $work/NAME.in; waits for the management plane's address line (120 s)
start() {
	local name=$1; shift
	mkfifo "$work/$name.in"
	"$root/tools/sluice" run fw "$@" <"$work/$name.in" >"$work/$name.log" 2>&1 &
	eval "pid_$name=$!"
	exec {fd}>"$work/$name.in"
	eval "fd_$name=$fd"
	local i
	for ((i = 0; i < 1200; i++)); do
		grep -q "^sluice: management mgmt: " "$work/$name.log" && return 0
		kill -0 "$(eval echo \$pid_$name)" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name: no management address line:"; sed 's/^/    /' "$work/$name.log"
	return 1
}

# stop NAME: Ctrl-C; the image's status must be 0 and its counters printed
stop() {
	local name=$1 fd pid rc i
	fd=$(eval echo \$fd_$name) pid=$(eval echo \$pid_$name)
	printf '\003' >&"$fd"
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	eval "exec $fd>&-"
	if [ "$rc" = 0 ] && grep -q "^fw: .* packets in" "$work/$name.log"; then
		ok "$name: Ctrl-C: $(grep -m1 '^fw: .* packets in' "$work/$name.log" | tr -d '\r')"
	else
		fail "$name: Ctrl-C: status $rc"; tail -20 "$work/$name.log" | sed 's/^/    /'
	fi
}

# scrape NAME URL: the page is served whole, promtool accepts it, and it is fw's
scrape() {
	local name=$1 url=$2 code
	code=$(curl -sS -m 30 -o "$work/$name.page" -w '%{http_code}' "$url" 2>"$work/$name.curl")
	if [ "$code" != 200 ]; then
		fail "$name: GET $url: status '$code'"; cat "$work/$name.curl"; return
	fi
	if ! promtool check metrics <"$work/$name.page" >"$work/$name.promtool" 2>&1; then
		fail "$name: promtool rejects the page from $url:"; head -20 "$work/$name.promtool"; return
	fi
	if grep -q '^sluice_build_info{app="fw",version="' "$work/$name.page" &&
		grep -q '^sluice_conntrack_entries_max 4096$' "$work/$name.page"; then
		ok "$name: GET $url: $(wc -l <"$work/$name.page") lines, $(grep -c '^# TYPE' "$work/$name.page") families, promtool accepts them"
	else
		fail "$name: the page from $url lacks fw's build info or its conntrack size"
	fi
}

# 1. sluice run fw -p PORT:9100 over QEMU user networking and DHCP
port=$((20000 + $$ % 20000))
if start user -p "$port:9100" --net user --net user; then
	line=$(grep -m1 "^sluice: management mgmt: " "$work/user.log" | tr -d '\r')
	case "$line" in
	*"10.0.2.15/24 gw 10.0.2.2 (dhcp)"*) ok "user: DHCP under QEMU user networking: $line" ;;
	*) fail "user: expected QEMU's DHCP lease 10.0.2.15/24 gw 10.0.2.2, got: $line" ;;
	esac
	grep -q "http://127.0.0.1:$port/metrics" "$work/user.log" && ok "user: sluice run printed the URL http://127.0.0.1:$port/metrics" ||
		fail "user: sluice run did not print the metrics URL"
	scrape user "http://127.0.0.1:$port/metrics"
	stop user
fi

# 2. a tap with static addresses: ping and scrape over IPv4 and IPv6
if [ "$(id -u)" != 0 ] || ! ip tuntap add dev "$tap" mode tap 2>/dev/null; then
	echo "skip: the tap part needs root"
else
	ip addr add 10.234.0.1/24 dev "$tap" && ip -6 addr add fd34::1/64 dev "$tap" nodad && ip link set "$tap" up
	if start tap --net user --net user --net "tap:$tap" --append "mgmt=ip=10.234.0.2/24,ip6=fd34::2/64" --config "$root/tools/demo/fw/rules.conf"; then
		for dst in 10.234.0.2 fd34::2; do
			if ping -c 3 -i 0.3 -W 5 "$dst" >"$work/ping" 2>&1; then
				ok "tap: ping $dst answered by lwIP in the image: $(grep -o '[0-9]* received' "$work/ping")"
			else
				fail "tap: ping $dst"; cat "$work/ping"
			fi
		done
		ip neigh show dev "$tap" >"$work/neigh" 2>&1; grep -q "lladdr" "$work/neigh" && ok "tap: ARP and ND resolved: $(ip neigh show dev "$tap" | tr '\n' ';')" ||
			{ fail "tap: no neighbour entry for the image:"; cat "$work/neigh"; }
		scrape tap4 "http://10.234.0.2:9100/metrics"
		scrape tap6 "http://[fd34::2]:9100/metrics"
		stop tap
	fi
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
