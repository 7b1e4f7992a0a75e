/* fuzz_keys_private.c — openssh-key-v1 private key parser; an accepted key must format and
 * parse back to the same key. */
#include <sodium.h>

#include "keys_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_key k, back;
	char text[4096];
	size_t len;
	fuzz_setup();
	if (ws_key_parse_private(&k, (const char *)data, size) != WS_OK)
		return 0;
	FUZZ_ASSERT(k.has_private);
	FUZZ_ASSERT(ws_key_format_private(&k, text, sizeof(text), &len) == WS_OK);
	FUZZ_ASSERT(ws_key_parse_private(&back, text, len) == WS_OK);
	FUZZ_ASSERT(ws_key_equal_public(&k, &back) && sodium_memcmp(k.sk, back.sk, sizeof(k.sk)) == 0);
	FUZZ_ASSERT(strcmp(k.comment, back.comment) == 0);
	ws_key_wipe(&k);
	ws_key_wipe(&back);
	return 0;
}
