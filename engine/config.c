/* config.c — shared config machinery: OpenSSH-style line lexing, keyword dispatch with first
 * obtained value wins, value parsers (sshd_config(5) TIME FORMATS, sizes), algorithm lists. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/textscan.h"
#include "engine/config_internal.h"
#include "warpssh/log.h"
#include "warpssh/match.h"

void cfg_parse_start(struct cfg_parse *p, const struct cfg_grammar *g, const char *origin, char *error,
		     uint64_t *set_mask)
{
	memset(p, 0, sizeof(*p));
	p->grammar = g;
	p->origin = origin != NULL ? origin : "config";
	p->error = error;
	p->set_mask = set_mask;
	p->active = true;
}

int cfg_error(struct cfg_parse *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(p->error, WS_CFG_ERR_MAX, "%.100s:%u: %s", p->origin, p->line, msg);
	else
		snprintf(p->error, WS_CFG_ERR_MAX, "%.100s: %s", p->origin, msg);
	ws_error("%s", p->error);
	return WS_ERR_CONFIG;
}

/* --- lexing --- */

/* Is the byte after a backslash escaped here? Outside quotes: \\ \" \' and blank; inside "…":
 * \\ and \"; inside '…': nothing (as OpenSSH's argv_split). */
static bool escapable(int quote, int c)
{
	if (quote == '\'')
		return false;
	if (quote == '"')
		return c == '\\' || c == '"';
	return c == '\\' || c == '"' || c == '\'' || ws_text_is_blank(c);
}

/* One argument into w, stopping at an unquoted blank. */
static int lex_word(struct cfg_parse *p, struct ws_buf *line, struct ws_buf *w)
{
	int quote = 0, c;
	while ((c = ws_text_peek(line, 0)) >= 0 && (quote != 0 || !ws_text_is_blank(c))) {
		WS_ENSURE(ws_buf_skip(line, 1) == WS_OK, WS_ERR_INTERNAL);
		if (c == '\\' && escapable(quote, ws_text_peek(line, 0))) {
			c = ws_text_peek(line, 0);
			WS_ENSURE(ws_buf_skip(line, 1) == WS_OK, WS_ERR_INTERNAL);
		} else if (quote == 0 && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		} else if (quote != 0 && c == quote) {
			quote = 0;
			continue;
		}
		if (c == '\0')
			return cfg_error(p, "NUL byte in line");
		if (ws_buf_put_u8(w, (uint8_t)c) != WS_OK)
			return cfg_error(p, "line too long");
	}
	if (quote != 0)
		return cfg_error(p, "unterminated quote");
	return ws_buf_put_u8(w, '\0') == WS_OK ? WS_OK : cfg_error(p, "line too long");
}

static int push_arg(struct cfg_parse *p, size_t start)
{
	if (p->argc >= CFG_MAX_ARGS)
		return cfg_error(p, "too many arguments");
	p->argv[p->argc++] = p->store + start;
	return WS_OK;
}

/* The keyword ends at a blank or '='; "Keyword = value", "Keyword=value" and "Keyword value"
 * are the same (ssh_config(5)). */
static int lex_keyword(struct cfg_parse *p, struct ws_buf *line, struct ws_buf *w)
{
	size_t n = 0;
	int c;
	while ((c = ws_text_peek(line, n)) >= 0 && !ws_text_is_blank(c) && c != '=')
		n++;
	struct ws_bytes kw = {ws_buf_rptr(line), n};
	if (ws_buf_put_bytes(w, kw.ptr, kw.len) != WS_OK || ws_buf_put_u8(w, '\0') != WS_OK)
		return cfg_error(p, "line too long");
	if (memchr(kw.ptr, '\0', kw.len) != NULL)
		return cfg_error(p, "NUL byte in line");
	WS_TRY(push_arg(p, 0));
	WS_ENSURE(ws_buf_skip(line, n) == WS_OK, WS_ERR_INTERNAL);
	ws_text_skip_blanks(line);
	if (ws_text_eat(line, "="))
		ws_text_skip_blanks(line);
	return WS_OK;
}

