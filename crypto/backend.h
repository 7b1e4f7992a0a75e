/* backend.h — crypto-internal: the cipher context and engine layouts, the per-suite backend ops
 * that the burst code drives, and raw ipsec-mb primitives (exposed for known-answer tests). */
#ifndef WARPSSH_CRYPTO_BACKEND_H
#define WARPSSH_CRYPTO_BACKEND_H

#include <intel-ipsec-mb.h>

#include "crypto/chacha_lanes.h"
#include "warpssh/crypto.h"

/* Largest len (4 + packet_length) a burst accepts; keeps every length sum far from overflow.
 * RFC 4253 §6.1 only requires 35000 bytes; OpenSSH caps packets at 256 KiB. */
#define WS_CRYPTO_MAX_PACKET (1024u * 1024u)
#define WS_AES_BLOCK 16u
#define WS_AES_ROUND_KEYS_BYTES (16u * 15u) /* enough for AES-256 */
#define WS_HMAC_STATE_MAX 64u               /* SHA-512 intermediate state */
#define WS_CHACHA_KEY 32u
#define WS_POLY1305_KEY 32u
#define WS_POLY1305_TAG 16u
#define WS_GCM_TAG 16u
/* chacha20-poly1305 payloads up to this many 64-byte blocks get their keystream from the batched
 * lane kernel instead of an ipsec-mb ChaCha20 job (whose fixed cost dominates small packets). */
#define WS_CP_SMALL_BLOCKS 8u
#define WS_CP_KS_BLOCKS (2u + WS_CP_SMALL_BLOCKS)

/* Per-cipher key material; which member is live follows ctx->cipher->id. */
union ws_cipher_keys {
	struct gcm_key_data gcm;
	struct {
		uint8_t enc[WS_AES_ROUND_KEYS_BYTES];
		uint8_t dec[WS_AES_ROUND_KEYS_BYTES];
	} aes;
	struct {
		uint8_t main[WS_CHACHA_KEY];   /* K_2: payload and Poly1305 key */
		uint8_t header[WS_CHACHA_KEY]; /* K_1: packet_length only */
	} chacha;
};

struct ws_cipher_ops;

/* One direction of one connection. Allocated 64-byte aligned; wiped whole on free. */
struct ws_cipher_ctx {
	union ws_cipher_keys keys __attribute__((aligned(64)));
	uint8_t hmac_ipad[WS_HMAC_STATE_MAX] __attribute__((aligned(16))); /* H state after key^ipad */
	uint8_t hmac_opad[WS_HMAC_STATE_MAX] __attribute__((aligned(16))); /* H state after key^opad */
	uint8_t hmac_key[WS_CRYPTO_MAX_KEY]; /* raw MAC key, for MAC inputs over one job's limit */
	uint8_t iv[WS_CRYPTO_MAX_IV]; /* CTR: next counter block; GCM: fixed || invocation counter */
	const struct ws_cipher_info *cipher;
	const struct ws_mac_info *mac;
	const struct ws_cipher_ops *ops;
	enum ws_dir dir;
	uint32_t tag_len;
	uint32_t aad_len;
};

/* Per-thread backend state: the ipsec-mb manager and per-slot scratch for one burst. */
struct ws_crypto_engine {
	uint8_t iv[WS_CRYPTO_MAX_BURST][WS_CRYPTO_MAX_IV] __attribute__((aligned(64)));
	uint8_t tag[WS_CRYPTO_MAX_BURST][WS_CRYPTO_MAX_TAG] __attribute__((aligned(64)));
	uint8_t poly_key[WS_CRYPTO_MAX_BURST][WS_POLY1305_KEY] __attribute__((aligned(64)));
	struct gcm_context_data gcm_ctx __attribute__((aligned(64))); /* per-call GCM state */
	/* chacha20-poly1305 keystream blocks per slot: K_1 block 0, K_2 block 0, then small payloads. */
	uint8_t cp_ks[WS_CRYPTO_MAX_BURST][WS_CP_KS_BLOCKS][64] __attribute__((aligned(64)));
	uint8_t cp_ks_used[WS_CRYPTO_MAX_BURST];
	struct ws_chacha_lane cp_lanes[WS_CRYPTO_MAX_BURST * WS_CP_KS_BLOCKS];
	IMB_MGR *mgr;
	IMB_ARCH arch;
};

