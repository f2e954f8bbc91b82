#!/usr/bin/env bash
# The fw image enforces the ruleset it boots with, as a bridge and as a router: the demo's
# tools/demo/fw/rules.conf (a bridge) and tests/e2e/fw-router/rules.conf (a router with
# configured neighbours) are each its boot module (QEMU -initrd) in turn. in0.pkts (lan)
# goes into NIC 0, then in1.pkts (wan) into NIC 1, and what comes out of each NIC must be
# what the hosted fw forwards from the same captures with the same rules (image ==
# hosted), with both accepted and refused traffic in each direction; the counters on the
# console at Ctrl-C must be the hosted fw's. A missing or broken module must stop the
# boot with one precise line.
#
# usage: image_fw.sh SOURCE_ROOT BUILD_DIR IMAGE
set -uo pipefail
root=$1 build=$2 image=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-fw.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
. "$root/tests/e2e/lib.sh"
src="$root/tools/demo/fw" # the fw demo: its default ruleset and captures
capgen="$build/tools/capgen/capgen"

# expect_refused NAME TEXT QEMU-BOOT-ARGS...: the boot stops with status 2 and TEXT
expect_refused() {
	local name=$1 text=$2; shift 2
	timeout 120 "$boot" "$image" --mem 8M "$@" </dev/null >"$work/refused" 2>&1
	local rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$text" "$work/refused"; then
		ok "$name: $(grep -m1 -F -- "$text" "$work/refused")"
	else
		fail "$name: status $rc (want 2), wanted \"$text\":"; sed 's/^/    /' "$work/refused"
	fi
}
expect_refused "no module" "sluice: fw needs its config as a boot module"
printf 'interface lan\ninterface wan\nchain forward policy drop {\n    ip saddr 10.0.0.300 accept\n}\n' >"$work/broken.conf"
expect_refused "broken module" "boot module 0:4:21: expected an IPv4 address or prefix (10.0.0.0/8), got '10.0.0.300'" --module "$work/broken.conf" -- \
	-netdev user,id=n0 -netdev user,id=n1 -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1

# a ruleset without a conntrack size: Linux's default of 65,536 entries does not fit in an
# 8 MiB image, which takes half the largest table that fits, says so, and comes up
printf 'interface lan\ninterface wan\nchain forward policy drop {\n    ct state established accept\n}\n' >"$work/nomax.conf"
timeout 120 "$boot" "$image" --mem 8M --module "$work/nomax.conf" --append exit=ready -- -netdev user,id=n0 -netdev user,id=n1 \
	-device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1 </dev/null >"$work/nomax" 2>&1
rc=$?
want="fw: conntrack: the default of 65536 entries does not fit in memory; the table holds"
if [ "$rc" = 0 ] && grep -qF -- "$want" "$work/nomax" && grep -q "ready" "$work/nomax"; then
	ok "default conntrack size: $(grep -m1 -F -- "$want" "$work/nomax")"
else
	fail "default conntrack size: status $rc (want 0), wanted \"$want\" and ready:"; sed 's/^/    /' "$work/nomax"
fi

# 10,000 rules (the benchmarks' sparse ruleset) come up in 64 MiB
{
	printf 'interface lan\ninterface wan\nconntrack { max 4096 }\nchain forward policy drop {\n'
	awk 'BEGIN { srand(1); for (i = 0; i < 9999; i++)
		printf "ip saddr 10.%d.%d.0/24 ip daddr 172.16.%d.0/24 udp dport %d drop\n",
			int(rand() * 256), int(rand() * 256), int(rand() * 256), int(rand() * 1024) }'
	printf 'iif lan udp dport 9 accept\n}\n'
} >"$work/big.conf"
timeout 300 "$boot" "$image" --mem 64M --module "$work/big.conf" --append exit=ready -- -netdev user,id=n0 \
	-netdev user,id=n1 -device virtio-net-device,netdev=n0 -device virtio-net-device,netdev=n1 </dev/null >"$work/big" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q "fw ready" "$work/big"; then
	ok "10,000 rules in 64 MiB: $(grep -m1 -o 'memory in use [0-9]* KiB of [0-9]*' "$work/big")"
else
	fail "10,000 rules in 64 MiB: status $rc:"; sed 's/^/    /' "$work/big" | head -20
fi

# hosted CASE SRC: the hosted fw on both captures at once (in0.pkts is stamped before
# in1.pkts, so it sees them in the order the image does) into $work/CASE.*
hosted_run() {
	local case=$1 dir=$2
	"$capgen" -o "$work/$case.lan.pcap" "$dir/in0.pkts" >/dev/null && "$capgen" -o "$work/$case.wan.pcap" "$dir/in1.pkts" >/dev/null ||
		{ echo "capgen failed"; exit 1; }
	if ! "$hosted" fw --config "$dir/rules.conf" --port "pcap:rx=$work/$case.lan.pcap,tx=$work/$case.want0.pcap" \
		--port "pcap:rx=$work/$case.wan.pcap,tx=$work/$case.want1.pcap" >"$work/$case.hosted.log" 2>&1; then
		echo "the hosted fw failed:"; sed 's/^/    /' "$work/$case.hosted.log"; exit 1
	fi
}
hosted_run bridge "$src"
hosted_run router "$root/tests/e2e/fw-router"

count() { capinfos -M -c "$1" | awk '/Number of packets/ { print $NF }'; }