/* Split a line into p->argv; argc stays 0 for blank and comment lines. */
static int lex_line(struct cfg_parse *p, struct ws_buf *line)
{
	struct ws_buf w;
	ws_buf_init_write(&w, p->store, sizeof(p->store));
	p->argc = p->next = 0;
	ws_text_trim_right(line);
	ws_text_skip_blanks(line);
	if (ws_buf_avail(line) == 0 || ws_text_peek(line, 0) == '#')
		return WS_OK;
	WS_TRY(lex_keyword(p, line, &w));
	while (ws_buf_avail(line) > 0 && ws_text_peek(line, 0) != '#') {
		size_t start = w.wpos;
		WS_TRY(lex_word(p, line, &w));
		WS_TRY(push_arg(p, start));
		ws_text_skip_blanks(line);
	}
	return WS_OK;
}

/* --- dispatch --- */

static const struct cfg_keyword *find_keyword(const struct cfg_grammar *g, const char *name)
{
	for (size_t i = 0; i < g->nkeywords; i++)
		if (strcasecmp(g->keywords[i].name, name) == 0)
			return &g->keywords[i];
	return NULL;
}

static int unknown_keyword(struct cfg_parse *p, void *cfg, const char *name)
{
	const struct cfg_grammar *g = p->grammar;
	if (g->ignore_unknown != NULL && g->ignore_unknown(cfg, name)) {
		ws_debug("%s:%u: ignoring unknown keyword '%.64s' (IgnoreUnknown)", p->origin, p->line, name);
		return WS_OK;
	}
	for (size_t i = 0; i < g->nunsupported; i++)
		if (strcasecmp(g->unsupported[i], name) == 0)
			return cfg_error(p, "keyword '%s' is not supported by warpssh", g->unsupported[i]);
	return cfg_error(p, "unknown keyword '%.64s'", name);
}

static int dispatch(struct cfg_parse *p, void *cfg)
{
	if (p->argc == 0)
		return WS_OK;
	const struct cfg_keyword *kw = find_keyword(p->grammar, p->argv[0]);
	if (kw == NULL)
		return unknown_keyword(p, cfg, p->argv[0]);
	p->next = 1;
	return kw->fn(p, kw, cfg);
}

int cfg_parse_text(struct cfg_parse *p, void *cfg, const char *text, size_t len)
{
	struct ws_buf t, line;
	if (text == NULL || len > WS_CFG_MAX_TEXT)
		return cfg_error(p, "configuration text missing or larger than %u bytes", WS_CFG_MAX_TEXT);
	ws_buf_init_read(&t, text, len);
	while (ws_text_next_line(&t, &line)) {
		p->line++;
		WS_TRY(lex_line(p, &line));
		WS_TRY(dispatch(p, cfg));
	}
	return WS_OK;
}

int cfg_parse_option(struct cfg_parse *p, void *cfg, const char *line)
{
	struct ws_buf l;
	size_t n = line != NULL ? strnlen(line, CFG_LINE_MAX) : 0;
	if (line == NULL || n >= CFG_LINE_MAX || memchr(line, '\n', n) != NULL)
		return cfg_error(p, "bad command-line option");
	ws_buf_init_read(&l, line, n);
	WS_TRY(lex_line(p, &l));
	if (p->argc == 0)
		return cfg_error(p, "empty command-line option");
	return dispatch(p, cfg);
}

int cfg_arg(struct cfg_parse *p, const char **arg)
{
	*arg = cfg_optional_arg(p);
	if (*arg == NULL)
		return cfg_error(p, "%s: missing argument", p->argv[0]);
	return WS_OK;
}

const char *cfg_optional_arg(struct cfg_parse *p)
{
	return p->next < p->argc ? p->argv[p->next++] : NULL;
}

int cfg_end(struct cfg_parse *p)
{
	if (p->next < p->argc)
		return cfg_error(p, "%s: garbage at end of line: '%.64s'", p->argv[0], p->argv[p->next]);
	return WS_OK;
}

bool cfg_claim(struct cfg_parse *p, const struct cfg_keyword *kw)
{
	uint64_t bit = 1ull << (size_t)(kw - p->grammar->keywords);
	if (!p->active || (*p->set_mask & bit) != 0)
		return false;
	*p->set_mask |= bit;
	return true;
}

