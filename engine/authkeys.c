/* authkeys.c — authorized_keys lines (sshd(8) AUTHORIZED_KEYS FILE FORMAT): options, key, comment.
 * Finds the entry for one ssh-ed25519 key and decides its options and from= for one client. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "crypto/textscan.h"
#include "warpssh/authkeys.h"
#include "warpssh/log.h"
#include "warpssh/match.h"

/* Flag options: "X" sets, "no-X" clears (offset of the bool in the entry). */
struct flag_option {
	const char *name;
	size_t offset;
	bool negatable;
};

static const struct flag_option flag_options[] = {
	{"pty", offsetof(struct ws_authkeys_entry, allow_pty), true},
	{"port-forwarding", offsetof(struct ws_authkeys_entry, allow_port_forwarding), true},
	{"agent-forwarding", offsetof(struct ws_authkeys_entry, allow_agent_forwarding), true},
	{"x11-forwarding", offsetof(struct ws_authkeys_entry, allow_x11_forwarding), true},
	{"user-rc", offsetof(struct ws_authkeys_entry, allow_user_rc), true},
	/* security-key flags: meaningful only for sk-* keys, which sshd also ignores them for */
	{"touch-required", SIZE_MAX, true},
	{"verify-required", SIZE_MAX, false},
};

/* Options sshd knows that we refuse rather than silently ignore (ignoring would widen access). */
static const char *const refused_options[] = {"cert-authority", "principals", "expiry-time", "tunnel"};

static void set_allow_all(struct ws_authkeys_entry *e, bool v)
{
	e->allow_pty = e->allow_port_forwarding = e->allow_agent_forwarding = v;
	e->allow_x11_forwarding = e->allow_user_rc = v;
}

static void entry_reset(struct ws_authkeys_entry *e)
{
	memset(e, 0, sizeof(*e));
	set_allow_all(e, true);
}

static int refuse(struct ws_authkeys_entry *e, const char *why, struct ws_bytes name)
{
	int n = name.len > 40 ? 40 : (int)name.len;
	snprintf(e->reason, sizeof(e->reason), "%s '%.*s'", why, n, (const char *)name.ptr);
	return WS_ERR_FORMAT;
}

/* A quoted value: '"' … '"' with \" standing for a quote (sshd's opt_dequote). */
static int dequote(struct ws_buf *o, char *out, size_t outsz)
{
	struct ws_buf w;
	int c;
	ws_buf_init_write(&w, out, outsz);
	WS_ENSURE(ws_text_eat(o, "\""), WS_ERR_FORMAT);
	while ((c = ws_text_peek(o, 0)) != '"') {
		WS_ENSURE(c > 0, WS_ERR_FORMAT); /* unterminated, or a NUL byte */
		if (c == '\\' && ws_text_peek(o, 1) == '"')
			(void)ws_text_eat(o, "\\");
		c = ws_text_peek(o, 0);
		WS_ENSURE(ws_buf_put_u8(&w, (uint8_t)c) == WS_OK, WS_ERR_TOO_LONG);
		WS_ENSURE(ws_buf_skip(o, 1) == WS_OK, WS_ERR_FORMAT);
	}
	(void)ws_text_eat(o, "\"");
	WS_ENSURE(ws_buf_put_u8(&w, '\0') == WS_OK, WS_ERR_TOO_LONG);
	return WS_OK;
}

/* permitopen "host:port" (port may be "*"); permitlisten "[host:]port". IPv6 hosts in brackets. */
static bool valid_host_port(const char *v, bool host_optional)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon != NULL ? colon + 1 : v;
	if (colon == NULL && !host_optional)
		return false;
	if (colon == v)
		return false;
	if (strcmp(port, "*") == 0)
		return true;
	unsigned long n = 0;
	size_t len = strlen(port);
	for (size_t i = 0; i < len; i++) {
		if (port[i] < '0' || port[i] > '9' || len > 5)
			return false;
		n = n * 10 + (unsigned long)(port[i] - '0');
	}
	return len > 0 && n <= 65535;
}

static int push_item(char items[][WS_AUTHKEYS_ITEM_MAX], unsigned *n, const char *v)
{
	WS_ENSURE(*n < WS_AUTHKEYS_MAX_ITEMS, WS_ERR_LIMIT);
	snprintf(items[*n], WS_AUTHKEYS_ITEM_MAX, "%s", v);
	(*n)++;
	return WS_OK;
}

