/* test_kex_crypto.c — the key exchange primitives: ssh-ed25519 blobs and signatures (RFC 8709),
 * X25519 refusing low-order points (RFC 8731 §3), the mpint form of K, and the RFC 4253 §7.2 KDF
 * with its extension past one hash output. */
#include <string.h>

#include "check.h"
#include "crypto/kex.h"
#include "warpssh/keys.h"

static void test_ed25519(void)
{
	struct ws_key k, pub;
	uint8_t blob[WS_KEY_BLOB_LEN], sig[WS_KEY_SIG_BLOB_LEN + 8];
	struct ws_buf w;
	static const uint8_t msg[] = "exchange hash";
	REQUIRE(ws_key_generate(&k) == WS_OK);
	ws_buf_init_write(&w, blob, sizeof(blob));
	CHECK_EQ(ws_key_put_blob(&k, &w), WS_OK);
	CHECK_EQ(w.wpos, WS_KEY_BLOB_LEN);
	CHECK_EQ(ws_key_from_blob(&pub, blob, w.wpos), WS_OK);
	CHECK(ws_key_equal_public(&k, &pub) && !pub.has_private);
	for (size_t cut = 0; cut < sizeof(blob); cut++)
		CHECK(ws_key_from_blob(&pub, blob, cut) < 0);
	blob[4] = 'x'; /* "xsh-ed25519" */
	CHECK_EQ(ws_key_from_blob(&pub, blob, sizeof(blob)), WS_ERR_KEY_TYPE);
	blob[4] = 's';
	REQUIRE(ws_key_from_blob(&pub, blob, sizeof(blob)) == WS_OK);

	ws_buf_init_write(&w, sig, sizeof(sig));
	CHECK_EQ(ws_key_sign(&k, msg, sizeof(msg), &w), WS_OK);
	CHECK_EQ(w.wpos, WS_KEY_SIG_BLOB_LEN);
	CHECK_EQ(ws_key_verify(&pub, msg, sizeof(msg), sig, w.wpos), WS_OK);
	CHECK_EQ(ws_key_verify(&pub, msg, sizeof(msg) - 1, sig, w.wpos), WS_ERR_SIGNATURE);
	for (size_t i = 0; i < w.wpos; i++) {
		sig[i] ^= 0x40;
		CHECK(ws_key_verify(&pub, msg, sizeof(msg), sig, w.wpos) < 0);
		sig[i] ^= 0x40;
	}
	sig[w.wpos] = 0; /* trailing byte */
	CHECK_EQ(ws_key_verify(&pub, msg, sizeof(msg), sig, w.wpos + 1), WS_ERR_SIGNATURE);
	CHECK_EQ(ws_key_sign(&pub, msg, sizeof(msg), &w), WS_ERR_INVALID_ARG); /* no private half */
	ws_key_wipe(&k);
	CHECK(k.has_private == false && k.sk[0] == 0 && k.sk[63] == 0);
}

static void test_x25519(void)
{
	struct ws_x25519_keypair a, b;
	uint8_t ka[WS_KEX_SECRET_MPINT_MAX], kb[WS_KEX_SECRET_MPINT_MAX];
	size_t la, lb;
	REQUIRE(ws_x25519_generate(&a) == WS_OK && ws_x25519_generate(&b) == WS_OK);
	CHECK_EQ(ws_x25519_shared_mpint(&a, b.pub, ka, &la), WS_OK);
	CHECK_EQ(ws_x25519_shared_mpint(&b, a.pub, kb, &lb), WS_OK);
	CHECK(la == lb && la >= 4 + 30 && memcmp(ka, kb, la) == 0);
	CHECK_EQ(ws_load_be32(ka), la - 4); /* mpint length prefix */
	/* low-order points give an all-zero secret: refused */
	static const uint8_t zero[32];
	uint8_t one[32] = {1};
	CHECK_EQ(ws_x25519_shared_mpint(&a, zero, ka, &la), WS_ERR_BAD_KEY);
	CHECK_EQ(la, 0);
	CHECK_EQ(ws_x25519_shared_mpint(&a, one, ka, &la), WS_ERR_BAD_KEY);
	ws_x25519_wipe(&a);
	CHECK(sodium_is_zero(a.priv, sizeof(a.priv)));
}

static void test_kdf(void)
{
	uint8_t k[37] = {0, 0, 0, 33, 0, 0x80}, h[32] = {7}, sid[32] = {9};
	uint8_t k32[32], k64[64], k1[32], k2[32];
	CHECK_EQ(ws_kdf_derive(k, sizeof(k), h, 'C', sid, 32, k32, 32), WS_OK);
	CHECK_EQ(ws_kdf_derive(k, sizeof(k), h, 'C', sid, 32, k64, 64), WS_OK);
	/* K1 = HASH(K || H || "C" || session_id) */
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, k, sizeof(k));
	crypto_hash_sha256_update(&st, h, 32);
	crypto_hash_sha256_update(&st, (const uint8_t *)"C", 1);
	crypto_hash_sha256_update(&st, sid, 32);
	crypto_hash_sha256_final(&st, k1);
	/* K2 = HASH(K || H || K1) */
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, k, sizeof(k));
	crypto_hash_sha256_update(&st, h, 32);
	crypto_hash_sha256_update(&st, k1, 32);
	crypto_hash_sha256_final(&st, k2);
	CHECK(memcmp(k32, k1, 32) == 0);
	CHECK(memcmp(k64, k1, 32) == 0 && memcmp(k64 + 32, k2, 32) == 0);
	CHECK_EQ(ws_kdf_derive(k, sizeof(k), h, 'D', sid, 32, k32, 32), WS_OK);
	CHECK(memcmp(k32, k1, 32) != 0); /* the letter matters */
	uint8_t big[200];
	CHECK_EQ(ws_kdf_derive(k, sizeof(k), h, 'A', sid, 32, big, sizeof(big)), WS_ERR_INVALID_ARG);
}

int main(void)
{
	test_ed25519();
	test_x25519();
	test_kdf();
	return check_done("test_kex_crypto");
}
