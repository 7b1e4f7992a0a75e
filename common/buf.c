/* buf.c — bounds-checked reading and writing of SSH wire encodings (RFC 4251 §5).
 * Every check is written as `avail < len` against the remaining bytes, which cannot overflow. */
#include <string.h>

#include "warpssh/buf.h"

void ws_buf_init_read(struct ws_buf *b, const void *data, size_t len)
{
	b->data = (uint8_t *)(uintptr_t)data;
	b->cap = len;
	b->rpos = 0;
	b->wpos = len;
}

void ws_buf_init_write(struct ws_buf *b, void *data, size_t cap)
{
	b->data = data;
	b->cap = cap;
	b->rpos = 0;
	b->wpos = 0;
}

int ws_buf_get_bytes(struct ws_buf *b, void *out, size_t len)
{
	if (ws_buf_avail(b) < len) {
		memset(out, 0, len);
		return WS_ERR_SHORT;
	}
	if (len > 0)
		memcpy(out, b->data + b->rpos, len);
	b->rpos += len;
	return WS_OK;
}

int ws_buf_skip(struct ws_buf *b, size_t len)
{
	WS_ENSURE(ws_buf_avail(b) >= len, WS_ERR_SHORT);
	b->rpos += len;
	return WS_OK;
}

int ws_buf_get_u8(struct ws_buf *b, uint8_t *v)
{
	return ws_buf_get_bytes(b, v, 1);
}

int ws_buf_get_bool(struct ws_buf *b, bool *v)
{
	uint8_t u;
	*v = false;
	WS_TRY(ws_buf_get_u8(b, &u));
	*v = u != 0;
	return WS_OK;
}

int ws_buf_get_u32(struct ws_buf *b, uint32_t *v)
{
	uint8_t p[4];
	*v = 0;
	WS_TRY(ws_buf_get_bytes(b, p, 4));
	*v = ws_load_be32(p);
	return WS_OK;
}

int ws_buf_get_u64(struct ws_buf *b, uint64_t *v)
{
	uint32_t hi, lo;
	*v = 0;
	WS_TRY(ws_buf_get_u32(b, &hi));
	WS_TRY(ws_buf_get_u32(b, &lo));
	*v = ((uint64_t)hi << 32) | lo;
	return WS_OK;
}

int ws_buf_get_string(struct ws_buf *b, struct ws_bytes *s, size_t max)
{
	uint32_t len;
	size_t start = b->rpos;
	s->ptr = NULL;
	s->len = 0;
	WS_TRY(ws_buf_get_u32(b, &len));
	if (len > max) {
		b->rpos = start;
		return WS_ERR_TOO_LONG;
	}
	if (ws_buf_avail(b) < len) {
		b->rpos = start;
		return WS_ERR_SHORT;
	}
	s->ptr = b->data + b->rpos;
	s->len = len;
	b->rpos += len;
	return WS_OK;
}

int ws_buf_get_cstring(struct ws_buf *b, char *out, size_t outsz)
{
	struct ws_bytes s;
	size_t start = b->rpos;
	if (outsz > 0)
		out[0] = '\0';
	WS_ENSURE(outsz > 0, WS_ERR_INVALID_ARG);
	WS_TRY(ws_buf_get_string(b, &s, outsz - 1));
	if (s.len > 0 && memchr(s.ptr, '\0', s.len) != NULL) {
		b->rpos = start;
		return WS_ERR_FORMAT;
	}
	if (s.len > 0)
		memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return WS_OK;
}

int ws_buf_get_fixed_string(struct ws_buf *b, void *out, size_t len)
{
	struct ws_bytes s;
	size_t start = b->rpos;
	memset(out, 0, len);
	WS_TRY(ws_buf_get_string(b, &s, len));
	if (s.len != len) {
		b->rpos = start;
		return WS_ERR_FORMAT;
	}
	memcpy(out, s.ptr, len);
	return WS_OK;
}

