/* sluice-inject: sends captures into network interfaces, frame by frame, in timestamp
 * order across all of them, with a pause between frames so that whatever is on the other
 * side handles each before the next (the differential test drives a Linux router in a
 * network namespace with it, the way replay cases drive the hosted apps).
 *
 *   sluice-inject [--gap-ms N] IFACE=IN.pcap [IFACE=IN.pcap ...]
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_IN 8

struct input {
	pcap_t *in, *out;
	const char *name;
	struct pcap_pkthdr *h;
	const u_char *data;
	bool have;
};

static bool next(struct input *s)
{
	int rc = pcap_next_ex(s->in, &s->h, &s->data);
	s->have = rc == 1;
	return s->have;
}

static bool earlier(const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
	return a->ts.tv_sec < b->ts.tv_sec || (a->ts.tv_sec == b->ts.tv_sec && a->ts.tv_usec < b->ts.tv_usec);
}

int main(int argc, char **argv)
{
	struct input s[MAX_IN];
	unsigned n = 0;
	long gap_ms = 20;
	char err[PCAP_ERRBUF_SIZE];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--gap-ms") && i + 1 < argc) {
			gap_ms = strtol(argv[++i], NULL, 10);
			continue;
		}
		char *eq = strchr(argv[i], '=');
		if (!eq || n == MAX_IN) {
			fprintf(stderr, "usage: sluice-inject [--gap-ms N] IFACE=IN.pcap [IFACE=IN.pcap ...] (at most %d)\n", MAX_IN);
			return 2;
		}
		*eq = 0;
		s[n].name = argv[i];
		if (!(s[n].in = pcap_open_offline(eq + 1, err))) {
			fprintf(stderr, "sluice-inject: %s: %s\n", eq + 1, err);
			return 1;
		}
		if (!(s[n].out = pcap_open_live(argv[i], 65535, 0, 10, err))) {
			fprintf(stderr, "sluice-inject: %s: %s\n", argv[i], err);
			return 1;
		}
		next(&s[n]);
		n++;
	}
	unsigned long sent = 0;
	struct timespec gap = { gap_ms / 1000, (gap_ms % 1000) * 1000000 };
	for (;;) {
		int pick = -1;
		for (unsigned k = 0; k < n; k++)
			if (s[k].have && (pick < 0 || earlier(s[k].h, s[pick].h)))
				pick = (int)k;
		if (pick < 0)
			break;
		if (pcap_inject(s[pick].out, s[pick].data, s[pick].h->caplen) < 0) {
			fprintf(stderr, "sluice-inject: %s: %s\n", s[pick].name, pcap_geterr(s[pick].out));
			return 1;
		}
		sent++;
		nanosleep(&gap, NULL);
		next(&s[pick]);
	}
	for (unsigned k = 0; k < n; k++) {
		pcap_close(s[k].in);
		pcap_close(s[k].out);
	}
	printf("sluice-inject: %lu frames sent\n", sent);
	return 0;
}
