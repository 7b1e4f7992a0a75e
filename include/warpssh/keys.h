/* keys.h — ssh-ed25519 keys (RFC 8709): the key type, SSH wire blobs and signatures, and
 * OpenSSH's file formats (openssh-key-v1 private keys, `ssh-ed25519 AAAA… comment` public lines,
 * SHA256 fingerprints). Private key bytes are wiped by ws_key_wipe(). */
#ifndef WARPSSH_KEYS_H
#define WARPSSH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"

#define WS_ED25519_PK_LEN 32u
#define WS_ED25519_SK_LEN 64u  /* libsodium layout: seed(32) || pk(32), as in openssh-key-v1 */
#define WS_ED25519_SIG_LEN 64u
#define WS_KEY_COMMENT_MAX 256u
#define WS_KEY_BLOB_LEN (4u + 11u + 4u + 32u)       /* string "ssh-ed25519" || string pk */
#define WS_KEY_SIG_BLOB_LEN (4u + 11u + 4u + 64u)   /* string "ssh-ed25519" || string sig */
#define WS_FINGERPRINT_MAX 64u /* "SHA256:" + 43 base64 chars + NUL */

struct ws_key {
	uint8_t pk[WS_ED25519_PK_LEN];
	uint8_t sk[WS_ED25519_SK_LEN];
	bool has_private;
	char comment[WS_KEY_COMMENT_MAX];
};

/* --- owned by transport work (crypto/hostkey.c) --- */
WS_MUST_USE int ws_key_generate(struct ws_key *key);
void ws_key_wipe(struct ws_key *key);
/* Public key blob: string "ssh-ed25519" || string pk (RFC 8709 §4). */
WS_MUST_USE int ws_key_put_blob(const struct ws_key *key, struct ws_buf *out);
WS_MUST_USE int ws_key_from_blob(struct ws_key *key, const uint8_t *blob, size_t len);
/* Signature blob: string "ssh-ed25519" || string sig(64) (RFC 8709 §6). */
WS_MUST_USE int ws_key_sign(const struct ws_key *key, const uint8_t *msg, size_t len, struct ws_buf *sig_out);
WS_MUST_USE int ws_key_verify(const struct ws_key *key, const uint8_t *msg, size_t len,
			      const uint8_t *sig_blob, size_t sig_len);
bool ws_key_equal_public(const struct ws_key *a, const struct ws_key *b);

/* --- owned by keys work (crypto/keyfile.c) --- */
/* SHA256 fingerprint as ssh-keygen -l prints it: "SHA256:<base64 without padding>". */
void ws_key_fingerprint(const struct ws_key *key, char out[WS_FINGERPRINT_MAX]);
/* openssh-key-v1, unencrypted ed25519 only. Errors: WS_ERR_KEY_ENCRYPTED, WS_ERR_KEY_TYPE,
 * WS_ERR_KEY_FORMAT (incl. truncation / PEM of other kinds). */
WS_MUST_USE int ws_key_parse_private(struct ws_key *key, const char *text, size_t len);
WS_MUST_USE int ws_key_format_private(const struct ws_key *key, char *out, size_t outsz, size_t *outlen);
/* "ssh-ed25519 AAAA… comment" */
WS_MUST_USE int ws_key_parse_public(struct ws_key *key, const char *line, size_t len);
WS_MUST_USE int ws_key_format_public(const struct ws_key *key, char *out, size_t outsz);
/* Files (io/keyfile.c): errors are logged naming the file; private files written mode 0600
 * atomically (temporary file, fsync, rename). Loading a private key file that is ours and
 * readable by group or others fails with WS_ERR_KEY_PERMS, as OpenSSH refuses it. */
WS_MUST_USE int ws_key_load_private_file(struct ws_key *key, const char *path);
#define WS_KEYFILE_ALLOW_OPEN_MODES 0x1u /* only warn about group/other-readable private keys */
WS_MUST_USE int ws_key_load_private_file_ex(struct ws_key *key, const char *path, unsigned flags);
WS_MUST_USE int ws_key_load_public_file(struct ws_key *key, const char *path);
WS_MUST_USE int ws_key_save_private_file(const struct ws_key *key, const char *path);
WS_MUST_USE int ws_key_save_public_file(const struct ws_key *key, const char *path);

#endif
