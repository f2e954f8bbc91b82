/* pcap.c - the classic libpcap file format, written without libpcap.
 *
 * Fields are written in native byte order, as libpcap itself does; readers recognise the
 * order from the magic number. Timestamps are synthetic so that the same input always
 * gives the same bytes: packet i at 1700000000 s + i ms.
 */
#include "capgen.h"

#define PCAP_MAGIC 0xa1b2c3d4u /* microsecond timestamps */
#define PCAP_LINKTYPE_ETHERNET 1u
#define PKTGEN_EPOCH 1700000000u

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};
_Static_assert(sizeof(struct pcap_file_header) == 24, "pcap file header is 24 bytes");

struct pcap_rec_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};
_Static_assert(sizeof(struct pcap_rec_header) == 16, "pcap record header is 16 bytes");

bool pcap_write_header(FILE *f)
{
	const struct pcap_file_header h = {
		.magic = PCAP_MAGIC,
		.version_major = 2,
		.version_minor = 4,
		.snaplen = PKTGEN_MAX_FRAME,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	return fwrite(&h, sizeof h, 1, f) == 1;
}

bool pcap_write_packet(FILE *f, uint64_t index, const uint8_t *data, size_t len)
{
	const struct pcap_rec_header r = {
		.ts_sec = (uint32_t)(PKTGEN_EPOCH + index / 1000),
		.ts_usec = (uint32_t)(index % 1000 * 1000),
		.incl_len = (uint32_t)len,
		.orig_len = (uint32_t)len,
	};
	return fwrite(&r, sizeof r, 1, f) == 1 && (len == 0 || fwrite(data, len, 1, f) == 1);
}
