# mgmt_lib.sh - sourced by the tests of a hosted appliance that a management namespace M
# reaches on its management port (hosted-mgmt, hosted-ctl, hosted-nat-ctl): the checks'
# lines, the appliance's process and log, commands in M, the control client. Sources
# netns_lib.sh. The scripts set failed (0 at the start), app (the appliance's pid), work
# (their directory, the log in app.log) and nsm (M); for ctl and ctl_up also ctlbin, mgip
# and cport, with the lab's credentials in $work/k.
# shellcheck shell=bash disable=SC2154

# shellcheck source=tests/dpdk/netns_lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/netns_lib.sh"

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
alive() { kill -0 "$app" 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$app/status" 2>/dev/null; }
inm() { ip netns exec "$nsm" "$@"; }
show_log() { echo "---- appliance log (last 40 lines)"; tail -n 40 "$work/app.log"; echo "----"; }

# ctl ARGS...: sluice ctl in M against the control socket
ctl() { inm "$ctlbin" --target "$mgip:$cport" --keys "$work/k" --timeout 30 "$@"; }

# ctl_up: waits (30 s at most, while the appliance runs) until the control socket answers
# ping: ok; else the answer and the log shown, and the script ends with 1.
ctl_up() {
	local up=0
	for _ in $(seq 60); do
		ctl ping >"$work/out" 2>&1 && { up=1; break; }
		alive || break
		sleep 0.5
	done
	if [ "$up" != 1 ]; then
		echo "FAIL: the control socket never answered ping"; cat "$work/out"; show_log; exit 1
	fi
	ok "sluice ctl ping: $(head -1 "$work/out")"
}

# sigint_end: SIGINT to the appliance, which must exit with status 0; then the log if any
# check failed, the count, and the status (0: none failed).
sigint_end() {
	kill -INT "$app"
	wait "$app"
	local rc=$?
	app=
	[ "$rc" = 0 ] && ok "SIGINT: status 0" || fail "SIGINT: status $rc"
	[ "$failed" = 0 ] || show_log
	echo "$failed failed"
	[ "$failed" = 0 ]
}
