/* hq_fixture.c - what unit-hq's files share (hq_fixture.h): the request parsed into, a
 * buffer to write heads in, and hq_parse over exact-size heap copies. */
#include "hq_fixture.h"

#include <stdlib.h>
#include <string.h>

struct hq_req req;
char buf[HQ_HEAD_MAX * 2];

/* hq_parse over a copy of exactly n bytes, so that ASan sees any read past the end. */
int parse_n(const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	memcpy(copy, s, n);
	int st = hq_parse(copy, n, &req);
	free(copy);
	return st;
}

int parse(const char *s)
{
	return parse_n(s, strlen(s));
}
