/* hooks.c — the secrets tests' instrumentation of hooks.h: the secret registry fed by wrapped
 * KDF/X25519 calls, the tracked allocator that scans blocks as they are freed, and text needles. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/kex.h"
#include "hooks.h"

#define SECRETS_MAX 1024u
#define TRACK_SLOTS (1u << 16) /* power of two */
#define PIECE 16u	       /* bytes of a secret that identify it in memory */
#define TEXT_PIECE 8u	       /* bytes of a secret that identify it in text */
#define REPORT_MAX 8u

static struct secret g_secrets[SECRETS_MAX];
static size_t g_nsecrets;
static unsigned g_epoch;

/* ---------------------------------------------------------------- registry */

void secrets_set_epoch(unsigned epoch)
{
	g_epoch = epoch;
}
size_t secrets_count(void)
{
	return g_nsecrets;
}
const struct secret *secrets_get(size_t i)
{
	return i < g_nsecrets ? &g_secrets[i] : NULL;
}

void secrets_clear(void)
{
	sodium_memzero(g_secrets, sizeof(g_secrets));
	g_nsecrets = 0;
}

const char *secret_kind_name(enum secret_kind kind)
{
	static const char *const names[] = {
	    "iv",	"key",	    "mac-key",	"shared-secret", "ephemeral-private",
	    "host-key", "user-key", "password", "session-id"};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

void secrets_add(enum secret_kind kind, unsigned epoch, const void *p, size_t len, const char *label)
{
	if (len == 0 || g_nsecrets == SECRETS_MAX)
		return;
	len = len < SECRET_BYTES_MAX ? len : SECRET_BYTES_MAX;
	for (size_t i = 0; i < g_nsecrets; i++)
		if (g_secrets[i].len == len && memcmp(g_secrets[i].bytes, p, len) == 0)
			return; /* already known (e.g. the session id at every derivation) */
	struct secret *s = &g_secrets[g_nsecrets++];
	s->kind = kind;
	s->epoch = epoch;
	memcpy(s->bytes, p, len);
	s->len = len;
	snprintf(s->label, sizeof(s->label), "%s (%s, kex %u)", label, secret_kind_name(kind), epoch);
}

/* ---------------------------------------------------------------- wrapped crypto */

int __wrap_ws_kdf_derive(const uint8_t *k_mpint, size_t k_len, const uint8_t *h, char letter,
			 const uint8_t *session_id, size_t sid_len, uint8_t *out, size_t out_len)
{
	int rc = __real_ws_kdf_derive(k_mpint, k_len, h, letter, session_id, sid_len, out, out_len);
	char label[16];
	if (rc != 0)
		return rc;
	/* RFC 4253 §7.2: A/B initial IVs, C/D encryption keys, E/F integrity keys */
	enum secret_kind kind = letter <= 'B' ? SK_IV : letter <= 'D' ? SK_KEY : SK_MAC_KEY;
	snprintf(label, sizeof(label), "KDF '%c'", letter);
	secrets_add(kind, g_epoch, out, out_len, label);
	secrets_add(SK_SESSION_ID, 0, session_id, sid_len, "session id");
	return rc;
}

int __wrap_ws_x25519_generate(struct ws_x25519_keypair *kp)
{
	int rc = __real_ws_x25519_generate(kp);
	if (rc == 0)
		secrets_add(SK_EPH_PRIV, g_epoch, kp->priv, sizeof(kp->priv), "X25519 private");
	return rc;
}

int __wrap_ws_x25519_shared_mpint(const struct ws_x25519_keypair *kp, const uint8_t *peer_pub,
				  uint8_t *k_mpint, size_t *k_len)
{
	int rc = __real_ws_x25519_shared_mpint(kp, peer_pub, k_mpint, k_len);
	/* the mpint's last 32 bytes are the X25519 output itself */
	if (rc == 0 && *k_len >= WS_X25519_LEN)
		secrets_add(SK_SHARED, g_epoch, k_mpint + *k_len - WS_X25519_LEN, WS_X25519_LEN, "K");
	return rc;
}

/* ---------------------------------------------------------------- memory scanning */

bool secret_is_scannable(const struct secret *s, const void *arg)
{
	(void)arg;
	return s->kind != SK_IV;
}

bool secret_in_memory(const struct secret *s, const void *mem, size_t len)
{
	if (s->len < PIECE)
		return memmem(mem, len, s->bytes, s->len) != NULL;
	for (size_t off = 0; off < s->len; off += PIECE) {
		size_t at = off + PIECE <= s->len ? off : s->len - PIECE; /* last piece ends at the end */
		if (memmem(mem, len, s->bytes + at, PIECE) != NULL)
			return true;
	}
	return false;
}

/* The first wanted secret the block holds, or NULL. */
static const struct secret *find_secret(const void *mem, size_t len, secret_filter want, const void *arg)
{
	for (size_t i = 0; i < g_nsecrets; i++)
		if (want(&g_secrets[i], arg) && secret_in_memory(&g_secrets[i], mem, len))
			return &g_secrets[i];
	return NULL;
}

/* ---------------------------------------------------------------- tracked allocator */

struct block {
	void *p; /* NULL: empty; TOMBSTONE: removed */
	size_t n;
};

static struct block g_blocks[TRACK_SLOTS];
static size_t g_live;
static unsigned g_freed_hits;
static char g_tomb;
#define TOMBSTONE ((void *)&g_tomb)

static size_t slot_of(const void *p)
{
	uintptr_t v = (uintptr_t)p;
	return (size_t)((v >> 4) * 0x9E3779B97F4A7C15ull >> 48) & (TRACK_SLOTS - 1);
}

static void track_add(void *p, size_t n)
{
	if (p == NULL)
		return;
	for (size_t i = slot_of(p), k = 0; k < TRACK_SLOTS; k++, i = (i + 1) & (TRACK_SLOTS - 1))
		if (g_blocks[i].p == NULL || g_blocks[i].p == TOMBSTONE) {
			g_blocks[i] = (struct block){p, n};
			g_live++;
			return;
		}
	fprintf(stderr, "secrets hooks: allocation table full\n");
	abort();
}

/* Remove p; its size, or 0 if it was not tracked (allocated outside the wrapped code). */
static size_t track_remove(void *p)
{
	for (size_t i = slot_of(p), k = 0; k < TRACK_SLOTS && g_blocks[i].p != NULL;
	     k++, i = (i + 1) & (TRACK_SLOTS - 1))
		if (g_blocks[i].p == p) {
			size_t n = g_blocks[i].n;
			g_blocks[i].p = TOMBSTONE;
			g_live--;
			return n;
		}
	return 0;
}

/* A block leaves our view (free, or realloc that may move it): it must hold no secret. */
static void scan_leaving(const void *p, size_t n, const char *how)
{
	const struct secret *s = find_secret(p, n, secret_is_scannable, NULL);
	if (s == NULL)
		return;
	if (g_freed_hits++ < REPORT_MAX)
		fprintf(stderr, "LEAK: %s of a %zu-byte block still holding %s\n", how, n, s->label);
}

void *__wrap_malloc(size_t n)
{
	void *p = __real_malloc(n);
	track_add(p, n);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = __real_calloc(n, size);
	track_add(p, n * size);
	return p;
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	void *p = __real_aligned_alloc(align, n);
	track_add(p, n);
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	size_t old = p != NULL ? track_remove(p) : 0;
	if (old > 0)
		scan_leaving(p, old, "realloc");
	void *q = __real_realloc(p, n);
	if (q != NULL)
		track_add(q, n);
	else if (old > 0)
		track_add(p, old); /* failed: the old block stays */
	return q;
}

void __wrap_free(void *p)
{
	if (p == NULL)
		return;
	size_t n = track_remove(p);
	if (n > 0)
		scan_leaving(p, n, "free");
	__real_free(p);
}

unsigned heap_freed_hits(void)
{
	return g_freed_hits;
}
void heap_reset_freed_hits(void)
{
	g_freed_hits = 0;
}
size_t heap_live_blocks(void)
{
	return g_live;
}

unsigned heap_scan_live(secret_filter want, const void *arg, const char *when)
{
	unsigned hits = 0;
	for (size_t i = 0; i < TRACK_SLOTS; i++) {
		const struct block *b = &g_blocks[i];
		if (b->p == NULL || b->p == TOMBSTONE)
			continue;
		for (size_t j = 0; j < g_nsecrets; j++) {
			const struct secret *s = &g_secrets[j];
			if (!want(s, arg) || !secret_in_memory(s, b->p, b->n))
				continue;
			if (hits++ < REPORT_MAX && when != NULL)
				fprintf(stderr, "%s: live %zu-byte block holds %s\n", when, b->n, s->label);
		}
	}
	return hits;
}

/* ---------------------------------------------------------------- text */

static bool hex_piece_in(const uint8_t *piece, size_t n, const char *text, size_t len, bool upper)
{
	char hex[2 * SECRET_BYTES_MAX + 1];
	static const char lower_digits[] = "0123456789abcdef", upper_digits[] = "0123456789ABCDEF";
	const char *digits = upper ? upper_digits : lower_digits;
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[piece[i] >> 4];
		hex[2 * i + 1] = digits[piece[i] & 15];
	}
	return memmem(text, len, hex, 2 * n) != NULL;
}