bool cfg_was_set(const uint64_t *set_mask, const struct cfg_grammar *g, const char *name)
{
	const struct cfg_keyword *kw = find_keyword(g, name);
	return kw != NULL && (*set_mask & (1ull << (size_t)(kw - g->keywords))) != 0;
}

/* --- values --- */

int cfg_parse_bool(struct cfg_parse *p, const char *arg, bool *out)
{
	*out = false;
	if (strcasecmp(arg, "yes") == 0 || strcasecmp(arg, "true") == 0)
		*out = true;
	else if (strcasecmp(arg, "no") != 0 && strcasecmp(arg, "false") != 0)
		return cfg_error(p, "%s: expected yes or no, got '%.64s'", p->argv[0], arg);
	return WS_OK;
}

/* Leading decimal digits of *s into *v (advancing *s); false on none or overflow past max. */
static bool take_digits(const char **s, uint64_t max, uint64_t *v)
{
	const char *c = *s;
	*v = 0;
	if (*c < '0' || *c > '9')
		return false;
	for (; *c >= '0' && *c <= '9'; c++) {
		uint64_t d = (uint64_t)(*c - '0');
		if (*v > (max - d) / 10)
			return false;
		*v = *v * 10 + d;
	}
	*s = c;
	return true;
}

int cfg_parse_uint(struct cfg_parse *p, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = arg;
	if (!take_digits(&s, max, out) || *s != '\0' || *out < min)
		return cfg_error(p, "%s: expected a number from %llu to %llu, got '%.64s'", p->argv[0],
				 (unsigned long long)min, (unsigned long long)max, arg);
	return WS_OK;
}

static uint64_t time_unit(char c)
{
	switch (c) {
	case '\0': case 's': case 'S': return 1;
	case 'm': case 'M': return 60;
	case 'h': case 'H': return 3600;
	case 'd': case 'D': return 86400;
	case 'w': case 'W': return 604800;
	default: return 0;
	}
}

/* sshd_config(5) TIME FORMATS: a sequence of number[unit], e.g. "1h30m", "90", "2m". */
int cfg_parse_time(struct cfg_parse *p, const char *arg, unsigned *seconds)
{
	const uint64_t max = 0x7fffffff;
	uint64_t total = 0, v, unit;
	const char *s = arg;
	*seconds = 0;
	do {
		if (!take_digits(&s, max, &v) || (unit = time_unit(*s)) == 0 || v > (max - total) / unit)
			return cfg_error(p, "%s: invalid time value '%.64s'", p->argv[0], arg);
		total += v * unit;
		if (*s != '\0')
			s++;
	} while (*s != '\0');
	*seconds = (unsigned)total;
	return WS_OK;
}

/* A byte count with an optional K, M or G suffix (powers of 1024, as OpenSSH's scan_scaled). */
int cfg_parse_size(struct cfg_parse *p, const char *arg, uint64_t *bytes)
{
	const char *s = arg;
	uint64_t v, mult = 1;
	*bytes = 0;
	if (take_digits(&s, UINT64_MAX, &v)) {
		switch (*s) {
		case 'k': case 'K': mult = 1ull << 10; s++; break;
		case 'm': case 'M': mult = 1ull << 20; s++; break;
		case 'g': case 'G': mult = 1ull << 30; s++; break;
		default: break;
		}
		if (*s == '\0' && v <= UINT64_MAX / mult) {
			*bytes = v * mult;
			return WS_OK;
		}
	}
	return cfg_error(p, "%s: invalid size '%.64s'", p->argv[0], arg);
}

int cfg_parse_port(struct cfg_parse *p, const char *arg, uint16_t *port)
{
	uint64_t v;
	*port = 0;
	WS_TRY(cfg_parse_uint(p, arg, 1, 65535, &v));
	*port = (uint16_t)v;
	return WS_OK;
}

/* --- generic handlers --- */

static void *field(void *cfg, const struct cfg_keyword *kw)
{
	return (char *)cfg + kw->off;
}

int cfg_h_bool(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	bool v;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_parse_bool(p, arg, &v));
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(bool *)field(cfg, kw) = v;
	return WS_OK;
}

int cfg_h_unsigned(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	uint64_t v;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_parse_uint(p, arg, kw->min, kw->max, &v));
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(unsigned *)field(cfg, kw) = (unsigned)v;
	return WS_OK;
}

