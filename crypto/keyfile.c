/* keyfile.c — OpenSSH's ssh-ed25519 key formats: openssh-key-v1 private keys (OpenSSH
 * PROTOCOL.key), "ssh-ed25519 AAAA… comment" public lines, and SHA256 fingerprints. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/textscan.h"
#include "warpssh/keys.h"

#define KEY_TYPE_NAME "ssh-ed25519"
#define MARK_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define MARK_END "-----END OPENSSH PRIVATE KEY-----"
#define AUTH_MAGIC "openssh-key-v1" /* followed by a NUL byte on the wire */
#define KEYFILE_MAX_TEXT (1024u * 1024u)
#define KEYFILE_BLOCK 8u  /* cipher "none" block size: padding aligns the private section to it */
#define KEYFILE_WRAP 70u  /* ssh-keygen wraps the base64 body at 70 columns */
#define KEYFILE_MAX_BIN 2048u /* our own formatted binary (comment <= 255 bytes) fits easily */
#define PUBLIC_B64_MAX 128u   /* an ed25519 blob is 68 base64 characters */

/* Key type names OpenSSH writes in key files; any of these that is not ssh-ed25519 is a
 * well-formed key we do not support (WS_ERR_KEY_TYPE) rather than garbage. */
static bool is_openssh_key_type(struct ws_bytes w)
{
	static const char *const types[] = {
		"ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
		"sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com",
		"ssh-ed448",
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ws_bytes_eq_str(w, types[i]))
			return true;
	return ws_bytes_ends_with(w, "-cert-v01@openssh.com");
}

