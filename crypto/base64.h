/* base64.h — internal: RFC 4648 §4 base64 (standard alphabet) for key files, public key lines,
 * fingerprints and hashed known_hosts entries. Thin checked wrappers around libsodium's codec. */
#ifndef WARPSSH_CRYPTO_BASE64_H
#define WARPSSH_CRYPTO_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

/* Characters (without the NUL) that n bytes encode to, with or without '=' padding. */
size_t ws_base64_encoded_len(size_t n, bool pad);
/* Encode n bytes into out as a NUL-terminated string; WS_ERR_NO_SPACE if it does not fit. */
WS_MUST_USE int ws_base64_encode(const uint8_t *in, size_t n, bool pad, char *out, size_t outsz);
/* Decode exactly len characters of padded base64, skipping any byte in `ignore` (may be NULL).
 * Non-canonical or malformed input is WS_ERR_FORMAT; output over outsz is WS_ERR_NO_SPACE. */
WS_MUST_USE int ws_base64_decode(const char *in, size_t len, const char *ignore, uint8_t *out,
				 size_t outsz, size_t *outlen);
/* Most bytes len base64 characters can decode to (an upper bound for sizing buffers). */
static inline size_t ws_base64_decoded_max(size_t len) { return len / 4 * 3 + 3; }

#endif