int cfg_h_time(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	unsigned v = 0;
	WS_TRY(cfg_arg(p, &arg));
	if (strcasecmp(arg, "none") != 0)
		WS_TRY(cfg_parse_time(p, arg, &v));
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(unsigned *)field(cfg, kw) = v;
	return WS_OK;
}

int cfg_h_port(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	uint16_t v;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_parse_port(p, arg, &v));
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(uint16_t *)field(cfg, kw) = v;
	return WS_OK;
}

static int copy_value(struct cfg_parse *p, const char *arg, char *out, size_t outsz)
{
	if (strlen(arg) >= outsz)
		return cfg_error(p, "%s: value too long", p->argv[0]);
	memcpy(out, arg, strlen(arg) + 1);
	return WS_OK;
}

int cfg_h_string(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	char tmp[WS_CFG_LIST_MAX];
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(copy_value(p, arg, tmp, kw->size < sizeof(tmp) ? kw->size : sizeof(tmp)));
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		memcpy(field(cfg, kw), tmp, strlen(tmp) + 1);
	return WS_OK;
}

/* Names: letters, digits and "-_.@", with globs; the first byte may be one of "+-^". */
static bool valid_alg_list(const char *s)
{
	if (*s == '+' || *s == '-' || *s == '^')
		s++;
	if (*s == '\0' || *s == ',')
		return false;
	for (; *s != '\0'; s++) {
		bool ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			  strchr("-_.@*?,", *s) != NULL;
		if (!ok || (s[0] == ',' && (s[1] == ',' || s[1] == '\0')))
			return false;
	}
	return true;
}

int cfg_h_alglist(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	WS_TRY(cfg_arg(p, &arg));
	if (!valid_alg_list(arg))
		return cfg_error(p, "%s: bad algorithm list '%.64s'", p->argv[0], arg);
	p->next--; /* let cfg_h_string copy it */
	return cfg_h_string(p, kw, cfg);
}

int cfg_h_loglevel(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	WS_TRY(cfg_arg(p, &arg));
	int level = ws_log_level_from_name(arg);
	if (level < 0)
		return cfg_error(p, "%s: unsupported log level '%.64s'", p->argv[0], arg);
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(int *)field(cfg, kw) = level;
	return WS_OK;
}

/* RekeyLimit max-data [max-time]: "default" or a size (at least 16 bytes); "none"/"default" or a time. */
int cfg_h_rekey(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	struct ws_rekey_limit v = {0, 0};
	const char *arg, *when;
	unsigned secs = 0;
	WS_TRY(cfg_arg(p, &arg));
	if (strcasecmp(arg, "default") != 0) {
		WS_TRY(cfg_parse_size(p, arg, &v.bytes));
		if (v.bytes < 16)
			return cfg_error(p, "%s: RekeyLimit too small", p->argv[0]);
	}
	when = cfg_optional_arg(p);
	if (when != NULL && strcasecmp(when, "none") != 0 && strcasecmp(when, "default") != 0)
		WS_TRY(cfg_parse_time(p, when, &secs));
	v.seconds = secs;
	WS_TRY(cfg_end(p));
	if (cfg_claim(p, kw))
		*(struct ws_rekey_limit *)field(cfg, kw) = v;
	return WS_OK;
}

/* Append each argument to a string array (HostKey, IdentityFile); duplicates are dropped. */
int cfg_h_path_append(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	unsigned *count = (unsigned *)((char *)cfg + kw->count_off);
	char *base = field(cfg, kw);
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_end(p));
	if (strlen(arg) >= kw->size)
		return cfg_error(p, "%s: path too long", p->argv[0]);
	if (!p->active)
		return WS_OK;
	for (unsigned i = 0; i < *count; i++)
		if (strcmp(base + i * kw->size, arg) == 0)
			return WS_OK;
	if (*count >= kw->cap)
		return cfg_error(p, "%s: too many entries (at most %zu)", p->argv[0], kw->cap);
	memcpy(base + (*count)++ * kw->size, arg, strlen(arg) + 1);
	return WS_OK;
}

/* All arguments of the first line that sets it (AuthorizedKeysFile, UserKnownHostsFile);
 * a lone "none" means no files. */
