/* hostkey.c — ssh-ed25519 keys in memory (RFC 8709): generation, wiping, the public key blob and
 * signature blob encodings, signing and verification with libsodium's crypto_sign_*. */
#include <sodium.h>
#include <string.h>

#include "warpssh/keys.h"

static const char ed25519_name[] = "ssh-ed25519";

int ws_key_generate(struct ws_key *key)
{
	memset(key, 0, sizeof(*key));
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	if (crypto_sign_ed25519_keypair(key->pk, key->sk) != 0) {
		ws_key_wipe(key);
		return WS_ERR_CRYPTO;
	}
	key->has_private = true;
	return WS_OK;
}

void ws_key_wipe(struct ws_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

int ws_key_put_blob(const struct ws_key *key, struct ws_buf *out)
{
	WS_ENSURE(ws_buf_room(out) >= WS_KEY_BLOB_LEN, WS_ERR_NO_SPACE);
	WS_TRY(ws_buf_put_cstring(out, ed25519_name));
	return ws_buf_put_string(out, key->pk, sizeof(key->pk));
}

/* Reads `string "ssh-ed25519"` and refuses any other key type. */
static int get_type_name(struct ws_buf *r)
{
	struct ws_bytes name;
	WS_TRY(ws_buf_get_string(r, &name, 64));
	WS_ENSURE(ws_bytes_eq_str(name, ed25519_name), WS_ERR_KEY_TYPE);
	return WS_OK;
}

int ws_key_from_blob(struct ws_key *key, const uint8_t *blob, size_t len)
{
	struct ws_buf r;
	memset(key, 0, sizeof(*key));
	ws_buf_init_read(&r, blob, len);
	WS_TRY(get_type_name(&r));
	/* RFC 8709 §4: string key, 32 bytes */
	WS_TRY(ws_buf_get_fixed_string(&r, key->pk, sizeof(key->pk)));
	WS_ENSURE(ws_buf_avail(&r) == 0, WS_ERR_FORMAT);
	return WS_OK;
}

int ws_key_sign(const struct ws_key *key, const uint8_t *msg, size_t len, struct ws_buf *sig_out)
{
	uint8_t sig[WS_ED25519_SIG_LEN];
	WS_ENSURE(key->has_private, WS_ERR_INVALID_ARG);
	WS_ENSURE(ws_buf_room(sig_out) >= WS_KEY_SIG_BLOB_LEN, WS_ERR_NO_SPACE);
	WS_ENSURE(crypto_sign_ed25519_detached(sig, NULL, msg, len, key->sk) == 0, WS_ERR_CRYPTO);
	WS_TRY(ws_buf_put_cstring(sig_out, ed25519_name));
	return ws_buf_put_string(sig_out, sig, sizeof(sig));
}

int ws_key_verify(const struct ws_key *key, const uint8_t *msg, size_t len, const uint8_t *sig_blob,
		  size_t sig_len)
{
	struct ws_buf r;
	uint8_t sig[WS_ED25519_SIG_LEN];
	ws_buf_init_read(&r, sig_blob, sig_len);
	WS_ENSURE(get_type_name(&r) == WS_OK, WS_ERR_SIGNATURE);
	/* RFC 8709 §6: string signature, 64 bytes; nothing may follow */
	WS_ENSURE(ws_buf_get_fixed_string(&r, sig, sizeof(sig)) == WS_OK, WS_ERR_SIGNATURE);
	WS_ENSURE(ws_buf_avail(&r) == 0, WS_ERR_SIGNATURE);
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	WS_ENSURE(crypto_sign_ed25519_verify_detached(sig, msg, len, key->pk) == 0, WS_ERR_SIGNATURE);
	return WS_OK;
}

bool ws_key_equal_public(const struct ws_key *a, const struct ws_key *b)
{
	return sodium_memcmp(a->pk, b->pk, sizeof(a->pk)) == 0;
}
