/* suite_ctr.c — aes128/192/256-ctr (RFC 4344) with hmac-sha2-256/512 (RFC 6668), in both the
 * RFC 4253 §6.4 MAC-then-encrypt layout and OpenSSH's encrypt-then-MAC (-etm) layout; one chained
 * ipsec-mb job per packet (cipher + HMAC), with a synchronous path for 32-bit counter wrap. */
#include <sodium.h>
#include <string.h>

#include "crypto/backend.h"
#include "warpssh/buf.h"

static int ctr_set_key(struct ws_cipher_ctx *ctx, IMB_MGR *mgr, const uint8_t *key, const uint8_t *iv)
{
	switch (ctx->cipher->key_len) {
	case 16: IMB_AES_KEYEXP_128(mgr, key, ctx->keys.aes.enc, ctx->keys.aes.dec); break;
	case 24: IMB_AES_KEYEXP_192(mgr, key, ctx->keys.aes.enc, ctx->keys.aes.dec); break;
	case 32: IMB_AES_KEYEXP_256(mgr, key, ctx->keys.aes.enc, ctx->keys.aes.dec); break;
	default: return WS_ERR_INVALID_ARG;
	}
	memcpy(ctx->iv, iv, WS_AES_BLOCK);
	return WS_OK;
}

/* RFC 4344 §4: the IV is an L-bit integer X, incremented (mod 2^L) after each block, L = 128. */
static void ctr_add(uint8_t ctr[WS_AES_BLOCK], uint64_t blocks)
{
	unsigned carry = 0;
	for (unsigned i = WS_AES_BLOCK; i-- > 0;) {
		unsigned sum = ctr[i] + (unsigned)(blocks & 0xff) + carry;
		ctr[i] = (uint8_t)sum;
		carry = sum >> 8;
		blocks >>= 8;
	}
}

/* ipsec-mb increments only the low 32 bits of the counter block; a run that would carry out of
 * them has to be split (once per 64 GiB of one direction's traffic). */
static uint64_t blocks_before_wrap(const uint8_t ctr[WS_AES_BLOCK])
{
	return (1ull << 32) - ws_load_be32(ctr + 12);
}

/* Where encryption starts: byte 0 (the length is encrypted too) or 4 (ETM: length in clear). */
static uint32_t cipher_start(const struct ws_cipher_ctx *ctx)
{
	return ctx->mac->etm ? 4 : 0;
}

/* Whether the MAC is computed over the plaintext (RFC 4253 §6.4) rather than the ciphertext. */
static bool mac_over_plaintext(const struct ws_cipher_ctx *ctx)
{
	return !ctx->mac->etm;
}

static void fill_ctr(IMB_JOB *job, const struct ws_cipher_ctx *ctx, const uint8_t *iv)
{
	job->cipher_mode = IMB_CIPHER_CNTR;
	job->cipher_direction = ctx->dir == WS_DIR_SEAL ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->enc_keys = ctx->keys.aes.enc;
	job->dec_keys = ctx->keys.aes.enc; /* CTR only ever runs the forward cipher */
	job->key_len_in_bytes = ctx->cipher->key_len;
	job->iv = iv;
	job->iv_len_in_bytes = WS_AES_BLOCK;
}

static void fill_hmac(IMB_JOB *job, const struct ws_cipher_ctx *ctx, uint8_t *tag_out)
{
	job->hash_alg = ctx->mac->mac_len == 64 ? IMB_AUTH_HMAC_SHA_512 : IMB_AUTH_HMAC_SHA_256;
	job->u.HMAC._hashed_auth_key_xor_ipad = ctx->hmac_ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = ctx->hmac_opad;
	job->auth_tag_output = tag_out;
	job->auth_tag_output_len_in_bytes = ctx->mac->mac_len;
}

/* Run CTR over data synchronously, splitting wherever the low 32 counter bits would wrap. */
static int ctr_xor_sync(IMB_MGR *mgr, const struct ws_cipher_ctx *ctx, const uint8_t iv[WS_AES_BLOCK],
			uint8_t *data, size_t len)
{
	uint8_t ctr[WS_AES_BLOCK];
	memcpy(ctr, iv, sizeof(ctr));
	while (len > 0) {
		uint64_t room = blocks_before_wrap(ctr) * WS_AES_BLOCK;
		size_t chunk = len < room ? len : (size_t)room;
		IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
		ws_job_reset(job);
		fill_ctr(job, ctx, ctr);
		job->src = data;
		job->dst = data;
		job->msg_len_to_cipher_in_bytes = chunk;
		WS_TRY(ws_job_run_sync(mgr, job));
		ctr_add(ctr, chunk / WS_AES_BLOCK);
		data += chunk;
		len -= chunk;
	}
	return WS_OK;
}

/* ipsec-mb's multi-buffer HMAC takes at most 65535 bytes per job (16-bit lane lengths). */
#define IMB_HMAC_MAX_LEN 65535u

/* HMAC over seqnr || packet beyond what one ipsec-mb job takes: libsodium, from the raw key. */
static void hmac_sodium(const struct ws_crypto_pkt *pkt, uint8_t *tag_out)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	size_t n = (size_t)pkt->len + 4;
	if (ctx->mac->mac_len == 64) {
		crypto_auth_hmacsha512_state st;
		crypto_auth_hmacsha512_init(&st, ctx->hmac_key, ctx->mac->key_len);
		crypto_auth_hmacsha512_update(&st, pkt->buf - 4, n);
		crypto_auth_hmacsha512_final(&st, tag_out);
		sodium_memzero(&st, sizeof(st));
	} else {
		crypto_auth_hmacsha256_state st;
		crypto_auth_hmacsha256_init(&st, ctx->hmac_key, ctx->mac->key_len);
		crypto_auth_hmacsha256_update(&st, pkt->buf - 4, n);
		crypto_auth_hmacsha256_final(&st, tag_out);
		sodium_memzero(&st, sizeof(st));
	}
}

