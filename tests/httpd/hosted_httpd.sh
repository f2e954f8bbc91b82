#!/usr/bin/env bash
# The hosted httpd against real clients. The appliance's one port is an AF_PACKET ring on
# a veth whose other end is in namespace C (the clients):
#
#   [ns C: 10.235.0.1] veth ==(afpacket, port 0: in-band 10.235.0.2)== httpd
#
# It serves a site the test builds (an archive made by tools/httpd/sitepack: folders,
# a 1 MiB file, a precompressed sibling, names to escape), HTTP on 80, HTTPS on 443 with
# lab keys (sluice keys --https), /metrics on 9100, the control socket on 7443.
#  1. curl: bodies byte for byte, HEAD, keep-alive (one connection for two requests),
#     Range (206, a suffix, 416), ETag and If-None-Match (304), If-Modified-Since (304
#     and 200), gzip (the .gz sibling, and identity without Accept-Encoding), folders
#     (index.html, 301 to the slash), 404, 405 with Allow, a traversal (400), HTTP/1.0.
#  2. HTTPS: curl --cacert, openssl s_client (verify return code 0), TLS 1.1 refused.
#  3. Load, briefly, with no error: ab -k, wrk, h2load (HTTP/1.1), over HTTP and HTTPS.
#  4. /metrics: promtool accepts it; the responses counted by code.
#  5. The control socket: show site; httpd reload (a new archive, served at once; a bad
#     one refused, the old one still served); httpd log on (access lines in the log).
#  6. The hostile clients (httpd_hostile.py) with their own checks; then the appliance
#     still serves, and its RSS grew by less than 64 MiB while they ran.
#  7. SIGINT: status 0.
# Skips (77) without root or network namespaces.
#
# usage: hosted_httpd.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
src=${1:?usage: hosted_httpd.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: hosted_httpd.sh SOURCE_DIR BUILD_DIR}
hosted=$build/hosted/sluice-hosted
ctlbin=$build/tools/ctl/sluice-ctl
here=$(cd "$(dirname "$0")" && pwd)
id=$$
nsm=sl-hc-$id ifm=shc$id
mgip=10.235.0.2 cport=7443
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-httpd.XXXXXX")
failed=0
app=
. "$src/tests/dpdk/mgmt_lib.sh"   # ok, fail, alive, rss_kb, inm, ctl, ctl_up, sigint_end; netns_*
cleanup() {
	netns_stop "${app:-}"
	netns_teardown "$nsm" -- "$ifm"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# get URL [curl args]: the status code (000: no answer); body in $work/body, head in $work/head
get() {
	rm -f "$work/head" "$work/body"
	inm curl -gsS --max-time 20 -D "$work/head" -o "$work/body" -w '%{http_code}' "$@" 2>>"$work/curl.log"
}
header() { # NAME: its value in $work/head (last response), without the CR
	awk -v k="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " } { n = tolower($1) } n == k { v = $2 } END { sub(/\r$/, "", v); print v }' "$work/head"
}
expect() { # WHAT WANT GOT
	if [ "$2" = "$3" ]; then ok "$1: $3"; else fail "$1: expected '$2', got '$3'"; fi
}
same() { # WHAT FILE: $work/body is FILE's bytes
	if cmp -s "$work/body" "$2"; then ok "$1: the file's $(stat -c %s "$2") bytes"; else fail "$1: the body is not $2"; fi
}

# ---- the site --------------------------------------------------------------------------
site=$work/site
mkdir -p "$site/docs/deep" "$site/empty"
printf '<!doctype html><title>home</title>\n' >"$site/index.html"
printf '<!doctype html><title>docs</title>\n' >"$site/docs/index.html"
printf 'deep\n' >"$site/docs/deep/note.txt"
head -c 1048576 /dev/urandom >"$site/big.bin"
head -c 1024 /dev/urandom >"$site/one.kb"
: >"$site/zero.txt"
for i in $(seq 200); do echo "body { margin: ${i}px; } /* a style sheet that compresses well */"; done >"$site/app.css"
gzip -9 -n -c "$site/app.css" >"$site/app.css.gz"
printf '{"ok":true}\n' >"$site/data.json"
"$src/tools/httpd/sitepack" "$site" "$work/site" || { echo "FAIL: sitepack"; exit 1; }
site2=$work/site2
mkdir -p "$site2" && printf 'version two\n' >"$site2/index.html"
"$src/tools/httpd/sitepack" "$site2" "$work/site2" || { echo "FAIL: sitepack 2"; exit 1; }
"$src/tools/sluice" keys "$work/k" --https >/dev/null || { echo "FAIL: sluice keys --https"; exit 1; }

