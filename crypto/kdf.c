/* kdf.c — session key derivation of RFC 4253 §7.2 with SHA-256 (the hash of curve25519-sha256),
 * including the extension for keys longer than one hash output. */
#include <sodium.h>
#include <string.h>

#include "crypto/kex.h"

#define KDF_MAX_BLOCKS 4u

int ws_kdf_derive(const uint8_t *k_mpint, size_t k_len, const uint8_t h[WS_KEX_HASH_LEN], char letter,
		  const uint8_t *session_id, size_t sid_len, uint8_t *out, size_t out_len)
{
	uint8_t blocks[KDF_MAX_BLOCKS * WS_KEX_HASH_LEN];
	crypto_hash_sha256_state st;
	uint8_t x = (uint8_t)letter;
	WS_ENSURE(out_len <= sizeof(blocks), WS_ERR_INVALID_ARG);
	/* K1 = HASH(K || H || X || session_id) */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, k_mpint, k_len);
	crypto_hash_sha256_update(&st, h, WS_KEX_HASH_LEN);
	crypto_hash_sha256_update(&st, &x, 1);
	crypto_hash_sha256_update(&st, session_id, sid_len);
	crypto_hash_sha256_final(&st, blocks);
	/* Kn = HASH(K || H || K1 || ... || K(n-1)); key = K1 || K2 || ... */
	for (size_t have = WS_KEX_HASH_LEN; have < out_len; have += WS_KEX_HASH_LEN) {
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, k_mpint, k_len);
		crypto_hash_sha256_update(&st, h, WS_KEX_HASH_LEN);
		crypto_hash_sha256_update(&st, blocks, have);
		crypto_hash_sha256_final(&st, blocks + have);
	}
	memcpy(out, blocks, out_len);
	sodium_memzero(blocks, sizeof(blocks));
	sodium_memzero(&st, sizeof(st));
	return WS_OK;
}
