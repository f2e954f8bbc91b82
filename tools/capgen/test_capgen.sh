#!/usr/bin/env bash
# Tests capgen against tshark's decoding and its own error messages.
#
# usage: test_capgen.sh PART PKTGEN EXAMPLES_PKTS
#   examples  every "#>" expectation in EXAMPLES_PKTS holds in tshark's decoding, every
#             checksum tshark verifies is good unless one says otherwise, nothing is
#             malformed; and the checker itself fails on a bad checksum (negative control)
#   errors    bad inputs give exactly the expected FILE:LINE:COL message, exit 1, no output
#   cli       usage errors exit 2; the pcap header, timestamps and byte-identical reruns
# Exits 77 (skipped) for the examples part when tshark is not installed.
set -uo pipefail
part=$1
capgen=$(realpath "$2")
examples=$(realpath "$3")
work=$(mktemp -d "${TMPDIR:-/tmp}/capgen-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }

# tshark's checksum status values: 0 bad, 1 good, 2 unverified, 3 not present.
tshark_opts=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE
	-o ip.defragment:FALSE -o ipv6.defragment:FALSE)
status_fields=(ip.checksum.status tcp.checksum.status udp.checksum.status icmp.checksum.status
	icmpv6.checksum.status)

# check PKTS PCAP: the expectations in PKTS hold for PCAP; prints what does not, fails then.
check() {
	local pkts=$1 pcap=$2 fields=() f
	# one "FRAME<TAB>FIELD<TAB>VALUE" line per expectation; the frame count in $work/frames
	awk -v frames="$work/frames" '
		function add(spec,   n, a, i, k, fr) {
			n = split(spec, a, /[ \t]+/)
			for (i = 1; i <= n; i++) {
				if (a[i] == "") continue
				if (!(k = index(a[i], "=")) || !last) { printf "bad expectation %s\n", a[i] > "/dev/stderr"; exit 1 }
				for (fr = first; fr <= last; fr++) print fr "\t" substr(a[i], 1, k - 1) "\t" substr(a[i], k + 1)
			}
		}
		/^[ \t]*#>/ { add(substr($0, index($0, "#>") + 2)); next }
		/^[ \t]*(#|$)/ { next }
		{
			count = 1
			if (match($0, /(^|[ \t\/])repeat[ \t]+[0-9]+/)) {
				s = substr($0, RSTART, RLENGTH); sub(/.*repeat[ \t]+/, "", s); count = s + 0
			}
			first = last + 1; last += count
			if ((k = index($0, "#>"))) add(substr($0, k + 2))
		}
		END { print last + 0 > frames }' "$pkts" >"$work/expect.tsv" || return 1
	mapfile -t fields < <({ cut -f2 "$work/expect.tsv"; printf '%s\n' "${status_fields[@]}" _ws.malformed; } | sort -u)
	local args=()
	for f in "${fields[@]}"; do args+=(-e "$f"); done
	tshark -r "$pcap" "${tshark_opts[@]}" -T fields -E separator=/t -E occurrence=a -E aggregator=, \
		-e frame.number "${args[@]}" >"$work/decoded.tsv" 2>/dev/null || { echo "tshark failed on $pcap"; return 1; }
	printf '%s\n' "${fields[@]}" >"$work/fields"
	awk -F'\t' -v frames="$(cat "$work/frames")" -v statuses="${status_fields[*]}" '
		FILENAME == ARGV[1] { col[$1] = FNR + 1; name[FNR + 1] = $1; ncol = FNR + 1; next }
		FILENAME == ARGV[2] { rows++; for (c = 2; c <= ncol; c++) got[$1, name[c]] = $c; next }
		{
			said[$1, $2] = 1
			if (got[$1, $2] != $3) { printf "frame %d: %s is \"%s\", expected \"%s\"\n", $1, $2, got[$1, $2], $3; bad++ }
		}
		END {
			if (rows != frames) { printf "tshark decoded %d frames, the input makes %d\n", rows, frames; bad++ }
			n = split(statuses, st, " ")
			for (fr = 1; fr <= rows; fr++) {
				for (i = 1; i <= n; i++) {
					if (((fr, st[i]) in said) || got[fr, st[i]] == "") continue
					m = split(got[fr, st[i]], v, ",")
					for (j = 1; j <= m; j++)
						if (v[j] != "1") { printf "frame %d: %s is \"%s\", expected all 1 (good)\n", fr, st[i], got[fr, st[i]]; bad++; break }
				}
				if (!((fr, "_ws.malformed") in said) && got[fr, "_ws.malformed"] != "") {
					printf "frame %d: tshark says %s\n", fr, got[fr, "_ws.malformed"]; bad++
				}
			}
			exit bad > 0
		}' "$work/fields" "$work/decoded.tsv" "$work/expect.tsv"
}

part_examples() {
	command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 77; }
	local l
	for l in eth vlan arp ipv4 ipv6 ip6ext tcp udp icmp icmp6 payload raw repeat trunc pad; do
		grep -Eq "(^|/)[[:blank:]]*${l}[[:blank:]]" "$examples" || fail "examples.pkts has no '$l' layer"
	done
	"$capgen" -o "$work/examples.pcap" "$examples" || { fail "capgen failed on examples.pkts"; return; }
	check "$examples" "$work/examples.pcap" || fail "tshark's decoding of examples.pkts (above)"

	# negative controls: the checker must notice a bad checksum that no "#>" announces
	local good='eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1 dport=2 / payload len=4'
	printf '%s\n' "$good" >"$work/one.pkts"
	"$capgen" -o "$work/one.pcap" "$work/one.pkts" || fail "capgen failed on one.pkts"
	check "$work/one.pkts" "$work/one.pcap" >/dev/null || fail "a good TCP checksum was not recognised"
	cp "$work/one.pcap" "$work/flipped.pcap"
	# pcap header 24 + record header 16 + Ethernet 14 + IPv4 20: the TCP checksum is at 16
	printf '\x55' | dd of="$work/flipped.pcap" bs=1 seek=$((24 + 16 + 14 + 20 + 16)) conv=notrunc 2>/dev/null
	check "$work/one.pkts" "$work/flipped.pcap" >/dev/null && fail "a corrupted TCP checksum went unnoticed"
	printf '%s\n' "${good/tcp sport=1/tcp csum=0x1234 sport=1}" >"$work/bad.pkts"
	"$capgen" -o "$work/bad.pcap" "$work/bad.pkts" || fail "capgen failed on bad.pkts"
	check "$work/bad.pkts" "$work/bad.pcap" >/dev/null && fail "an explicit bad TCP checksum went unnoticed"
	printf '%s\n#> tcp.checksum.status=0\n' "$good" >"$work/claim.pkts"
	check "$work/claim.pkts" "$work/one.pcap" >/dev/null && fail "a wrong expectation went unnoticed"
}

