/* hooks.h — test-only instrumentation for the secrets tests, linked with ld's --wrap:
 *  - a registry of every secret the library derives (KDF outputs, X25519 private keys and shared
 *    secrets) plus secrets the test adds (host/user private keys, passwords, session ids);
 *  - an allocator wrapper that tracks the library's heap blocks, scans each block for registered
 *    secrets when it is freed (a block freed without a wipe is a hit), and can scan live blocks;
 *  - needles (raw, hex, base64) to look for a secret in text, e.g. captured log lines. */
#ifndef WS_TEST_SECRETS_HOOKS_H
#define WS_TEST_SECRETS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_BYTES_MAX 64u
#define SECRET_LABEL_MAX 64u

enum secret_kind {
	SK_IV,	     /* KDF 'A'/'B': not scanned in memory (the running IV changes per packet) */
	SK_KEY,	     /* KDF 'C'/'D' */
	SK_MAC_KEY,  /* KDF 'E'/'F' */
	SK_SHARED,   /* X25519 shared secret K */
	SK_EPH_PRIV, /* X25519 ephemeral private key */
	SK_HOST_KEY, /* server host key seed */
	SK_USER_KEY, /* client key seed */
	SK_PASSWORD,
	SK_SESSION_ID,
};

struct secret {
	enum secret_kind kind;
	unsigned epoch; /* the key exchange it came from (secrets_set_epoch); 0: connection-long */
	uint8_t bytes[SECRET_BYTES_MAX];
	size_t len;
	char label[SECRET_LABEL_MAX];
};

/* ---- registry ---- */
void secrets_set_epoch(unsigned epoch);
void secrets_add(enum secret_kind kind, unsigned epoch, const void *p, size_t len, const char *label);
size_t secrets_count(void);
const struct secret *secrets_get(size_t i);
void secrets_clear(void);
const char *secret_kind_name(enum secret_kind kind);

/* ---- heap scanning ---- */
/* Which secrets a scan looks for. */
typedef bool (*secret_filter)(const struct secret *s, const void *arg);
bool secret_is_scannable(const struct secret *s, const void *arg); /* everything but IVs */
/* Does the block hold the secret (any 16-byte piece of it, or all of a shorter one)? */
bool secret_in_memory(const struct secret *s, const void *mem, size_t len);
/* Live tracked blocks holding a wanted secret: the number of (block, secret) hits; the first few
 * are printed with `when`. */
unsigned heap_scan_live(secret_filter want, const void *arg, const char *when);
/* Blocks freed (or moved by realloc) since the last reset that still held a scannable secret. */
unsigned heap_freed_hits(void);
void heap_reset_freed_hits(void);
size_t heap_live_blocks(void);

/* ---- text ---- */
/* Does text contain the secret as raw bytes, lower/upper-case hex or base64 (any 8-byte piece)? */
bool secret_in_text(const struct secret *s, const char *text, size_t len);

/* ---- the --wrap entry points (see meson.build) ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
void __wrap_free(void *p);

struct ws_x25519_keypair;
int __real_ws_kdf_derive(const uint8_t *k_mpint, size_t k_len, const uint8_t *h, char letter,
			 const uint8_t *session_id, size_t sid_len, uint8_t *out, size_t out_len);
int __wrap_ws_kdf_derive(const uint8_t *k_mpint, size_t k_len, const uint8_t *h, char letter,
			 const uint8_t *session_id, size_t sid_len, uint8_t *out, size_t out_len);
int __real_ws_x25519_generate(struct ws_x25519_keypair *kp);
int __wrap_ws_x25519_generate(struct ws_x25519_keypair *kp);
int __real_ws_x25519_shared_mpint(const struct ws_x25519_keypair *kp, const uint8_t *peer_pub,
				  uint8_t *k_mpint, size_t *k_len);
int __wrap_ws_x25519_shared_mpint(const struct ws_x25519_keypair *kp, const uint8_t *peer_pub,
				  uint8_t *k_mpint, size_t *k_len);

#endif