int ws_buf_get_mpint_positive(struct ws_buf *b, struct ws_bytes *mag, size_t max)
{
	struct ws_bytes s;
	size_t start = b->rpos;
	mag->ptr = NULL;
	mag->len = 0;
	/* one extra byte for the sign-guard zero */
	WS_TRY(ws_buf_get_string(b, &s, max < SIZE_MAX ? max + 1 : max));
	if (s.len > 0 && (s.ptr[0] & 0x80) != 0) {
		b->rpos = start;
		return WS_ERR_FORMAT; /* negative */
	}
	/* RFC 4251: unnecessary leading zero bytes MUST NOT be included */
	if (s.len > 1 && s.ptr[0] == 0 && (s.ptr[1] & 0x80) == 0) {
		b->rpos = start;
		return WS_ERR_FORMAT;
	}
	if (s.len > 0 && s.ptr[0] == 0) {
		s.ptr++;
		s.len--;
	}
	if (s.len > max) {
		b->rpos = start;
		return WS_ERR_TOO_LONG;
	}
	*mag = s;
	return WS_OK;
}

int ws_buf_put_bytes(struct ws_buf *b, const void *p, size_t len)
{
	WS_ENSURE(ws_buf_room(b) >= len, WS_ERR_NO_SPACE);
	if (len > 0)
		memcpy(b->data + b->wpos, p, len);
	b->wpos += len;
	return WS_OK;
}

int ws_buf_reserve(struct ws_buf *b, size_t len, uint8_t **p)
{
	*p = NULL;
	WS_ENSURE(ws_buf_room(b) >= len, WS_ERR_NO_SPACE);
	*p = b->data + b->wpos;
	b->wpos += len;
	return WS_OK;
}

int ws_buf_put_u8(struct ws_buf *b, uint8_t v)
{
	return ws_buf_put_bytes(b, &v, 1);
}

int ws_buf_put_bool(struct ws_buf *b, bool v)
{
	return ws_buf_put_u8(b, v ? 1 : 0);
}

int ws_buf_put_u32(struct ws_buf *b, uint32_t v)
{
	uint8_t p[4];
	ws_store_be32(p, v);
	return ws_buf_put_bytes(b, p, 4);
}

int ws_buf_put_u64(struct ws_buf *b, uint64_t v)
{
	uint8_t p[8];
	ws_store_be64(p, v);
	return ws_buf_put_bytes(b, p, 8);
}

int ws_buf_put_string(struct ws_buf *b, const void *p, size_t len)
{
	WS_ENSURE(len <= UINT32_MAX, WS_ERR_TOO_LONG);
	WS_ENSURE(ws_buf_room(b) >= 4 && ws_buf_room(b) - 4 >= len, WS_ERR_NO_SPACE);
	WS_TRY(ws_buf_put_u32(b, (uint32_t)len));
	return ws_buf_put_bytes(b, p, len);
}

int ws_buf_put_cstring(struct ws_buf *b, const char *s)
{
	return ws_buf_put_string(b, s, strlen(s));
}

int ws_buf_put_mpint_unsigned(struct ws_buf *b, const uint8_t *be, size_t len)
{
	while (len > 0 && be[0] == 0) {
		be++;
		len--;
	}
	bool guard = len > 0 && (be[0] & 0x80) != 0;
	size_t total = len + (guard ? 1 : 0);
	WS_ENSURE(total <= UINT32_MAX, WS_ERR_TOO_LONG);
	WS_ENSURE(ws_buf_room(b) >= 4 && ws_buf_room(b) - 4 >= total, WS_ERR_NO_SPACE);
	WS_TRY(ws_buf_put_u32(b, (uint32_t)total));
	if (guard)
		WS_TRY(ws_buf_put_u8(b, 0));
	return ws_buf_put_bytes(b, be, len);
}

bool ws_bytes_eq_str(struct ws_bytes b, const char *s)
{
	size_t n = strlen(s);
	return b.len == n && (n == 0 || memcmp(b.ptr, s, n) == 0);
}
