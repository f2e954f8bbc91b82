/* ctl_keys.c - sluice-ctl's credentials (ctl_client.h): the files `sluice keys DIR` writes
 * (the lab CA, the client's certificate and key) or a pre-shared key, read and checked
 * before any connection is made, so that a wrong file is named as such. */
#include "ctl_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mbedtls/platform_util.h"


/* The whole file, NUL-terminated (PEM parsers want it), at most CTL_CRED_FILE_MAX bytes. */
static int read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ctl_failf(err, errlen, "%s: cannot read it: %s", path, strerror(errno));
	unsigned char *b = malloc(CTL_CRED_FILE_MAX + 1);
	if (!b) {
		fclose(f);
		return ctl_failf(err, errlen, "%s: no memory to read it", path);
	}
	size_t n = fread(b, 1, CTL_CRED_FILE_MAX + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || n > CTL_CRED_FILE_MAX) {
		mbedtls_platform_zeroize(b, CTL_CRED_FILE_MAX + 1);
		free(b);
		return bad ? ctl_failf(err, errlen, "%s: cannot read it", path)
			   : ctl_failf(err, errlen, "%s: over %u bytes: not a certificate or key", path, CTL_CRED_FILE_MAX);
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static void drop_file(unsigned char *buf, size_t len)
{
	mbedtls_platform_zeroize(buf, len + 1);
	free(buf);
}

/* The length mbedTLS's parsers take: PEM with its NUL, DER as it is. */
static size_t parse_len(const unsigned char *buf, size_t len)
{
	return strstr((const char *)buf, "-----BEGIN ") ? len + 1 : len;
}

static int load_crt(mbedtls_x509_crt *crt, const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	if (read_file(path, &buf, &len, err, errlen))
		return -1;
	int ret = mbedtls_x509_crt_parse(crt, buf, parse_len(buf, len));
	drop_file(buf, len);
	if (ret < 0)
		return ctl_failf(err, errlen, "%s: not an X.509 certificate mbedTLS reads (PEM or DER; mbedTLS -0x%04x)", path,
			     (unsigned)-ret);
	if (ret > 0)
		return ctl_failf(err, errlen, "%s: %d of its certificates could not be read", path, ret);
	return 0;
}

static int load_key(mbedtls_pk_context *key, const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	if (read_file(path, &buf, &len, err, errlen))
		return -1;
	int ret = mbedtls_pk_parse_key(key, buf, parse_len(buf, len), NULL, 0);
	drop_file(buf, len);
	if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
		return ctl_failf(err, errlen, "%s: the key is encrypted; sluice-ctl takes an unencrypted one "
			     "(openssl pkey -in KEY -out PLAIN.key)", path);
	if (ret)
		return ctl_failf(err, errlen, "%s: not a private key mbedTLS reads (PEM or DER: SEC1 EC, unencrypted "
			     "PKCS#8, PKCS#1 RSA; mbedTLS -0x%04x)", path, (unsigned)-ret);
	return 0;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* identity (n bytes) and hex (m digits) into k; from names where they came from. */
static int set_psk(struct ctl_keys *k, const char *id, size_t n, const char *hex, size_t m, const char *from,
		   char *err, size_t errlen)
{
	if (n == 0 || n >= sizeof k->psk_identity)
		return ctl_failf(err, errlen, "%s: the PSK identity must be 1 to %zu bytes", from, sizeof k->psk_identity - 1);
	for (size_t i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] == 0x7f)
			return ctl_failf(err, errlen, "%s: the PSK identity has a space or a control character", from);
	if (m == 0 || m % 2 || m / 2 > CTL_PSK_KEY_MAX)
		return ctl_failf(err, errlen, "%s: the PSK must be 2 to %d hex digits, an even number of them (got %zu)", from,
			     2 * CTL_PSK_KEY_MAX, m);
	for (size_t i = 0; i < m; i += 2) {
		int hi = hexval((unsigned char)hex[i]), lo = hexval((unsigned char)hex[i + 1]);
		if (hi < 0 || lo < 0) {
			mbedtls_platform_zeroize(k->psk_key, sizeof k->psk_key);
			return ctl_failf(err, errlen, "%s: the PSK is not hex digits", from);
		}
		k->psk_key[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(k->psk_identity, id, n);
	k->psk_identity[n] = 0;
	k->psk_len = m / 2;
	k->psk = true;
	return 0;
}

/* "IDENTITY HEX" on the first line of path (the `psk` file `sluice keys --psk` writes). */
static int load_psk_file(struct ctl_keys *k, const char *path, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	if (read_file(path, &buf, &len, err, errlen))
		return -1;
	const char *s = (const char *)buf;
	size_t line = strcspn(s, "\r\n");
	size_t a = strspn(s, " \t");
	size_t id_end = a + strcspn(s + a, " \t\r\n");
	size_t h = id_end + strspn(s + id_end, " \t");
	size_t h_end = h + strcspn(s + h, " \t\r\n");
	size_t rest = h_end + strspn(s + h_end, " \t");
	int ret;
	if (id_end > line || h_end > line || rest != line || h == h_end)
		ret = ctl_failf(err, errlen, "%s: expected one line 'IDENTITY HEXKEY' (as sluice keys --psk writes)", path);
	else
		ret = set_psk(k, s + a, id_end - a, s + h, h_end - h, path, err, errlen);
	drop_file(buf, len);
	return ret;
}

static int join(char *out, const char *dir, const char *name, char *err, size_t errlen)
{
	int n = snprintf(out, CTL_PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= CTL_PATH_MAX)
		return ctl_failf(err, errlen, "%s: a path over %d bytes", dir, CTL_PATH_MAX - 1);
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* DIR/ca.crt, DIR/client.crt and DIR/client.key, the key checked against the certificate. */
static int load_x509(struct ctl_keys *k, const char *dir, char *err, size_t errlen)
{
	char key_path[CTL_PATH_MAX];
	if (join(k->ca_path, dir, "ca.crt", err, errlen) || join(k->crt_path, dir, "client.crt", err, errlen) ||
	    join(key_path, dir, "client.key", err, errlen))
		return -1;
	if (load_crt(&k->ca, k->ca_path, err, errlen) || load_crt(&k->crt, k->crt_path, err, errlen) ||
	    load_key(&k->key, key_path, err, errlen))
		return -1;
	if (mbedtls_pk_check_pair(&k->crt.pk, &k->key))
		return ctl_failf(err, errlen, "%s is not the key of %s", key_path, k->crt_path);
	return 0;
}

int ctl_keys_load(struct ctl_keys *k, const char *dir, const char *psk, const char *psk_file, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	mbedtls_x509_crt_init(&k->ca);
	mbedtls_x509_crt_init(&k->crt);
	mbedtls_pk_init(&k->key);
	if (psk) {
		const char *colon = strrchr(psk, ':');
		if (!colon)
			return ctl_failf(err, errlen, "--psk: expected IDENTITY:HEXKEY");
		return set_psk(k, psk, (size_t)(colon - psk), colon + 1, strlen(colon + 1), "--psk", err, errlen);
	}
	if (psk_file)
		return load_psk_file(k, psk_file, err, errlen);
	if (!dir || !*dir)
		return ctl_failf(err, errlen, "no credentials: give --keys DIR (or set SLUICE_KEYS), --psk IDENTITY:HEX "
			     "or --psk-file FILE (sluice keys DIR writes them)");
	char path[CTL_PATH_MAX];
	if (join(path, dir, "client.crt", err, errlen))
		return -1;
	if (exists(path))
		return load_x509(k, dir, err, errlen);
	if (join(path, dir, "psk", err, errlen))
		return -1;
	if (exists(path))
		return load_psk_file(k, path, err, errlen);
	return ctl_failf(err, errlen, "%s: no client.crt (nor psk) in it: sluice keys %s writes them", dir, dir);
}

void ctl_keys_free(struct ctl_keys *k)
{
	mbedtls_x509_crt_free(&k->ca);
	mbedtls_x509_crt_free(&k->crt);
	mbedtls_pk_free(&k->key);
	mbedtls_platform_zeroize(k->psk_key, sizeof k->psk_key);
}
