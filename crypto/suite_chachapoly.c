/* suite_chachapoly.c — chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). The small
 * keystream pieces of every packet in a burst (K_1 length block, K_2 block 0 = Poly1305 key, and
 * whole payloads of small packets) come from one batched SIMD lane pass; larger payloads run on
 * ipsec-mb (ChaCha20 from block 1 chained with Poly1305), small ones as a Poly1305 job. */
#include <sodium.h>
#include <string.h>

#include "crypto/backend.h"
#include "warpssh/buf.h"

#define IETF_NONCE_LEN 12u
#define DJB_NONCE_LEN 8u
#define KS_LENGTH 0u /* cp_ks block index: K_1 block 0 */
#define KS_POLY 1u   /* K_2 block 0 */
#define KS_BODY 2u   /* K_2 blocks 1.. for small payloads */

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

/* Payload bytes (after the 4-byte length) whose keystream the lane pass produces, or 0. */
static uint32_t small_body(const struct ws_crypto_pkt *pkt)
{
	uint32_t body = pkt->len - 4;
	return body <= WS_CP_SMALL_BLOCKS * 64u ? body : 0;
}

static void xor_bytes(uint8_t *dst, const uint8_t *ks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] ^= ks[i];
}

/* Queue the lanes of one packet: "the nonce is the packet sequence number encoded as a uint64"
 * (big-endian); the length uses K_1 at block 0, the Poly1305 key is K_2 block 0, the payload K_2
 * from block 1 — ipsec-mb's IETF ChaCha20 with IV = 00000000 || BE64(seqnr) gives the same. */
static unsigned queue_lanes(struct ws_crypto_engine *eng, unsigned slot, const struct ws_crypto_pkt *pkt,
			    struct ws_chacha_lane *lane)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	uint8_t *iv = eng->iv[slot];
	memset(iv, 0, IETF_NONCE_LEN - DJB_NONCE_LEN);
	ws_store_be64(iv + IETF_NONCE_LEN - DJB_NONCE_LEN, pkt->seqnr);
	const uint8_t *nonce = iv + IETF_NONCE_LEN - DJB_NONCE_LEN;
	unsigned blocks = (small_body(pkt) + 63u) / 64u;
	lane[0] = (struct ws_chacha_lane){ctx->keys.chacha.header, nonce, 0, eng->cp_ks[slot][KS_LENGTH]};
	for (unsigned b = 0; b <= blocks; b++)
		lane[1 + b] = (struct ws_chacha_lane){ctx->keys.chacha.main, nonce, b,
						      eng->cp_ks[slot][KS_POLY + b]};
	eng->cp_ks_used[slot] = (uint8_t)(2 + blocks);
	return 2 + blocks;
}

static void cp_prepare_batch(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts,
			     const unsigned *slots, unsigned count)
{
	unsigned nlanes = 0;
	for (unsigned i = 0; i < count; i++)
		nlanes += queue_lanes(eng, slots[i], &pkts[slots[i]], &eng->cp_lanes[nlanes]);
	ws_chacha_blocks(eng->cp_lanes, nlanes);
	for (unsigned i = 0; i < count; i++) {
		unsigned slot = slots[i];
		struct ws_crypto_pkt *pkt = &pkts[slot];
		memcpy(eng->poly_key[slot], eng->cp_ks[slot][KS_POLY], WS_POLY1305_KEY);
		if (pkt->ctx->dir != WS_DIR_SEAL)
			continue; /* open: nothing is decrypted before the tag is checked */
		xor_bytes(pkt->buf, eng->cp_ks[slot][KS_LENGTH], 4);
		xor_bytes(pkt->buf + 4, eng->cp_ks[slot][KS_BODY], small_body(pkt));
	}
}

/* Tag = Poly1305 over the encrypted length || encrypted payload, i.e. the whole packet as sent.
 * Large payloads chain ipsec-mb's ChaCha20 (seal: before the MAC; open: after it). */
static void cp_fill_job(IMB_JOB *job, struct ws_crypto_engine *eng, unsigned slot,
			const struct ws_crypto_pkt *pkt)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	bool seal = ctx->dir == WS_DIR_SEAL;
	if (small_body(pkt) == 0) {
		job->cipher_mode = IMB_CIPHER_CHACHA20;
		job->cipher_direction = seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		job->chain_order = seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
		job->enc_keys = ctx->keys.chacha.main;
		job->dec_keys = ctx->keys.chacha.main;
		job->key_len_in_bytes = WS_CHACHA_KEY;
		job->iv = eng->iv[slot];
		job->iv_len_in_bytes = IETF_NONCE_LEN;
		job->cipher_start_src_offset_in_bytes = 4;
		job->msg_len_to_cipher_in_bytes = pkt->len - 4;
	}
	job->src = pkt->buf;
	job->dst = pkt->buf + 4;
	job->hash_alg = IMB_AUTH_POLY1305;
	job->u.POLY1305._key = eng->poly_key[slot];
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = pkt->len;
	job->auth_tag_output = seal ? pkt->buf + pkt->len : eng->tag[slot];
	job->auth_tag_output_len_in_bytes = WS_POLY1305_TAG;
}

/* Open: constant-time tag check, then the length (and a small payload) is decrypted in place.
 * Always: wipe this packet's keystream and one-time Poly1305 key. */
static void cp_finish(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	if (pkt->ctx->dir == WS_DIR_OPEN && pkt->status == WS_OK) {
		ws_finish_open_check(eng, slot, pkt);
		if (pkt->status == WS_OK) {
			xor_bytes(pkt->buf, eng->cp_ks[slot][KS_LENGTH], 4);
			xor_bytes(pkt->buf + 4, eng->cp_ks[slot][KS_BODY], small_body(pkt));
		}
	}
	sodium_memzero(eng->cp_ks[slot], (size_t)eng->cp_ks_used[slot] * 64u);
	sodium_memzero(eng->poly_key[slot], WS_POLY1305_KEY);
}

static int cp_peek(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx, uint32_t seqnr,
		   uint64_t ahead, const uint8_t *first, size_t first_len, uint32_t *packet_length)
{
	(void)eng;
	(void)ahead; /* keyed by seqnr alone */
	WS_ENSURE(first_len >= 4, WS_ERR_SHORT);
	uint8_t nonce[DJB_NONCE_LEN], ks[64], len_be[4];
	ws_store_be64(nonce, seqnr);
	struct ws_chacha_lane lane = {ctx->keys.chacha.header, nonce, 0, ks};
	ws_chacha_blocks(&lane, 1);
	memcpy(len_be, first, 4);
	xor_bytes(len_be, ks, 4);
	*packet_length = ws_load_be32(len_be);
	sodium_memzero(ks, sizeof(ks));
	return WS_OK;
}

const struct ws_cipher_ops ws_chachapoly_ops = {
	.set_key = cp_set_key,
	.prepare = NULL,
	.prepare_batch = cp_prepare_batch,
	.fill_job = cp_fill_job,
	.finish = cp_finish,
	.peek = cp_peek,
};
