/* fuzz_keys_public.c — "ssh-ed25519 AAAA… comment" parser; an accepted line must format and
 * parse back to the same key and fingerprint. */
#include "keys_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_key k, back;
	char line[1024], fp1[WS_FINGERPRINT_MAX], fp2[WS_FINGERPRINT_MAX];
	fuzz_setup();
	if (ws_key_parse_public(&k, (const char *)data, size) != WS_OK)
		return 0;
	FUZZ_ASSERT(!k.has_private);
	FUZZ_ASSERT(ws_key_format_public(&k, line, sizeof(line)) == WS_OK);
	FUZZ_ASSERT(ws_key_parse_public(&back, line, strlen(line)) == WS_OK);
	FUZZ_ASSERT(ws_key_equal_public(&k, &back));
	ws_key_fingerprint(&k, fp1);
	ws_key_fingerprint(&back, fp2);
	FUZZ_ASSERT(strncmp(fp1, "SHA256:", 7) == 0 && strcmp(fp1, fp2) == 0);
	return 0;
}
