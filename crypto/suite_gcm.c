/* suite_gcm.c — aes128-gcm@openssh.com and aes256-gcm@openssh.com on ipsec-mb (RFC 5647 as OpenSSH
 * PROTOCOL §1.6 specifies it): packet_length is AAD, the rest is encrypted, 16-byte tag appended. */
#include <sodium.h>
#include <string.h>

#include "crypto/backend.h"
#include "warpssh/buf.h"

#define GCM_IV_LEN 12u
#define GCM_FIXED_LEN 4u

static int gcm_set_key(struct ws_cipher_ctx *ctx, IMB_MGR *mgr, const uint8_t *key, const uint8_t *iv)
{
	if (ctx->cipher->key_len == 16)
		IMB_AES128_GCM_PRE(mgr, key, &ctx->keys.gcm);
	else
		IMB_AES256_GCM_PRE(mgr, key, &ctx->keys.gcm);
	memcpy(ctx->iv, iv, GCM_IV_LEN);
	return WS_OK;
}

/* RFC 5647 §7.1: the 64-bit invocation_counter is incremented by one (mod 2^64) after each packet;
 * the 32-bit fixed field never changes. */
static void gcm_advance_iv(uint8_t iv[GCM_IV_LEN])
{
	for (unsigned i = GCM_IV_LEN; i-- > GCM_FIXED_LEN;)
		if (++iv[i] != 0)
			break;
}

static enum ws_prep gcm_prepare(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	memcpy(eng->iv[slot], pkt->ctx->iv, GCM_IV_LEN);
	gcm_advance_iv(pkt->ctx->iv);
	return WS_PREP_JOB;
}

static void gcm_fill_job(IMB_JOB *job, struct ws_crypto_engine *eng, unsigned slot,
			 const struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	bool seal = ctx->dir == WS_DIR_SEAL;
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = &ctx->keys.gcm;
	job->dec_keys = &ctx->keys.gcm;
	job->key_len_in_bytes = ctx->cipher->key_len;
	job->iv = eng->iv[slot];
	job->iv_len_in_bytes = GCM_IV_LEN;
	job->u.GCM.aad = pkt->buf; /* packet_length: authenticated, not encrypted */
	job->u.GCM.aad_len_in_bytes = 4;
	job->src = pkt->buf;
	job->dst = pkt->buf + 4;
	job->cipher_start_src_offset_in_bytes = 4;
	job->msg_len_to_cipher_in_bytes = pkt->len - 4;
	job->hash_start_src_offset_in_bytes = 4;
	job->msg_len_to_hash_in_bytes = pkt->len - 4;
	job->auth_tag_output = seal ? pkt->buf + pkt->len : eng->tag[slot];
	job->auth_tag_output_len_in_bytes = WS_GCM_TAG;
}

static void gcm_finish(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	if (pkt->ctx->dir == WS_DIR_OPEN)
		ws_finish_open_check(eng, slot, pkt);
}

/* The length is AAD: it travels in clear. */
static int gcm_peek(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx, uint32_t seqnr,
		    uint64_t ahead, const uint8_t *first, size_t first_len, uint32_t *packet_length)
{
	(void)eng;
	(void)ctx;
	(void)seqnr;
	(void)ahead;
	WS_ENSURE(first_len >= 4, WS_ERR_SHORT);
	*packet_length = ws_load_be32(first);
	return WS_OK;
}

const struct ws_cipher_ops ws_gcm_ops = {
	.set_key = gcm_set_key,
	.prepare = gcm_prepare,
	.fill_job = gcm_fill_job,
	.finish = gcm_finish,
	.peek = gcm_peek,
};