/* name="value" options. */
static int parse_value_option(struct ws_bytes name, struct ws_buf *o, struct ws_authkeys_entry *e)
{
	char v[WS_AUTHKEYS_VALUE_MAX];
	int rc = dequote(o, v, sizeof(v));
	if (rc != WS_OK)
		return refuse(e, rc == WS_ERR_TOO_LONG ? "value too long for option" : "bad quoting in option", name);
	if (ws_bytes_eq_nocase(name, "command")) {
		e->has_command = true;
		memcpy(e->command, v, sizeof(e->command));
	} else if (ws_bytes_eq_nocase(name, "from")) {
		e->has_from = true;
		memcpy(e->from, v, sizeof(e->from));
	} else if (ws_bytes_eq_nocase(name, "environment")) {
		const char *eq = strchr(v, '=');
		if (eq == NULL || eq == v || strlen(v) >= WS_AUTHKEYS_ITEM_MAX)
			return refuse(e, "malformed value for option", name);
		rc = push_item(e->env, &e->nenv, v);
	} else if (ws_bytes_eq_nocase(name, "permitopen") || ws_bytes_eq_nocase(name, "permitlisten")) {
		bool listen = ws_bytes_eq_nocase(name, "permitlisten");
		if (!valid_host_port(v, listen) || strlen(v) >= WS_AUTHKEYS_ITEM_MAX)
			return refuse(e, "malformed value for option", name);
		rc = listen ? push_item(e->permitlisten, &e->npermitlisten, v)
			    : push_item(e->permitopen, &e->npermitopen, v);
	} else {
		return refuse(e, "unsupported option", name);
	}
	return rc == WS_OK ? WS_OK : refuse(e, "too many values for option", name);
}

static int parse_flag_option(struct ws_bytes name, struct ws_authkeys_entry *e)
{
	if (ws_bytes_eq_nocase(name, "restrict")) {
		e->restricted = true;
		set_allow_all(e, false);
		return WS_OK;
	}
	struct ws_buf nb;
	ws_buf_init_read(&nb, name.ptr, name.len);
	bool negated = ws_bytes_eq_nocase((struct ws_bytes){name.ptr, name.len < 3 ? 0 : 3}, "no-") &&
		       ws_buf_skip(&nb, 3) == WS_OK;
	struct ws_bytes base = ws_text_rest(&nb);
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++) {
		const struct flag_option *f = &flag_options[i];
		if (!ws_bytes_eq_nocase(base, f->name) || (negated && !f->negatable))
			continue;
		if (f->offset != SIZE_MAX)
			*(bool *)((char *)e + f->offset) = !negated;
		return WS_OK;
	}
	return refuse(e, "unsupported option", name);
}

/* The option name runs up to '=', ',' or the end. */
static struct ws_bytes take_name(struct ws_buf *o)
{
	size_t n = 0;
	int c;
	while ((c = ws_text_peek(o, n)) >= 0 && c != '=' && c != ',')
		n++;
	struct ws_bytes name = {ws_buf_rptr(o), n};
	o->rpos += n; /* n <= avail */
	return name;
}

static bool is_refused_option(struct ws_bytes name)
{
	for (size_t i = 0; i < sizeof(refused_options) / sizeof(refused_options[0]); i++)
		if (ws_bytes_eq_nocase(name, refused_options[i]))
			return true;
	return false;
}

int ws_authkeys_parse_options(const char *opts, size_t len, struct ws_authkeys_entry *out)
{
	struct ws_buf o;
	entry_reset(out);
	ws_buf_init_read(&o, opts, len);
	while (ws_buf_avail(&o) > 0) {
		struct ws_bytes name = take_name(&o);
		if (is_refused_option(name))
			return refuse(out, "option not supported by warpssh:", name);
		if (name.len == 0)
			return refuse(out, "empty option", name);
		int rc = ws_text_eat(&o, "=") ? parse_value_option(name, &o, out) : parse_flag_option(name, out);
		WS_TRY(rc);
		if (ws_buf_avail(&o) == 0)
			break;
		if (!ws_text_eat(&o, ","))
			return refuse(out, "garbage after option", name);
		if (ws_buf_avail(&o) == 0)
			return refuse(out, "trailing comma after option", name);
	}
	return WS_OK;
}

/* Advance past the options field: up to the first blank outside quotes (sshd's
 * sshkey_advance_past_options). WS_ERR_FORMAT on an unterminated quote. */