# Pairs of lines: an input (printf %b: \n separates lines of bad.pkts, \\ is a backslash)
# and the message capgen must print; blank lines between pairs.
error_cases() {
	cat <<'EOF'
ipv5 src=10.0.0.1
bad.pkts:1:1: expected a layer (eth, vlan, arp, ipv4, ipv6, ip6ext, tcp, udp, icmp, icmp6, payload, raw) or a modifier (repeat, trunc, pad, at), got 'ipv5'

# ok\n\neth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 tpye=0x0800
bad.pkts:3:49: expected a key of eth (src, dst, type), got 'tpye'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:2g
bad.pkts:1:31: expected a MAC address aa:bb:cc:dd:ee:ff for dst, got '02:00:00:00:00:2g'

eth src=02:00:00:00:00:01 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2
bad.pkts:1:26: expected dst=MAC in eth, got end of layer

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.256 / udp sport=1 dport=2
bad.pkts:1:73: expected an IPv4 address for dst, got '10.0.0.256'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 ttl=256 / udp sport=1 dport=2
bad.pkts:1:86: expected a number 0..255 for ttl, got '256'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 frag=12 proto=17
bad.pkts:1:87: expected a multiple of 8 in 0..65528 for frag, got '12'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 df=2 / udp sport=1 dport=2
bad.pkts:1:85: expected 0 or 1 for df, got '2'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=2001:db8::1 dst=2001:db8:::2 / udp sport=1 dport=2
bad.pkts:1:76: expected an IPv6 address for dst, got '2001:db8:::2'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=::1 dst=::2 flow=0x100000 / udp sport=1 dport=2
bad.pkts:1:77: expected a number 0..1048575 for flow, got '0x100000'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1 dport=65536
bad.pkts:1:102: expected a number 0..65535 for dport, got '65536'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1 dport=2 flags=SX
bad.pkts:1:110: expected TCP flags (letters of FSRPAUEC, or a number 0..255) for flags, got 'SX'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1 dport=2 opts=0204x5b4
bad.pkts:1:113: expected a hex digit in opts, got 'x'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / tcp sport=1 dport=2 opts=020
bad.pkts:1:109: expected an even number of hex digits for opts, got '020'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 opts=00000000000000000000000000000000000000000000000000000000000000000000000000000000aa / udp sport=1 dport=2
bad.pkts:1:87: expected at most 40 bytes for opts, got 41

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 ttl=1 ttl=2 / udp sport=1 dport=2
bad.pkts:1:88: expected ttl once in ipv4, got 'ttl' again

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 ttl / udp sport=1 dport=2
bad.pkts:1:82: expected key=value, got 'ttl'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / arp op=ask sha=02:00:00:00:00:01 spa=10.0.0.1 tha=00:00:00:00:00:00 tpa=10.0.0.2
bad.pkts:1:58: expected request, reply or a number 0..65535 for op, got 'ask'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / vlan id=4096 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2
bad.pkts:1:59: expected a number 0..4095 for id, got '4096'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=::1 dst=::2 / ip6ext type=frag len=1 / udp sport=1 dport=2
bad.pkts:1:91: expected a key of ip6ext type=frag (type, off, m, id, nh), got 'len'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv6 src=::1 dst=::2 / ip6ext type=ah / udp sport=1 dport=2
bad.pkts:1:86: expected hbh, rt, dst or frag for type, got 'ah'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=4 hex=00
bad.pkts:1:120: expected one of len, hex or text in payload, got 'hex' as well

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload fill=1
bad.pkts:1:120: expected len=N, hex=HEX or text=TEXT in payload, got end of layer

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload text="abc
bad.pkts:1:119: expected a closing '"' for this quote, got end of line

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload text="a\\qb"
bad.pkts:1:121: expected an escape \\ \" \n \r \t \0 or \xHH in text, got '\\q'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=65536
bad.pkts:1:118: expected a number 0..65535 for len, got '65536'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=65500
bad.pkts:1:106: expected a frame of at most 65535 bytes, got 65542 bytes up to this payload

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / payload len=10
bad.pkts:1:51: expected a layer that sets the eth type (vlan, arp, ipv4, ipv6) or eth type=, got 'payload'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2
bad.pkts:1:81: expected a layer that sets the ipv4 proto (ipv4, ipv6, ip6ext, tcp, udp, icmp, icmp6) or ipv4 proto=, got end of line

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / icmp6 type=128 code=0
bad.pkts:1:84: expected an ipv6 layer before icmp6 (for its checksum) or icmp6 csum=, got 'ipv4'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x0800 / tcp sport=1 dport=2
bad.pkts:1:63: expected an ipv4 or ipv6 layer before tcp (for its checksum) or tcp csum=, got none

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / pad 60 / trunc 70000
bad.pkts:1:121: expected a number 0..65535 after trunc, got '70000'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / repeat 0
bad.pkts:1:113: expected a number 1..1000000 after repeat, got '0'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / pad 60 pad 64
bad.pkts:1:113: expected at most one pad per line, got 'pad' again

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / pad 60 / udp sport=1 dport=2
bad.pkts:1:93: expected a modifier (repeat, trunc, pad, at) after a modifier, got 'udp'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 pad 60 sport=3
bad.pkts:1:111: expected a modifier (repeat, trunc, pad, at) after a modifier, got 'sport=3'

repeat 3
bad.pkts:1:1: expected a layer before the modifiers, got 'repeat'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / / ipv4 src=10.0.0.1 dst=10.0.0.2
bad.pkts:1:51: expected a layer or a modifier, got '/'

eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x0800 /
bad.pkts:1:62: expected a layer or a modifier, got end of line

raw hex=00\0000
bad.pkts:1:11: expected text, got a NUL byte
EOF
}