int cfg_h_path_list_once(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	unsigned n = 0, *count = (unsigned *)((char *)cfg + kw->count_off);
	WS_TRY(cfg_arg(p, &arg));
	if (p->argc - 1 > kw->cap)
		return cfg_error(p, "%s: too many files (at most %zu)", p->argv[0], kw->cap);
	for (unsigned i = 1; i < p->argc; i++)
		if (strlen(p->argv[i]) >= kw->size)
			return cfg_error(p, "%s: path too long", p->argv[0]);
	bool none = strcasecmp(arg, "none") == 0;
	if (none && p->argc > 2)
		return cfg_error(p, "%s: 'none' must be the only argument", p->argv[0]);
	p->next = p->argc;
	if (!cfg_claim(p, kw))
		return WS_OK;
	for (unsigned i = 1; !none && i < p->argc; i++)
		memcpy((char *)field(cfg, kw) + n++ * kw->size, p->argv[i], strlen(p->argv[i]) + 1);
	*count = n;
	return WS_OK;
}

int cfg_h_match(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	(void)kw;
	(void)cfg;
	return cfg_error(p, "Match blocks are not supported by warpssh");
}

int cfg_h_include(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	(void)kw;
	(void)cfg;
	return cfg_error(p, "Include is not supported by warpssh");
}

/* --- algorithm lists --- */

static int set_error(char *error, const char *what, const char *msg, const char *name)
{
	snprintf(error, WS_CFG_ERR_MAX, "%s: %s '%.64s'", what, msg, name);
	ws_error("%s", error);
	return WS_ERR_CONFIG;
}

/* Copy the next entry of a comma list into name; false at the end. */
static bool next_name(const char **cur, char *name, size_t namesz)
{
	const char *s = *cur;
	size_t n = strcspn(s, ",");
	if (*s == '\0')
		return false;
	snprintf(name, namesz, "%.*s", (int)(n < namesz ? n : namesz - 1), s);
	*cur = s[n] == ',' ? s + n + 1 : s + n;
	return true;
}

static bool list_has(const char *list, const char *name)
{
	char entry[WS_CFG_NAME_MAX];
	while (next_name(&list, entry, sizeof(entry)))
		if (strcmp(entry, name) == 0)
			return true;
	return false;
}

/* Append name to the NUL-terminated list in out unless present. */
static int list_add(char *out, size_t outsz, const char *name)
{
	size_t used = strlen(out), n = strlen(name);
	if (list_has(out, name))
		return WS_OK;
	WS_ENSURE(used + n + 2 <= outsz, WS_ERR_NO_SPACE);
	if (used > 0)
		out[used++] = ',';
	memcpy(out + used, name, n + 1);
	return WS_OK;
}

/* One entry of a user list: a glob expands to the matching candidates (supported names, or the
 * defaults if the caller gave no supported list); a plain name must be supported. */
static int add_entry(char *out, size_t outsz, const char *entry, const char *candidates, bool checked,
		     const char *what, char *error)
{
	char name[WS_CFG_NAME_MAX];
	if (strpbrk(entry, "*?") == NULL) {
		if (checked && !list_has(candidates, entry))
			return set_error(error, what, "unsupported algorithm", entry);
		return list_add(out, outsz, entry);
	}
	while (next_name(&candidates, name, sizeof(name)))
		if (ws_match_glob(ws_bytes_of(name), ws_bytes_of(entry), false))
			WS_TRY(list_add(out, outsz, name));
	return WS_OK;
}

static int add_entries(char *out, size_t outsz, const char *list, const char *candidates, bool checked,
		       const char *what, char *error)
{
	char entry[WS_CFG_NAME_MAX];
	while (next_name(&list, entry, sizeof(entry)))
		WS_TRY(add_entry(out, outsz, entry, candidates, checked, what, error));
	return WS_OK;
}

/* Defaults minus every name matching a glob of the "-" list. */
static int add_defaults_except(char *out, size_t outsz, const char *def, const char *patterns)
{
	char name[WS_CFG_NAME_MAX], pat[WS_CFG_NAME_MAX];
	while (next_name(&def, name, sizeof(name))) {
		bool removed = false;
		for (const char *p = patterns; !removed && next_name(&p, pat, sizeof(pat));)
			removed = ws_match_glob(ws_bytes_of(name), ws_bytes_of(pat), false);
		if (!removed)
			WS_TRY(list_add(out, outsz, name));
	}
	return WS_OK;
}

