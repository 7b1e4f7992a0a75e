/* primitives.c — HMAC key precomputation for ipsec-mb, and raw one-shot primitives (HMAC, AES-GCM,
 * ChaCha20, Poly1305) run as single synchronous jobs, so known-answer tests reach the backend. */
#include <sodium.h>
#include <string.h>

#include "crypto/backend.h"

#define SHA256_BLOCK 64u
#define SHA512_BLOCK 128u

/* RFC 2104 §2: K is padded with zeros to the block size B (keys longer than B are first hashed);
 * H(K ^ ipad) and H(K ^ opad) are precomputed as one-block compression states. */
int ws_hmac_precompute(IMB_MGR *mgr, bool sha512, const uint8_t *key, size_t key_len,
		       uint8_t ipad_state[WS_HMAC_STATE_MAX], uint8_t opad_state[WS_HMAC_STATE_MAX])
{
	WS_ENSURE(mgr != NULL && (key != NULL || key_len == 0), WS_ERR_INVALID_ARG);
	size_t block = sha512 ? SHA512_BLOCK : SHA256_BLOCK;
	uint8_t k[SHA512_BLOCK] = {0};
	uint8_t pad[SHA512_BLOCK];
	if (key_len > block) {
		if (sha512)
			IMB_SHA512(mgr, key, key_len, k);
		else
			IMB_SHA256(mgr, key, key_len, k);
	} else if (key_len > 0) {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < block; i++)
		pad[i] = k[i] ^ 0x36;
	if (sha512)
		IMB_SHA512_ONE_BLOCK(mgr, pad, ipad_state);
	else
		IMB_SHA256_ONE_BLOCK(mgr, pad, ipad_state);
	for (size_t i = 0; i < block; i++)
		pad[i] = k[i] ^ 0x5c;
	if (sha512)
		IMB_SHA512_ONE_BLOCK(mgr, pad, opad_state);
	else
		IMB_SHA256_ONE_BLOCK(mgr, pad, opad_state);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	return WS_OK;
}

int ws_backend_hmac(struct ws_crypto_engine *eng, bool sha512, const uint8_t *key, size_t key_len,
		    const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	WS_ENSURE(eng != NULL && out != NULL && (msg != NULL || msg_len == 0), WS_ERR_INVALID_ARG);
	uint8_t ipad[WS_HMAC_STATE_MAX] __attribute__((aligned(16)));
	uint8_t opad[WS_HMAC_STATE_MAX] __attribute__((aligned(16)));
	WS_TRY(ws_hmac_precompute(eng->mgr, sha512, key, key_len, ipad, opad));
	IMB_JOB *job = IMB_GET_NEXT_JOB(eng->mgr);
	ws_job_reset(job);
	job->hash_alg = sha512 ? IMB_AUTH_HMAC_SHA_512 : IMB_AUTH_HMAC_SHA_256;
	job->u.HMAC._hashed_auth_key_xor_ipad = ipad;
	job->u.HMAC._hashed_auth_key_xor_opad = opad;
	job->src = msg;
	job->msg_len_to_hash_in_bytes = msg_len;
	job->auth_tag_output = out;
	job->auth_tag_output_len_in_bytes = sha512 ? 64 : 32;
	int rc = ws_job_run_sync(eng->mgr, job);
	sodium_memzero(ipad, sizeof(ipad));
	sodium_memzero(opad, sizeof(opad));
	return rc;
}

int ws_backend_gcm_seal(struct ws_crypto_engine *eng, const uint8_t *key, size_t key_len,
			const uint8_t iv[12], const uint8_t *aad, size_t aad_len, const uint8_t *in,
			uint8_t *out, size_t len, uint8_t tag[16])
{
	WS_ENSURE(eng != NULL && key != NULL && iv != NULL && tag != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(key_len == 16 || key_len == 32, WS_ERR_INVALID_ARG);
	struct gcm_key_data gkey __attribute__((aligned(64)));
	if (key_len == 16)
		IMB_AES128_GCM_PRE(eng->mgr, key, &gkey);
	else
		IMB_AES256_GCM_PRE(eng->mgr, key, &gkey);
	IMB_JOB *job = IMB_GET_NEXT_JOB(eng->mgr);
	ws_job_reset(job);
	job->cipher_mode = IMB_CIPHER_GCM;
	job->hash_alg = IMB_AUTH_AES_GMAC;
	job->enc_keys = &gkey;
	job->dec_keys = &gkey;
	job->key_len_in_bytes = key_len;
	job->iv = iv;
	job->iv_len_in_bytes = 12;
	job->u.GCM.aad = aad;
	job->u.GCM.aad_len_in_bytes = aad_len;
	job->src = in;
	job->dst = out;
	job->msg_len_to_cipher_in_bytes = len;
	job->msg_len_to_hash_in_bytes = len;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = 16;
	int rc = ws_job_run_sync(eng->mgr, job);
	sodium_memzero(&gkey, sizeof(gkey));
	return rc;
}

int ws_backend_chacha20_ctr1(struct ws_crypto_engine *eng, const uint8_t key[32],
			     const uint8_t nonce[12], const uint8_t *in, uint8_t *out, size_t len)
{
	WS_ENSURE(eng != NULL && key != NULL && nonce != NULL, WS_ERR_INVALID_ARG);
	IMB_JOB *job = IMB_GET_NEXT_JOB(eng->mgr);
	ws_job_reset(job);
	job->cipher_mode = IMB_CIPHER_CHACHA20;
	job->enc_keys = key;
	job->dec_keys = key;
	job->key_len_in_bytes = 32;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->src = in;
	job->dst = out;
	job->msg_len_to_cipher_in_bytes = len;
	return ws_job_run_sync(eng->mgr, job);
}

int ws_backend_poly1305(struct ws_crypto_engine *eng, const uint8_t key[32], const uint8_t *msg,
			size_t len, uint8_t tag[16])
{
	WS_ENSURE(eng != NULL && key != NULL && tag != NULL, WS_ERR_INVALID_ARG);
	IMB_JOB *job = IMB_GET_NEXT_JOB(eng->mgr);
	ws_job_reset(job);
	job->hash_alg = IMB_AUTH_POLY1305;
	job->u.POLY1305._key = key;
	job->src = msg;
	job->msg_len_to_hash_in_bytes = len;
	job->auth_tag_output = tag;
	job->auth_tag_output_len_in_bytes = 16;
	return ws_job_run_sync(eng->mgr, job);
}
