#!/usr/bin/env bash
# `sluice keys` and sluice-ctl, the control socket's client, against stand-in servers:
# tests/ctl/fake_server.py (Python's ssl: mutual X.509, a little of the protocol) and, for
# TLS-PSK, which Python 3.11's ssl cannot serve, `openssl s_server -psk` fed one answer.
#   keys:   the files, their modes, the chain to the CA and each certificate's
#           extendedKeyUsage, SANs and CN; --psk's line; no overwriting without --force;
#           a SEC1 key works as well as sluice keys' PKCS#8
#   client: exit status 0 (all ok), 1 (an error answer), 2 (usage, credentials, connection,
#           TLS); answers printed; -f and - scripts with "ctl:" positions renamed after the
#           script (and --json's columns); load FILE and loads in scripts; a server from
#           another CA, a client certificate from another CA, expired certificates either
#           side, --server-name; an answer that never comes and a server that never
#           handshakes (--timeout); PSK from --psk, --psk-file and a keys directory
# usage: keys_client.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=$1 build=$2
sluice="$src/tools/sluice"
ctl="$build/tools/ctl/sluice-ctl"
here="$src/tests/ctl"
. "$here/keys_lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ctl-test.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
unset SLUICE_KEYS SLUICE_CTL_TARGET
pass=0 failed=0

ok() { pass=$((pass + 1)); }
bad() {
	failed=$((failed + 1))
	printf 'FAIL: %s\n' "$1"
	[ -z "${2:-}" ] || sed 's/^/    /' "$2"
}

# check 'WHAT' COMMAND...: the command succeeds
check() {
	local what=$1; shift
	if "$@" >"$work/out" 2>&1; then ok; else bad "$what" "$work/out"; fi
}

# expect STATUS 'STDOUT' 'STDERR' ARGS...: sluice-ctl exits with STATUS, its stdout holds
# STDOUT and its stderr STDERR (each a fixed string; empty: not checked)
expect() {
	local want=$1 out=$2 err=$3; shift 3
	"$ctl" "$@" >"$work/stdout" 2>"$work/stderr" </dev/null
	local rc=$?
	if [ "$rc" = "$want" ] && { [ -z "$out" ] || grep -qF -- "$out" "$work/stdout"; } &&
		{ [ -z "$err" ] || grep -qF -- "$err" "$work/stderr"; }; then
		ok
	else
		bad "sluice-ctl $* (status $rc, want $want; stdout want '$out', stderr want '$err')"
		sed 's/^/    stdout: /' "$work/stdout"
		sed 's/^/    stderr: /' "$work/stderr"
	fi
}

# ---- sluice keys ----------------------------------------------------------------------

lab="$work/lab"
check "sluice keys" "$sluice" keys "$lab" --psk --san 10.9.0.2 --san fw1.lab
for f in ca.crt server.crt client.crt; do
	[ "$(stat -c %a "$lab/$f")" = 644 ] && ok || bad "$f: mode $(stat -c %a "$lab/$f"), want 644"
done
for f in ca.key server.key client.key psk; do
	[ "$(stat -c %a "$lab/$f")" = 600 ] && ok || bad "$f: mode $(stat -c %a "$lab/$f"), want 600"
done
check "server.crt chains to ca.crt for TLS servers" openssl verify -CAfile "$lab/ca.crt" -purpose sslserver "$lab/server.crt"
check "client.crt chains to ca.crt for TLS clients" openssl verify -CAfile "$lab/ca.crt" -purpose sslclient "$lab/client.crt"
if openssl verify -CAfile "$lab/ca.crt" -purpose sslserver "$lab/client.crt" >/dev/null 2>&1; then
	bad "client.crt must not pass as a server's certificate"
else ok; fi
if openssl verify -CAfile "$lab/ca.crt" -purpose sslclient "$lab/server.crt" >/dev/null 2>&1; then
	bad "server.crt must not pass as a client's certificate"
else ok; fi
openssl x509 -in "$lab/server.crt" -noout -ext extendedKeyUsage,subjectAltName >"$work/srv.txt" 2>&1
grep -q "TLS Web Server Authentication" "$work/srv.txt" && ! grep -q "Client Authentication" "$work/srv.txt" &&
	grep -q "IP Address:127.0.0.1" "$work/srv.txt" && grep -q "DNS:localhost" "$work/srv.txt" &&
	grep -q "DNS:sluice" "$work/srv.txt" && grep -q "IP Address:10.9.0.2" "$work/srv.txt" &&
	grep -q "DNS:fw1.lab" "$work/srv.txt" && ok || bad "server.crt's extendedKeyUsage and SANs" "$work/srv.txt"