netns_or_skip "$nsm"
ip netns del "$nsm"
netns_mgmt "$nsm" "$ifm" 10.235.0.1/24 || { echo "FAIL: setting up the namespace"; exit 1; }
inm sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
# HTTPS's credentials refused at start, with why: half a pair, a key that is not one, a
# key that is not the certificate's
mkdir -p "$work/k1" "$work/k2" "$work/k3"
cp "$work/k/https.crt" "$work/k1/"
cp "$work/k/https.crt" "$work/k2/" && head -c 200 /dev/urandom >"$work/k2/https.key"
cp "$work/k/https.crt" "$work/k3/" && cp "$work/k/client.key" "$work/k3/https.key"
refused() { # WHAT WANT KEYS
	local out rc
	out=$(timeout 30 "$hosted" httpd --port "afpacket:iface=$ifm" --mgmt "port=0,ip=$mgip/24" --keys "$3" 2>&1); rc=$?
	if [ "$rc" = 2 ] && grep -qF "$2" <<<"$out"; then ok "$1: refused: $2"; else fail "$1: status $rc: $out"; fi
}
refused "https.crt alone" "https.crt and https.key go together; https.key missing" "$work/k1"
refused "a key that is not one" "httpd: HTTPS: $work/k2/https.key: not a private key" "$work/k2"
refused "another certificate's key" "$work/k3/https.key is not the key of $work/k3/https.crt" "$work/k3"

"$hosted" httpd --port "afpacket:iface=$ifm" --mgmt "port=0,ip=$mgip/24" --config "$work/site.tar" --keys "$work/k" \
	>"$work/app.log" 2>&1 &
