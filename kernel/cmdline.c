/* The boot command line: space-separated key=value words. Unknown keys and malformed
 * values are refused with the word's column, so a typo never boots silently. */
#include "kern_internal.h"

#include <string.h>

static void refuse(const char *s, const char *word, size_t wlen, const char *why)
{
	kern_printf("sluice: command line column %u: '%.*s': %s\n", (unsigned)(word - s + 1), (int)wlen, word, why);
}

int kern_cmdline_parse(const char *s, struct kern_cmdline *out)
{
	memset(out, 0, sizeof(*out));
	out->log = KERN_LOG_INFO;
	if (!s)
		return 0;
	const char *p = s;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *word = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		size_t wlen = (size_t)(p - word);
		const char *eq = memchr(word, '=', wlen);
		if (!eq) {
			refuse(s, word, wlen, "expected key=value");
			return -1;
		}
		size_t klen = (size_t)(eq - word), vlen = wlen - klen - 1;
		const char *val = eq + 1;
		if (klen == 4 && !memcmp(word, "exit", 4)) {
			if (vlen == 5 && !memcmp(val, "ready", 5)) {
				out->exit_ready = true;
			} else {
				refuse(s, word, wlen, "exit takes 'ready'");
				return -1;
			}
		} else if (klen == 4 && !memcmp(word, "test", 4)) {
			static const char *const tests[] = { "fault", "wx", "null", "overflow" };
			out->test = NULL;
			for (unsigned i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
				if (vlen == strlen(tests[i]) && !memcmp(val, tests[i], vlen))
					out->test = tests[i];
			if (!out->test) {
				refuse(s, word, wlen, "test takes fault, wx, null or overflow");
				return -1;
			}
		} else if (klen == 3 && !memcmp(word, "log", 3)) {
			if (vlen == 5 && !memcmp(val, "quiet", 5))
				out->log = KERN_LOG_QUIET;
			else if (vlen == 4 && !memcmp(val, "info", 4))
				out->log = KERN_LOG_INFO;
			else if (vlen == 5 && !memcmp(val, "debug", 5))
				out->log = KERN_LOG_DEBUG;
			else {
				refuse(s, word, wlen, "log takes quiet, info or debug");
				return -1;
			}
		} else if (klen == 4 && !memcmp(word, "opts", 4)) {
			if (vlen >= sizeof(out->opts)) {
				refuse(s, word, wlen, "opts is longer than 511 characters");
				return -1;
			}
			for (size_t i = 0; i < vlen; i++) /* commas stand for the spaces a word cannot hold */
				out->opts[i] = val[i] == ',' ? ' ' : val[i];
			out->opts[vlen] = 0;
		} else if (klen == 4 && !memcmp(word, "mgmt", 4)) {
			if (!vlen || vlen >= sizeof(out->mgmt)) {
				refuse(s, word, wlen, "mgmt takes the management NIC's addresses (dhcp, ip=A.B.C.D/N,gw=...), up to 127 characters");
				return -1;
			}
			memcpy(out->mgmt, val, vlen);
			out->mgmt[vlen] = 0;
		} else if (klen == 7 && !memcmp(word, "metrics", 7)) {
			unsigned v = 0;
			size_t i = 0;
			for (; i < vlen && i < 6 && val[i] >= '0' && val[i] <= '9'; i++)
				v = v * 10 + (unsigned)(val[i] - '0');
			if (!vlen || i != vlen || v == 0 || v > 65535) {
				refuse(s, word, wlen, "metrics takes a TCP port, 1 to 65535");
				return -1;
			}
			out->metrics_port = (uint16_t)v;
		} else if (klen == 5 && !memcmp(word, "clock", 5)) {
			int64_t v = 0;
			size_t i = 0;
			for (; i < vlen && i < 11 && val[i] >= '0' && val[i] <= '9'; i++)   /* up to the year 5138 */
				v = v * 10 + (val[i] - '0');
			if (!vlen || i != vlen || v == 0) {
				refuse(s, word, wlen, "clock takes seconds since 1970 UTC (date +%s)");
				return -1;
			}
			out->clock_s = v;
		} else if (klen == 18 && !memcmp(word, "virtio_mmio.device", 18)) {
			if (kern_cmdline_virtio_mmio(val, vlen, out) != 0) {
				refuse(s, word, wlen, "expected SIZE@0xBASE:IRQ (at most 8 of them)");
				return -1;
			}
		} else {
			refuse(s, word, wlen, "unknown key (known: clock, exit, log, metrics, mgmt, opts, test, virtio_mmio.device)");
			return -1;
		}
	}
	return 0;
}