static int skip_options(struct ws_buf *line, struct ws_bytes *opts)
{
	bool quoted = false;
	size_t n = 0;
	int c;
	while ((c = ws_text_peek(line, n)) >= 0 && (quoted || !ws_text_is_blank(c))) {
		if (c == '\\' && ws_text_peek(line, n + 1) == '"')
			n++;
		else if (c == '"')
			quoted = !quoted;
		n++;
	}
	WS_ENSURE(!quoted, WS_ERR_FORMAT);
	opts->ptr = ws_buf_rptr(line);
	opts->len = n;
	return ws_buf_skip(line, n);
}

struct find_ctx {
	const struct ws_key *key;
	const char *addr;
	const char *host;
	const char *filename;
};

/* Options and from= for the line whose key matched. */
static int authorize(const struct find_ctx *ctx, struct ws_bytes opts, unsigned lineno,
		     const struct ws_key *k, struct ws_authkeys_entry *out)
{
	int rc = ws_authkeys_parse_options((const char *)opts.ptr, opts.len, out);
	out->line = lineno;
	snprintf(out->comment, sizeof(out->comment), "%s", k->comment);
	if (rc != WS_OK) {
		ws_error("%s:%u: %s; key refused", ctx->filename, lineno, out->reason);
		return WS_ERR_AUTH;
	}
	if (out->has_from && !ws_match_host_and_addr(ctx->host, ctx->addr, ws_bytes_of(out->from))) {
		snprintf(out->reason, sizeof(out->reason), "client not permitted by from= list");
		ws_info("%s:%u: correct key but not from a permitted host (host=%.200s, ip=%.200s)",
			ctx->filename, lineno, ctx->host != NULL ? ctx->host : "-", ctx->addr);
		return WS_ERR_AUTH;
	}
	return WS_OK;
}

/* One line: WS_OK (authorized), WS_ERR_AUTH (listed but refused) or WS_ERR_NOT_FOUND. */
static int check_line(const struct find_ctx *ctx, struct ws_buf *line, unsigned lineno,
		      struct ws_authkeys_entry *out)
{
	struct ws_bytes opts = {ws_buf_rptr(line), 0};
	struct ws_key k;
	int c, rc;

	ws_text_skip_blanks(line);
	c = ws_text_peek(line, 0);
	if (c < 0 || c == '#')
		return WS_ERR_NOT_FOUND;
	rc = ws_key_parse_public(&k, (const char *)ws_buf_rptr(line), ws_buf_avail(line));
	if (rc == WS_ERR_KEY_FORMAT && skip_options(line, &opts) == WS_OK) {
		ws_text_skip_blanks(line);
		rc = ws_key_parse_public(&k, (const char *)ws_buf_rptr(line), ws_buf_avail(line));
	}
	if (rc == WS_ERR_KEY_TYPE) {
		ws_debug("%s:%u: skipping key of a type other than ssh-ed25519", ctx->filename, lineno);
		return WS_ERR_NOT_FOUND;
	}
	if (rc != WS_OK) {
		ws_info("%s:%u: bad key syntax; line skipped", ctx->filename, lineno);
		return WS_ERR_NOT_FOUND;
	}
	if (!ws_key_equal_public(&k, ctx->key))
		return WS_ERR_NOT_FOUND;
	return authorize(ctx, opts, lineno, &k, out);
}

int ws_authkeys_find(const char *text, size_t len, const struct ws_key *key, const char *client_addr,
		     const char *client_host, const char *filename, struct ws_authkeys_entry *out)
{
	struct find_ctx ctx = {key, client_addr, client_host, filename != NULL ? filename : "authorized_keys"};
	struct ws_buf t, line;
	int status = WS_ERR_NOT_FOUND;
	unsigned lineno = 0;

	entry_reset(out);
	WS_ENSURE(text != NULL && key != NULL && client_addr != NULL, WS_ERR_INVALID_ARG);
	ws_buf_init_read(&t, text, len);
	while (ws_text_next_line(&t, &line)) {
		int rc = check_line(&ctx, &line, ++lineno, out);
		if (rc == WS_OK)
			return WS_OK;
		if (rc == WS_ERR_AUTH)
			status = WS_ERR_AUTH;
	}
	if (status == WS_ERR_NOT_FOUND)
		entry_reset(out);
	return status;
}
