/* main.c - capgen: reproducible pcap files from a text description of packets.
 *
 *   capgen [-o OUT.pcap] FILE.pkts...
 *
 * Every input is read and every frame built before anything is written, so an input
 * error leaves no output behind; a failed write removes the partial file. Exit status:
 * 0 success, 1 an error in the input (or reading or writing a file), 2 a usage error.
 */
#include "capgen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ERRORS 20

static const char usage_text[] =
	"usage: capgen [-o OUT.pcap] FILE.pkts...\n"
	"       capgen --help\n";

static const char help_text[] =
	"Writes a pcap file (Ethernet, microsecond timestamps) of the packets that FILE.pkts\n"
	"describe, one packet per line, to OUT.pcap or to standard output if that is not a\n"
	"terminal. FILE '-' is standard input. Packet i is stamped 1700000000 s + i ms.\n"
	"\n"
	"Options:\n"
	"  -o, --output OUT.pcap  write here ('-': standard output)\n"
	"  -h, --help             show this help\n"
	"\n"
	"A line is layers separated by '/', each 'name key=value ...'; '#' starts a comment:\n"
	"  eth src=MAC dst=MAC [type=N]\n"
	"  vlan id=N [pcp=N] [dei=0|1] [tpid=N] [type=N]\n"
	"  arp op=request|reply|N sha=MAC spa=IPv4 tha=MAC tpa=IPv4 [htype= ptype= hlen= plen=]\n"
	"  ipv4 src=IPv4 dst=IPv4 [ttl= id= tos= df=1 mf=1 frag=BYTES proto= ihl= len= csum= opts=HEX ver=]\n"
	"  ipv6 src=IPv6 dst=IPv6 [hlim= flow= tc= nh= plen= ver=]\n"
	"  ip6ext type=hbh|rt|dst|frag [len= nh= data=HEX | rtype= segs= (rt) | off=BYTES m=1 id= (frag)]\n"
	"  tcp sport=N dport=N [seq= ack= flags=FSRPAUEC win= doff= opts=HEX csum= urp=]\n"
	"  udp sport=N dport=N [len= csum=]\n"
	"  icmp type=N code=N [id= seq= csum=]        icmp6 type=N code=N [id= seq= csum=]\n"
	"  payload len=N [fill=N] | payload hex=HEX | payload text=\"...\"\n"
	"  raw hex=HEX\n"
	"then optional modifiers: repeat N (copies), trunc N (cut to N bytes), pad N (zero-pad\n"
	"to N bytes), at N (stamp it 1700000000 s + N ms; the next ones follow on), in the order written. Types, protocols, lengths and checksums are derived\n"
	"unless given. Numbers are decimal or 0x-hex. See docs/CAPGEN.md.\n";

struct frame {
	uint8_t *data;
	size_t len;
	uint32_t count;
	int64_t at;      /* "at N": its timestamp in ms after the epoch, -1 to follow on */
};

struct frames {
	struct frame *v;
	size_t n, cap;
};

