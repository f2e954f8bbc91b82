#!/usr/bin/env bash
# The hosted fw's management port as a DPDK net_tap: Linux reaches the appliance's own
# address through the tap interface DPDK makes, pings it and fetches its metrics page,
# which promtool accepts. Skips (77) without root.
# usage: hosted_mgmt_tap.sh BUILD_DIR
set -uo pipefail
build=$1
tap=slt$$
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mgtap.XXXXXX")
cleanup() {
	[ -n "${app:-}" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "SKIP: a tap interface needs root"; exit 77; }
printf 'interface lan\ninterface wan\nchain forward policy accept {\n}\n' >"$work/rules.conf"
"$build/hosted/sluice-hosted" fw --config "$work/rules.conf" --eal "--no-huge -m 512 --no-pci --file-prefix=mgtap$$ --log-level=*:error" \
	--port "sock:bind=$work/s0,peer=$work/p0" --port "sock:bind=$work/s1,peer=$work/p1" \
	--mgmt-port "dpdk:net_tap0,iface=$tap" --mgmt ip=10.235.0.2/24,ip6=fd35::2/64 >"$work/log" 2>&1 &
app=$!
for _ in $(seq 100); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.2; done
ip addr add 10.235.0.1/24 dev "$tap" && ip -6 addr add fd35::1/64 dev "$tap" nodad && ip link set "$tap" up ||
	{ echo "FAIL: the tap $tap did not come up"; cat "$work/log"; exit 1; }
failed=0
ok() { printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }
for dst in 10.235.0.2 fd35::2; do
	reached=0
	for _ in $(seq 20); do ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && { reached=1; break; }; sleep 0.5; done
	[ "$reached" = 1 ] && ok "ping $dst through the tap" || fail "ping $dst through the tap"
done
for url in "http://10.235.0.2:9100/metrics" "http://[fd35::2]:9100/metrics"; do
	code=$(curl -sS -m 10 -o "$work/page" -w '%{http_code}' "$url" 2>"$work/curl")
	if [ "$code" = 200 ] && promtool check metrics <"$work/page" >"$work/promtool" 2>&1 &&
		grep -q '^sluice_build_info{app="fw"' "$work/page"; then
		ok "curl $url: $(wc -l <"$work/page") lines, promtool accepts them"
	else
		fail "curl $url: status '$code'"; cat "$work/curl" "$work/promtool" 2>/dev/null | head
	fi
done
kill -INT "$app"; wait "$app"; rc=$?; app=
[ "$rc" = 0 ] && ! grep -q "not back in the pool" "$work/log" && ok "SIGINT: status 0" ||
	{ fail "SIGINT: status $rc"; tail -20 "$work/log"; }
[ "$failed" = 0 ] || { grep -v '^denied' "$work/log" | tail -20; exit 1; }
echo "all checks passed"
