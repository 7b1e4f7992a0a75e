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

/* ipsec-mb has no multi-buffer GCM: its job path ends in the same single-buffer VAES code, so each
 * packet calls that directly, saving the job overhead (RFC 5647 §7.1: packet_length is the AAD,
 * the rest is the plaintext; the tag follows the packet). */
static void gcm_crypt(IMB_MGR *mgr, const struct ws_cipher_ctx *ctx, struct gcm_context_data *gctx,
		      struct ws_crypto_pkt *pkt, uint8_t *tag)
{
	const struct gcm_key_data *k = &ctx->keys.gcm;
	uint8_t *body = pkt->buf + 4;
	uint64_t n = pkt->len - 4;
	bool aes128 = ctx->cipher->key_len == 16;
	if (ctx->dir == WS_DIR_SEAL && aes128)
		IMB_AES128_GCM_ENC(mgr, k, gctx, body, body, n, ctx->iv, pkt->buf, 4, tag, WS_GCM_TAG);
	else if (ctx->dir == WS_DIR_SEAL)
		IMB_AES256_GCM_ENC(mgr, k, gctx, body, body, n, ctx->iv, pkt->buf, 4, tag, WS_GCM_TAG);
	else if (aes128)
		IMB_AES128_GCM_DEC(mgr, k, gctx, body, body, n, ctx->iv, pkt->buf, 4, tag, WS_GCM_TAG);
	else
		IMB_AES256_GCM_DEC(mgr, k, gctx, body, body, n, ctx->iv, pkt->buf, 4, tag, WS_GCM_TAG);
}

static enum ws_prep gcm_prepare(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	struct ws_cipher_ctx *ctx = pkt->ctx;
	bool seal = ctx->dir == WS_DIR_SEAL;
	gcm_crypt(eng->mgr, ctx, &eng->gcm_ctx, pkt, seal ? pkt->buf + pkt->len : eng->tag[slot]);
	gcm_advance_iv(ctx->iv);
	if (!seal)
		ws_finish_open_check(eng, slot, pkt);
	return WS_PREP_DONE;
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
	.fill_job = NULL, /* every packet is done in prepare */
	.finish = NULL,
	.peek = gcm_peek,
};