part_errors() {
	local input want
	cd "$work" || exit 1
	while IFS= read -r input; do
		[ -n "$input" ] || continue
		IFS= read -r want
		printf '%b\n' "$input" >bad.pkts
		rm -f out.pcap
		"$capgen" -o out.pcap bad.pkts 2>err
		local rc=$?
		[ "$rc" = 1 ] || fail "exit status $rc, expected 1, for: $input"
		[ ! -e out.pcap ] || fail "out.pcap written for: $input"
		[ "$(cat err)" = "$want" ] || fail "for: $input"$'\n'"  printed:  $(cat err)"$'\n'"  expected: $want"
	done < <(error_cases)

	# every bad line is reported, in order; an existing output file is left alone
	printf '%s\n' 'raw hex=00' 'ipv5' 'raw hex=00' 'eth src=1' >bad.pkts
	printf 'keep' >out.pcap
	"$capgen" -o out.pcap bad.pkts 2>err
	[ $? = 1 ] || fail "two bad lines: exit status is not 1"
	[ "$(cat out.pcap)" = keep ] || fail "two bad lines: the output file was touched"
	[ "$(cut -d: -f1-3 err | tr '\n' ' ')" = "bad.pkts:2:1 bad.pkts:4:9 " ] || fail "two bad lines: $(cat err)"
	# standard input is "-" and is named <stdin>
	printf 'raw hex=0\n' | "$capgen" -o out.pcap - 2>err
	[ "$(cat err)" = "<stdin>:1:9: expected an even number of hex digits for hex, got '0'" ] ||
		fail "stdin: $(cat err)"
	"$capgen" -o out.pcap missing.pkts 2>err
	[ $? = 1 ] && grep -q '^capgen: missing.pkts: No such file' err || fail "missing input: $(cat err)"
}

