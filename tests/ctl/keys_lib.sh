# shellcheck shell=bash
# keys_lib.sh - credentials the control socket's tests need beyond what `sluice keys DIR`
# writes: certificates with chosen validity dates (expired, not yet valid) and keys
# directories that mix two labs. Source it (bash); every function returns non-zero with
# openssl's output on stderr when openssl fails. OpenSSL 3.0 (Debian 12): `openssl x509
# -req` only signs from now on, so dated certificates go through `openssl ca`, which takes
# -startdate/-enddate, with a throw-away database.
#
#   keys_issue CADIR OUT KIND CN START END
#       OUT.crt and OUT.key (unencrypted PKCS#8, 0600): a P-256 certificate for CN signed
#       by CADIR/ca.crt and ca.key, KIND client (clientAuth) or server (serverAuth, the
#       SANs of `sluice keys`), valid from START to END (YYYYMMDDHHMMSSZ, UTC).
#   keys_expired_client CADIR DIR
#       DIR as `sluice-ctl --keys DIR` takes it: CADIR's ca.crt, and a client.crt/.key
#       for CN operator from CADIR's CA that expired on 2020-12-31.
#   keys_future_client CADIR DIR
#       the same with a client certificate valid from 2120-01-01 only.
#   keys_mix DIR CA_FROM CLIENT_FROM
#       DIR with ca.crt from CA_FROM and client.crt/.key from CLIENT_FROM (two labs from
#       `sluice keys`): a client whose certificate comes from another CA.
#   keys_expired_server CADIR DIR
#       DIR/server.crt and server.key from CADIR's CA, expired on 2020-12-31.

keys_issue() {
	local cadir=$1 out=$2 kind=$3 cn=$4 start=$5 end=$6 t rc=0
	t=$(mktemp -d "${TMPDIR:-/tmp}/sluice-keys-lib.XXXXXX") || return 1
	: >"$t/index.txt"
	openssl rand -hex 16 >"$t/serial"
	cat >"$t/cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
default_ca = lab
[lab]
database = $t/index.txt
new_certs_dir = $t
serial = $t/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
organizationName = optional
commonName = supplied
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost, DNS:sluice
EOF
	(umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out.key") 2>"$t/log" &&
	openssl req -new -config "$t/cnf" -key "$out.key" -subj "/O=Sluice lab/CN=$cn" -out "$t/csr" 2>>"$t/log" &&
	openssl ca -batch -notext -preserveDN -config "$t/cnf" -extensions "${kind}_ext" \
		-cert "$cadir/ca.crt" -keyfile "$cadir/ca.key" -startdate "$start" -enddate "$end" \
		-in "$t/csr" -out "$out.crt" >>"$t/log" 2>&1 || { rc=1; cat "$t/log" >&2; }
	rm -rf "$t"
	return $rc
}

keys_expired_client() {
	mkdir -p "$2" && cp "$1/ca.crt" "$2/ca.crt" &&
		keys_issue "$1" "$2/client" client operator 20200101000000Z 20201231235959Z
}

keys_future_client() {
	mkdir -p "$2" && cp "$1/ca.crt" "$2/ca.crt" &&
		keys_issue "$1" "$2/client" client operator 21200101000000Z 21201231235959Z
}

keys_mix() {
	mkdir -p "$1" && cp "$2/ca.crt" "$1/ca.crt" && cp "$3/client.crt" "$1/client.crt" &&
		(umask 077 && cp "$3/client.key" "$1/client.key")
}

keys_expired_server() {
	mkdir -p "$2" && keys_issue "$1" "$2/server" server sluice 20200101000000Z 20201231235959Z
}
