/* knownhosts.c — known_hosts lookup and entry formatting (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT):
 * markers, comma pattern lists with negation, "[host]:port", and hashed "|1|salt|hash" names. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/base64.h"
#include "crypto/sha1.h"
#include "crypto/textscan.h"
#include "warpssh/knownhosts.h"
#include "warpssh/log.h"
#include "warpssh/match.h"

#define HASH_MAGIC "|1|"
#define HASH_SALT_LEN WS_SHA1_LEN /* ssh-keygen -H uses a salt as long as the digest */
#define HOST_NAME_MAX_INPUT 1000u

/* Host names go into entries verbatim, so refuse bytes that would change the line's meaning. */
static bool valid_host_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr(",*?!|#[]\"\\", c) == NULL;
}

/* The name known_hosts stores: lowercased host, or "[host]:port" for a port other than 22. */
static int host_entry_name(const char *host, uint16_t port, char out[WS_KNOWNHOSTS_HOST_MAX])
{
	char lower[HOST_NAME_MAX_INPUT + 1];
	size_t n = host != NULL ? strnlen(host, sizeof(lower)) : 0;
	WS_ENSURE(n > 0 && n <= HOST_NAME_MAX_INPUT, WS_ERR_INVALID_ARG);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		WS_ENSURE(valid_host_byte(c), WS_ERR_INVALID_ARG);
		lower[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	lower[n] = '\0';
	if (port == 0 || port == 22)
		snprintf(out, WS_KNOWNHOSTS_HOST_MAX, "%s", lower);
	else
		snprintf(out, WS_KNOWNHOSTS_HOST_MAX, "[%s]:%u", lower, (unsigned)port);
	return WS_OK;
}

static void hash_name(const uint8_t salt[HASH_SALT_LEN], const char *name, uint8_t out[WS_SHA1_LEN])
{
	ws_hmac_sha1(salt, HASH_SALT_LEN, name, strlen(name), out);
}

/* "|1|base64(salt)|base64(HMAC-SHA1(salt, name))": does it hash name? Malformed is no match. */
static bool hashed_field_matches(struct ws_bytes field, const char *name)
{
	uint8_t salt[HASH_SALT_LEN + 3], want[WS_SHA1_LEN + 3], got[WS_SHA1_LEN];
	size_t bar, salt_len, want_len;
	struct ws_buf f;
	ws_buf_init_read(&f, field.ptr, field.len);
	if (!ws_text_eat(&f, HASH_MAGIC) || !ws_text_find(&f, '|', &bar))
		return false;
	if (ws_base64_decode((const char *)ws_buf_rptr(&f), bar, NULL, salt, sizeof(salt), &salt_len) != WS_OK ||
	    salt_len != HASH_SALT_LEN || ws_buf_skip(&f, bar + 1) != WS_OK)
		return false;
	struct ws_bytes h = ws_text_rest(&f);
	if (ws_base64_decode((const char *)h.ptr, h.len, NULL, want, sizeof(want), &want_len) != WS_OK ||
	    want_len != WS_SHA1_LEN)
		return false;
	hash_name(salt, name, got);
	return memcmp(got, want, WS_SHA1_LEN) == 0;
}

static bool host_field_matches(struct ws_bytes field, const char *name)
{
	if (field.len > 0 && field.ptr[0] == '|')
		return hashed_field_matches(field, name);
	return ws_match_list(name, field, true) == WS_MATCH_YES;
}

struct lookup_ctx {
	const char *filename;
	const char *name;
	const struct ws_key *key;
	struct ws_knownhosts_result *out;
};

static void record(struct lookup_ctx *c, enum ws_knownhosts_status st, unsigned lineno)
{
	struct ws_knownhosts_result r = {st, c->filename, lineno, 0};
	ws_knownhosts_merge(c->out, &r);
}

/* Marker word: false if the line is not a plain or @revoked host key line. */
static bool read_marker(struct lookup_ctx *c, struct ws_buf *line, unsigned lineno, bool *revoked)
{
	*revoked = false;
	if (ws_text_peek(line, 0) != '@')
		return true;
	if (ws_text_eat(line, "@revoked") && ws_text_is_blank(ws_text_peek(line, 0))) {
		*revoked = true;
		return true;
	}
	if (!ws_text_eat(line, "@cert-authority") || !ws_text_is_blank(ws_text_peek(line, 0)))
		ws_debug("%s:%u: unknown marker; line skipped", c->filename, lineno);
	return false; /* certificates are not supported: CA lines never vouch for a plain key */
}

static void check_line(struct lookup_ctx *c, struct ws_buf *line, unsigned lineno)
{
	struct ws_bytes hosts;
	struct ws_key k;
	bool revoked;

	ws_text_skip_blanks(line);
	if (ws_text_peek(line, 0) < 0 || ws_text_peek(line, 0) == '#')
		return;
	if (!read_marker(c, line, lineno, &revoked))
		return;
	if (!ws_text_next_word(line, &hosts) || !host_field_matches(hosts, c->name))
		return;
	ws_text_skip_blanks(line);
	int rc = ws_key_parse_public(&k, (const char *)ws_buf_rptr(line), ws_buf_avail(line));
	if (rc == WS_ERR_KEY_TYPE && !revoked)
		c->out->other_types++;
	if (rc != WS_OK) {
		if (rc != WS_ERR_KEY_TYPE)
			ws_debug("%s:%u: bad key syntax; line skipped", c->filename, lineno);
		return;
	}
	bool same = ws_key_equal_public(&k, c->key);
	if (revoked)
		record(c, same ? WS_KNOWNHOSTS_REVOKED : WS_KNOWNHOSTS_NOT_FOUND, lineno);
	else
		record(c, same ? WS_KNOWNHOSTS_MATCH : WS_KNOWNHOSTS_MISMATCH, lineno);
}

int ws_knownhosts_lookup(const char *text, size_t len, const char *filename, const char *host, uint16_t port,
			 const struct ws_key *key, struct ws_knownhosts_result *out)
{
	char name[WS_KNOWNHOSTS_HOST_MAX];
	struct lookup_ctx c = {filename != NULL ? filename : "known_hosts", name, key, out};
	struct ws_buf t, line;
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	WS_ENSURE(text != NULL && key != NULL, WS_ERR_INVALID_ARG);
	WS_TRY(host_entry_name(host, port, name));
	ws_buf_init_read(&t, text, len);
	while (ws_text_next_line(&t, &line))
		check_line(&c, &line, ++lineno);
	return WS_OK;
}

static int status_rank(enum ws_knownhosts_status s)
{
	switch (s) {
	case WS_KNOWNHOSTS_REVOKED: return 3;
	case WS_KNOWNHOSTS_MATCH: return 2;
	case WS_KNOWNHOSTS_MISMATCH: return 1;
	default: return 0;
	}
}

void ws_knownhosts_merge(struct ws_knownhosts_result *acc, const struct ws_knownhosts_result *next)
{
	acc->other_types += next->other_types;
	if (status_rank(next->status) <= status_rank(acc->status))
		return;
	acc->status = next->status;
	acc->file = next->file;
	acc->line = next->line;
}

/* "|1|salt|hash" for name with a fresh random salt. */
static int put_hashed_name(const char *name, struct ws_buf *w)
{
	uint8_t salt[HASH_SALT_LEN], mac[WS_SHA1_LEN];
	char b64[64];
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	randombytes_buf(salt, sizeof(salt));
	hash_name(salt, name, mac);
	WS_TRY(ws_buf_put_bytes(w, HASH_MAGIC, strlen(HASH_MAGIC)));
	WS_TRY(ws_base64_encode(salt, sizeof(salt), true, b64, sizeof(b64)));
	WS_TRY(ws_buf_put_bytes(w, b64, strlen(b64)));
	WS_TRY(ws_buf_put_u8(w, '|'));
	WS_TRY(ws_base64_encode(mac, sizeof(mac), true, b64, sizeof(b64)));
	return ws_buf_put_bytes(w, b64, strlen(b64));
}

int ws_knownhosts_format_entry(const char *host, uint16_t port, const struct ws_key *key, bool hashed,
			       char *out, size_t outsz)
{
	char name[WS_KNOWNHOSTS_HOST_MAX], pub[WS_KNOWNHOSTS_LINE_MAX];
	struct ws_key bare;
	struct ws_buf w;

	if (outsz > 0)
		out[0] = '\0';
	WS_TRY(host_entry_name(host, port, name));
	memset(&bare, 0, sizeof(bare));
	memcpy(bare.pk, key->pk, sizeof(bare.pk)); /* public half only, no comment (as ssh writes) */
	WS_TRY(ws_key_format_public(&bare, pub, sizeof(pub)));
	ws_buf_init_write(&w, out, outsz);
	if (hashed)
		WS_TRY(put_hashed_name(name, &w));
	else
		WS_TRY(ws_buf_put_bytes(&w, name, strlen(name)));
	WS_TRY(ws_buf_put_u8(&w, ' '));
	WS_TRY(ws_buf_put_bytes(&w, pub, strlen(pub) + 1));
	return WS_OK;
}