/* What a suite's prepare step decided for one packet. */
enum ws_prep {
	WS_PREP_JOB,  /* fill and submit one ipsec-mb job */
	WS_PREP_DONE, /* handled synchronously already (status set) */
};

/* The backend of one cipher family. prepare runs for every packet in array order before any job is
 * submitted (so it may advance ctx state and run synchronous jobs); fill_job describes the packet's
 * single job; finish runs once the job completed, whatever its status (open: tag check, wipe on
 * failure; and wiping of per-packet scratch). */
struct ws_cipher_ops {
	WS_MUST_USE int (*set_key)(struct ws_cipher_ctx *ctx, IMB_MGR *mgr, const uint8_t *key,
				   const uint8_t *iv);
	enum ws_prep (*prepare)(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt);
	/* Instead of prepare: all of this family's packets of a burst at once (slots in array order),
	 * so per-packet work can be batched across packets; every packet then gets a job. */
	void (*prepare_batch)(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts,
			      const unsigned *slots, unsigned count);
	void (*fill_job)(IMB_JOB *job, struct ws_crypto_engine *eng, unsigned slot,
			 const struct ws_crypto_pkt *pkt);
	void (*finish)(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt);
	WS_MUST_USE int (*peek)(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx,
				uint32_t seqnr, uint64_t ahead, const uint8_t *first, size_t first_len,
				uint32_t *packet_length);
};

extern const struct ws_cipher_ops ws_gcm_ops;
extern const struct ws_cipher_ops ws_ctr_hmac_ops;
extern const struct ws_cipher_ops ws_chachapoly_ops;

/* The backend ops of a cipher (from the suite table). */
const struct ws_cipher_ops *ws_cipher_ops_of(enum ws_cipher_id id);

/* A process-wide manager for stateless key setup (key expansion, HMAC pads) at ctx creation,
 * where no engine is at hand; NULL if ipsec-mb could not be initialised. */
IMB_MGR *ws_backend_key_mgr(void);

/* Zero a ctx whole (keys, schedules, pads, IV); ws_cipher_ctx_free calls it before freeing. */
void ws_cipher_ctx_wipe(struct ws_cipher_ctx *ctx);

/* Job helpers shared by the suites. */
void ws_job_reset(IMB_JOB *job);
/* Run one job to completion on an idle manager (no other job queued). */
WS_MUST_USE int ws_job_run_sync(IMB_MGR *mgr, IMB_JOB *job);
/* Open-side tag check shared by the suites: constant time; on mismatch wipe packet and tag. */
void ws_finish_open_check(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt);

/* HMAC pads: hashed (key ^ ipad) and (key ^ opad) states as ipsec-mb's HMAC jobs want them. Keys
 * longer than the hash block are hashed first (RFC 2104 §2). sha512 selects SHA-512 over SHA-256. */
WS_MUST_USE int ws_hmac_precompute(IMB_MGR *mgr, bool sha512, const uint8_t *key, size_t key_len,
				   uint8_t ipad_state[WS_HMAC_STATE_MAX],
				   uint8_t opad_state[WS_HMAC_STATE_MAX]);

/* Raw primitives through the engine's manager, one call = one synchronous job. For tests. */
WS_MUST_USE int ws_backend_hmac(struct ws_crypto_engine *eng, bool sha512, const uint8_t *key,
				size_t key_len, const uint8_t *msg, size_t msg_len, uint8_t *out);
WS_MUST_USE int ws_backend_gcm_seal(struct ws_crypto_engine *eng, const uint8_t *key, size_t key_len,
				    const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
				    const uint8_t *in, uint8_t *out, size_t len, uint8_t tag[16]);
/* ChaCha20 (RFC 8439 §2.4) keystream XOR starting at block counter 1, the only start ipsec-mb has. */
WS_MUST_USE int ws_backend_chacha20_ctr1(struct ws_crypto_engine *eng, const uint8_t key[32],
					 const uint8_t nonce[12], const uint8_t *in, uint8_t *out,
					 size_t len);
WS_MUST_USE int ws_backend_poly1305(struct ws_crypto_engine *eng, const uint8_t key[32],
				    const uint8_t *msg, size_t len, uint8_t tag[16]);

#endif
