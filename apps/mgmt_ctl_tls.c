/* The control socket's credentials and TLS config (mgmt_ctl.h). They come from the
 * platform's blobs (plat_config_named): the image's boot bundle, hosted --keys DIR:
 *
 *   ca.crt       the CA that signs the operators' client certificates (mutual TLS)
 *   server.crt   the appliance's certificate (chain), and
 *   server.key   its private key (ECDSA P-256 from `sluice keys`; RSA works too)
 *   psk          optional: TLS-PSK, one "IDENTITY HEXKEY" a line ('#' comments)
 *
 * ca.crt, server.crt and server.key come together or not at all; a psk file alone makes a
 * PSK-only control socket. TLS 1.2 only, the AEAD suites tls/mbedtls_config.h compiles
 * in; a client certificate is required on the certificate suites (authmode required), and
 * checked against the CA with its dates against the platform's wall clock (plat_wall_s):
 * without one, every certificate fails (mbedTLS fails closed) and the log says so.
 */
#include "mgmt_ctl.h"
#include "plat.h"
#include "tls.h"

#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"

#include <stdlib.h>
#include <string.h>

#define PSK_MAX 16
#define PSK_ID_MAX 64
#define PSK_KEY_MIN 16
#define PSK_KEY_MAX 64

struct psk {
	char id[PSK_ID_MAX + 1];
	size_t id_len;
	uint8_t key[PSK_KEY_MAX];
	size_t key_len;
};

static struct {
	bool ready;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	struct psk psk[PSK_MAX];
	unsigned n_psk;
} t;

mbedtls_ssl_config *mgc_tls_conf(void)
{
	return &t.conf;
}

const uint8_t *mgc_psk_find(const unsigned char *identity, size_t len, size_t *keylen)
{
	for (unsigned i = 0; i < t.n_psk; i++) {
		if (t.psk[i].id_len == len && !memcmp(t.psk[i].id, identity, len)) {
			*keylen = t.psk[i].key_len;
			return t.psk[i].key;
		}
	}
	return NULL;
}

