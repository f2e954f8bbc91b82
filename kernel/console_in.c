/* Console input: what the operator (or a test) types on the serial line while the app
 * runs, read once a millisecond without blocking.
 *
 *   Ctrl-C                         stop: print the counters and leave
 *   Ctrl-R, LEN, newline, LEN bytes  replace the app's config with those bytes (reload)
 *
 * LEN is decimal, at most KERN_CONSOLE_CONFIG_MAX. The bytes of a reload must keep coming:
 * a pause of over KERN_CONSOLE_IDLE_MS abandons it. Anything else typed is ignored. */
#include "kern_internal.h"
#include "kern_run.h"

#include <stdlib.h>
#include <string.h>

#define COM1_LSR 0x3fd
#define COM1_DATA 0x3f8
#define KERN_CONSOLE_CONFIG_MAX (1u << 20)
#define KERN_CONSOLE_IDLE_MS 5000
#define READS_PER_POLL 4096   /* bytes at most per call: the poll loop goes on */

enum { IDLE, LENGTH, BODY };

static struct {
	int state;
	size_t want, got, len_digits;
	char *buf;
	uint64_t last_ms;
} in;

static void abandon(const char *why)
{
	kern_printf("sluice: console reload abandoned: %s\n", why);
	free(in.buf);
	in.buf = NULL;
	in.state = IDLE;
}

enum kern_console_event kern_console_poll(uint64_t now_ms, const char **data, size_t *len)
{
	if (in.state == BODY && in.got < in.want && now_ms - in.last_ms > KERN_CONSOLE_IDLE_MS)
		abandon("no byte for 5 s");
	for (unsigned i = 0; i < READS_PER_POLL && (inb(COM1_LSR) & 0x01); i++) {
		uint8_t c = inb(COM1_DATA);
		in.last_ms = now_ms;
		if (in.state == BODY) {
			in.buf[in.got++] = (char)c;
			if (in.got == in.want) {
				in.state = IDLE;
				*data = in.buf;
				*len = in.got;
				return KERN_CONSOLE_RELOAD;
			}
			continue;
		}
		if (c == 0x03) {
			if (in.state != IDLE)
				abandon("Ctrl-C");
			return KERN_CONSOLE_STOP;
		}
		if (in.state == IDLE) {
			if (c == 0x12) {
				in.state = LENGTH;
				in.want = 0;
				in.len_digits = 0;
			}
			continue;
		}
		/* LENGTH */
		if (c >= '0' && c <= '9' && in.len_digits < 8) {
			in.want = in.want * 10 + (c - '0');
			in.len_digits++;
		} else if ((c == '\n' || c == '\r') && in.len_digits) {
			if (in.want == 0 || in.want > KERN_CONSOLE_CONFIG_MAX) {
				abandon("the length must be 1 to 1048576 bytes");
				continue;
			}
			in.buf = malloc(in.want + 1);
			if (!in.buf) {
				abandon("no memory for the config");
				continue;
			}
			in.got = 0;
			in.state = BODY;
		} else {
			abandon("expected the config's length in bytes, then a newline");
		}
	}
	return KERN_CONSOLE_NONE;
}

void kern_console_done(const char *data)
{
	if (data == in.buf) {
		free(in.buf);
		in.buf = NULL;
	}
}