part_cli() {
	local rc
	cd "$work" || exit 1
	printf '%s\n' 'eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 / ipv4 src=10.0.0.1 dst=10.0.0.2 / udp sport=1 dport=2 / payload len=4 / repeat 1001' >rep.pkts
	for args in "" "-x rep.pkts" "-o" "-o a.pcap -o b.pcap rep.pkts" "--output"; do
		# shellcheck disable=SC2086
		"$capgen" $args >/dev/null 2>err </dev/null
		rc=$?
		[ "$rc" = 2 ] && grep -q '^usage: capgen' err || fail "'capgen $args': status $rc, $(cat err)"
	done
	"$capgen" --help >help 2>&1 && grep -q '^usage: capgen' help || fail "--help"
	if command -v script >/dev/null; then
		script -qec "$capgen rep.pkts" /dev/null >tty.out 2>&1 </dev/null
		rc=$?
		[ "$rc" = 2 ] || fail "a terminal on stdout: status $rc, $(tr -d '\r' <tty.out)"
	fi

	"$capgen" -o a.pcap rep.pkts "$examples" || fail "capgen -o"
	"$capgen" rep.pkts "$examples" >b.pcap || fail "capgen > file"
	cmp -s a.pcap b.pcap || fail "-o and stdout differ, or reruns are not byte-identical"
	local head
	head=$(od -An -tx1 -N24 a.pcap | tr -s ' \n' ' ')
	[ "$head" = " d4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 ff ff 00 00 01 00 00 00 " ] ||
		fail "pcap header is$head"
	# packet i at 1700000000 s + i ms: records are 16 + 46 bytes here
	local rec
	for i in 0 1 999 1000; do
		rec=$(od -An -tu4 -j $((24 + i * 62)) -N16 a.pcap | tr -s ' ')
		[ "$rec" = " $((1700000000 + i / 1000)) $((i % 1000 * 1000)) 46 46" ] || fail "record $i header is$rec"
	done
	# "at N" sets a frame's stamp; the next ones follow on
	printf '%s\n' "eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x88b5 / payload len=32" \
		"eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x88b5 / payload len=32 at 5000" \
		"eth src=02:00:00:00:00:01 dst=02:00:00:00:00:02 type=0x88b5 / payload len=32" >at.pkts
	"$capgen" -o at.pcap at.pkts || fail "capgen at.pkts"
	for i in 0 1 2; do
		rec=$(od -An -tu4 -j $((24 + i * 62)) -N16 at.pcap | tr -s ' ')
		want=$((i == 0 ? 0 : 5000 + i - 1))
		[ "$rec" = " $((1700000000 + want / 1000)) $((want % 1000 * 1000)) 46 46" ] || fail "at: record $i header is$rec"
	done
	"$capgen" -o empty.pcap /dev/null && [ "$(stat -c %s empty.pcap)" = 24 ] || fail "empty input"
	if [ -w /dev/full ]; then
		"$capgen" -o /dev/full rep.pkts 2>err
		rc=$?
		[ "$rc" = 1 ] && grep -q 'write failed' err || fail "writing to /dev/full: status $rc, $(cat err)"
	fi
	"$capgen" -o no/such/dir/x.pcap rep.pkts 2>err
	[ $? = 1 ] || fail "unwritable output: $(cat err)"
}

case "$part" in
examples) part_examples ;;
errors) part_errors ;;
cli) part_cli ;;
*) echo "unknown part '$part'"; exit 2 ;;
esac
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "capgen $part: ok"
