/* kex.c — X25519 ephemeral keys and the shared secret for curve25519-sha256 (RFC 8731), plus the
 * incremental SHA-256 exchange hash (RFC 4253 §8). Secrets are wiped with sodium_memzero. */
#include <sodium.h>

#include "crypto/kex.h"
#include "warpssh/buf.h"

int ws_x25519_generate(struct ws_x25519_keypair *kp)
{
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	randombytes_buf(kp->priv, sizeof(kp->priv));
	if (crypto_scalarmult_base(kp->pub, kp->priv) != 0) {
		ws_x25519_wipe(kp);
		return WS_ERR_CRYPTO;
	}
	return WS_OK;
}

void ws_x25519_wipe(struct ws_x25519_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

int ws_x25519_shared_mpint(const struct ws_x25519_keypair *kp, const uint8_t peer_pub[WS_X25519_LEN],
			   uint8_t k_mpint[WS_KEX_SECRET_MPINT_MAX], size_t *k_len)
{
	uint8_t shared[WS_X25519_LEN];
	struct ws_buf w;
	int rc = WS_OK;
	*k_len = 0;
	/* RFC 8731 §3: "If the result is the all-zero value, the exchange MUST be aborted."
	 * libsodium returns -1 for that case (a low-order peer point). */
	WS_ENSURE_OUT(crypto_scalarmult(shared, kp->priv, peer_pub) == 0, WS_ERR_BAD_KEY);
	WS_ENSURE_OUT(!sodium_is_zero(shared, sizeof(shared)), WS_ERR_BAD_KEY);
	/* RFC 8731 §3.1: the 32 output bytes are an unsigned fixed-length integer in network byte
	 * order, encoded as mpint. */
	ws_buf_init_write(&w, k_mpint, WS_KEX_SECRET_MPINT_MAX);
	WS_TRY_OUT(ws_buf_put_mpint_unsigned(&w, shared, sizeof(shared)));
	*k_len = w.wpos;
out:
	sodium_memzero(shared, sizeof(shared));
	return rc;
}

void ws_kex_hash_init(struct ws_kex_hash *h)
{
	crypto_hash_sha256_init(&h->st);
}

void ws_kex_hash_string(struct ws_kex_hash *h, const uint8_t *s, size_t len)
{
	uint8_t be[4];
	ws_store_be32(be, (uint32_t)len);
	crypto_hash_sha256_update(&h->st, be, sizeof(be));
	if (len > 0)
		crypto_hash_sha256_update(&h->st, s, len);
}

void ws_kex_hash_raw(struct ws_kex_hash *h, const uint8_t *s, size_t len)
{
	crypto_hash_sha256_update(&h->st, s, len);
}

void ws_kex_hash_final(struct ws_kex_hash *h, uint8_t out[WS_KEX_HASH_LEN])
{
	crypto_hash_sha256_final(&h->st, out);
	sodium_memzero(&h->st, sizeof(h->st));
}
