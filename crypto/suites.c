/* suites.c — the one table of cipher suites and MACs: negotiation names, key/IV/tag sizes and the
 * backend ops each cipher runs on; lookups by id and name; our default preference lists. */
#include <string.h>

#include "crypto/backend.h"

struct ws_cipher_row {
	struct ws_cipher_info info;
	const struct ws_cipher_ops *ops;
};

/* Sizes: OpenSSH PROTOCOL.chacha20poly1305 (64-byte key, 8-byte blocks, 16-byte tag), RFC 5647 §5
 * as OpenSSH implements it (12-byte IV, 16-byte tag), RFC 4344 §4 (16-byte IV = initial counter). */
static const struct ws_cipher_row cipher_rows[WS_CIPHER_COUNT] = {
	[WS_CIPHER_CHACHA20_POLY1305] = {{WS_CIPHER_CHACHA20_POLY1305, "chacha20-poly1305@openssh.com",
					  64, 0, 8, 16, true, true}, &ws_chachapoly_ops},
	[WS_CIPHER_AES128_GCM] = {{WS_CIPHER_AES128_GCM, "aes128-gcm@openssh.com", 16, 12, 16, 16, true,
				   false}, &ws_gcm_ops},
	[WS_CIPHER_AES256_GCM] = {{WS_CIPHER_AES256_GCM, "aes256-gcm@openssh.com", 32, 12, 16, 16, true,
				   false}, &ws_gcm_ops},
	[WS_CIPHER_AES128_CTR] = {{WS_CIPHER_AES128_CTR, "aes128-ctr", 16, 16, 16, 0, false, true},
				  &ws_ctr_hmac_ops},
	[WS_CIPHER_AES192_CTR] = {{WS_CIPHER_AES192_CTR, "aes192-ctr", 24, 16, 16, 0, false, true},
				  &ws_ctr_hmac_ops},
	[WS_CIPHER_AES256_CTR] = {{WS_CIPHER_AES256_CTR, "aes256-ctr", 32, 16, 16, 0, false, true},
				  &ws_ctr_hmac_ops},
};

/* RFC 6668 §2 (hmac-sha2-256/512: key and digest 32/64 bytes); OpenSSH PROTOCOL §1.5 (-etm). */
static const struct ws_mac_info mac_rows[WS_MAC_COUNT] = {
	[WS_MAC_HMAC_SHA2_256] = {WS_MAC_HMAC_SHA2_256, "hmac-sha2-256", 32, 32, false},
	[WS_MAC_HMAC_SHA2_512] = {WS_MAC_HMAC_SHA2_512, "hmac-sha2-512", 64, 64, false},
	[WS_MAC_HMAC_SHA2_256_ETM] = {WS_MAC_HMAC_SHA2_256_ETM, "hmac-sha2-256-etm@openssh.com", 32, 32,
				      true},
	[WS_MAC_HMAC_SHA2_512_ETM] = {WS_MAC_HMAC_SHA2_512_ETM, "hmac-sha2-512-etm@openssh.com", 64, 64,
				      true},
};

const struct ws_cipher_info *ws_cipher_info(enum ws_cipher_id id)
{
	if ((unsigned)id >= WS_CIPHER_COUNT)
		return NULL;
	return &cipher_rows[id].info;
}

const struct ws_mac_info *ws_mac_info(enum ws_mac_id id)
{
	if ((unsigned)id >= WS_MAC_COUNT)
		return NULL;
	return &mac_rows[id];
}

const struct ws_cipher_ops *ws_cipher_ops_of(enum ws_cipher_id id)
{
	if ((unsigned)id >= WS_CIPHER_COUNT)
		return NULL;
	return cipher_rows[id].ops;
}

static bool name_equals(const char *row_name, const char *name, size_t len)
{
	return strncmp(row_name, name, len) == 0 && row_name[len] == '\0';
}

const struct ws_cipher_info *ws_cipher_by_name(const char *name, size_t len)
{
	if (name == NULL)
		return NULL;
	for (unsigned i = 0; i < WS_CIPHER_COUNT; i++)
		if (name_equals(cipher_rows[i].info.name, name, len))
			return &cipher_rows[i].info;
	return NULL;
}

const struct ws_mac_info *ws_mac_by_name(const char *name, size_t len)
{
	if (name == NULL)
		return NULL;
	for (unsigned i = 0; i < WS_MAC_COUNT; i++)
		if (name_equals(mac_rows[i].name, name, len))
			return &mac_rows[i];
	return NULL;
}

/* OpenSSH 9.2 offers chacha20-poly1305 first. We put AES-GCM first: with VAES + VPCLMULQDQ it is
 * the fastest suite per core here (docs/crypto.md), and the client's order decides (RFC 4253 §7.1),
 * so an OpenSSH client talking to us still gets its own first choice. */
const char *ws_cipher_default_list(void)
{
	return "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,"
	       "aes128-ctr,aes192-ctr,aes256-ctr";
}

/* As OpenSSH 9.2: encrypt-then-MAC first. */
const char *ws_mac_default_list(void)
{
	return "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";
}