/* base64 of the secret from byte `skip` on: its whole 4-character groups do not depend on what
 * surrounds the secret in the encoded data, so any 12 of them identify it. */
static bool base64_in(const struct secret *s, size_t skip, const char *text, size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(SECRET_BYTES_MAX, sodium_base64_VARIANT_ORIGINAL)];
	size_t whole = (s->len - skip) / 3 * 3;
	if (whole < 9)
		return false;
	sodium_bin2base64(b64, sizeof(b64), s->bytes + skip, whole, sodium_base64_VARIANT_ORIGINAL);
	size_t elen = whole / 3 * 4;
	for (size_t off = 0; off + 12 <= elen; off += 4)
		if (memmem(text, len, b64 + off, 12) != NULL)
			return true;
	return false;
}

bool secret_in_text(const struct secret *s, const char *text, size_t len)
{
	size_t piece = s->len < TEXT_PIECE ? s->len : TEXT_PIECE;
	for (size_t off = 0; off + piece <= s->len; off++) {
		const uint8_t *p = s->bytes + off;
		if (memmem(text, len, p, piece) != NULL || hex_piece_in(p, piece, text, len, false) ||
		    hex_piece_in(p, piece, text, len, true))
			return true;
	}
	for (size_t skip = 0; skip < 3 && skip < s->len; skip++)
		if (base64_in(s, skip, text, len))
			return true;
	return false;
}
