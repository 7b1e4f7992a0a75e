/* crypto.h — SSH packet protection: the cipher and MAC tables that drive negotiation, per-direction
 * cipher contexts, and the burst API that seals/opens N packets of N connections in one call.
 *
 * Packet layout handed to seal/open (RFC 4253 §6): buf points at `uint32 packet_length`, followed by
 * `byte padding_length || payload || padding`; len = 4 + packet_length. The MAC or AEAD tag lives at
 * buf + len (ws_cipher_ctx_tag_len() bytes, which the caller must have room for), and the
 * WS_CRYPTO_HEADROOM bytes before buf are writable scratch (their contents are destroyed).
 * The engine computes padding so that (len - aad_len) is a multiple of block_size. */
#ifndef WARPSSH_CRYPTO_H
#define WARPSSH_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

#define WS_CRYPTO_HEADROOM 4u   /* scratch before each packet (e.g. for seqnr || packet MAC input) */
#define WS_CRYPTO_MAX_TAG 64u   /* largest MAC/tag (hmac-sha2-512) */
#define WS_CRYPTO_MAX_BURST 64u /* largest n accepted by one burst call */
#define WS_CRYPTO_MAX_KEY 64u   /* largest cipher or MAC key */
#define WS_CRYPTO_MAX_IV 16u

enum ws_cipher_id {
	WS_CIPHER_CHACHA20_POLY1305,
	WS_CIPHER_AES128_GCM,
	WS_CIPHER_AES256_GCM,
	WS_CIPHER_AES128_CTR,
	WS_CIPHER_AES192_CTR,
	WS_CIPHER_AES256_CTR,
	WS_CIPHER_COUNT
};

enum ws_mac_id {
	WS_MAC_HMAC_SHA2_256,
	WS_MAC_HMAC_SHA2_512,
	WS_MAC_HMAC_SHA2_256_ETM,
	WS_MAC_HMAC_SHA2_512_ETM,
	WS_MAC_COUNT
};

/* One row of the cipher table: names, sizes and the traits the framing code needs. */
struct ws_cipher_info {
	enum ws_cipher_id id;
	const char *name;      /* negotiation name, e.g. "aes128-gcm@openssh.com" */
	uint8_t key_len;       /* bytes of key from the KDF (chacha20-poly1305: 64) */
	uint8_t iv_len;        /* bytes of IV from the KDF (0 for chacha20-poly1305) */
	uint8_t block_size;    /* padding granularity */
	uint8_t tag_len;       /* AEAD tag length; 0 for non-AEAD (then the MAC decides) */
	bool aead;             /* no separate MAC is negotiated */
	bool length_encrypted; /* first 4 bytes are ciphertext (CTR without ETM, chacha20-poly1305) */
};

/* One row of the MAC table. */
struct ws_mac_info {
	enum ws_mac_id id;
	const char *name; /* e.g. "hmac-sha2-256-etm@openssh.com" */
	uint8_t key_len;
	uint8_t mac_len;
	bool etm; /* encrypt-then-MAC: length in clear, MAC over ciphertext */
};

const struct ws_cipher_info *ws_cipher_info(enum ws_cipher_id id);
const struct ws_mac_info *ws_mac_info(enum ws_mac_id id);
/* Look up by negotiation name (len bytes, not NUL-terminated); NULL if unknown. */
const struct ws_cipher_info *ws_cipher_by_name(const char *name, size_t len);
const struct ws_mac_info *ws_mac_by_name(const char *name, size_t len);
/* Comma-separated default preference lists, as sent in KEXINIT. */
const char *ws_cipher_default_list(void);
const char *ws_mac_default_list(void);

/* Per-thread backend state (one IMB_MGR plus scratch). Not shareable between threads. */
struct ws_crypto_engine;
WS_MUST_USE int ws_crypto_engine_new(struct ws_crypto_engine **out);
void ws_crypto_engine_free(struct ws_crypto_engine *eng);
/* Name of the ipsec-mb architecture in use ("avx512", "avx2", "sse", ...). */
const char *ws_crypto_engine_arch(const struct ws_crypto_engine *eng);

/* One direction of one connection: expanded keys plus the running IV (CTR counter, GCM invocation
 * counter). Created at NEWKEYS, freed (and wiped) at the next NEWKEYS or at disconnect. */
struct ws_cipher_ctx;
enum ws_dir { WS_DIR_SEAL, WS_DIR_OPEN };
/* mac may be NULL (and must be, for AEAD ciphers). key/iv/mac_key lengths come from the tables. */
WS_MUST_USE int ws_cipher_ctx_new(struct ws_cipher_ctx **out, const struct ws_cipher_info *cipher,
				  const struct ws_mac_info *mac, enum ws_dir dir, const uint8_t *key,
				  const uint8_t *iv, const uint8_t *mac_key);
void ws_cipher_ctx_free(struct ws_cipher_ctx *ctx); /* wipes all key material; NULL is fine */
uint32_t ws_cipher_ctx_tag_len(const struct ws_cipher_ctx *ctx);    /* bytes after the packet */
uint32_t ws_cipher_ctx_block_size(const struct ws_cipher_ctx *ctx);
uint32_t ws_cipher_ctx_aad_len(const struct ws_cipher_ctx *ctx);    /* 4 if length excluded from padding alignment */
const struct ws_cipher_info *ws_cipher_ctx_cipher(const struct ws_cipher_ctx *ctx);
const struct ws_mac_info *ws_cipher_ctx_mac(const struct ws_cipher_ctx *ctx);

/* One packet in a burst. Packets of the same ctx must appear in sequence-number order; a ctx's
 * running IV advances as each of its packets is processed. */
struct ws_crypto_pkt {
	struct ws_cipher_ctx *ctx;
	uint8_t *buf;    /* packet_length field; WS_CRYPTO_HEADROOM writable bytes before it */
	uint32_t len;    /* 4 + packet_length; tag/MAC at buf + len */
	uint32_t seqnr;  /* SSH sequence number of this packet in its direction */
	int status;      /* out: WS_OK, or WS_ERR_MAC when open fails to verify */
};

/* Encrypt in place and write the tag/MAC at buf+len, for n <= WS_CRYPTO_MAX_BURST packets that may
 * belong to different connections and suites, submitted to the backend together.
 * Returns how many succeeded; per-packet status says which. */
unsigned ws_crypto_seal_burst(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n);

/* Verify (constant time) and decrypt in place, including the length field when it was encrypted.
 * A packet that fails gets status WS_ERR_MAC and its plaintext is not released (buffer wiped).
 * Returns how many verified. */
unsigned ws_crypto_open_burst(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n);

/* Decrypt just the packet_length of a received packet from its first bytes (at least
 * ws_cipher_ctx_block_size(ctx), or 4 when the length is in clear) without consuming any state,
 * so a receiver can frame packets before opening them. */
WS_MUST_USE int ws_crypto_peek_length(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx,
				      uint32_t seqnr, const uint8_t *first, size_t first_len,
				      uint32_t *packet_length);

/* The same for a packet that follows `ahead` bytes (the sum of len of this ctx's earlier packets
 * that are framed but not opened yet), so a receiver can frame several packets before one open
 * burst. Only aes*-ctr without ETM keeps state the length depends on; other suites ignore ahead.
 * ws_crypto_peek_length() is this with ahead = 0. (Additive; crypto layer.) */
WS_MUST_USE int ws_crypto_peek_length_ahead(struct ws_crypto_engine *eng,
					    const struct ws_cipher_ctx *ctx, uint32_t seqnr,
					    uint64_t ahead, const uint8_t *first, size_t first_len,
					    uint32_t *packet_length);

#endif
