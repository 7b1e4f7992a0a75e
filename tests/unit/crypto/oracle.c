/* oracle.c — test-only OpenSSL implementation of the SSH packet formats (RFC 4253 §6, RFC 4344,
 * RFC 5647 as OpenSSH uses it, OpenSSH PROTOCOL ETM and PROTOCOL.chacha20poly1305). */
#include "oracle.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "warpssh/buf.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

void test_rand_seed(uint64_t seed) { rng_state = seed ? seed : 1; }

uint64_t test_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

void test_rand_bytes(void *p, size_t n)
{
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(test_rand() >> 32);
}

static const EVP_CIPHER *ctr_cipher(const struct ws_cipher_info *c)
{
	switch (c->key_len) {
	case 16: return EVP_aes_128_ctr();
	case 24: return EVP_aes_192_ctr();
	default: return EVP_aes_256_ctr();
	}
}

int oracle_init(struct oracle_dir *d, const struct ws_cipher_info *cipher,
		const struct ws_mac_info *mac, bool seal, const uint8_t *key, const uint8_t *iv,
		const uint8_t *mac_key)
{
	memset(d, 0, sizeof(*d));
	d->cipher = cipher;
	d->mac = mac;
	d->seal = seal;
	memcpy(d->key, key, cipher->key_len);
	if (cipher->iv_len)
		memcpy(d->iv, iv, cipher->iv_len);
	if (mac)
		memcpy(d->mac_key, mac_key, mac->key_len);
	if (cipher->aead)
		return 0;
	d->ctr = EVP_CIPHER_CTX_new();
	if (d->ctr == NULL || EVP_CipherInit_ex(d->ctr, ctr_cipher(cipher), NULL, key, iv, 1) != 1)
		return -1;
	return 0;
}

void oracle_free(struct oracle_dir *d)
{
	EVP_CIPHER_CTX_free(d->ctr);
	d->ctr = NULL;
}

static int ctr_xor(struct oracle_dir *d, uint8_t *p, uint32_t n)
{
	int out = 0;
	return EVP_CipherUpdate(d->ctr, p, &out, p, (int)n) == 1 && out == (int)n ? 0 : -1;
}

/* HMAC(mac_key, uint32 seqnr || data). */
static void ssh_hmac(const struct oracle_dir *d, uint32_t seqnr, const uint8_t *data, uint32_t n,
		     uint8_t *out)
{
	uint8_t *tmp = malloc((size_t)n + 4);
	ws_store_be32(tmp, seqnr);
	memcpy(tmp + 4, data, n);
	unsigned outl = 0;
	HMAC(d->mac->mac_len == 64 ? EVP_sha512() : EVP_sha256(), d->mac_key, d->mac->key_len, tmp,
	     (size_t)n + 4, out, &outl);
	free(tmp);
}

static void gcm_next_iv(uint8_t iv[12])
{
	for (int i = 11; i >= 4; i--)
		if (++iv[i] != 0)
			break;
}

static int gcm_crypt(struct oracle_dir *d, uint8_t *buf, uint32_t len, bool enc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *ciph = d->cipher->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
	int out = 0, ok = 1;
	ok &= EVP_CipherInit_ex(c, ciph, NULL, d->key, d->iv, enc);
	ok &= EVP_CipherUpdate(c, NULL, &out, buf, 4);
	ok &= EVP_CipherUpdate(c, buf + 4, &out, buf + 4, (int)len - 4);
	if (enc) {
		ok &= EVP_CipherFinal_ex(c, buf + len, &out);
		ok &= EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, buf + len);
	} else {
		ok &= EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, buf + len);
		ok &= EVP_CipherFinal_ex(c, buf + len, &out);
	}
	EVP_CIPHER_CTX_free(c);
	gcm_next_iv(d->iv);
	return ok ? 0 : -1;
}

/* DJB ChaCha20 through OpenSSL's IV layout: LE32 counter || 0 (counter high) || BE64 seqnr. */
static void chacha(const uint8_t key[32], uint32_t seqnr, uint32_t counter, const uint8_t *in,
		   uint8_t *out, size_t n)
{
	uint8_t iv[16] = {0};
	iv[0] = (uint8_t)counter;
	iv[1] = (uint8_t)(counter >> 8);
	ws_store_be64(iv + 8, seqnr);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;
	EVP_EncryptInit_ex(c, EVP_chacha20(), NULL, key, iv);
	EVP_EncryptUpdate(c, out, &outl, in, (int)n);
	EVP_CIPHER_CTX_free(c);
}

