/* textscan.h — internal: line and word scanning of text files (key files, authorized_keys,
 * known_hosts, ssh/sshd config) on top of struct ws_buf, so text parsers index only through a
 * bounds-checked cursor. A "line" or "word" is a ws_buf reading a slice of the caller's text. */
#ifndef WARPSSH_CRYPTO_TEXTSCAN_H
#define WARPSSH_CRYPTO_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "warpssh/buf.h"

static inline bool ws_text_is_blank(int c) { return c == ' ' || c == '\t'; }
static inline bool ws_text_is_space(int c) { return ws_text_is_blank(c) || c == '\r' || c == '\n'; }

/* Byte at offset i from the read position, or -1 past the end. */
int ws_text_peek(const struct ws_buf *t, size_t i);
/* Split off the next line (without '\n' and one trailing '\r'); false once text is used up. */
bool ws_text_next_line(struct ws_buf *text, struct ws_buf *line);
void ws_text_skip_blanks(struct ws_buf *t);
void ws_text_skip_space(struct ws_buf *t);
/* Drop trailing blanks and CR/LF from the readable range. */
void ws_text_trim_right(struct ws_buf *t);
/* The next run of non-blank bytes (after skipping blanks); false if none is left. */
bool ws_text_next_word(struct ws_buf *t, struct ws_bytes *word);
/* Consume the literal lit if the text starts with it. */
bool ws_text_eat(struct ws_buf *t, const char *lit);
bool ws_text_starts_with(const struct ws_buf *t, const char *lit);
/* Offset of the first occurrence of byte c, or false. */
bool ws_text_find(const struct ws_buf *t, int c, size_t *off);
/* The remaining bytes as a view. */
struct ws_bytes ws_text_rest(const struct ws_buf *t);
/* True if the view ends with the C string s. */
bool ws_bytes_ends_with(struct ws_bytes b, const char *s);
/* Case-insensitive (ASCII) comparison of a view with a C string. */
bool ws_bytes_eq_nocase(struct ws_bytes b, const char *s);
/* Copy a view into a NUL-terminated string: WS_ERR_NO_SPACE if too long, WS_ERR_FORMAT on a NUL byte. */
WS_MUST_USE int ws_bytes_to_cstr(struct ws_bytes b, char *out, size_t outsz);

#endif