static void key_clear(struct ws_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

/* The public key blob (RFC 8709 §4), via the transport's parser; every failure other than a
 * foreign key type is a format error of the file. */
static int parse_pub_blob(struct ws_bytes blob, uint8_t pk[WS_ED25519_PK_LEN])
{
	struct ws_key k;
	int rc = ws_key_from_blob(&k, blob.ptr, blob.len);
	if (rc == WS_OK)
		memcpy(pk, k.pk, WS_ED25519_PK_LEN);
	return rc == WS_OK || rc == WS_ERR_KEY_TYPE ? rc : WS_ERR_KEY_FORMAT;
}

/* Copy a wire comment into the key, truncated to what struct ws_key holds. */
static int take_comment(struct ws_key *key, struct ws_bytes c)
{
	if (c.len > WS_KEY_COMMENT_MAX - 1)
		c.len = WS_KEY_COMMENT_MAX - 1;
	return ws_bytes_to_cstr(c, key->comment, sizeof(key->comment)) == WS_OK ? WS_OK : WS_ERR_KEY_FORMAT;
}

/* The secret key must belong to the public key: sk = seed || pk, and the seed must derive pk. */
static int check_key_pair(const struct ws_key *key)
{
	uint8_t pk[WS_ED25519_PK_LEN], sk[WS_ED25519_SK_LEN];
	int rc = WS_OK;
	if (sodium_memcmp(key->sk + 32, key->pk, WS_ED25519_PK_LEN) != 0)
		rc = WS_ERR_KEY_FORMAT;
	else if (crypto_sign_seed_keypair(pk, sk, key->sk) != 0)
		rc = WS_ERR_CRYPTO;
	else if (sodium_memcmp(pk, key->pk, WS_ED25519_PK_LEN) != 0)
		rc = WS_ERR_KEY_FORMAT;
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* PROTOCOL.key private section: checkint x2, key (type, pk, seed||pk), comment, padding 1,2,3… */
static int parse_private_section(struct ws_buf *p, struct ws_key *key)
{
	uint32_t check1, check2;
	uint8_t pk[WS_ED25519_PK_LEN];
	struct ws_bytes type, comment;
	uint8_t pad;

	WS_ENSURE(ws_buf_get_u32(p, &check1) == WS_OK && ws_buf_get_u32(p, &check2) == WS_OK,
		  WS_ERR_KEY_FORMAT);
	WS_ENSURE(check1 == check2, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_buf_get_string(p, &type, 256) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_bytes_eq_str(type, KEY_TYPE_NAME), WS_ERR_KEY_FORMAT); /* public blob said ed25519 */
	WS_ENSURE(ws_buf_get_fixed_string(p, pk, sizeof(pk)) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_ENSURE(sodium_memcmp(pk, key->pk, sizeof(pk)) == 0, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_buf_get_fixed_string(p, key->sk, WS_ED25519_SK_LEN) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_TRY(check_key_pair(key));
	WS_ENSURE(ws_buf_get_string(p, &comment, KEYFILE_MAX_TEXT) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_TRY(take_comment(key, comment));
	for (unsigned i = 1; ws_buf_avail(p) > 0; i++) {
		WS_ENSURE(ws_buf_get_u8(p, &pad) == WS_OK, WS_ERR_KEY_FORMAT);
		WS_ENSURE(pad == (uint8_t)i, WS_ERR_KEY_FORMAT);
	}
	key->has_private = true;
	return WS_OK;
}

/* The decoded openssh-key-v1 container. Type is checked before encryption so an encrypted RSA
 * key reports the more useful WS_ERR_KEY_TYPE. */
static int parse_container(struct ws_buf *b, struct ws_key *key)
{
	struct ws_bytes cipher, kdf, kdfopts, pubblob, priv;
	uint8_t nul;
	uint32_t nkeys;

	WS_ENSURE(ws_text_eat(b, AUTH_MAGIC) && ws_buf_get_u8(b, &nul) == WS_OK && nul == 0,
		  WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_buf_get_string(b, &cipher, 256) == WS_OK && ws_buf_get_string(b, &kdf, 256) == WS_OK &&
			  ws_buf_get_string(b, &kdfopts, 4096) == WS_OK && ws_buf_get_u32(b, &nkeys) == WS_OK,
		  WS_ERR_KEY_FORMAT);
	WS_ENSURE(nkeys == 1, WS_ERR_KEY_FORMAT); /* PROTOCOL.key: OpenSSH writes exactly one key */
	WS_ENSURE(ws_buf_get_string(b, &pubblob, KEYFILE_MAX_TEXT) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_TRY(parse_pub_blob(pubblob, key->pk));
	WS_ENSURE(ws_bytes_eq_str(cipher, "none"), WS_ERR_KEY_ENCRYPTED);
	WS_ENSURE(ws_bytes_eq_str(kdf, "none") && kdfopts.len == 0, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_buf_get_string(b, &priv, KEYFILE_MAX_TEXT) == WS_OK, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_buf_avail(b) == 0, WS_ERR_KEY_FORMAT);
	WS_ENSURE(priv.len >= KEYFILE_BLOCK && priv.len % KEYFILE_BLOCK == 0, WS_ERR_KEY_FORMAT);
	struct ws_buf p;
	ws_buf_init_read(&p, priv.ptr, priv.len);
	return parse_private_section(&p, key);
}

/* Text that is not openssh-key-v1: another PEM private key ("-----BEGIN RSA PRIVATE KEY-----")
 * is a known but unsupported type; anything else is not a key file we read. */
static int classify_foreign(const struct ws_buf *t)
{
	struct ws_buf rest = *t, line;
	(void)ws_text_next_line(&rest, &line);
	ws_text_trim_right(&line);
	if (!ws_text_eat(&line, "-----BEGIN ") || ws_buf_avail(&line) < 5)
		return WS_ERR_KEY_FORMAT;
	struct ws_bytes label = {ws_buf_rptr(&line), ws_buf_avail(&line) - 5};
	if (!ws_bytes_ends_with(ws_text_rest(&line), "-----"))
		return WS_ERR_KEY_FORMAT;
	if (ws_bytes_eq_str(label, "ENCRYPTED PRIVATE KEY"))
		return WS_ERR_KEY_ENCRYPTED; /* PKCS#8 with a passphrase */
	return ws_bytes_ends_with(label, "PRIVATE KEY") ? WS_ERR_KEY_TYPE : WS_ERR_KEY_FORMAT;
}

/* Find the base64 body between the BEGIN line and the END line; t starts after MARK_BEGIN. */
static int find_body(struct ws_buf *t, struct ws_bytes *body)
{
	struct ws_buf line;
	WS_ENSURE(ws_text_next_line(t, &line), WS_ERR_KEY_FORMAT);
	ws_text_trim_right(&line);
	WS_ENSURE(ws_buf_avail(&line) == 0, WS_ERR_KEY_FORMAT); /* nothing after the BEGIN marker */
	body->ptr = ws_buf_rptr(t);
	body->len = 0;
	for (;;) {
		size_t start = t->rpos;
		WS_ENSURE(ws_text_next_line(t, &line), WS_ERR_KEY_FORMAT); /* END marker missing */
		if (ws_text_eat(&line, MARK_END)) {
			ws_text_trim_right(&line);
			WS_ENSURE(ws_buf_avail(&line) == 0, WS_ERR_KEY_FORMAT);
			ws_text_skip_space(t);
			WS_ENSURE(ws_buf_avail(t) == 0, WS_ERR_KEY_FORMAT); /* trailing garbage */
			return WS_OK;
		}
		body->len += t->rpos - start;
	}
}

int ws_key_parse_private(struct ws_key *key, const char *text, size_t len)
{
	struct ws_buf t, bin;
	struct ws_bytes body;
	size_t binlen = 0;
	int rc;

	key_clear(key);
	WS_ENSURE(text != NULL && len <= KEYFILE_MAX_TEXT, WS_ERR_KEY_FORMAT);
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	ws_buf_init_read(&t, text, len);
	ws_text_skip_space(&t);
	if (!ws_text_eat(&t, MARK_BEGIN))
		return classify_foreign(&t);
	WS_TRY(find_body(&t, &body));
	size_t cap = ws_base64_decoded_max(body.len);
	uint8_t *raw = malloc(cap);
	WS_ENSURE(raw != NULL, WS_ERR_NO_MEMORY);
	rc = ws_base64_decode((const char *)body.ptr, body.len, "\r\n", raw, cap, &binlen);
	if (rc == WS_OK) {
		ws_buf_init_read(&bin, raw, binlen);
		rc = parse_container(&bin, key);
	} else {
		rc = WS_ERR_KEY_FORMAT;
	}
	sodium_memzero(raw, cap);
	free(raw);
	if (rc != WS_OK)
		key_clear(key);
	return rc;
}

/* Private section for our own key, padded to KEYFILE_BLOCK with 1,2,3… */
static int put_private_section(const struct ws_key *key, struct ws_buf *p)
{
	uint32_t check = randombytes_random();
	WS_TRY(ws_buf_put_u32(p, check));
	WS_TRY(ws_buf_put_u32(p, check));
	WS_TRY(ws_buf_put_cstring(p, KEY_TYPE_NAME));
	WS_TRY(ws_buf_put_string(p, key->pk, WS_ED25519_PK_LEN));
	WS_TRY(ws_buf_put_string(p, key->sk, WS_ED25519_SK_LEN));
	WS_TRY(ws_buf_put_cstring(p, key->comment));
	for (uint8_t i = 1; p->wpos % KEYFILE_BLOCK != 0; i++)
		WS_TRY(ws_buf_put_u8(p, i));
	return WS_OK;
}

static int put_container(const struct ws_key *key, struct ws_buf *b)
{
	uint8_t privmem[KEYFILE_MAX_BIN];
	struct ws_buf priv;
	int rc;
	ws_buf_init_write(&priv, privmem, sizeof(privmem));
	WS_TRY_OUT(ws_buf_put_bytes(b, AUTH_MAGIC, sizeof(AUTH_MAGIC))); /* includes the NUL */
	WS_TRY_OUT(ws_buf_put_cstring(b, "none"));
	WS_TRY_OUT(ws_buf_put_cstring(b, "none"));
	WS_TRY_OUT(ws_buf_put_string(b, "", 0));
	WS_TRY_OUT(ws_buf_put_u32(b, 1));
	WS_TRY_OUT(ws_buf_put_u32(b, WS_KEY_BLOB_LEN));
	WS_TRY_OUT(ws_key_put_blob(key, b));
	WS_TRY_OUT(put_private_section(key, &priv));
	WS_TRY_OUT(ws_buf_put_string(b, priv.data, priv.wpos));
out:
	sodium_memzero(privmem, sizeof(privmem));
	return rc;
}

/* BEGIN line, base64 wrapped at KEYFILE_WRAP columns, END line, each ending in '\n'. */
static int put_armored(const char *b64, size_t n, struct ws_buf *w)
{
	WS_TRY(ws_buf_put_bytes(w, MARK_BEGIN "\n", sizeof(MARK_BEGIN)));
	for (size_t off = 0; off < n; off += KEYFILE_WRAP) {
		size_t take = n - off < KEYFILE_WRAP ? n - off : KEYFILE_WRAP;
		WS_TRY(ws_buf_put_bytes(w, b64 + off, take));
		WS_TRY(ws_buf_put_u8(w, '\n'));
	}
	WS_TRY(ws_buf_put_bytes(w, MARK_END "\n", sizeof(MARK_END)));
	return ws_buf_put_u8(w, '\0');
}

int ws_key_format_private(const struct ws_key *key, char *out, size_t outsz, size_t *outlen)
{
	uint8_t binmem[KEYFILE_MAX_BIN];
	char b64[KEYFILE_MAX_BIN * 4 / 3 + 4];
	struct ws_buf bin, w;
	int rc;

	*outlen = 0;
	if (outsz > 0)
		out[0] = '\0';
	WS_ENSURE(key->has_private, WS_ERR_INVALID_ARG);
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	ws_buf_init_write(&bin, binmem, sizeof(binmem));
	ws_buf_init_write(&w, out, outsz);
	WS_TRY_OUT(put_container(key, &bin));
	WS_TRY_OUT(ws_base64_encode(binmem, bin.wpos, true, b64, sizeof(b64)));
	WS_TRY_OUT(put_armored(b64, strlen(b64), &w));
	*outlen = w.wpos - 1; /* without the NUL */
out:
	sodium_memzero(binmem, sizeof(binmem));
	sodium_memzero(b64, sizeof(b64));
	if (rc != WS_OK && outsz > 0)
		sodium_memzero(out, w.wpos);
	return rc;
}

/* Decode the base64 word of a public line and check its embedded type matches. */
static int parse_public_blob_b64(struct ws_bytes b64, uint8_t pk[WS_ED25519_PK_LEN])
{
	uint8_t blob[PUBLIC_B64_MAX];
	size_t n;
	WS_ENSURE(b64.len <= PUBLIC_B64_MAX, WS_ERR_KEY_FORMAT);
	WS_ENSURE(ws_base64_decode((const char *)b64.ptr, b64.len, NULL, blob, sizeof(blob), &n) == WS_OK,
		  WS_ERR_KEY_FORMAT);
	struct ws_bytes view = {blob, n};
	int rc = parse_pub_blob(view, pk);
	return rc == WS_ERR_KEY_TYPE ? WS_ERR_KEY_FORMAT : rc; /* type word and blob disagree */
}

int ws_key_parse_public(struct ws_key *key, const char *line, size_t len)
{
	struct ws_buf t, first;
	struct ws_bytes type, b64;
	key_clear(key);
	WS_ENSURE(line != NULL, WS_ERR_KEY_FORMAT);
	ws_buf_init_read(&t, line, len);
	ws_text_skip_space(&t);
	(void)ws_text_next_line(&t, &first);
	ws_text_skip_space(&t);
	WS_ENSURE(ws_buf_avail(&t) == 0, WS_ERR_KEY_FORMAT); /* one key line only */
	ws_text_trim_right(&first);
	WS_ENSURE(ws_text_next_word(&first, &type), WS_ERR_KEY_FORMAT);
	if (!ws_bytes_eq_str(type, KEY_TYPE_NAME))
		return is_openssh_key_type(type) ? WS_ERR_KEY_TYPE : WS_ERR_KEY_FORMAT;
	WS_ENSURE(ws_text_next_word(&first, &b64), WS_ERR_KEY_FORMAT);
	int rc = parse_public_blob_b64(b64, key->pk);
	if (rc == WS_OK) {
		ws_text_skip_blanks(&first);
		rc = take_comment(key, ws_text_rest(&first));
	}
	if (rc != WS_OK)
		key_clear(key);
	return rc;
}

int ws_key_format_public(const struct ws_key *key, char *out, size_t outsz)
{
	uint8_t blobmem[WS_KEY_BLOB_LEN];
	char b64[WS_KEY_BLOB_LEN * 4 / 3 + 4];
	struct ws_buf blob, w;

	if (outsz > 0)
		out[0] = '\0';
	ws_buf_init_write(&blob, blobmem, sizeof(blobmem));
	ws_buf_init_write(&w, out, outsz);
	WS_TRY(ws_key_put_blob(key, &blob));
	WS_TRY(ws_base64_encode(blobmem, blob.wpos, true, b64, sizeof(b64)));
	WS_TRY(ws_buf_put_bytes(&w, KEY_TYPE_NAME " ", sizeof(KEY_TYPE_NAME)));
	WS_TRY(ws_buf_put_bytes(&w, b64, strlen(b64)));
	if (key->comment[0] != '\0') {
		WS_TRY(ws_buf_put_u8(&w, ' '));
		WS_TRY(ws_buf_put_bytes(&w, key->comment, strnlen(key->comment, sizeof(key->comment))));
	}
	WS_TRY(ws_buf_put_u8(&w, '\0'));
	return WS_OK;
}

void ws_key_fingerprint(const struct ws_key *key, char out[WS_FINGERPRINT_MAX])
{
	uint8_t blobmem[WS_KEY_BLOB_LEN], digest[crypto_hash_sha256_BYTES];
	struct ws_buf blob;
	static const char prefix[] = "SHA256:";

	out[0] = '\0';
	ws_buf_init_write(&blob, blobmem, sizeof(blobmem));
	if (ws_key_put_blob(key, &blob) != WS_OK)
		return;
	crypto_hash_sha256(digest, blobmem, blob.wpos);
	memcpy(out, prefix, sizeof(prefix));
	/* 7 + 43 + NUL <= WS_FINGERPRINT_MAX, so this cannot fail */
	if (ws_base64_encode(digest, sizeof(digest), false, out + sizeof(prefix) - 1,
			     WS_FINGERPRINT_MAX - (sizeof(prefix) - 1)) != WS_OK)
		out[0] = '\0';
}
