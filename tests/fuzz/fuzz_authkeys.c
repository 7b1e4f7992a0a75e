/* fuzz_authkeys.c — authorized_keys lookup for a fixed key from three client addresses, and the
 * option-string parser on the raw input. WS_OK must come with a from= list that admits the client. */
#include "keys_fuzz.h"
#include "warpssh/authkeys.h"
#include "warpssh/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = {"127.0.0.1", "10.1.2.3", "2001:db8::7"};
	static struct ws_authkeys_entry e; /* large: keep it off the stack */
	struct ws_key k;
	fuzz_setup();
	fuzz_fixed_key(&k);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		int rc = ws_authkeys_find((const char *)data, size, &k, addrs[i], i == 1 ? "h.example.com" : NULL,
					  "fuzz", &e);
		FUZZ_ASSERT(rc == WS_OK || rc == WS_ERR_NOT_FOUND || rc == WS_ERR_AUTH);
		if (rc == WS_OK && e.has_from)
			FUZZ_ASSERT(ws_match_host_and_addr(i == 1 ? "h.example.com" : NULL, addrs[i],
							   ws_bytes_of(e.from)));
	}
	int rc = ws_authkeys_parse_options((const char *)data, size, &e);
	FUZZ_ASSERT(rc == WS_OK || (rc == WS_ERR_FORMAT && e.reason[0] != '\0'));
	return 0;
}
