/* fuzz_knownhosts.c — known_hosts lookups of a fixed key for a plain host, a host with a port and
 * an IPv6 address; a formatted entry for the same host must then be found. */
#include <stdlib.h>

#include "keys_fuzz.h"
#include "warpssh/knownhosts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lookup(const uint8_t *data, size_t size, const char *host, uint16_t port, const struct ws_key *k)
{
	struct ws_knownhosts_result r;
	FUZZ_ASSERT(ws_knownhosts_lookup((const char *)data, size, "fuzz", host, port, k, &r) == WS_OK);
	FUZZ_ASSERT(r.status <= WS_KNOWNHOSTS_REVOKED);
	FUZZ_ASSERT((r.status == WS_KNOWNHOSTS_NOT_FOUND) == (r.line == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_key k;
	char entry[WS_KNOWNHOSTS_LINE_MAX];
	struct ws_knownhosts_result r;
	fuzz_setup();
	fuzz_fixed_key(&k);
	lookup(data, size, "example.com", 22, &k);
	lookup(data, size, "example.org", 2222, &k);
	lookup(data, size, "::1", 22, &k);
	FUZZ_ASSERT(ws_knownhosts_format_entry("example.org", 2222, &k, size % 2 == 0, entry, sizeof(entry)) == WS_OK);
	FUZZ_ASSERT(ws_knownhosts_lookup(entry, strlen(entry), "entry", "example.org", 2222, &k, &r) == WS_OK);
	FUZZ_ASSERT(r.status == WS_KNOWNHOSTS_MATCH);
	return 0;
}
