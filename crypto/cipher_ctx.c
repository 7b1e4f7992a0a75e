/* cipher_ctx.c — per-direction cipher contexts: creation from KDF output (key expansion through the
 * suite's backend ops), accessors for the framing code, and wiping on free. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/backend.h"

static int check_suite(const struct ws_cipher_info *cipher, const struct ws_mac_info *mac)
{
	WS_ENSURE(cipher != NULL && ws_cipher_info(cipher->id) == cipher, WS_ERR_INVALID_ARG);
	if (cipher->aead) /* an AEAD cipher's tag is its MAC: no MAC is negotiated (PROTOCOL §1.6) */
		WS_ENSURE(mac == NULL, WS_ERR_INVALID_ARG);
	else
		WS_ENSURE(mac != NULL && ws_mac_info(mac->id) == mac, WS_ERR_INVALID_ARG);
	return WS_OK;
}

static void set_framing(struct ws_cipher_ctx *ctx, const struct ws_cipher_info *cipher,
			const struct ws_mac_info *mac, enum ws_dir dir)
{
	ctx->cipher = cipher;
	ctx->mac = mac;
	ctx->dir = dir;
	ctx->ops = ws_cipher_ops_of(cipher->id);
	ctx->tag_len = cipher->aead ? cipher->tag_len : mac->mac_len;
	/* The length stays out of the block alignment when it is AAD (GCM, chacha) or in clear (ETM). */
	ctx->aad_len = (cipher->aead || mac->etm) ? 4 : 0;
}

int ws_cipher_ctx_new(struct ws_cipher_ctx **out, const struct ws_cipher_info *cipher,
		      const struct ws_mac_info *mac, enum ws_dir dir, const uint8_t *key,
		      const uint8_t *iv, const uint8_t *mac_key)
{
	WS_ENSURE(out != NULL, WS_ERR_INVALID_ARG);
	*out = NULL;
	WS_TRY(check_suite(cipher, mac));
	WS_ENSURE(dir == WS_DIR_SEAL || dir == WS_DIR_OPEN, WS_ERR_INVALID_ARG);
	WS_ENSURE(key != NULL && (cipher->iv_len == 0 || iv != NULL), WS_ERR_INVALID_ARG);
	WS_ENSURE(mac == NULL || mac_key != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	IMB_MGR *mgr = ws_backend_key_mgr();
	WS_ENSURE(mgr != NULL, WS_ERR_CRYPTO);

	struct ws_cipher_ctx *ctx = aligned_alloc(64, sizeof(*ctx));
	WS_ENSURE(ctx != NULL, WS_ERR_NO_MEMORY);
	sodium_memzero(ctx, sizeof(*ctx));
	set_framing(ctx, cipher, mac, dir);
	int rc = ctx->ops->set_key(ctx, mgr, key, iv);
	if (rc == WS_OK && mac != NULL) {
		memcpy(ctx->hmac_key, mac_key, mac->key_len);
		rc = ws_hmac_precompute(mgr, mac->mac_len == 64, mac_key, mac->key_len, ctx->hmac_ipad,
					ctx->hmac_opad);
	}
	if (rc != WS_OK) {
		ws_cipher_ctx_free(ctx);
		return rc;
	}
	*out = ctx;
	return WS_OK;
}

void ws_cipher_ctx_wipe(struct ws_cipher_ctx *ctx)
{
	sodium_memzero(ctx, sizeof(*ctx));
}

void ws_cipher_ctx_free(struct ws_cipher_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ws_cipher_ctx_wipe(ctx);
	free(ctx);
}

uint32_t ws_cipher_ctx_tag_len(const struct ws_cipher_ctx *ctx) { return ctx->tag_len; }
uint32_t ws_cipher_ctx_block_size(const struct ws_cipher_ctx *ctx) { return ctx->cipher->block_size; }
uint32_t ws_cipher_ctx_aad_len(const struct ws_cipher_ctx *ctx) { return ctx->aad_len; }
const struct ws_cipher_info *ws_cipher_ctx_cipher(const struct ws_cipher_ctx *ctx) { return ctx->cipher; }
const struct ws_mac_info *ws_cipher_ctx_mac(const struct ws_cipher_ctx *ctx) { return ctx->mac; }