static void poly1305(const uint8_t key[32], const uint8_t *msg, size_t n, uint8_t tag[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	EVP_MAC_CTX *mc = EVP_MAC_CTX_new(mac);
	size_t outl = 0;
	EVP_MAC_init(mc, key, 32, NULL);
	EVP_MAC_update(mc, msg, n);
	EVP_MAC_final(mc, tag, &outl, 16);
	EVP_MAC_CTX_free(mc);
	EVP_MAC_free(mac);
}

static void chachapoly_keys(const struct oracle_dir *d, uint32_t seqnr, uint8_t poly_key[32])
{
	static const uint8_t zero[32];
	chacha(d->key, seqnr, 0, zero, poly_key, 32);
}

static int chachapoly_seal(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len)
{
	uint8_t pk[32];
	chachapoly_keys(d, seqnr, pk);
	chacha(d->key + 32, seqnr, 0, buf, buf, 4);
	chacha(d->key, seqnr, 1, buf + 4, buf + 4, len - 4);
	poly1305(pk, buf, len, buf + len);
	return 0;
}

static int chachapoly_open(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len)
{
	uint8_t pk[32], tag[16];
	chachapoly_keys(d, seqnr, pk);
	poly1305(pk, buf, len, tag);
	if (CRYPTO_memcmp(tag, buf + len, 16) != 0)
		return -1;
	chacha(d->key + 32, seqnr, 0, buf, buf, 4);
	chacha(d->key, seqnr, 1, buf + 4, buf + 4, len - 4);
	return 0;
}

int oracle_seal(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len)
{
	if (d->cipher->id == WS_CIPHER_CHACHA20_POLY1305)
		return chachapoly_seal(d, seqnr, buf, len);
	if (d->cipher->aead)
		return gcm_crypt(d, buf, len, true);
	if (d->mac->etm) {
		if (ctr_xor(d, buf + 4, len - 4) != 0)
			return -1;
		ssh_hmac(d, seqnr, buf, len, buf + len);
		return 0;
	}
	ssh_hmac(d, seqnr, buf, len, buf + len);
	return ctr_xor(d, buf, len);
}

int oracle_open(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len)
{
	uint8_t mac[64];
	if (d->cipher->id == WS_CIPHER_CHACHA20_POLY1305)
		return chachapoly_open(d, seqnr, buf, len);
	if (d->cipher->aead)
		return gcm_crypt(d, buf, len, false);
	if (d->mac->etm) {
		ssh_hmac(d, seqnr, buf, len, mac);
		int bad = CRYPTO_memcmp(mac, buf + len, d->mac->mac_len) != 0;
		return (ctr_xor(d, buf + 4, len - 4) != 0 || bad) ? -1 : 0;
	}
	if (ctr_xor(d, buf, len) != 0)
		return -1;
	ssh_hmac(d, seqnr, buf, len, mac);
	return CRYPTO_memcmp(mac, buf + len, d->mac->mac_len) != 0 ? -1 : 0;
}

uint32_t oracle_peek_length(struct oracle_dir *d, uint32_t seqnr, const uint8_t *first)
{
	uint8_t tmp[16];
	memcpy(tmp, first, 16);
	if (d->cipher->id == WS_CIPHER_CHACHA20_POLY1305)
		chacha(d->key + 32, seqnr, 0, tmp, tmp, 4);
	else if (!d->cipher->aead && !d->mac->etm) {
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		int outl = 0;
		EVP_CIPHER_CTX_copy(c, d->ctr);
		EVP_CipherUpdate(c, tmp, &outl, tmp, 16);
		EVP_CIPHER_CTX_free(c);
	}
	return ws_load_be32(tmp);
}

void test_pkt_make(struct test_pkt *p, size_t payload_len, uint32_t block_size, uint32_t aad_len)
{
	size_t unpadded = 4 + 1 + payload_len - aad_len;
	size_t pad = block_size - unpadded % block_size;
	if (pad < 4)
		pad += block_size;
	p->len = (uint32_t)(4 + 1 + payload_len + pad);
	p->mem = malloc(WS_CRYPTO_HEADROOM + (size_t)p->len + WS_CRYPTO_MAX_TAG);
	p->buf = p->mem + WS_CRYPTO_HEADROOM;
	ws_store_be32(p->buf, p->len - 4);
	p->buf[4] = (uint8_t)pad;
	test_rand_bytes(p->buf + 5, payload_len + pad);
	memset(p->buf + p->len, 0, WS_CRYPTO_MAX_TAG);
}

void test_pkt_copy(struct test_pkt *dst, const struct test_pkt *src)
{
	size_t total = WS_CRYPTO_HEADROOM + (size_t)src->len + WS_CRYPTO_MAX_TAG;
	dst->mem = malloc(total);
	memcpy(dst->mem, src->mem, total);
	dst->buf = dst->mem + WS_CRYPTO_HEADROOM;
	dst->len = src->len;
}

void test_pkt_free(struct test_pkt *p)
{
	free(p->mem);
	p->mem = NULL;
	p->buf = NULL;
}
