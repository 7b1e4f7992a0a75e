/* sha1.h — internal: SHA-1 (RFC 3174) and HMAC-SHA1 (RFC 2104), used only to look up OpenSSH's
 * hashed known_hosts names ("|1|salt|hash"). libsodium has no SHA-1. Not for new security uses. */
#ifndef WARPSSH_CRYPTO_SHA1_H
#define WARPSSH_CRYPTO_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define WS_SHA1_LEN 20u
#define WS_SHA1_BLOCK 64u

struct ws_sha1 {
	uint32_t h[5];
	uint64_t total;             /* bytes hashed so far */
	uint8_t block[WS_SHA1_BLOCK];
	size_t fill;                /* bytes waiting in block */
};

void ws_sha1_init(struct ws_sha1 *s);
void ws_sha1_update(struct ws_sha1 *s, const void *data, size_t len);
void ws_sha1_final(struct ws_sha1 *s, uint8_t out[WS_SHA1_LEN]);
void ws_sha1(const void *data, size_t len, uint8_t out[WS_SHA1_LEN]);
void ws_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t msglen, uint8_t out[WS_SHA1_LEN]);

#endif
