/* buf.h — the one bounds-checked cursor over wire bytes (SSH encodings, RFC 4251 §5).
 * All parsing and building of protocol bytes goes through it; no pointer arithmetic elsewhere.
 * The memory is owned by the caller: a ws_buf never allocates. */
#ifndef WARPSSH_BUF_H
#define WARPSSH_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

/* Largest string any parser accepts unless it passes its own cap (RFC 4253 packets are <= 256 KiB). */
#define WS_BUF_MAX_STRING (256u * 1024u)

struct ws_buf {
	uint8_t *data;
	size_t cap;  /* bytes of memory at data */
	size_t rpos; /* next byte to read */
	size_t wpos; /* next byte to write; bytes [rpos, wpos) are readable */
};

/* A borrowed view of bytes inside a buffer (valid while the buffer's memory is). */
struct ws_bytes {
	const uint8_t *ptr;
	size_t len;
};

/* Reader over len existing bytes. */
void ws_buf_init_read(struct ws_buf *b, const void *data, size_t len);
/* Writer over cap bytes of empty space. */
void ws_buf_init_write(struct ws_buf *b, void *data, size_t cap);

static inline size_t ws_buf_avail(const struct ws_buf *b) { return b->wpos - b->rpos; }
static inline size_t ws_buf_room(const struct ws_buf *b) { return b->cap - b->wpos; }
static inline const uint8_t *ws_buf_rptr(const struct ws_buf *b) { return b->data + b->rpos; }
static inline uint8_t *ws_buf_wptr(struct ws_buf *b) { return b->data + b->wpos; }

/* Readers: each checks before reading and clears its out-parameters on entry. */
WS_MUST_USE int ws_buf_get_u8(struct ws_buf *b, uint8_t *v);
WS_MUST_USE int ws_buf_get_bool(struct ws_buf *b, bool *v);
WS_MUST_USE int ws_buf_get_u32(struct ws_buf *b, uint32_t *v);
WS_MUST_USE int ws_buf_get_u64(struct ws_buf *b, uint64_t *v);
WS_MUST_USE int ws_buf_get_bytes(struct ws_buf *b, void *out, size_t len);
WS_MUST_USE int ws_buf_skip(struct ws_buf *b, size_t len);
/* string: uint32 length + bytes, length capped at max (WS_ERR_TOO_LONG). */
WS_MUST_USE int ws_buf_get_string(struct ws_buf *b, struct ws_bytes *s, size_t max);
/* string into a NUL-terminated copy; fails on embedded NUL or if it does not fit in outsz. */
WS_MUST_USE int ws_buf_get_cstring(struct ws_buf *b, char *out, size_t outsz);
/* string of exactly len bytes (e.g. a 32-byte key) copied out. */
WS_MUST_USE int ws_buf_get_fixed_string(struct ws_buf *b, void *out, size_t len);
/* mpint (RFC 4251 §5): view of the magnitude bytes, leading zero dropped; negatives rejected. */
WS_MUST_USE int ws_buf_get_mpint_positive(struct ws_buf *b, struct ws_bytes *mag, size_t max);

/* Writers: each checks room first (WS_ERR_NO_SPACE) and writes nothing on failure. */
WS_MUST_USE int ws_buf_put_u8(struct ws_buf *b, uint8_t v);
WS_MUST_USE int ws_buf_put_bool(struct ws_buf *b, bool v);
WS_MUST_USE int ws_buf_put_u32(struct ws_buf *b, uint32_t v);
WS_MUST_USE int ws_buf_put_u64(struct ws_buf *b, uint64_t v);
WS_MUST_USE int ws_buf_put_bytes(struct ws_buf *b, const void *p, size_t len);
WS_MUST_USE int ws_buf_put_string(struct ws_buf *b, const void *p, size_t len);
WS_MUST_USE int ws_buf_put_cstring(struct ws_buf *b, const char *s);
/* mpint from an unsigned big-endian magnitude (leading zeros stripped, 0x00 added if high bit set). */
WS_MUST_USE int ws_buf_put_mpint_unsigned(struct ws_buf *b, const uint8_t *be, size_t len);
/* Reserve len bytes to fill later; *p points at them. */
WS_MUST_USE int ws_buf_reserve(struct ws_buf *b, size_t len, uint8_t **p);

/* Unchecked big-endian helpers for fixed-size headers already bounds-checked by the caller. */
static inline uint32_t ws_load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void ws_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void ws_store_be64(uint8_t *p, uint64_t v)
{
	ws_store_be32(p, (uint32_t)(v >> 32));
	ws_store_be32(p + 4, (uint32_t)v);
}

/* True if the bytes equal the NUL-terminated string s. */
bool ws_bytes_eq_str(struct ws_bytes b, const char *s);

#endif
