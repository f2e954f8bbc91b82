#!/usr/bin/env bash
# The httpd image, booted as a user would (TCG):
#   1. `sluice run httpd -p PORT:80 -p PORT2:443` (the README's first command, on free
#      ports): the built-in demo site, HTTPS with the demo lab keys; sluice run's own check
#      says both answer; then curl: the page byte for byte, its .gz sibling, a range, a
#      304, HTTPS verified against the lab CA, openssl s_client; wrk for 2 s without an
#      error; Ctrl-C: status 0 and the server's counters.
#   2. `sluice run httpd --config SITE.tar -p PORT:80`: a site given as a boot module, a
#      1 MiB file of it byte for byte, over keep-alive.
# usage: image_httpd.sh SOURCE_ROOT BUILD_DIR
set -uo pipefail
root=$1 build=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-e2e-httpd.XXXXXX")
cleanup() {
	kill $(jobs -p) 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export SLUICE_ACCEL=tcg SLUICE_BUILD=$build
pass=0 failed=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; }
site=$root/tools/demo/httpd/site

# start NAME WAIT ARGS...: `sluice run httpd ARGS` with its console in $work/NAME.log and
# Ctrl-C through $work/NAME.in; waits (180 s) for WAIT in the log
start() {
	local name=$1 want=$2; shift 2
	mkfifo "$work/$name.in"
	"$root/tools/sluice" run httpd "$@" <"$work/$name.in" >"$work/$name.log" 2>&1 &
	eval "pid_$name=$!"
	exec {fd}>"$work/$name.in"
	eval "fd_$name=$fd"
	local i
	for ((i = 0; i < 1800; i++)); do
		grep -q "$want" "$work/$name.log" && return 0
		kill -0 "$(eval echo \$pid_$name)" 2>/dev/null || break
		sleep 0.1
	done
	fail "$name: no '$want' line:"; sed 's/^/    /' "$work/$name.log"
	return 1
}

# stop NAME: Ctrl-C; the image's status must be 0 and the server's counters printed
stop() {
	local name=$1 fd pid rc i
	fd=$(eval echo \$fd_$name) pid=$(eval echo \$pid_$name)
	printf '\003' >&"$fd"
	for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill "$pid" 2>/dev/null
	wait "$pid"; rc=$?
	eval "exec $fd>&-"
	if [ "$rc" = 0 ] && grep -q "^httpd: responses .*200:" "$work/$name.log"; then
		ok "$name: Ctrl-C: $(grep -m1 '^httpd: responses' "$work/$name.log" | tr -d '\r')"
	else
		fail "$name: Ctrl-C: status $rc"; tail -20 "$work/$name.log" | sed 's/^/    /'
	fi
}

# get NAME URL WANT [curl args]: the status must be WANT; the body in $work/body
get() {
	local name=$1 url=$2 want=$3 code; shift 3
	rm -f "$work/body" "$work/head"
	code=$(curl -gsS -m 60 -D "$work/head" -o "$work/body" -w '%{http_code}' "$@" "$url" 2>"$work/curl.log")
	if [ "$code" = "$want" ]; then ok "$name: $code"; else fail "$name: expected $want, got '$code'"; cat "$work/curl.log"; fi
}
same() { cmp -s "$work/body" "$2" && ok "$1: byte for byte" || fail "$1: the body differs from $2"; }
header() { awk -v k="$1" 'BEGIN { FS = ": " } tolower($1) == k { v = $2 } END { sub(/\r$/, "", v); print v }' "$work/head"; }