/* HMAC over seqnr || packet (the 4 headroom bytes hold the seqnr), synchronously. */
static int hmac_sync(IMB_MGR *mgr, const struct ws_crypto_pkt *pkt, uint8_t *tag_out)
{
	if ((uint64_t)pkt->len + 4 > IMB_HMAC_MAX_LEN) {
		hmac_sodium(pkt, tag_out);
		return WS_OK;
	}
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
	ws_job_reset(job);
	fill_hmac(job, pkt->ctx, tag_out);
	job->src = pkt->buf - 4;
	job->msg_len_to_hash_in_bytes = (uint64_t)pkt->len + 4;
	return ws_job_run_sync(mgr, job);
}

/* Packets one chained job cannot take (counter run wrapping the low 32 bits, or over 64 KiB of MAC
 * input): cipher and MAC as separate steps, in the order the layout needs (ETM open verifies
 * before it decrypts). */
static int ctr_hmac_slow(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	uint32_t start = cipher_start(ctx);
	uint8_t *body = pkt->buf + start;
	size_t body_len = pkt->len - start;
	bool seal = ctx->dir == WS_DIR_SEAL;
	uint8_t *tag = seal ? pkt->buf + pkt->len : eng->tag[slot];
	bool mac_first = seal == mac_over_plaintext(ctx);
	if (mac_first)
		WS_TRY(hmac_sync(eng->mgr, pkt, tag));
	if (!seal && mac_first) {
		ws_finish_open_check(eng, slot, pkt);
		if (pkt->status != WS_OK)
			return pkt->status;
	}
	WS_TRY(ctr_xor_sync(eng->mgr, ctx, eng->iv[slot], body, body_len));
	if (!mac_first)
		WS_TRY(hmac_sync(eng->mgr, pkt, tag));
	if (!seal && !mac_first)
		ws_finish_open_check(eng, slot, pkt);
	return pkt->status;
}

static enum ws_prep ctr_prepare(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	struct ws_cipher_ctx *ctx = pkt->ctx;
	uint64_t blocks = (pkt->len - cipher_start(ctx)) / WS_AES_BLOCK;
	/* RFC 4253 §6.4: mac = MAC(key, sequence_number || unencrypted_packet); the seqnr goes into
	 * the headroom so the MAC input is one contiguous run. ETM covers seqnr || length || ciphertext. */
	ws_store_be32(pkt->buf - 4, pkt->seqnr);
	memcpy(eng->iv[slot], ctx->iv, WS_AES_BLOCK);
	ctr_add(ctx->iv, blocks);
	if (blocks <= blocks_before_wrap(eng->iv[slot]) && (uint64_t)pkt->len + 4 <= IMB_HMAC_MAX_LEN)
		return WS_PREP_JOB;
	pkt->status = ctr_hmac_slow(eng, slot, pkt);
	return WS_PREP_DONE;
}

static void ctr_fill_job(IMB_JOB *job, struct ws_crypto_engine *eng, unsigned slot,
			 const struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	bool seal = ctx->dir == WS_DIR_SEAL;
	uint32_t start = cipher_start(ctx);
	fill_ctr(job, ctx, eng->iv[slot]);
	fill_hmac(job, ctx, seal ? pkt->buf + pkt->len : eng->tag[slot]);
	job->chain_order = (seal == mac_over_plaintext(ctx)) ? IMB_ORDER_HASH_CIPHER
							    : IMB_ORDER_CIPHER_HASH;
	job->src = pkt->buf - 4;
	job->dst = pkt->buf + start;
	job->cipher_start_src_offset_in_bytes = 4 + start;
	job->msg_len_to_cipher_in_bytes = pkt->len - start;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = (uint64_t)pkt->len + 4;
}

static void ctr_finish(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	if (pkt->ctx->dir == WS_DIR_OPEN && pkt->status == WS_OK)
		ws_finish_open_check(eng, slot, pkt);
}

/* ETM: the length is in clear. Otherwise decrypt a copy of the first block at the counter the
 * packet will use (current counter + the `ahead` bytes of earlier packets not opened yet), leaving
 * the context untouched. */
static int ctr_peek(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx, uint32_t seqnr,
		    uint64_t ahead, const uint8_t *first, size_t first_len, uint32_t *packet_length)
{
	(void)seqnr;
	if (ctx->mac->etm) {
		WS_ENSURE(first_len >= 4, WS_ERR_SHORT);
		*packet_length = ws_load_be32(first);
		return WS_OK;
	}
	WS_ENSURE(first_len >= WS_AES_BLOCK, WS_ERR_SHORT);
	WS_ENSURE(ahead % WS_AES_BLOCK == 0, WS_ERR_INVALID_ARG);
	uint8_t ctr[WS_AES_BLOCK];
	uint8_t block[WS_AES_BLOCK];
	memcpy(ctr, ctx->iv, sizeof(ctr));
	ctr_add(ctr, ahead / WS_AES_BLOCK);
	memcpy(block, first, sizeof(block));
	int rc = ctr_xor_sync(eng->mgr, ctx, ctr, block, sizeof(block));
	if (rc == WS_OK)
		*packet_length = ws_load_be32(block);
	sodium_memzero(block, sizeof(block));
	return rc;
}

const struct ws_cipher_ops ws_ctr_hmac_ops = {
	.set_key = ctr_set_key,
	.prepare = ctr_prepare,
	.fill_job = ctr_fill_job,
	.finish = ctr_finish,
	.peek = ctr_peek,
};
