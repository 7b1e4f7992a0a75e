/* kex.h — crypto-internal key exchange primitives for the transport: X25519 (RFC 7748) for
 * curve25519-sha256 (RFC 8731), the exchange hash H (RFC 4253 §8) and the key derivation (§7.2). */
#ifndef WARPSSH_CRYPTO_KEX_H
#define WARPSSH_CRYPTO_KEX_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

#define WS_X25519_LEN 32u
#define WS_KEX_HASH_LEN 32u           /* SHA-256, the hash of both curve25519-sha256 names */
#define WS_KEX_SECRET_MPINT_MAX 37u   /* uint32 length || 0x00 guard || 32 bytes */

struct ws_x25519_keypair {
	uint8_t pub[WS_X25519_LEN];
	uint8_t priv[WS_X25519_LEN];
};

/* Fresh ephemeral key pair. */
WS_MUST_USE int ws_x25519_generate(struct ws_x25519_keypair *kp);
/* Shared secret K, already encoded as the mpint the hash and KDF use (RFC 8731 §3.1). An
 * all-zero X25519 output is refused with WS_ERR_BAD_KEY (RFC 8731 §3: MUST abort). */
WS_MUST_USE int ws_x25519_shared_mpint(const struct ws_x25519_keypair *kp,
				       const uint8_t peer_pub[WS_X25519_LEN],
				       uint8_t k_mpint[WS_KEX_SECRET_MPINT_MAX], size_t *k_len);
void ws_x25519_wipe(struct ws_x25519_keypair *kp);

/* The exchange hash, fed field by field in the order of RFC 4253 §8 / RFC 5656 §4. */
struct ws_kex_hash {
	crypto_hash_sha256_state st;
};
void ws_kex_hash_init(struct ws_kex_hash *h);
/* Feed `string s` (uint32 length || bytes). */
void ws_kex_hash_string(struct ws_kex_hash *h, const uint8_t *s, size_t len);
/* Feed raw bytes (an already-encoded mpint). */
void ws_kex_hash_raw(struct ws_kex_hash *h, const uint8_t *s, size_t len);
void ws_kex_hash_final(struct ws_kex_hash *h, uint8_t out[WS_KEX_HASH_LEN]);

/* RFC 4253 §7.2: HASH(K || H || letter || session_id), extended by HASH(K || H || K1 || ...) until
 * out_len bytes. k_mpint is K as encoded mpint. out_len <= 4 * WS_KEX_HASH_LEN. */
WS_MUST_USE int ws_kdf_derive(const uint8_t *k_mpint, size_t k_len, const uint8_t h[WS_KEX_HASH_LEN],
			      char letter, const uint8_t *session_id, size_t sid_len, uint8_t *out,
			      size_t out_len);

#endif
