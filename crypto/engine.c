/* engine.c — the per-thread crypto engine (one ipsec-mb manager plus burst scratch), the shared
 * key-setup manager, and the job helpers every suite uses. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

#include "crypto/backend.h"

static IMB_MGR *key_mgr;
static pthread_once_t key_mgr_once = PTHREAD_ONCE_INIT;

static IMB_MGR *new_mgr(IMB_ARCH *arch)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return NULL;
	init_mb_mgr_auto(mgr, arch);
	if (imb_get_errno(mgr) != 0) {
		free_mb_mgr(mgr);
		return NULL;
	}
	return mgr;
}

static void key_mgr_init(void)
{
	IMB_ARCH arch;
	key_mgr = new_mgr(&arch);
}

/* Key expansion, GHASH precomputation and one-block SHA are pure functions of their inputs, so one
 * manager serves every thread for them; it lives as long as the process. */
IMB_MGR *ws_backend_key_mgr(void)
{
	if (pthread_once(&key_mgr_once, key_mgr_init) != 0)
		return NULL;
	return key_mgr;
}

int ws_crypto_engine_new(struct ws_crypto_engine **out)
{
	WS_ENSURE(out != NULL, WS_ERR_INVALID_ARG);
	*out = NULL;
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	struct ws_crypto_engine *eng = aligned_alloc(64, sizeof(*eng));
	WS_ENSURE(eng != NULL, WS_ERR_NO_MEMORY);
	sodium_memzero(eng, sizeof(*eng));
	eng->mgr = new_mgr(&eng->arch);
	if (eng->mgr == NULL) {
		free(eng);
		return WS_ERR_CRYPTO;
	}
	*out = eng;
	return WS_OK;
}

void ws_crypto_engine_free(struct ws_crypto_engine *eng)
{
	if (eng == NULL)
		return;
	free_mb_mgr(eng->mgr);
	sodium_memzero(eng, sizeof(*eng)); /* scratch may hold one-time Poly1305 keys */
	free(eng);
}

const char *ws_crypto_engine_arch(const struct ws_crypto_engine *eng)
{
	if (eng == NULL)
		return "none";
	switch (eng->arch) {
	case IMB_ARCH_NOAESNI: return "noaesni";
	case IMB_ARCH_SSE: return "sse";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_AVX2: return "avx2";
	case IMB_ARCH_AVX512: return "avx512";
	default: return "none";
	}
}

/* Jobs come back from the manager with the fields of their previous use: clear what every job
 * reads so a suite only sets what it needs. */
void ws_job_reset(IMB_JOB *job)
{
	job->cipher_mode = IMB_CIPHER_NULL;
	job->hash_alg = IMB_AUTH_NULL;
	job->chain_order = IMB_ORDER_CIPHER_HASH;
	job->cipher_direction = IMB_DIR_ENCRYPT;
	job->enc_keys = NULL;
	job->dec_keys = NULL;
	job->key_len_in_bytes = 0;
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = 0;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = 0;
	job->iv = NULL;
	job->iv_len_in_bytes = 0;
	job->auth_tag_output = NULL;
	job->auth_tag_output_len_in_bytes = 0;
	job->user_data = NULL;
	job->user_data2 = NULL;
}

int ws_job_run_sync(IMB_MGR *mgr, IMB_JOB *job)
{
	IMB_JOB *done = IMB_SUBMIT_JOB(mgr);
	if (done == NULL)
		done = IMB_FLUSH_JOB(mgr);
	WS_ENSURE(done == job, WS_ERR_INTERNAL);
	WS_ENSURE(done->status == IMB_STATUS_COMPLETED, WS_ERR_CRYPTO);
	return WS_OK;
}

/* RFC 4253 §6.4: the receiver MUST check the MAC; compared in constant time. A packet that fails is
 * wiped (plaintext is never released) together with its received tag. */
void ws_finish_open_check(struct ws_crypto_engine *eng, unsigned slot, struct ws_crypto_pkt *pkt)
{
	uint32_t tag_len = pkt->ctx->tag_len;
	if (sodium_memcmp(eng->tag[slot], pkt->buf + pkt->len, tag_len) == 0)
		return;
	pkt->status = WS_ERR_MAC;
	sodium_memzero(pkt->buf, (size_t)pkt->len + tag_len);
}
