/* burst.c — seal/open of up to WS_CRYPTO_MAX_BURST packets of many connections in one call: every
 * packet's IV is fixed up front in array order, then all jobs go to ipsec-mb together so its
 * multi-buffer lanes fill; out-of-order completions map back to packets through user_data. */
#include <sodium.h>

#include "crypto/backend.h"

/* Per-packet argument checks; a bad packet gets its own status and the burst goes on. */
static int check_pkt(const struct ws_crypto_pkt *pkt, enum ws_dir dir)
{
	const struct ws_cipher_ctx *ctx = pkt->ctx;
	WS_ENSURE(ctx != NULL && pkt->buf != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(ctx->dir == dir, WS_ERR_INVALID_ARG);
	WS_ENSURE(pkt->len <= WS_CRYPTO_MAX_PACKET, WS_ERR_PACKET_SIZE);
	uint32_t block = ctx->cipher->block_size;
	/* RFC 4253 §6: the encrypted part MUST be a multiple of the block size (ETM/AEAD: excluding the
	 * 4-byte length); and at least one block so the length itself is covered. */
	WS_ENSURE(pkt->len >= ctx->aad_len + block, WS_ERR_PACKET_SIZE);
	WS_ENSURE((pkt->len - ctx->aad_len) % block == 0, WS_ERR_PACKET_SIZE);
	return WS_OK;
}

static void complete_job(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, IMB_JOB *job)
{
	unsigned slot = (unsigned)(uintptr_t)job->user_data;
	struct ws_crypto_pkt *pkt = &pkts[slot];
	pkt->status = job->status == IMB_STATUS_COMPLETED ? WS_OK : WS_ERR_CRYPTO;
	if (pkt->status != WS_OK && pkt->ctx->dir == WS_DIR_OPEN) /* never release unverified bytes */
		sodium_memzero(pkt->buf, (size_t)pkt->len + pkt->ctx->tag_len);
	if (pkt->ctx->ops->finish != NULL)
		pkt->ctx->ops->finish(eng, slot, pkt);
}

static void submit_one(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned slot)
{
	IMB_MGR *mgr = eng->mgr;
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);
	ws_job_reset(job);
	pkts[slot].ctx->ops->fill_job(job, eng, slot, &pkts[slot]);
	job->user_data = (void *)(uintptr_t)slot;
	for (job = IMB_SUBMIT_JOB(mgr); job != NULL; job = IMB_GET_COMPLETED_JOB(mgr))
		complete_job(eng, pkts, job);
}

/* Families with prepare_batch see all their packets of the burst at once (array order kept). */
static void prepare_batches(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n,
			    bool *needs_job)
{
	unsigned slots[WS_CRYPTO_MAX_BURST];
	const struct ws_cipher_ops *done[WS_CIPHER_COUNT];
	unsigned ndone = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ws_cipher_ops *ops = needs_job[i] ? pkts[i].ctx->ops : NULL;
		if (ops == NULL || ops->prepare_batch == NULL)
			continue;
		bool seen = false;
		for (unsigned d = 0; d < ndone; d++)
			seen |= done[d] == ops;
		if (seen)
			continue;
		unsigned count = 0;
		for (unsigned j = i; j < n; j++)
			if (needs_job[j] && pkts[j].ctx->ops == ops)
				slots[count++] = j;
		ops->prepare_batch(eng, pkts, slots, count);
		done[ndone++] = ops;
	}
}

static unsigned run_burst(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n,
			  enum ws_dir dir)
{
	if (eng == NULL || pkts == NULL)
		return 0;
	if (n > WS_CRYPTO_MAX_BURST)
		n = WS_CRYPTO_MAX_BURST;
	bool needs_job[WS_CRYPTO_MAX_BURST];
	for (unsigned i = 0; i < n; i++) {
		pkts[i].status = check_pkt(&pkts[i], dir);
		const struct ws_cipher_ops *ops = pkts[i].status == WS_OK ? pkts[i].ctx->ops : NULL;
		needs_job[i] = ops != NULL &&
			       (ops->prepare == NULL || ops->prepare(eng, i, &pkts[i]) == WS_PREP_JOB);
	}
	prepare_batches(eng, pkts, n, needs_job);
	for (unsigned i = 0; i < n; i++)
		if (needs_job[i])
			submit_one(eng, pkts, i);
	for (IMB_JOB *job = IMB_FLUSH_JOB(eng->mgr); job != NULL; job = IMB_FLUSH_JOB(eng->mgr))
		complete_job(eng, pkts, job);
	sodium_memzero(&eng->gcm_ctx, sizeof(eng->gcm_ctx)); /* last GCM keystream block */
	unsigned ok = 0;
	for (unsigned i = 0; i < n; i++)
		ok += pkts[i].status == WS_OK;
	return ok;
}

unsigned ws_crypto_seal_burst(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n)
{
	return run_burst(eng, pkts, n, WS_DIR_SEAL);
}

unsigned ws_crypto_open_burst(struct ws_crypto_engine *eng, struct ws_crypto_pkt *pkts, unsigned n)
{
	return run_burst(eng, pkts, n, WS_DIR_OPEN);
}

int ws_crypto_peek_length_ahead(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx,
				uint32_t seqnr, uint64_t ahead, const uint8_t *first, size_t first_len,
				uint32_t *packet_length)
{
	WS_ENSURE(packet_length != NULL, WS_ERR_INVALID_ARG);
	*packet_length = 0;
	WS_ENSURE(eng != NULL && ctx != NULL && first != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(ctx->dir == WS_DIR_OPEN, WS_ERR_INVALID_ARG);
	return ctx->ops->peek(eng, ctx, seqnr, ahead, first, first_len, packet_length);
}

int ws_crypto_peek_length(struct ws_crypto_engine *eng, const struct ws_cipher_ctx *ctx,
			  uint32_t seqnr, const uint8_t *first, size_t first_len,
			  uint32_t *packet_length)
{
	return ws_crypto_peek_length_ahead(eng, ctx, seqnr, 0, first, first_len, packet_length);
}