unsigned mgc_psk_count(void)
{
	return t.n_psk;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "IDENTITY HEXKEY" lines. -1 with "NAME:LINE:COL: why". */
static int psk_parse(const struct plat_blob *b, char *err, size_t errlen)
{
	const char *p = b->data, *end = p + b->len;
	unsigned line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *ls = p;
		line++;
		p = nl ? nl + 1 : end;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (s == le || *s == '#' || (le - s == 1 && *s == '\r'))
			continue;
		const char *id = s;
		while (s < le && *s != ' ' && *s != '\t')
			s++;
		size_t id_len = (size_t)(s - id);
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		const char *hex = s;
		while (s < le && hexval(*s) >= 0)
			s++;
		size_t hex_len = (size_t)(s - hex);
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		unsigned col = (unsigned)(hex - ls) + 1;
		if (id_len > PSK_ID_MAX)
			return plat_snprintf(err, errlen, "%s:%u:1: an identity over %u bytes", b->name, line, PSK_ID_MAX), -1;
		if (s != le || !hex_len || hex_len % 2)
			return plat_snprintf(err, errlen, "%s:%u:%u: expected IDENTITY HEXKEY (an even number of hex digits)",
					     b->name, line, col), -1;
		if (hex_len / 2 < PSK_KEY_MIN || hex_len / 2 > PSK_KEY_MAX)
			return plat_snprintf(err, errlen, "%s:%u: a key of %zu bytes: %u to %u, please", b->name, line,
					     hex_len / 2, PSK_KEY_MIN, PSK_KEY_MAX), -1;
		for (unsigned i = 0; i < t.n_psk; i++)
			if (t.psk[i].id_len == id_len && !memcmp(t.psk[i].id, id, id_len))
				return plat_snprintf(err, errlen, "%s:%u:1: identity '%.*s' given twice", b->name, line,
						     (int)id_len, id), -1;
		if (t.n_psk == PSK_MAX)
			return plat_snprintf(err, errlen, "%s:%u:1: over %u identities", b->name, line, PSK_MAX), -1;
		struct psk *k = &t.psk[t.n_psk++];
		memcpy(k->id, id, id_len);
		k->id[id_len] = 0;
		k->id_len = id_len;
		k->key_len = hex_len / 2;
		for (size_t i = 0; i < k->key_len; i++)
			k->key[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	}
	if (!t.n_psk)
		return plat_snprintf(err, errlen, "%s: no identity in it", b->name), -1;
	return 0;
}

static int parse_pem(const struct plat_blob *b, bool key, mbedtls_x509_crt *crt, char *err, size_t errlen)
{
	return tls_parse_pem(b->name, b->data, b->len, key ? NULL : crt, key ? &t.key : NULL, err, errlen);
}

static const int suites_cert[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
static const int suites_psk[] = {
	MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
};
static int suites[sizeof(suites_cert) / sizeof(int) + sizeof(suites_psk) / sizeof(int) + 1];

int mgc_tls_setup(char *what, size_t wlen, char *err, size_t errlen)
{
	struct plat_blob ca, crt, key, psk;
	bool has_ca = plat_config_named("ca.crt", &ca), has_crt = plat_config_named("server.crt", &crt);
	bool has_key = plat_config_named("server.key", &key), has_psk = plat_config_named("psk", &psk);
	bool certs = has_ca || has_crt || has_key;
	if (!certs && !has_psk)
		return 0;
	if (certs && !(has_ca && has_crt && has_key))
		return plat_snprintf(err, errlen, "control socket: ca.crt, server.crt and server.key come together; %s is "
				     "missing", !has_ca ? "ca.crt" : !has_crt ? "server.crt" : "server.key"), -1;
	mgc_tls_free();
	mbedtls_ssl_config_init(&t.conf);
	mbedtls_x509_crt_init(&t.ca);
	mbedtls_x509_crt_init(&t.crt);
	mbedtls_pk_init(&t.key);
	t.ready = true;
	if (tls_init(err, errlen) != 0)
		return -1;
	tls_set_wall_clock(plat_wall_s);
	if (certs && (parse_pem(&ca, false, &t.ca, err, errlen) || parse_pem(&crt, false, &t.crt, err, errlen) ||
		      parse_pem(&key, true, NULL, err, errlen)))
		goto fail;
	if (certs && mbedtls_pk_check_pair(&t.crt.pk, &t.key) != 0) {
		plat_snprintf(err, errlen, "%s is not the key of %s", key.name, crt.name);
		goto fail;
	}
	if (has_psk && psk_parse(&psk, err, errlen) != 0)
		goto fail;
	if (mbedtls_ssl_config_defaults(&t.conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		plat_snprintf(err, errlen, "control socket: TLS defaults refused");
		goto fail;
	}
	mbedtls_ssl_conf_min_version(&t.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&t.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&t.conf, tls_rng, NULL);
	unsigned n = 0;
	if (certs) {
		mbedtls_ssl_conf_authmode(&t.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		mbedtls_ssl_conf_ca_chain(&t.conf, &t.ca, NULL);
		if (mbedtls_ssl_conf_own_cert(&t.conf, &t.crt, &t.key) != 0) {
			plat_snprintf(err, errlen, "control socket: no memory for the server certificate");
			goto fail;
		}
		for (unsigned i = 0; i < sizeof(suites_cert) / sizeof(int); i++)
			suites[n++] = suites_cert[i];
	}
	if (has_psk)
		for (unsigned i = 0; i < sizeof(suites_psk) / sizeof(int); i++)
			suites[n++] = suites_psk[i];
	suites[n] = 0;
	mbedtls_ssl_conf_ciphersuites(&t.conf, suites);
	char ca_dn[96] = "";
	if (certs && mbedtls_x509_dn_gets(ca_dn, sizeof(ca_dn), &t.ca.subject) < 0)
		ca_dn[0] = 0;
	plat_snprintf(what, wlen, "TLS 1.2, %s%s%s%s%s", certs ? "client certificates from " : "", ca_dn,
		      certs && has_psk ? " or " : "", has_psk ? "PSK" : "", "");
	if (has_psk) {
		size_t l = strlen(what);
		plat_snprintf(what + l, wlen - l, " (%u identit%s)", t.n_psk, t.n_psk == 1 ? "y" : "ies");
	}
	if (certs && plat_wall_s() <= 0)
		plat_log(PLAT_LOG_WARN, "sluice: control: no wall clock: every client certificate will be refused (its "
				      "dates cannot be checked); boot with clock=SECONDS (sluice run passes it) or use a PSK");
	return 1;
fail:
	mgc_tls_free();
	return -1;
}

void mgc_tls_free(void)
{
	if (!t.ready)
		return;
	mbedtls_ssl_config_free(&t.conf);
	mbedtls_x509_crt_free(&t.ca);
	mbedtls_x509_crt_free(&t.crt);
	mbedtls_pk_free(&t.key);
	mbedtls_platform_zeroize(t.psk, sizeof(t.psk));
	t.n_psk = 0;
	t.ready = false;
}
