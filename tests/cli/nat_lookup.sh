#!/usr/bin/env bash
# sluice nat-lookup (tools/natlookup/nat-lookup.c): for a deterministic config every port
# of a host's block maps back to the host and no other port to anyone, --inside round-trips,
# bad configs and command lines give their FILE:LINE:COL or usage line (status 2); then
# the hosted nat appliance runs flows from several inside hosts and nat-lookup must name
# the host behind each outside address and port it actually used: from the config alone
# for a deterministic rule, from its mapping log for masquerade.
#
# usage: nat_lookup.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1
build=$2
lookup=$build/tools/natlookup/sluice-nat-lookup
hosted=$build/hosted/sluice-hosted
capgen=$build/tools/capgen/capgen
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-natlookup.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { printf 'nat-lookup: FAIL: %s\n' "$*"; exit 1; }
checks=0

# json FIELD: the field of the (flat) JSON object on stdin ("" when null or absent)
json() {
	local line v=""
	IFS= read -r line
	if [[ "$line" =~ \"$1\":(\"([^\"]*)\"|([a-z0-9]+)) ]]; then
		v=${BASH_REMATCH[2]}${BASH_REMATCH[3]}
		[ "$v" != null ] || v=""
	fi
	printf '%s\n' "$v"
}

# ---- a deterministic config, offline ------------------------------------------------------

# 64 inside hosts over 3 addresses: 22 hosts an address, blocks of 45 ports from 2000;
# ports 2990-2999 are left over, and the last address needs only 20 of its 22 blocks
cat >"$work/det.conf" <<'EOF'
interface lan { address 100.64.0.1/26; mac 02:00:00:00:01:00 }
interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
route 0.0.0.0/0 via 192.0.2.1
neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan
chain forward policy accept {
    ct state invalid drop
}
chain postrouting {
    oif wan ip saddr 100.64.0.0/26 snat to 198.51.100.1-198.51.100.3:2000-2999 deterministic
}
EOF
det=$work/det.conf

# the layout by hand (nat/nat_det.h): host i has address 1 + i / 22, ports 2000 + (i % 22) * 45 ...
for i in 0 1 21 22 43 44 62 63; do
	want_out="198.51.100.$((1 + i / 22))" lo=$((2000 + i % 22 * 45)) hi=$((2000 + i % 22 * 45 + 44))
	out=$("$lookup" --config "$det" --inside "100.64.0.$i" --json) || fail "--inside 100.64.0.$i: status $?"
	[ "$(json outside <<<"$out")" = "$want_out" ] && [ "$(json block <<<"$out")" = "$lo-$hi" ] &&
		[ "$(json exact <<<"$out")" = true ] && [ "$(json rule <<<"$out")" = "$det:9" ] ||
		fail "--inside 100.64.0.$i: $out (want $want_out $lo-$hi)"
	# every port of the block comes back to the host, for each protocol and for all
	for ((p = lo; p <= hi; p++)); do
		proto=(--proto tcp) && [ $((p % 3)) = 1 ] && proto=(--proto icmp)
		[ $((p % 3)) = 2 ] && proto=()
		got=$("$lookup" --config "$det" "$want_out:$p" --json "${proto[@]}") || fail "$want_out:$p: status $?"
		[ "$(json inside <<<"$got")" = "100.64.0.$i" ] && [ "$(json block <<<"$got")" = "$lo-$hi" ] ||
			fail "$want_out:$p ${proto[*]}: $got (want 100.64.0.$i)"
		checks=$((checks + 1))
	done
	# the ports either side of the block belong to the neighbours, or to nobody
	if [ $((i % 22)) != 0 ]; then
		got=$("$lookup" --config "$det" "$want_out:$((lo - 1))" --json)
		[ "$(json inside <<<"$got")" = "100.64.0.$((i - 1))" ] || fail "$want_out:$((lo - 1)): $got"
	fi
done
# nobody: below and above the ports, the left-over ports, the blocks no host needs, another address
nobody() {
	local out
	out=$("$lookup" --config "$det" "$@")
	local rc=$?
	[ "$rc" = 1 ] && [[ "$out" == *" nobody ("* ]] || fail "$* should be nobody's (status $rc): $out"
	checks=$((checks + 1))
}
for p in 0 1023 1999 2990 2995 2999 3000 65535; do nobody "198.51.100.1:$p"; done
for p in 2900 2944 2945 2989; do nobody "198.51.100.3:$p"; done   # blocks 20 and 21 of the last address
nobody 198.51.100.4:2000
nobody 192.0.2.2:2000
nobody 198.51.100.2:2999 --proto udp
out=$("$lookup" --config "$det" 198.51.100.1:1999)
[ "$out" = "198.51.100.1:1999 any: nobody (rule $det:9 cuts its blocks from ports 2000-2999 of 198.51.100.1; 1999 is not one of them)" ] ||
	fail "the reason for nobody: $out"
out=$("$lookup" --config "$det" 198.51.100.3:2945)
[ "$out" = "198.51.100.3:2945 any: nobody (rule $det:9 gives 64 inside hosts a block of 45 ports each, 22 blocks to an address; port 2945 of 198.51.100.3 is in none of them)" ] ||
	fail "the reason for nobody: $out"
out=$("$lookup" --config "$det" 198.51.100.2:2100)
[ "$out" = "198.51.100.2:2100 any: 100.64.0.24 (deterministic block 2090-2134 of 198.51.100.2, rule $det:9; exact, from the config alone)" ] ||
	fail "text answer: $out"
out=$("$lookup" --config "$det" 198.51.100.2:2100 --proto udp --at 2024-05-01T14:00:00+02:00 --json)
[ "$out" = '{"outside":"198.51.100.2:2100","inside":"100.64.0.24","proto":"udp","rule":"'"$det"':9","block":"2090-2134","exact":true,"kind":"deterministic","at":"2024-05-01T12:00:00Z"}' ] ||
	fail "JSON answer: $out"
out=$("$lookup" --config "$det" --inside 100.64.0.64)
[ $? = 1 ] && [ "$out" = "100.64.0.64 any: nobody (no snat or masquerade rule in $det translates 100.64.0.64)" ] || fail "--inside outside the prefix: $out"
# a dynamic pool on a deterministic rule's address: the block's owner, but not exact
printf 'interface lan { address 100.64.0.1/24 }\ninterface wan { address 192.0.2.2/24 }\nchain postrouting {\n  oif wan ip saddr 10.0.0.0/8 masquerade\n  oif wan ip saddr 100.64.0.0/24 snat to 192.0.2.2 deterministic\n}\n' >"$work/shared.conf"
out=$("$lookup" --config "$work/shared.conf" 192.0.2.2:2000 --json)
[ "$(json inside <<<"$out")" = 100.64.0.3 ] && [ "$(json exact <<<"$out")" = false ] && [ "$(json block <<<"$out")" = 1780-2031 ] &&
	[[ "$out" == *'"note":"but rule '"$work/shared.conf"':4 also translates to this address and port'* ]] || fail "a shared address: $out"
# the same through the front end
out=$(SLUICE_BUILD=$build "$src/tools/sluice" nat-lookup --config "$det" 198.51.100.1:2046 --json) &&
	[ "$(json inside <<<"$out")" = 100.64.0.1 ] || fail "sluice nat-lookup: $out"
SLUICE_BUILD=$build "$src/tools/sluice" nat-lookup --help | grep -q '^usage: sluice nat-lookup --config FILE ADDRESS:PORT' ||
	fail "sluice nat-lookup --help"

# ---- bad configs and command lines: status 2, one precise line ----------------------------

refused() {
	local want=$1; shift
	"$lookup" "$@" >"$work/out" 2>"$work/err"
	local rc=$?
	[ "$rc" = 2 ] && grep -qxF -- "$want" "$work/err" && [ ! -s "$work/out" ] ||
		fail "status $rc for $*: wanted '$want', got: $(cat "$work/err" "$work/out")"
	checks=$((checks + 1))
}
bad() {
	local want=$1 text=$2
	printf 'interface lan { address 100.64.0.1/26 }\ninterface wan { address 192.0.2.2/24 }\n%b' "$text" >"$work/bad.conf"
	refused "$work/bad.conf:$want" --config "$work/bad.conf" 198.51.100.1:2000
}
bad "4:57: deterministic: the rule must match the inside hosts as 'ip saddr PREFIX'" \
	'chain postrouting {\n    oif wan snat to 198.51.100.1-198.51.100.3:2000-2999 deterministic\n}\n'
bad "4:80: deterministic: 100.64.0.0/16 needs 65536 blocks; 3 addresses x 1000 ports hold 3000 blocks of 1" \
	'chain postrouting {\n    oif wan ip saddr 100.64.0.0/16 snat to 198.51.100.1-198.51.100.3:2000-2999 deterministic\n}\n'
bad "4:80: deterministic: 100.64.0.0/26 needs 64 blocks; 3 addresses x 1000 ports hold 6 blocks of 500" \
	'chain postrouting {\n    oif wan ip saddr 100.64.0.0/26 snat to 198.51.100.1-198.51.100.3:2000-2999 deterministic block 500\n}\n'
bad "4:80: expected the end of the statement (a new line or ';'), got 'deterministik'" \
	'chain postrouting {\n    oif wan ip saddr 100.64.0.0/26 snat to 198.51.100.1-198.51.100.3:2000-2999 deterministik\n}\n'
bad "4:5: oif in chain prerouting: the way out is known only after routing" \
	'chain prerouting {\n    oif wan ip saddr 100.64.0.0/26 masquerade\n}\n'
bad "4:31: expected an IPv4 address or prefix (10.0.0.0/8), got '100.64.0.300/26'" \
	'chain postrouting {\n    oif wan ip saddr 100.64.0.300/26 masquerade\n}\n'
bad "4:5: expected a match (iif, oif, ip, tcp, udp, meta) or snat, masquerade, dnat or accept, got 'policy'" \
	'chain postrouting {\n    policy accept\n}\n'
bad "4:13: expected a match (iif, oif, ether, vlan, ip, ip6, meta, tcp, udp, icmp, icmpv6, ct), a statement (counter, log, limit) or a verdict (accept, drop, reject), got 'snat'" \
	'chain forward {\n    oif wan snat to 198.51.100.1\n}\n'
printf 'interface lan\ninterface wan\n' >"$work/bare.conf"
refused "$work/bare.conf: nat routes between its interfaces: give them their addresses (interface NAME { address A.B.C.D/N })" \
	--config "$work/bare.conf" 1.2.3.4:5
refused "nat-lookup: --config: $work/none.conf: No such file or directory" --config "$work/none.conf" 1.2.3.4:5
refused "nat-lookup: which config? --config FILE (the appliance's, as it was in force at the time)" 1.2.3.4:5
refused "nat-lookup: what to look up? an outside ADDRESS:PORT, or --inside ADDRESS" --config "$det"
refused "nat-lookup: expected an outside IPv4 ADDRESS:PORT (192.0.2.7:40123), got '1.2.3.4'" --config "$det" 1.2.3.4
refused "nat-lookup: expected an outside IPv4 ADDRESS:PORT (192.0.2.7:40123), got '1.2.3.4:65536'" --config "$det" 1.2.3.4:65536
refused "nat-lookup: --inside: expected an IPv4 address (10.0.0.7), got '1.2.3'" --config "$det" --inside 1.2.3
refused "nat-lookup: an outside ADDRESS:PORT or --inside ADDRESS, not both" --config "$det" 1.2.3.4:5 --inside 1.2.3.4
refused "nat-lookup: --proto: expected tcp, udp or icmp, got 'sctp'" --config "$det" 1.2.3.4:5 --proto sctp
refused "nat-lookup: --at: expected an ISO 8601 time (2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00, 2024-05-01) or epoch seconds (1714564800), got '2024-02-30'" \
	--config "$det" 1.2.3.4:5 --at 2024-02-30
refused "nat-lookup: unknown option '--time' (see --help)" --config "$det" 1.2.3.4:5 --time 0

# ---- dynamic pools: the mapping log -------------------------------------------------------

cat >"$work/masq.conf" <<'EOF'
interface lan { address 100.64.0.1/26; mac 02:00:00:00:01:00 }
interface wan { address 192.0.2.2/24; mac 02:00:00:00:02:00 }
route 0.0.0.0/0 via 192.0.2.1
neighbor 192.0.2.1 lladdr 02:00:00:00:00:fe dev wan
nat { log on }
chain prerouting {
    iif wan tcp dport 8000-8009 dnat to 100.64.0.20:9000-9009
}
chain postrouting {
    oif wan ip saddr 100.64.0.0/26 masquerade
}
EOF
masq=$work/masq.conf
out=$("$lookup" --config "$masq" 192.0.2.2:5000)
[ $? = 3 ] && [[ "$out" == "192.0.2.2:5000 any: cannot tell (rule $masq:10 is a dynamic pool (masquerade to 192.0.2.2, ports 1024-65535): "*"--log FILE)" ]] ||
	fail "a dynamic pool without a log: $out"
out=$("$lookup" --config "$masq" 192.0.2.2:8003 --proto tcp --json)
[ $? = 0 ] && [ "$(json inside <<<"$out")" = 100.64.0.20 ] && [ "$(json inside_port <<<"$out")" = 9003 ] &&
	[ "$(json kind <<<"$out")" = forward ] || fail "a port forward: $out"
cat >"$work/t.log" <<'EOF'
2024-05-01T10:00:00Z nat: map udp 100.64.0.10:5000 -> 192.0.2.2:5000
2024-05-01T10:00:01.500Z nat: map tcp 100.64.0.10:40000 -> 192.0.2.2:40000
something else entirely
2024-05-01T12:05:00+02:00 nat: unmap udp 100.64.0.10:5000 -> 192.0.2.2:5000
[1714558000] nat: map udp 100.64.0.11:5000 -> 192.0.2.2:5000
1714558200 nat: unmap tcp 100.64.0.10:40000 -> 192.0.2.2:40000
EOF
at() {   # at TIME WANT ADDRESS:PORT [args]: the holder at TIME ("" nobody)
	local t=$1 want=$2; shift 2
	local out rc
	out=$("$lookup" --config "$masq" --log "$work/t.log" --at "$t" --json "$@")
	rc=$?
	local want_rc=1
	[ -z "$want" ] || want_rc=0
	[ "$(json inside <<<"$out")" = "$want" ] && [ "$rc" = "$want_rc" ] ||
		fail "at $t $*: wanted '${want:-nobody}', got status $rc: $out"
	checks=$((checks + 1))
}
at 2024-05-01T09:59:59Z "" 192.0.2.2:5000
at 2024-05-01T10:00:00Z 100.64.0.10 192.0.2.2:5000
at 1714557899 100.64.0.10 192.0.2.2:5000 --proto udp
at 2024-05-01T10:05:00Z "" 192.0.2.2:5000
at 2024-05-01T10:06:39Z "" 192.0.2.2:5000
at 2024-05-01T10:06:40Z 100.64.0.11 192.0.2.2:5000
at 2024-05-01T10:00:01.499Z "" 192.0.2.2:40000
at 2024-05-01T10:00:02Z 100.64.0.10 192.0.2.2:40000
at 2024-05-01T10:00:02Z "" 192.0.2.2:40000 --proto udp
at 2024-05-01T10:10:00Z "" 192.0.2.2:40000
out=$("$lookup" --config "$masq" --log "$work/t.log" --inside 100.64.0.10 --at 2024-05-01T10:01:00Z)
[ "$out" = "100.64.0.10 udp: 100.64.0.10:5000 -> 192.0.2.2:5000 (mapped at 2024-05-01T10:00:00Z, $work/t.log:1; dynamic pool of rule $masq:10)
100.64.0.10 tcp: 100.64.0.10:40000 -> 192.0.2.2:40000 (mapped at 2024-05-01T10:00:01.500Z, $work/t.log:2; dynamic pool of rule $masq:10)
note: answered from $masq, which must be the config in force at 2024-05-01T10:01:00Z (nat-lookup cannot tell)" ] ||
	fail "--inside with a log: $out"
printf 'nat: map udp 100.64.0.10:5000 -> 192.0.2.2:5000\n' >"$work/untimed.log"
refused "$work/untimed.log:1:1: this mapping line has no time as its first word (ISO 8601, 2024-05-01T12:00:00Z, or epoch seconds), and --at needs one" \
	--config "$masq" --log "$work/untimed.log" --at 0 192.0.2.2:5000
printf '1 nat: map udp 100.64.0.10:5000 -> 192.0.2.2\n' >"$work/broken.log"
refused "$work/broken.log:1:3: expected 'nat: map PROTO A.B.C.D:PORT -> A.B.C.D:PORT', got 'nat: map udp 100.64.0.10:5000 -> 192.0.2.2'" \
	--config "$masq" --log "$work/broken.log" 192.0.2.2:5000
# without --at, times are not needed: the holder at the log's end
out=$("$lookup" --config "$masq" --log "$work/untimed.log" 192.0.2.2:5000 --json) && [ "$(json inside <<<"$out")" = 100.64.0.10 ] ||
	fail "an untimed log without --at: $out"

# ---- what the running appliance allocated -------------------------------------------------

if ! command -v tshark >/dev/null; then
	printf 'nat-lookup: %d checks passed; the appliance part skipped: no tshark\n' "$checks"
	exit 77
fi

# flows from inside hosts on each address: UDP from a port outside the block (a port of
# the block chosen), from a port in the block (kept), from one another host also uses,
# TCP, and a ping (its identifier from the block too). dport (for ICMP the sequence
# number) names the flow.
hosts=(3 10 21 22 30 44 50 63)
k=0
: >"$work/in.pkts"
: >"$work/flows"
for h in "${hosts[@]}"; do
	blk=$("$lookup" --config "$det" --inside "100.64.0.$h" --json | json block)
	mac=$(printf '02:00:00:00:00:%02x' "$h")
	for f in "udp 5000" "udp $((${blk%-*} + 3))" "udp 33333" "tcp 40000" "icmp 7"; do
		k=$((k + 1))
		read -r proto sp <<<"$f"
		l4="udp sport=$sp dport=$((10000 + k)) / payload len=10"
		[ "$proto" = tcp ] && l4="tcp sport=$sp dport=$((10000 + k)) flags=S seq=1"
		[ "$proto" = icmp ] && l4="icmp type=8 code=0 id=$sp seq=$((10000 + k)) / payload len=8"
		printf 'eth src=%s dst=02:00:00:00:01:00 / ipv4 src=100.64.0.%s dst=203.0.113.9 / %s\n' "$mac" "$h" "$l4" >>"$work/in.pkts"
		printf '%s %s 100.64.0.%s %s\n' "$proto" $((10000 + k)) "$h" "$sp" >>"$work/flows"
	done
done
"$capgen" -o "$work/in.pcap" "$work/in.pkts" || fail "capgen"

# run CONFIG: the flows through the hosted nat; what left the wan as "PROTO ID OUT PORT"
run() {
	"$hosted" nat --clock capture --config "$1" --port "pcap:rx=$work/in.pcap,tx=$work/o0.pcap" \
		--port "pcap:tx=$work/o1.pcap" >"$work/run.out" 2>"$work/run.err" || fail "sluice-hosted nat: $(cat "$work/run.err")"
	tshark -r "$work/o1.pcap" -T fields -E separator=, -e ip.src -e udp.srcport -e tcp.srcport -e icmp.ident \
		-e udp.dstport -e tcp.dstport -e icmp.seq 2>/dev/null |
		awk -F, '{ proto = $2 != "" ? "udp" : $3 != "" ? "tcp" : "icmp"
			   print proto, $5 $6 $7, $1, $2 $3 $4 }' >"$work/seen"
	[ "$(wc -l <"$work/seen")" = "$(wc -l <"$work/flows")" ] ||
		fail "$(wc -l <"$work/seen") of $(wc -l <"$work/flows") flows left the wan: $(cat "$work/run.out")"
}

# check [ARGS]: nat-lookup names each flow's inside host from the outside address and port
# it left with (ARGS: the config and what else nat-lookup takes); flows: how many
check() {
	local proto id out port want sp got n=0 kept=0
	while read -r proto id out port; do
		read -r _ _ want sp < <(awk -v p="$proto" -v i="$id" '$1 == p && $2 == i' "$work/flows")
		got=$("$lookup" --config "$@" "$out:$port" --proto "$proto" --json) || fail "$out:$port $proto: status $?: $got"
		[ "$(json inside <<<"$got")" = "$want" ] || fail "$out:$port $proto (flow $id): wanted $want, got $got"
		[ "$port" != "$sp" ] || kept=$((kept + 1))
		n=$((n + 1))
		checks=$((checks + 1))
	done <"$work/seen"
	[ "$kept" -gt 0 ] && [ "$kept" -lt "$n" ] || fail "expected some ports kept and some chosen: $kept of $n kept"
	flows=$n
}

run "$det"
check "$det"
# every outside port lies in its host's block: --inside agrees
while read -r proto id out port; do
	read -r _ _ want _ < <(awk -v p="$proto" -v i="$id" '$1 == p && $2 == i' "$work/flows")
	got=$("$lookup" --config "$det" --inside "$want" --json)
	blk=$(json block <<<"$got")
	[ "$(json outside <<<"$got")" = "$out" ] && [ "$port" -ge "${blk%-*}" ] && [ "$port" -le "${blk#*-}" ] ||
		fail "flow $id left as $out:$port, outside $want's block: $got"
done <"$work/seen"

# masquerade: the mapping lines the appliance printed, stamped as a collector would
run "$masq"
[ "$(grep -c '^nat: map ' "$work/run.err")" = "$flows" ] || fail "mapping lines: $(cat "$work/run.err")"
t=1714557600
while IFS= read -r line; do
	printf '%s %s\n' "$t" "$line"
	t=$((t + 1))
done <"$work/run.err" >"$work/map.log"
check "$masq" --log "$work/map.log" --at $((t + 60))
out=$("$lookup" --config "$masq" --log "$work/map.log" --at 1714557599 "$(head -1 "$work/seen" | awk '{ print $3 ":" $4 }')")
[ $? = 1 ] || fail "before the first mapping: $out"

printf 'nat-lookup: ok (%d checks; %d flows from %d hosts named by the outside port they left with, from the config and from the mapping log)\n' \
	"$checks" "$flows" "${#hosts[@]}"