app=$!
up=0
for _ in $(seq 60); do
	[ "$(get "http://$mgip/")" = 200 ] && { up=1; break; }
	alive || break
	sleep 0.5
done
[ "$up" = 1 ] || { echo "FAIL: httpd never answered"; show_log; cat "$work/curl.log"; exit 1; }
base=http://$mgip
tls=(--cacert "$work/k/ca.crt" --resolve "sluice:443:$mgip")

# ---- 1. HTTP semantics ------------------------------------------------------------------
expect "GET /" 200 "$(get "$base/")"; same "GET /" "$site/index.html"
expect "GET / type" "text/html; charset=utf-8" "$(header content-type)"
expect "GET /big.bin" 200 "$(get "$base/big.bin")"; same "GET /big.bin" "$site/big.bin"
expect "GET /zero.txt length" 0 "$(get "$base/zero.txt" >/dev/null; header content-length)"
expect "HEAD /big.bin" 200 "$(get "$base/big.bin" -I)"
expect "HEAD /big.bin length" 1048576 "$(header content-length)"
if cmp -s "$work/head" "$work/body"; then ok "HEAD: the head, no body"; else fail "HEAD: more than the head"; fi
inm curl -sv -o /dev/null -o /dev/null "$base/one.kb" "$base/data.json" 2>"$work/ka.log"
if grep -q "Re-using existing connection" "$work/ka.log"; then ok "keep-alive: two requests on one connection"; else fail "keep-alive: the connection was not reused"; fi
expect "Range 100-199" 206 "$(get "$base/big.bin" -r 100-199)"
expect "Range 100-199: Content-Range" "bytes 100-199/1048576" "$(header content-range)"
dd if="$site/big.bin" of="$work/want" bs=1 skip=100 count=100 2>/dev/null; same "Range 100-199" "$work/want"
expect "Range -10" 206 "$(get "$base/big.bin" -H 'Range: bytes=-10')"
tail -c 10 "$site/big.bin" >"$work/want"; same "Range -10" "$work/want"
expect "Range past the end" 416 "$(get "$base/big.bin" -r 2000000-)"
expect "Range past the end: Content-Range" "bytes */1048576" "$(header content-range)"
get "$base/one.kb" >/dev/null
etag=$(header etag) lm=$(header last-modified)
expect "If-None-Match the ETag" 304 "$(get "$base/one.kb" -H "If-None-Match: $etag")"
expect "304: no body" 0 "$(stat -c %s "$work/body" 2>/dev/null || echo 0)"
expect "If-None-Match another" 200 "$(get "$base/one.kb" -H 'If-None-Match: "nope"')"
expect "If-Modified-Since its date" 304 "$(get "$base/one.kb" -H "If-Modified-Since: $lm")"
expect "If-Modified-Since 1990" 200 "$(get "$base/one.kb" -H 'If-Modified-Since: Mon, 01 Jan 1990 00:00:00 GMT')"
expect "gzip: Accept-Encoding gzip" 200 "$(get "$base/app.css" -H 'Accept-Encoding: gzip')"
expect "gzip: Content-Encoding" gzip "$(header content-encoding)"
same "gzip: the .gz sibling" "$site/app.css.gz"
expect "gzip: curl --compressed" 200 "$(get "$base/app.css" --compressed)"; same "gzip: decompressed" "$site/app.css"
expect "no Accept-Encoding" 200 "$(get "$base/app.css")"; same "no Accept-Encoding: identity" "$site/app.css"
expect "Vary" "Accept-Encoding" "$(header vary)"
expect "GET /docs/" 200 "$(get "$base/docs/")"; same "GET /docs/" "$site/docs/index.html"
expect "GET /docs" 301 "$(get "$base/docs")"
expect "GET /docs: Location" "/docs/" "$(header location)"
expect "GET /docs/deep/note.txt" 200 "$(get "$base/docs/deep/note.txt")"
expect "GET /empty/ (no index.html)" 404 "$(get "$base/empty/")"
expect "GET /nope" 404 "$(get "$base/nope")"
expect "POST /" 405 "$(get "$base/" -X POST -d x=1)"
expect "POST: Allow" "GET, HEAD" "$(header allow)"
expect "GET /..%2f..%2fetc/passwd" 400 "$(get --path-as-is "$base/..%2f..%2fetc/passwd")"
expect "GET /docs/../index.html" 200 "$(get --path-as-is "$base/docs/../index.html")"
expect "HTTP/1.0" 200 "$(get "$base/data.json" -0)"

# ---- 2. HTTPS ---------------------------------------------------------------------------
expect "HTTPS GET /big.bin" 200 "$(get "https://sluice/big.bin" "${tls[@]}")"; same "HTTPS GET /big.bin" "$site/big.bin"
expect "HTTPS Range" 206 "$(get "https://sluice/big.bin" "${tls[@]}" -r 0-0)"
printf 'GET /data.json HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n' |
	inm timeout 20 openssl s_client -connect "$mgip:443" -servername sluice -CAfile "$work/k/ca.crt" \
		-verify_return_error -ign_eof >"$work/sc.log" 2>&1
if grep -q "Verify return code: 0 (ok)" "$work/sc.log" && grep -q '{"ok":true}' "$work/sc.log"; then
	ok "openssl s_client: verified, the file read"
else
	fail "openssl s_client"; tail -5 "$work/sc.log"
fi
inm timeout 20 openssl s_client -connect "$mgip:443" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >"$work/sc11.log" 2>&1
if grep -q "Cipher is (NONE)" "$work/sc11.log"; then ok "TLS 1.1: refused"; else fail "TLS 1.1"; tail -5 "$work/sc11.log"; fi

# ---- 3. load ------------------------------------------------------------------------------
inm ab -k -q -n 5000 -c 20 "$base/one.kb" >"$work/ab.log" 2>&1
if grep -q "^Complete requests: *5000" "$work/ab.log" && grep -q "^Failed requests: *0" "$work/ab.log" && ! grep -q Non-2xx "$work/ab.log"; then
	ok "ab -k: 5000 requests, none failed ($(awk '/^Requests per second/ { print $4 }' "$work/ab.log") a second)"
else
	fail "ab -k"; cat "$work/ab.log"
fi
for u in "$base/one.kb" "https://$mgip/one.kb"; do
	inm wrk -t1 -c32 -d2 "$u" >"$work/wrk.log" 2>&1
	if grep -q "requests in" "$work/wrk.log" && ! grep -q "Non-2xx\|Socket errors" "$work/wrk.log"; then
		ok "wrk $u: $(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.log") requests a second, no error"
	else
		fail "wrk $u"; cat "$work/wrk.log"
	fi