openssl x509 -in "$lab/client.crt" -noout -subject -ext extendedKeyUsage >"$work/cli.txt" 2>&1
grep -q "CN = operator" "$work/cli.txt" && grep -q "TLS Web Client Authentication" "$work/cli.txt" &&
	! grep -q "Server Authentication" "$work/cli.txt" && ok || bad "client.crt's CN and extendedKeyUsage" "$work/cli.txt"
for f in ca server client; do
	openssl x509 -in "$lab/$f.crt" -noout -text | grep -q "ASN1 OID: prime256v1" && ok || bad "$f.crt: not P-256"
	head -1 "$lab/$f.key" | grep -q "^-----BEGIN PRIVATE KEY-----$" && ok || bad "$f.key: not unencrypted PKCS#8"
done
grep -Eq '^operator [0-9a-f]{64}$' "$lab/psk" && [ "$(wc -l <"$lab/psk")" = 1 ] && ok || bad "psk: want 'operator HEX64'" "$lab/psk"
sum=$(cat "$lab"/*.crt "$lab"/*.key | md5sum)
if "$sluice" keys "$lab" >"$work/out" 2>&1; then bad "sluice keys overwrote $lab"; else
	grep -q "exists: not overwriting it (--force does)" "$work/out" && ok || bad "sluice keys' refusal" "$work/out"
fi
[ "$(cat "$lab"/*.crt "$lab"/*.key | md5sum)" = "$sum" ] && ok || bad "a refused sluice keys changed files"
check "sluice keys --force" "$sluice" keys "$work/lab3" --cn alice
check "sluice keys --force" "$sluice" keys "$work/lab3" --cn bob --force
openssl x509 -in "$work/lab3/client.crt" -noout -subject | grep -q "CN = bob" && ok || bad "--force --cn bob"
if "$sluice" keys "$work/lab4" --days 0 >/dev/null 2>&1; then bad "sluice keys --days 0 accepted"; else ok; fi
check "a second lab" "$sluice" keys "$work/lab2"

# ---- the stand-in servers -------------------------------------------------------------

# start_fake NAME ARGS...: tests/ctl/fake_server.py in the background; its port in $port
start_fake() {
	local name=$1; shift
	python3 "$here/fake_server.py" --port-file "$work/$name.port" "$@" 2>"$work/$name.log" &
	pids+=($!)
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$work/$name.port" ] && break
		sleep 0.1
	done
	port=$(cat "$work/$name.port" 2>/dev/null) || { bad "fake server $name did not start" "$work/$name.log"; exit 1; }
}

start_fake good --cert "$lab/server.crt" --key "$lab/server.key" --ca "$lab/ca.crt"
good=127.0.0.1:$port
start_fake foreign --cert "$work/lab2/server.crt" --key "$work/lab2/server.key" --ca "$lab/ca.crt"
foreign=127.0.0.1:$port
check "an expired server certificate" keys_expired_server "$lab" "$work/old"
start_fake old --cert "$work/old/server.crt" --key "$work/old/server.key" --ca "$lab/ca.crt"
old=127.0.0.1:$port
start_fake silent --mode silent
silent=127.0.0.1:$port
free=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- answers and exit statuses --------------------------------------------------------

K=(--target "$good" --keys "$lab")
expect 0 "ok pong" "" "${K[@]}" ping
expect 0 '{"pong":true}' "" "${K[@]}" --json ping
expect 1 "error ctl:1:1: unknown command 'bogus'" "" "${K[@]}" bogus words
SLUICE_KEYS=$lab SLUICE_CTL_TARGET=$good expect 0 "ok pong" "" ping
expect 0 "ok pong" "" --target "localhost:${good##*:}" --keys "$lab" ping
expect 0 "ok pong" "" --target "$good" --keys "$lab" --server-name sluice ping
expect 0 "ok pong" "" --target "$good" --keys "$lab" --server-name 127.0.0.1 ping
expect 2 "" "TLS handshake: the server's certificate is not for 'other' (--server-name)" \
	--target "$good" --keys "$lab" --server-name other ping
expect 2 "" "has no subjectAltName IP:10.1.1.1" --target "$good" --keys "$lab" --server-name 10.1.1.1 ping
"$ctl" "${K[@]}" stats >"$work/stdout" 2>&1
printf 'ok\nrx 1\ntx 2\n' | cmp -s - "$work/stdout" && ok || bad "stats: the answer as printed" "$work/stdout"

# load FILE
printf 'rule one\nrule two' >"$work/good.conf"
printf 'rule one\nrule bad\n' >"$work/bad.conf"
printf 'rule one\n.\nrule two\n' >"$work/dot.conf"
(cd "$work" && "$ctl" "${K[@]}" load good.conf) >"$work/stdout" 2>&1
grep -qx "ok loaded good.conf: 2 lines" "$work/stdout" && ok || bad "load good.conf" "$work/stdout"
(cd "$work" && "$ctl" "${K[@]}" load bad.conf) >"$work/stdout" 2>&1
[ $? = 1 ] && grep -qx "error bad.conf:2:1: a bad line" "$work/stdout" && ok || bad "load bad.conf" "$work/stdout"
expect 2 "" "load $work/dot.conf:2: a line '.' would end the load there" "${K[@]}" load "$work/dot.conf"
expect 2 "" "load FILE: which file?" "${K[@]}" load
expect 2 "" "cannot read it" "${K[@]}" load "$work/missing.conf"

# scripts: every line sent, positions renamed, one answer per command
cat >"$work/s.ctl" <<'EOF'
ping

# a comment: no answer
  bogus word
load rules
rule one

rule bad
.
begin
load inside
refused, and its text is not commands
.
abort
--json load two names
its text: blank lines to the server
.
--json ping
nope
quit
ping
EOF
cat >"$work/s.want" <<'EOF'
ok pong
error s.ctl:4:3: unknown command 'bogus' (help lists them)
error rules:3:1: a bad line
ok transaction ctl open
error s.ctl:11:1: load inside the transaction open: commit or abort it first
ok aborted
error s.ctl:15:17: load takes one name at most
{"error":"ctl:15:17: load takes one name at most"}
ok pong
{"pong":true}
error s.ctl:19:1: unknown command 'nope' (help lists them)
ok bye
EOF
(cd "$work" && "$ctl" "${K[@]}" -f s.ctl) >"$work/stdout" 2>"$work/stderr"
rc=$?
[ "$rc" = 1 ] && cmp -s "$work/s.want" "$work/stdout" && grep -qF "s.ctl:21: the session ended with quit" "$work/stderr" &&
	ok || { bad "-f s.ctl (status $rc)" "$work/stdout"; diff "$work/s.want" "$work/stdout"; cat "$work/stderr"; }
(cd "$work" && "$ctl" "${K[@]}" --json -f s.ctl) >"$work/stdout" 2>&1
grep -qx "error s.ctl:4:3: unknown command 'bogus' (help lists them)" "$work/stdout" &&
	grep -qxF '{"error":"ctl:4:10: unknown command '"'bogus'"' (help lists them)"}' "$work/stdout" &&
	ok || bad "--json -f s.ctl: the column in the script" "$work/stdout"
printf 'ping\nping\n' >"$work/ok.ctl"
expect 0 "ok pong" "" "${K[@]}" -f "$work/ok.ctl"
printf 'ping\nload x\nno end\n' >"$work/noend.ctl"
expect 2 "" "noend.ctl:2: load without the line '.' that ends its text" "${K[@]}" -f "$work/noend.ctl"
printf 'ping\nbogus\n' | "$ctl" "${K[@]}" - >"$work/stdout" 2>&1
[ $? = 1 ] && printf 'ok pong\nerror stdin:2:1: unknown command %s (help lists them)\n' "'bogus'" | cmp -s - "$work/stdout" &&
	ok || bad "- (standard input)" "$work/stdout"

# ---- what must fail -------------------------------------------------------------------

expect 2 "" "TLS handshake: the server's certificate is not signed by $lab/ca.crt" --target "$foreign" --keys "$lab" ping
expect 2 "" "TLS handshake: the server's certificate expired on 2020-12-31 23:59:59 UTC" --target "$old" --keys "$lab" ping
check "a client from another CA" keys_mix "$work/mix" "$lab" "$work/lab2"
expect 2 "" "TLS handshake: the server refused our certificate $work/mix/client.crt (alert unknown_ca)" \
	--target "$good" --keys "$work/mix" ping
check "an expired client certificate" keys_expired_client "$lab" "$work/expired"
expect 2 "" "the server refused our certificate $work/expired/client.crt (alert certificate_expired); it expired on 2020-12-31" \
	--target "$good" --keys "$work/expired" ping
check "a client certificate not yet valid" keys_future_client "$lab" "$work/future"
expect 2 "" "it is not valid before 2120-01-01" --target "$good" --keys "$work/future" ping
# a SEC1 ("EC PRIVATE KEY") client key reads as well as PKCS#8
mkdir -p "$work/sec1" && cp "$lab/ca.crt" "$lab/client.crt" "$work/sec1/" &&
	openssl ec -in "$lab/client.key" -out "$work/sec1/client.key" 2>/dev/null
head -1 "$work/sec1/client.key" | grep -q "EC PRIVATE KEY" && ok || bad "openssl ec wrote no SEC1 key"
expect 0 "ok pong" "" --target "$good" --keys "$work/sec1" ping
cp "$work/lab2/client.key" "$work/sec1/client.key"
expect 2 "" "$work/sec1/client.key is not the key of $work/sec1/client.crt" --target "$good" --keys "$work/sec1" ping
start=$(date +%s)
expect 2 "" "$good: no answer to line 1 for 1 s (--timeout)" "${K[@]}" --timeout 1 hang
expect 2 "" "$silent: TLS handshake: no progress in 1 s (--timeout)" --target "$silent" --keys "$lab" --timeout 1 ping
[ $(($(date +%s) - start)) -lt 10 ] && ok || bad "the timeouts took $(($(date +%s) - start)) s"
expect 2 "" "127.0.0.1:$free: connect: Connection refused" --target "127.0.0.1:$free" --keys "$lab" ping
expect 2 "" "what to send?" "${K[@]}"
expect 2 "" "unknown option '--bogus'" "${K[@]}" --bogus ping
expect 2 "" "--timeout: expected seconds" "${K[@]}" --timeout 0 ping
expect 2 "" "a script or a COMMAND, not both" "${K[@]}" -f "$work/ok.ctl" ping
expect 2 "" "--psk and --psk-file exclude each other" --psk a:00 --psk-file x ping
expect 2 "" "no credentials: give --keys DIR" --target "$good" ping
expect 2 "" "$work/none: no client.crt (nor psk) in it" --target "$good" --keys "$work/none" ping
expect 2 "" "expected a port from 1 to 65535" --target 127.0.0.1:99999 --keys "$lab" ping
expect 2 "" "--psk: the PSK must be 2 to 64 hex digits" --target "$good" --psk operator:abc ping

# ---- TLS-PSK against openssl s_server -------------------------------------------------

# psk_server HEX: openssl s_server on $free for one connection, TLS 1.2 PSK only, which
# sends the client "ok pong" and an empty line once the handshake is done
psk_server() {
	rm -f "$work/s_in" "$work/s_out"
	mkfifo "$work/s_in"
	timeout 30 openssl s_server -accept "127.0.0.1:$free" -naccept 1 -nocert -tls1_2 \
		-psk "$1" -psk_identity operator <"$work/s_in" >"$work/s_out" 2>&1 &
	pids+=($!)
	exec 5>"$work/s_in"
	printf 'ok pong\n\n' >&5
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q ACCEPT "$work/s_out" 2>/dev/null && return 0
		sleep 0.1
	done
	bad "openssl s_server did not start" "$work/s_out"
}
psk_done() { exec 5>&-; wait "${pids[-1]}" 2>/dev/null; }
hex=$(cut -d' ' -f2 "$lab/psk")
psk_server "$hex"; expect 0 "ok pong" "" --target "127.0.0.1:$free" --psk "operator:$hex" ping; psk_done
grep -q "^ping$" "$work/s_out" && ok || bad "s_server did not get 'ping'" "$work/s_out"
psk_server "$hex"; expect 0 "ok pong" "" --target "127.0.0.1:$free" --psk-file "$lab/psk" ping; psk_done
mkdir -p "$work/pskonly" && cp "$lab/psk" "$work/pskonly/psk"
psk_server "$hex"; expect 0 "ok pong" "" --target "127.0.0.1:$free" --keys "$work/pskonly" ping; psk_done
psk_server "$hex"
expect 2 "" "TLS handshake: the server refused the pre-shared key of 'operator'" \
	--target "127.0.0.1:$free" --psk "operator:$(openssl rand -hex 32)" ping
psk_done

# ---- sluice ctl -----------------------------------------------------------------------

SLUICE_BUILD=$build "$sluice" ctl "${K[@]}" ping >"$work/stdout" 2>&1 && grep -qx "ok pong" "$work/stdout" &&
	ok || bad "sluice ctl ping" "$work/stdout"

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
