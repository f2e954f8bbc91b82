/* The contract's look-ups over the config blobs (plat.h), one implementation for both
 * platforms over each one's plat_config(). */
#include "plat.h"

#include <string.h>

/* name's last path component */
static const char *base_of(const char *name)
{
	const char *b = name;
	for (; *name; name++)
		if (*name == '/')
			b = name + 1;
	return b;
}

bool plat_blob_credential(const char *name)
{
	static const char *const creds[] = { "ca.crt", "server.crt", "server.key", "psk", "https.crt", "https.key" };
	const char *b = base_of(name);
	for (unsigned i = 0; i < sizeof(creds) / sizeof(creds[0]); i++)
		if (!strcmp(b, creds[i]))
			return true;
	return false;
}

bool plat_config_named(const char *base, struct plat_blob *out)
{
	for (unsigned i = 0; plat_config(i, out); i++)
		if (!strcmp(base_of(out->name), base))
			return true;
	return false;
}
