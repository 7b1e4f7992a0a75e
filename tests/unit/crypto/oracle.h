/* oracle.h — test-only: an independent SSH packet protection built on OpenSSL EVP (AES-GCM/CTR,
 * ChaCha20, HMAC, Poly1305) to cross-check warpssh's burst API, plus packet-building helpers. */
#ifndef WS_TEST_CRYPTO_ORACLE_H
#define WS_TEST_CRYPTO_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include "warpssh/crypto.h"

struct evp_cipher_ctx_st;

/* One direction of one connection as OpenSSL computes it. */
struct oracle_dir {
	const struct ws_cipher_info *cipher;
	const struct ws_mac_info *mac; /* NULL for AEAD */
	uint8_t key[WS_CRYPTO_MAX_KEY];
	uint8_t iv[WS_CRYPTO_MAX_IV]; /* GCM: running fixed || invocation counter */
	uint8_t mac_key[WS_CRYPTO_MAX_KEY];
	struct evp_cipher_ctx_st *ctr; /* CTR keeps its counter across packets */
	bool seal;
};

int oracle_init(struct oracle_dir *d, const struct ws_cipher_info *cipher,
		const struct ws_mac_info *mac, bool seal, const uint8_t *key, const uint8_t *iv,
		const uint8_t *mac_key);
void oracle_free(struct oracle_dir *d);
/* Protect len bytes at buf in place, tag at buf + len; 0 on success. */
int oracle_seal(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len);
/* Verify then decrypt in place (length included); 0 on success, -1 if the tag is wrong. */
int oracle_open(struct oracle_dir *d, uint32_t seqnr, uint8_t *buf, uint32_t len);
/* Decrypt only the packet_length field from the first bytes (no state consumed). */
uint32_t oracle_peek_length(struct oracle_dir *d, uint32_t seqnr, const uint8_t *first);

/* Deterministic test randomness (xorshift64*). */
uint64_t test_rand(void);
void test_rand_seed(uint64_t seed);
void test_rand_bytes(void *p, size_t n);

/* A packet in its own allocation: WS_CRYPTO_HEADROOM before buf, WS_CRYPTO_MAX_TAG after. */
struct test_pkt {
	uint8_t *mem;
	uint8_t *buf;
	uint32_t len;
};
/* A plaintext packet with payload_len random bytes and padding so that (len - aad_len) is a
 * multiple of block_size (RFC 4253 §6: padding 4..255 bytes). */
void test_pkt_make(struct test_pkt *p, size_t payload_len, uint32_t block_size, uint32_t aad_len);
void test_pkt_copy(struct test_pkt *dst, const struct test_pkt *src);
void test_pkt_free(struct test_pkt *p);

#endif