int cfg_resolve_algs(char *list, size_t listsz, bool set, const char *def, const char *supported,
		     const char *what, char *error)
{
	char out[WS_CFG_LIST_MAX] = "";
	const char *cand = supported != NULL ? supported : (def != NULL ? def : "");
	bool checked = supported != NULL;
	int rc = WS_OK;
	def = def != NULL ? def : "";
	if (!set)
		return snprintf(list, listsz, "%s", def) < (int)listsz ? WS_OK : set_error(error, what, "list too long", "");
	switch (list[0]) {
	case '+':
		rc = add_entries(out, sizeof(out), def, def, false, what, error);
		if (rc == WS_OK)
			rc = add_entries(out, sizeof(out), list + 1, cand, checked, what, error);
		break;
	case '-':
		rc = add_defaults_except(out, sizeof(out), def, list + 1);
		break;
	case '^':
		rc = add_entries(out, sizeof(out), list + 1, cand, checked, what, error);
		if (rc == WS_OK)
			rc = add_entries(out, sizeof(out), def, def, false, what, error);
		break;
	default:
		rc = add_entries(out, sizeof(out), list, cand, checked, what, error);
		break;
	}
	if (rc == WS_ERR_NO_SPACE)
		return set_error(error, what, "list too long", list);
	WS_TRY(rc);
	if (out[0] == '\0')
		return set_error(error, what, "no algorithms left in", list);
	snprintf(list, listsz, "%s", out);
	return WS_OK;
}

int cfg_resolve_alg_fields(struct cfg_alg_fields f, const uint64_t *set_mask, const struct cfg_grammar *g,
			   const struct ws_cfg_algs *algs, char *error)
{
	static const struct ws_cfg_algs none;
	const struct ws_cfg_algs *a = algs != NULL ? algs : &none;
	WS_TRY(cfg_resolve_algs(f.ciphers, WS_CFG_LIST_MAX, cfg_was_set(set_mask, g, "Ciphers"), a->ciphers_default,
				a->ciphers_supported, "Ciphers", error));
	WS_TRY(cfg_resolve_algs(f.macs, WS_CFG_LIST_MAX, cfg_was_set(set_mask, g, "MACs"), a->macs_default,
				a->macs_supported, "MACs", error));
	return cfg_resolve_algs(f.kex, WS_CFG_LIST_MAX, cfg_was_set(set_mask, g, "KexAlgorithms"), a->kex_default,
				a->kex_supported, "KexAlgorithms", error);
}

/* --- token expansion --- */

static int expand_token(struct ws_buf *w, char ch, const struct cfg_token *tok, size_t ntok)
{
	if (ch == '%')
		return ws_buf_put_u8(w, '%');
	for (size_t i = 0; i < ntok; i++) {
		if (tok[i].ch != ch)
			continue;
		const char *v = tok[i].value != NULL ? tok[i].value : "";
		return ws_buf_put_bytes(w, v, strlen(v));
	}
	return WS_ERR_CONFIG;
}

int cfg_expand(const char *in, const struct cfg_token *tok, size_t ntok, const char *home, char *out,
	       size_t outsz, char *error)
{
	struct ws_buf w;
	int rc = WS_OK;
	const char *s = in;
	ws_buf_init_write(&w, out, outsz);
	if (home != NULL && s[0] == '~') {
		if (s[1] != '/' && s[1] != '\0')
			return set_error(error, "path", "~user is not supported in", in);
		rc = ws_buf_put_bytes(&w, home, strlen(home));
		s++;
	}
	for (; rc == WS_OK && *s != '\0'; s++) {
		if (*s != '%') {
			rc = ws_buf_put_u8(&w, (uint8_t)*s);
			continue;
		}
		s++;
		if (*s == '\0' || (rc = expand_token(&w, *s, tok, ntok)) == WS_ERR_CONFIG)
			return set_error(error, "path", "unknown %-token in", in);
	}
	if (rc == WS_OK)
		rc = ws_buf_put_u8(&w, '\0');
	if (rc != WS_OK)
		return set_error(error, "path", "too long after expansion", in);
	return WS_OK;
}
