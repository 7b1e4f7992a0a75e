/* test_suites.c — the cipher/MAC tables (names, sizes, lookups, default lists), context creation
 * checks and framing traits, and that freeing a context wipes its key material. */
#include <string.h>

#include "check.h"
#include "crypto/backend.h"
#include "warpssh/crypto.h"

static void test_tables(void)
{
	const struct ws_cipher_info *c = ws_cipher_by_name("aes128-gcm@openssh.com", 22);
	REQUIRE(c != NULL);
	CHECK_EQ(c->id, WS_CIPHER_AES128_GCM);
	CHECK(c->key_len == 16 && c->iv_len == 12 && c->block_size == 16 && c->tag_len == 16 && c->aead);
	c = ws_cipher_by_name("chacha20-poly1305@openssh.com", 29);
	REQUIRE(c != NULL);
	CHECK(c->key_len == 64 && c->iv_len == 0 && c->block_size == 8 && c->length_encrypted);
	c = ws_cipher_by_name("aes192-ctr", 10);
	REQUIRE(c != NULL);
	CHECK(c->key_len == 24 && c->iv_len == 16 && !c->aead && c->tag_len == 0);
	CHECK(ws_cipher_by_name("aes128-ctrX", 10) != NULL); /* len bounds the name */
	CHECK(ws_cipher_by_name("aes128-ct", 9) == NULL);    /* prefixes do not match */
	CHECK(ws_cipher_by_name("3des-cbc", 8) == NULL);
	CHECK(ws_cipher_by_name(NULL, 0) == NULL);
	const struct ws_mac_info *m = ws_mac_by_name("hmac-sha2-512-etm@openssh.com", 29);
	REQUIRE(m != NULL);
	CHECK(m->key_len == 64 && m->mac_len == 64 && m->etm);
	CHECK(ws_mac_by_name("hmac-sha1", 9) == NULL);
	CHECK(ws_cipher_info(WS_CIPHER_COUNT) == NULL);
	CHECK(ws_mac_info(WS_MAC_COUNT) == NULL);
	for (unsigned i = 0; i < WS_CIPHER_COUNT; i++)
		CHECK_EQ(ws_cipher_info(i)->id, i);
	for (unsigned i = 0; i < WS_MAC_COUNT; i++)
		CHECK_EQ(ws_mac_info(i)->id, i);
}

/* Every name in the default lists resolves, and every suite is offered exactly once. */
static void test_default_lists(void)
{
	unsigned seen_c = 0, seen_m = 0, count = 0;
	const char *p = ws_cipher_default_list();
	while (*p) {
		size_t n = strcspn(p, ",");
		const struct ws_cipher_info *c = ws_cipher_by_name(p, n);
		REQUIRE(c != NULL);
		CHECK((seen_c & (1u << c->id)) == 0);
		seen_c |= 1u << c->id;
		count++;
		p += n + (p[n] == ',');
	}
	CHECK_EQ(seen_c, (1u << WS_CIPHER_COUNT) - 1);
	CHECK_EQ(count, WS_CIPHER_COUNT);
	p = ws_mac_default_list();
	while (*p) {
		size_t n = strcspn(p, ",");
		const struct ws_mac_info *m = ws_mac_by_name(p, n);
		REQUIRE(m != NULL);
		seen_m |= 1u << m->id;
		p += n + (p[n] == ',');
	}
	CHECK_EQ(seen_m, (1u << WS_MAC_COUNT) - 1);
	CHECK(strncmp(ws_mac_default_list(), "hmac-sha2-256-etm@openssh.com,", 30) == 0);
}

static void test_ctx_new_checks(void)
{
	uint8_t key[64] = {1}, iv[16] = {2}, mk[64] = {3};
	struct ws_cipher_ctx *ctx = (struct ws_cipher_ctx *)1;
	const struct ws_cipher_info *gcm = ws_cipher_info(WS_CIPHER_AES256_GCM);
	const struct ws_cipher_info *ctr = ws_cipher_info(WS_CIPHER_AES128_CTR);
	const struct ws_mac_info *etm = ws_mac_info(WS_MAC_HMAC_SHA2_256_ETM);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, gcm, etm, WS_DIR_SEAL, key, iv, mk), WS_ERR_INVALID_ARG);
	CHECK(ctx == NULL);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, ctr, NULL, WS_DIR_SEAL, key, iv, mk), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, ctr, etm, WS_DIR_SEAL, key, NULL, mk), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, ctr, etm, WS_DIR_SEAL, key, iv, NULL), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, NULL, NULL, WS_DIR_SEAL, key, iv, mk), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, ctr, etm, WS_DIR_SEAL, key, iv, mk), WS_OK);
	CHECK_EQ(ws_cipher_ctx_tag_len(ctx), 32);
	CHECK_EQ(ws_cipher_ctx_block_size(ctx), 16);
	CHECK_EQ(ws_cipher_ctx_aad_len(ctx), 4);
	CHECK(ws_cipher_ctx_cipher(ctx) == ctr && ws_cipher_ctx_mac(ctx) == etm);
	ws_cipher_ctx_free(ctx);
	const struct ws_mac_info *plain = ws_mac_info(WS_MAC_HMAC_SHA2_512);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, ctr, plain, WS_DIR_OPEN, key, iv, mk), WS_OK);
	CHECK_EQ(ws_cipher_ctx_tag_len(ctx), 64);
	CHECK_EQ(ws_cipher_ctx_aad_len(ctx), 0);
	ws_cipher_ctx_free(ctx);
	const struct ws_cipher_info *cp = ws_cipher_info(WS_CIPHER_CHACHA20_POLY1305);
	CHECK_EQ(ws_cipher_ctx_new(&ctx, cp, NULL, WS_DIR_OPEN, key, NULL, NULL), WS_OK);
	CHECK_EQ(ws_cipher_ctx_tag_len(ctx), 16);
	CHECK_EQ(ws_cipher_ctx_block_size(ctx), 8);
	CHECK_EQ(ws_cipher_ctx_aad_len(ctx), 4);
	ws_cipher_ctx_free(ctx);
	ws_cipher_ctx_free(NULL);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

/* ws_cipher_ctx_free wipes through ws_cipher_ctx_wipe: key schedules, GHASH tables, HMAC pads,
 * raw MAC key and IV all end as zeros. */
static void test_wipe(void)
{
	uint8_t key[64], iv[16], mk[64];
	memset(key, 0xa5, sizeof(key));
	memset(iv, 0x5a, sizeof(iv));
	memset(mk, 0xc3, sizeof(mk));
	const struct ws_mac_info *mac = ws_mac_info(WS_MAC_HMAC_SHA2_512);
	for (unsigned c = 0; c < WS_CIPHER_COUNT; c++) {
		const struct ws_cipher_info *ci = ws_cipher_info(c);
		struct ws_cipher_ctx *ctx = NULL;
		const struct ws_mac_info *m = ci->aead ? NULL : mac;
		REQUIRE(ws_cipher_ctx_new(&ctx, ci, m, WS_DIR_SEAL, key, iv, mk) == WS_OK);
		CHECK(!all_zero(&ctx->keys, sizeof(ctx->keys)));
		if (!ci->aead)
			CHECK(!all_zero(ctx->hmac_ipad, sizeof(ctx->hmac_ipad)));
		ws_cipher_ctx_wipe(ctx);
		CHECK(all_zero(ctx, sizeof(*ctx)));
		ws_cipher_ctx_free(ctx);
	}
}

int main(void)
{
	test_tables();
	test_default_lists();
	test_ctx_new_checks();
	test_wipe();
	return check_done("test_suites");
}