# 1. the README's first command, on free ports
p1=$((20000 + $$ % 20000)) p2=$((20001 + $$ % 20000))
if start demo "https://localhost:$p2/ answers" -p "$p1:80" -p "$p2:443"; then
	grep -q "^sluice: http://127.0.0.1:$p1/ answers: HTTP/1.1 200" "$work/demo.log" && ok "demo: sluice run's check: $(grep -m1 "^sluice: http://127.0.0.1:$p1/ answers" "$work/demo.log")" ||
		fail "demo: sluice run's own check did not see 200 over HTTP"
	grep -q "^sluice: https://localhost:$p2/ answers: HTTP/1.1 200" "$work/demo.log" && ok "demo: sluice run's check over HTTPS" ||
		fail "demo: sluice run's own check did not see 200 over HTTPS"
	ca=$build/httpd-demo-keys/ca.crt
	get "demo: GET /" "http://127.0.0.1:$p1/" 200; same "demo: GET /" "$site/index.html"
	get "demo: GET /style.css gzip" "http://127.0.0.1:$p1/style.css" 200 --compressed; same "demo: style.css decompressed" "$site/style.css"
	[ "$(header content-encoding)" = gzip ] && ok "demo: style.css came gzipped" || fail "demo: no Content-Encoding: gzip"
	get "demo: Range 10-19" "http://127.0.0.1:$p1/index.html" 206 -r 10-19
	dd if="$site/index.html" of="$work/want" bs=1 skip=10 count=10 2>/dev/null; same "demo: Range 10-19" "$work/want"
	get "demo: ETag" "http://127.0.0.1:$p1/hello.txt" 200
	get "demo: If-None-Match" "http://127.0.0.1:$p1/hello.txt" 304 -H "If-None-Match: $(header etag)"
	get "demo: HTTPS GET /about/" "https://localhost:$p2/about/" 200 --cacert "$ca"; same "demo: HTTPS /about/" "$site/about/index.html"
	printf 'GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
		timeout 60 openssl s_client -connect "127.0.0.1:$p2" -servername localhost -CAfile "$ca" -verify_return_error -ign_eof \
		>"$work/sc.log" 2>&1
	grep -q "Verify return code: 0 (ok)" "$work/sc.log" && grep -q "Hello from Sluice httpd" "$work/sc.log" &&
		ok "demo: openssl s_client: verified, hello.txt read" || { fail "demo: openssl s_client"; tail -5 "$work/sc.log"; }
	wrk -t1 -c8 -d2 "http://127.0.0.1:$p1/hello.txt" >"$work/wrk.log" 2>&1
	if grep -q "requests in" "$work/wrk.log" && ! grep -q "Non-2xx\|Socket errors" "$work/wrk.log"; then
		ok "demo: wrk 2 s: $(awk '/requests in/ { print $1 }' "$work/wrk.log") requests, no error"
	else
		fail "demo: wrk"; cat "$work/wrk.log"
	fi
	stop demo
fi

# 2. a site as a boot module
mkdir -p "$work/site"
head -c 1048576 /dev/urandom >"$work/site/big.bin"
printf 'boot module site\n' >"$work/site/index.html"
"$root/tools/httpd/sitepack" "$work/site" "$work/site" || fail "sitepack"
p3=$((20002 + $$ % 20000))
if start module "httpd: HTTP on TCP 80" --config "$work/site.tar" -p "$p3:80"; then
	grep -q "httpd: serving site.tar (2 files, 1048593 bytes)" "$work/module.log" && ok "module: serving site.tar" ||
		fail "module: no 'serving site.tar' line"
	for ((i = 0; i < 600; i++)); do curl -s -o /dev/null -m 5 "http://127.0.0.1:$p3/" && break; sleep 0.2; done
	curl -sS -m 120 -o "$work/b1" -o "$work/b2" "http://127.0.0.1:$p3/big.bin" "http://127.0.0.1:$p3/index.html" 2>"$work/curl.log"
	cmp -s "$work/b1" "$work/site/big.bin" && cmp -s "$work/b2" "$work/site/index.html" &&
		ok "module: 1 MiB and the page, byte for byte, on one connection" || { fail "module: the files differ"; cat "$work/curl.log"; }
	stop module
fi
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
