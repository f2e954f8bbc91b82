/* pcapdiff: compares the frames of two captures, packet for packet, and explains the first
 * differences readably. Timestamps are not compared; frame bytes and count are.
 *
 *   pcapdiff [--quiet] [--max N] EXPECTED GOT
 *
 * Exit status: 0 identical, 1 different, 2 usage or read error.
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	unsigned char *data;
	unsigned len;
};

struct capture {
	struct frame *f;
	size_t n, cap;
};

static int load(const char *path, struct capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p) {
		fprintf(stderr, "pcapdiff: %s: %s\n", path, err);
		return -1;
	}
	struct pcap_pkthdr *h;
	const unsigned char *b;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &b)) == 1) {
		if (c->n == c->cap) {
			size_t ncap = c->cap ? 2 * c->cap : 64;
			struct frame *nf = realloc(c->f, ncap * sizeof(*nf));
			if (!nf) {
				fprintf(stderr, "pcapdiff: out of memory\n");
				pcap_close(p);
				return -1;
			}
			c->f = nf;
			c->cap = ncap;
		}
		struct frame *f = &c->f[c->n];
		f->data = malloc(h->caplen ? h->caplen : 1);
		if (!f->data) {
			fprintf(stderr, "pcapdiff: out of memory\n");
			pcap_close(p);
			return -1;
		}
		memcpy(f->data, b, h->caplen);
		f->len = h->caplen;
		c->n++;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "pcapdiff: %s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}

static void release(struct capture *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
}

/* Prints 16 bytes per line from both frames around offset `at`, marking differing bytes. */
static void hexdiff(const struct frame *a, const struct frame *b, unsigned at)
{
	unsigned start = at & ~15u;
	unsigned end = start + 48;
	unsigned max = a->len > b->len ? a->len : b->len;
	if (end > max)
		end = (max + 15) & ~15u;
	for (unsigned row = start; row < end; row += 16) {
		for (int side = 0; side < 2; side++) {
			const struct frame *f = side ? b : a;
			const struct frame *o = side ? a : b;
			printf("    %s %04x:", side ? "got     " : "expected", row);
			for (unsigned i = row; i < row + 16; i++) {
				if (i >= f->len) {
					printf("   ");
					continue;
				}
				bool diff = i >= o->len || f->data[i] != o->data[i];
				printf("%c%02x", diff ? '*' : ' ', f->data[i]);
			}
			printf("\n");
		}
	}
}

int main(int argc, char **argv)
{
	bool quiet = false;
	long max_report = 5;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--max") && i + 1 < argc) {
			char *end;
			max_report = strtol(argv[++i], &end, 10);
			if (*end || max_report < 1) {
				fprintf(stderr, "pcapdiff: --max: expected a positive number, got '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: pcapdiff [--quiet] [--max N] EXPECTED GOT\n"
			       "Compares the frames of two captures (not their timestamps); exit 0 if identical,\n"
			       "1 if not (the first N differences explained), 2 on error.\n");
			return 0;
		} else {
			fprintf(stderr, "pcapdiff: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: pcapdiff [--quiet] [--max N] EXPECTED GOT\n");
		return 2;
	}
	const char *ea = argv[i], *ga = argv[i + 1];
	struct capture exp = { 0 }, got = { 0 };
	if (load(ea, &exp) || load(ga, &got)) {
		release(&exp);
		release(&got);
		return 2;
	}
	size_t common = exp.n < got.n ? exp.n : got.n;
	long reported = 0;
	size_t differ = 0;
	for (size_t k = 0; k < common; k++) {
		const struct frame *a = &exp.f[k], *b = &got.f[k];
		unsigned n = a->len < b->len ? a->len : b->len;
		unsigned at = 0;
		while (at < n && a->data[at] == b->data[at])
			at++;
		if (at == n && a->len == b->len)
			continue;
		differ++;
		if (quiet || reported++ >= max_report)
			continue;
		if (a->len != b->len)
			printf("frame %zu: length %u expected, %u got; first difference at byte %u\n", k + 1,
			       a->len, b->len, at);
		else
			printf("frame %zu: byte %u differs: 0x%02x expected, 0x%02x got\n", k + 1, at,
			       a->data[at], b->data[at]);
		hexdiff(a, b, at);
	}
	if (exp.n != got.n && !quiet)
		printf("frame count: %zu expected (%s), %zu got (%s)%s\n", exp.n, ea, got.n, ga,
		       exp.n > got.n ? "; frames missing at the end" : "; extra frames at the end");
	bool same = differ == 0 && exp.n == got.n;
	if (!quiet)
		printf("%s: %zu frames compared, %zu differ\n", same ? "identical" : "DIFFERENT", common, differ);
	release(&exp);
	release(&got);
	return same ? 0 : 1;
}
