/* textscan.c — line/word splitting over struct ws_buf. Every byte is read through
 * ws_text_peek() or ws_buf_skip(), which check the offset against the readable length. */
#include <string.h>

#include "crypto/textscan.h"

/* Move the read position n bytes on; callers have checked n <= avail, so this clamps only
 * against a logic error. */
static void advance(struct ws_buf *t, size_t n)
{
	if (ws_buf_skip(t, n) != WS_OK)
		t->rpos = t->wpos;
}

int ws_text_peek(const struct ws_buf *t, size_t i)
{
	if (i >= ws_buf_avail(t))
		return -1;
	return ws_buf_rptr(t)[i];
}

bool ws_text_find(const struct ws_buf *t, int c, size_t *off)
{
	size_t n = ws_buf_avail(t);
	const void *hit = n > 0 ? memchr(ws_buf_rptr(t), c, n) : NULL;
	*off = 0;
	if (hit == NULL)
		return false;
	*off = (size_t)((const uint8_t *)hit - ws_buf_rptr(t));
	return true;
}

bool ws_text_next_line(struct ws_buf *text, struct ws_buf *line)
{
	size_t n = ws_buf_avail(text), len, skip = n;
	ws_buf_init_read(line, ws_buf_rptr(text), 0);
	if (n == 0)
		return false;
	if (ws_text_find(text, '\n', &len))
		skip = len + 1;
	else
		len = n;
	if (len > 0 && ws_text_peek(text, len - 1) == '\r')
		len--;
	ws_buf_init_read(line, ws_buf_rptr(text), len);
	advance(text, skip); /* skip <= avail by construction */
	return true;
}

void ws_text_skip_blanks(struct ws_buf *t)
{
	while (ws_text_is_blank(ws_text_peek(t, 0)))
		advance(t, 1);
}

void ws_text_skip_space(struct ws_buf *t)
{
	while (ws_text_is_space(ws_text_peek(t, 0)))
		advance(t, 1);
}

void ws_text_trim_right(struct ws_buf *t)
{
	while (ws_buf_avail(t) > 0 && ws_text_is_space(ws_text_peek(t, ws_buf_avail(t) - 1)))
		t->wpos--;
}

bool ws_text_next_word(struct ws_buf *t, struct ws_bytes *word)
{
	size_t n = 0;
	ws_text_skip_blanks(t);
	word->ptr = ws_buf_rptr(t);
	word->len = 0;
	while (ws_text_peek(t, n) >= 0 && !ws_text_is_space(ws_text_peek(t, n)))
		n++;
	if (n == 0)
		return false;
	word->len = n;
	advance(t, n);
	return true;
}

bool ws_text_starts_with(const struct ws_buf *t, const char *lit)
{
	size_t n = strlen(lit);
	return ws_buf_avail(t) >= n && strncmp((const char *)ws_buf_rptr(t), lit, n) == 0;
}

bool ws_text_eat(struct ws_buf *t, const char *lit)
{
	if (!ws_text_starts_with(t, lit))
		return false;
	advance(t, strlen(lit));
	return true;
}

struct ws_bytes ws_text_rest(const struct ws_buf *t)
{
	struct ws_bytes b = {ws_buf_rptr(t), ws_buf_avail(t)};
	return b;
}

bool ws_bytes_ends_with(struct ws_bytes b, const char *s)
{
	size_t n = strlen(s);
	if (b.len < n)
		return false;
	struct ws_bytes tail = {b.ptr + (b.len - n), n};
	return ws_bytes_eq_str(tail, s);
}

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

bool ws_bytes_eq_nocase(struct ws_bytes b, const char *s)
{
	size_t n = strlen(s);
	if (b.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(b.ptr[i]) != ascii_lower((unsigned char)s[i]))
			return false;
	return true;
}

int ws_bytes_to_cstr(struct ws_bytes b, char *out, size_t outsz)
{
	if (outsz > 0)
		out[0] = '\0';
	WS_ENSURE(outsz > b.len, WS_ERR_NO_SPACE);
	if (b.len > 0 && memchr(b.ptr, '\0', b.len) != NULL)
		return WS_ERR_FORMAT;
	if (b.len > 0)
		memcpy(out, b.ptr, b.len);
	out[b.len] = '\0';
	return WS_OK;
}
