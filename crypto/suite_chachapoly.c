/* suite_chachapoly.c — chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305): the
 * payload runs on ipsec-mb (ChaCha20 from block 1 chained with Poly1305); libsodium supplies the two
 * small pieces ipsec-mb cannot reach, the K_1 length keystream and the block-0 Poly1305 key. */
#include <sodium.h>
#include <string.h>

#include "crypto/backend.h"
#include "warpssh/buf.h"

#define IETF_NONCE_LEN 12u
#define DJB_NONCE_LEN 8u

/* PROTOCOL.chacha20poly1305: the 64-byte key is K_2 (bytes 0..31, payload) || K_1 (bytes 32..63,
 * length). */
static int cp_set_key(struct ws_cipher_ctx *ctx, IMB_MGR *mgr, const uint8_t *key, const uint8_t *iv)
{
	(void)mgr;
	(void)iv;
	memcpy(ctx->keys.chacha.main, key, WS_CHACHA_KEY);
	memcpy(ctx->keys.chacha.header, key + WS_CHACHA_KEY, WS_CHACHA_KEY);
	return WS_OK;
}

/* "the nonce is the packet sequence number encoded as a uint64" (big-endian). */
static void seqnr_nonce(uint32_t seqnr, uint8_t nonce[DJB_NONCE_LEN])
{
	ws_store_be64(nonce, seqnr);
}

/* K_1 keystream at block 0 over the 4 length bytes: encrypts and decrypts alike. */
static void crypt_length(const struct ws_cipher_ctx *ctx, uint32_t seqnr, const uint8_t in[4],
			 uint8_t out[4])
{
	uint8_t nonce[DJB_NONCE_LEN];
	seqnr_nonce(seqnr, nonce);
	crypto_stream_chacha20_xor_ic(out, in, 4, nonce, 0, ctx->keys.chacha.header);
}

/* Poly1305 key = first 32 bytes of ChaCha20(K_2, nonce, block 0); the payload keystream starts at
 * block 1, which is exactly ipsec-mb's IETF ChaCha20 with IV = 00000000 || BE64(seqnr). */
static enum ws_prep cp_prepare(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	uint8_t nonce[DJB_NONCE_LEN];
	seqnr_nonce(pkt->seqnr, nonce);
	crypto_stream_chacha20(eng->poly_key[slot], WS_POLY1305_KEY, nonce, ctx->keys.chacha.main);
	memset(eng->iv[slot], 0, IETF_NONCE_LEN - DJB_NONCE_LEN);
	memcpy(eng->iv[slot] + IETF_NONCE_LEN - DJB_NONCE_LEN, nonce, DJB_NONCE_LEN);
	if (ctx->dir == WS_DIR_SEAL)
		crypt_length(ctx, pkt->seqnr, pkt->buf, pkt->buf);
	return WS_PREP_JOB;
}

/* Tag = Poly1305 over the encrypted length || encrypted payload, i.e. the whole packet as sent. */
static void cp_fill_job(IMB_JOB *job, struct ws_crypto_engine *eng, unsigned slot,
			const struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	bool seal = ctx->dir == WS_DIR_SEAL;
	job->cipher_mode = IMB_CIPHER_CHACHA20;
	job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = ctx->keys.chacha.main;
	job->dec_keys = ctx->keys.chacha.main;
	job->key_len_in_bytes = WS_CHACHA_KEY;
	job->iv = eng->iv[slot];
	job->iv_len_in_bytes = IETF_NONCE_LEN;
	job->src = pkt->buf;
	job->dst = pkt->buf + 4;
	job->cipher_start_src_offset_in_bytes = 4;
	job->msg_len_to_cipher_in_bytes = pkt->len - 4;
	job->hash_alg = IMB_AUTH_POLY1305;
	job->u.POLY1305._key = eng->poly_key[slot];
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = pkt->len;
	job->auth_tag_output = seal ? pkt->buf + pkt->len : eng->tag[slot];
	job->auth_tag_output_len_in_bytes = WS_POLY1305_TAG;
}

/* Open: constant-time tag check, then the length field is decrypted in place too. */
static void cp_finish(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	if (pkt->ctx->dir == WS_DIR_SEAL)
		return;
	ws_finish_open_check(eng, slot, pkt);
	if (pkt->status == WS_OK)
		crypt_length(pkt->ctx, pkt->seqnr, pkt->buf, pkt->buf);
}

static int cp_peek(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx, uint32_t seqnr,
		   uint64_t ahead, const uint8_t *first, size_t first_len, uint32_t *packet_length)
{
	(void)eng;
	(void)ahead; /* keyed by seqnr alone */
	WS_ENSURE(first_len >= 4, WS_ERR_SHORT);
	uint8_t len_be[4];
	crypt_length(ctx, seqnr, first, len_be);
	*packet_length = ws_load_be32(len_be);
	return WS_OK;
}

const struct ws_cipher_ops ws_chachapoly_ops = {
	.set_key = cp_set_key,
	.prepare = cp_prepare,
	.fill_job = cp_fill_job,
	.finish = cp_finish,
	.peek = cp_peek,
};