# pass_through NAME FROM TO IN WANT LABEL: feeds IN into NIC FROM, collects NIC TO, compares with WANT
pass_through() {
	local name=$1 from=$2 to=$3 in=$4 want=$5 label=$6
	local sent expect
	sent=$(count "$in") expect=$(count "$want")
	# the rules refuse some of each capture and accept some: both must show
	if [ "$expect" -le 0 ] || [ "$expect" -ge "$sent" ]; then
		fail "$label: the hosted fw forwards $expect of $sent frames; the test needs some of both"
		return
	fi
	# the feed's settle is short: the dropped frames would otherwise hold its window shut
	feed_compare "$name" "$from" "$to" "$in" "$want" "$label ($expect of $sent forwarded)" 3
}

# run NAME CASE CONFIG LOGLINE MACHINE DEVICE [QEMU-ARGS...]
run() {
	local name=$1 case=$2 conf=$3 logline=$4 machine=$5 device=$6; shift 6
	if ! image_start "$name" 2 "$machine" "$device" -initrd "$conf" "$@"; then fail "$name: boot"; return; fi
	pass_through "$name" 0 1 "$work/$case.lan.pcap" "$work/$case.want1.pcap" "$name lan"
	pass_through "$name" 1 0 "$work/$case.wan.pcap" "$work/$case.want0.pcap" "$name wan"
	image_stop "$name"; local rc=$?
	# the rule, conntrack, fragment and neighbour counters are the hosted fw's (not the
	# log's rate or what has expired: those depend on time)
	local c="$work/$name.console.txt" want
	tr -d '\r' <"$work/$name.console" >"$c" # the serial console ends lines with CR LF
	while IFS= read -r want; do
		grep -qxF -- "$want" "$c" || { fail "$name: the console lacks the hosted fw's line: $want"; sed 's/^/    /' "$c"; return; }
	done < <(grep -E '^(chain |  rule |conntrack:|  [a-z]+ +[0-9]+$|    invalid |  first |neighbours:|router:)' "$work/$case.hosted.log")
	want=$(grep -o '^fw: [0-9]* packets in, [0-9]* out, [0-9]* dropped' "$work/$case.hosted.log")
	grep -qF -- "$want in " "$c" || { fail "$name: the console lacks: $want"; return; }
	grep -qF "$logline" "$c" || { fail "$name: no log line on the console"; return; }
	if [ "$rc" = 0 ]; then
		ok "$name: Ctrl-C: $(grep -m1 "^fw: .* packets in" "$c")"
	else
		fail "$name: Ctrl-C: status $rc"; sed 's/^/    /' "$c"
	fi
}
# console_reload NAME FILE: types Ctrl-R, FILE's length and FILE on the image's console
console_reload() {
	local fd
	fd=$(eval echo \$fd_$1)
	printf '\022%d\n' "$(stat -c %s "$2")" >&"$fd"
	cat "$2" >&"$fd"
}

# wait_console NAME TEXT: until the console shows TEXT (60 s)
wait_console() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -qF -- "$2" "$work/$1.console" && return 0
		sleep 0.1
	done
	return 1
}

# Reload in the image, through the platform contract (the console is its trigger here, the
# control socket later): a broken config is refused with FILE:LINE:COL and the running
# rules go on as before; a good one is swapped in and the traffic follows it.
reload_case() {
	local name=reload
	if ! image_start "$name" 2 microvm virtio-net-device -initrd "$src/rules.conf"; then fail "$name: boot"; return; fi
	console_reload "$name" "$work/broken.conf"
	if wait_console "$name" "sluice: reload refused, still running the previous config: console:4:21: expected an IPv4 address"; then
		ok "reload in the image: a broken config refused: $(grep -m1 -a "reload refused" "$work/$name.console" | tr -d '\r')"
	else
		fail "reload in the image: no refusal on the console"; sed 's/^/    /' "$work/$name.console"
	fi
	pass_through "$name" 0 1 "$work/bridge.lan.pcap" "$work/bridge.want1.pcap" "reload: after the refusal, the boot rules still"
	printf 'interface lan\ninterface wan\nchain forward policy accept {\n    counter\n}\n' >"$work/open.conf"
	console_reload "$name" "$work/open.conf"
	if wait_console "$name" "sluice: reloaded console"; then
		ok "reload in the image: a new config swapped in"
	else
		fail "reload in the image: no 'reloaded' line"; sed 's/^/    /' "$work/$name.console"
	fi
	"$hosted" fw --quiet --config "$work/open.conf" --port "pcap:rx=$work/bridge.lan.pcap,tx=$work/open.want0.pcap" \
		--port "pcap:tx=$work/open.want1.pcap" >/dev/null 2>&1 || fail "hosted fw with open.conf"
	feed_compare "$name" 0 1 "$work/bridge.lan.pcap" "$work/open.want1.pcap" \
		"reload: the new rules ($(count "$work/open.want1.pcap") of $(count "$work/bridge.lan.pcap") forwarded)" 3
	image_stop "$name" || fail "reload: Ctrl-C: status $?"
	grep -qa "fw: .* 1 reloads (1 refused)" "$work/$name.console" && ok "reload: counted: $(grep -a -o '[0-9]* reloads ([0-9]* refused)' "$work/$name.console")" ||
		{ fail "reload: the counters lack '1 reloads (1 refused)'"; grep -a "^fw:" "$work/$name.console"; }
}

bridge_log="denied: [fw forward rule 7 line 16 log] IN=lan OUT=wan"
router_log="refused: [fw forward rule 3 line 13 log] IN=lan OUT=wan"
run microvm bridge "$src/rules.conf" "$bridge_log" microvm virtio-net-device
run q35 bridge "$src/rules.conf" "$bridge_log" q35 virtio-net-pci,disable-legacy=on
run router router "$root/tests/e2e/fw-router/rules.conf" "$router_log" microvm virtio-net-device
reload_case
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