static bool add_frame(struct frames *fr, const uint8_t *data, size_t len, uint32_t count, int64_t at)
{
	if (fr->n == fr->cap) {
		size_t cap = fr->cap ? 2 * fr->cap : 64;
		struct frame *v = realloc(fr->v, cap * sizeof *v);
		if (!v)
			return false;
		fr->v = v;
		fr->cap = cap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return false;
	if (len)
		memcpy(copy, data, len);
	fr->v[fr->n++] = (struct frame){ copy, len, count, at };
	return true;
}

/* Reads one input into fr. Returns false on a failure that stops everything (I/O, memory,
 * too many errors); input errors are reported and counted in *errors. */
static bool read_input(const char *path, struct frames *fr, uint8_t *buf, struct line *ln, unsigned *errors)
{
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	if (!f) {
		fprintf(stderr, "capgen: %s: %s\n", path, strerror(errno));
		++*errors;
		return false;
	}
	struct loc at = { is_stdin ? "<stdin>" : path, 0 };
	char *s = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = true;
	while (ok && (n = getline(&s, &cap, f)) >= 0) {
		at.line++;
		if (n > 0 && s[n - 1] == '\n')
			n--;
		int r = parse_line(&at, s, (size_t)n, ln);
		size_t len;
		uint32_t count;
		if (r == 0)
			continue;
		if (r < 0 || !build_line(&at, ln, buf, &len, &count)) {
			if (++*errors >= MAX_ERRORS) {
				fprintf(stderr, "capgen: too many errors, stopping\n");
				ok = false;
			}
			continue;
		}
		int64_t stamp = -1;
		for (unsigned m = 0; m < ln->n_mods; m++)
			if (ln->mods[m].kind == M_AT)
				stamp = ln->mods[m].n;
		if (!add_frame(fr, buf, len, count, stamp)) {
			fprintf(stderr, "capgen: out of memory\n");
			++*errors;
			ok = false;
		}
	}
	if (ok && ferror(f)) {
		fprintf(stderr, "capgen: %s: %s\n", at.file, strerror(errno));
		++*errors;
		ok = false;
	}
	free(s);
	if (!is_stdin)
		fclose(f);
	return ok;
}

/* Writes the capture; removes a partial output file on failure. */
static bool write_output(const char *out, const struct frames *fr)
{
	bool to_stdout = strcmp(out, "-") == 0;
	const char *name = to_stdout ? "<stdout>" : out;
	FILE *f = to_stdout ? stdout : fopen(out, "wb");
	if (!f) {
		fprintf(stderr, "capgen: %s: %s\n", out, strerror(errno));
		return false;
	}
	struct stat st;
	bool regular = !to_stdout && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
	bool ok = pcap_write_header(f);
	uint64_t index = 0;
	for (size_t i = 0; ok && i < fr->n; i++) {
		if (fr->v[i].at >= 0)
			index = (uint64_t)fr->v[i].at;
		for (uint32_t c = 0; ok && c < fr->v[i].count; c++)
			ok = pcap_write_packet(f, index++, fr->v[i].data, fr->v[i].len);
	}
	ok = fflush(f) == 0 && ok && !ferror(f);
	int err = errno;
	if (!to_stdout && fclose(f) != 0 && ok) {
		ok = false;
		err = errno;
	}
	if (!ok) {
		fprintf(stderr, "capgen: %s: write failed: %s\n", name, strerror(err));
		if (regular)
			unlink(out);
	}
	return ok;
}

static int usage_error(const char *msg)
{
	if (msg)
		fprintf(stderr, "capgen: %s\n", msg);
	fputs(usage_text, stderr);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out)
				return usage_error("-o given twice");
			if (!*optarg)
				return usage_error("-o needs a file name");
			out = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs("\n", stdout);
			fputs(help_text, stdout);
			return 0;
		case ':':
			return usage_error("-o needs a file name");
		default:
			if (optopt)
				fprintf(stderr, "capgen: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "capgen: unknown option '%s'\n", argv[optind - 1]);
			return usage_error(NULL);
		}
	}
	if (optind >= argc)
		return usage_error("no input files");
	if (!out)
		out = "-";
	if (strcmp(out, "-") == 0 && isatty(STDOUT_FILENO))
		return usage_error("standard output is a terminal: give -o OUT.pcap or redirect it");

	static uint8_t buf[PKTGEN_MAX_FRAME];
	struct frames fr = { 0 };
	struct line ln = { 0 };
	unsigned errors = 0;
	for (int i = optind; i < argc; i++)
		if (!read_input(argv[i], &fr, buf, &ln, &errors))
			break;
	line_clear(&ln);
	free(ln.layers);
	bool ok = errors == 0 && write_output(out, &fr);
	for (size_t i = 0; i < fr.n; i++)
		free(fr.v[i].data);
	free(fr.v);
	return ok ? 0 : 1;
}