done
inm h2load --h1 -n 2000 -c 10 "$base/data.json" >"$work/h2load.log" 2>&1
if grep -q "2000 succeeded, 0 failed, 0 errored" "$work/h2load.log"; then ok "h2load --h1: 2000 succeeded"; else fail "h2load --h1"; tail -8 "$work/h2load.log"; fi

# ---- 4. metrics -------------------------------------------------------------------------------
expect "GET :9100/metrics" 200 "$(get "http://$mgip:9100/metrics")"
if promtool check metrics <"$work/body" >"$work/promtool.log" 2>&1; then ok "promtool check metrics"; else fail "promtool"; head "$work/promtool.log"; fi
n200=$(awk '$1 == "sluice_httpd_responses_total{code=\"200\"}" { print $2 }' "$work/body")
n405=$(awk '$1 == "sluice_httpd_responses_total{code=\"405\"}" { print $2 }' "$work/body")
if [ "${n200:-0}" -ge 9000 ] && [ "${n405:-0}" = 1 ]; then ok "metrics: $n200 responses 200, $n405 405"; else fail "metrics: 200 $n200, 405 $n405"; fi

# ---- 5. the control socket -------------------------------------------------------------------------
ctl_up
ctl show site >"$work/out" 2>&1
if grep -q "^/big.bin  *1048576" "$work/out"; then ok "show site: /big.bin"; else fail "show site"; cat "$work/out"; fi
ctl httpd reload "$work/site2.tar" >"$work/out" 2>&1 || { fail "httpd reload"; cat "$work/out"; }
expect "after the reload: GET /" 200 "$(get "$base/")"; same "after the reload" "$site2/index.html"
expect "after the reload: /big.bin gone" 404 "$(get "$base/big.bin")"
head -c 3000 /dev/urandom >"$work/bad.tar"
if ctl httpd reload "$work/bad.tar" >"$work/out" 2>&1; then fail "a bad archive was taken"; else ok "a bad archive refused: $(head -1 "$work/out")"; fi
get "$base/" >/dev/null; same "the site before it still served" "$site2/index.html"
ctl httpd reload "$work/site.tar" >/dev/null 2>&1 || fail "httpd reload back"
ctl httpd log on >"$work/out" 2>&1 || { fail "httpd log on"; cat "$work/out"; }
get "$base/data.json?logged=1" >/dev/null
sleep 0.5
if grep -q 'httpd: 10.235.0.1:[0-9]* "GET /data.json?logged=1 HTTP/1.1" 200 12' "$work/app.log"; then ok "access log line"; else fail "no access log line"; fi
ctl httpd log off >/dev/null 2>&1

# ---- 6. hostile clients -----------------------------------------------------------------------------
rss0=$(rss_kb)    # after the loads and reloads: what the hostile clients alone may add
if inm python3 "$here/httpd_hostile.py" "$mgip" 80 >"$work/hostile.log" 2>&1; then
	ok "hostile clients: $(tail -1 "$work/hostile.log")"
else
	fail "hostile clients"; cat "$work/hostile.log"
fi
alive || { fail "httpd died"; show_log; exit 1; }
expect "after the hostile clients: GET /" 200 "$(get "$base/")"
rss1=$(rss_kb)
if [ $((rss1 - rss0)) -lt 65536 ]; then ok "RSS $rss0 -> $rss1 KiB"; else fail "RSS grew $rss0 -> $rss1 KiB"; fi

# ---- 7. the end -------------------------------------------------------------------------------------
sigint_end
