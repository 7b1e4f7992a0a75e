/* config_internal.h — the machinery sshd_config.c and ssh_config.c share: the line lexer
 * (OpenSSH argv_split rules), a keyword table dispatcher with first-value-wins tracking, value
 * parsers (yes/no, numbers, TIME FORMATS, sizes), algorithm list resolution and %-token expansion. */
#ifndef WARPSSH_ENGINE_CONFIG_INTERNAL_H
#define WARPSSH_ENGINE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/config.h"

#define CFG_LINE_MAX 4096u
#define CFG_MAX_ARGS 64u

struct cfg_keyword;
struct cfg_parse;
typedef int (*cfg_handler)(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);

/* One keyword: its handler and where its value lives in the config struct. */
struct cfg_keyword {
	const char *name;
	cfg_handler fn;
	size_t off;       /* the field */
	size_t count_off; /* arrays: the unsigned element count */
	size_t size;      /* bytes of the field (strings) or of one element (arrays) */
	size_t cap;       /* arrays: most elements */
	uint64_t min, max;/* numbers: accepted range */
};

/* A config dialect: its keywords, the OpenSSH keywords it knowingly refuses, and an optional
 * hook that may excuse an unknown keyword (ssh's IgnoreUnknown). */
struct cfg_grammar {
	const struct cfg_keyword *keywords;
	size_t nkeywords;
	const char *const *unsupported;
	size_t nunsupported;
	bool (*ignore_unknown)(const void *cfg, const char *keyword);
};

struct cfg_parse {
	const struct cfg_grammar *grammar;
	const char *origin;   /* file name or "command line" */
	unsigned line;        /* 0 for -o options */
	char *error;          /* the config's error buffer (WS_CFG_ERR_MAX) */
	uint64_t *set_mask;
	bool active;          /* false inside a non-matching ssh_config Host block */
	const char *host_alias;
	char store[CFG_LINE_MAX]; /* the current line's arguments, NUL-separated */
	const char *argv[CFG_MAX_ARGS];
	unsigned argc, next;
};

void cfg_parse_start(struct cfg_parse *p, const struct cfg_grammar *g, const char *origin, char *error,
		     uint64_t *set_mask);
/* Run every line of text (or one -o line when line_mode) through the grammar. */
WS_MUST_USE int cfg_parse_text(struct cfg_parse *p, void *cfg, const char *text, size_t len);
WS_MUST_USE int cfg_parse_option(struct cfg_parse *p, void *cfg, const char *line);

/* Record "origin:LINE: message" (printf-style) and return WS_ERR_CONFIG. */
int cfg_error(struct cfg_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Next argument, or an error "missing argument" if there is none. */
WS_MUST_USE int cfg_arg(struct cfg_parse *p, const char **arg);
const char *cfg_optional_arg(struct cfg_parse *p);
/* Error "garbage at end of line" if arguments remain. */
WS_MUST_USE int cfg_end(struct cfg_parse *p);
/* True (and marks it set) if this keyword should store its value now: the block is active and
 * no earlier line set it (first obtained value wins). */
bool cfg_claim(struct cfg_parse *p, const struct cfg_keyword *kw);
bool cfg_was_set(const uint64_t *set_mask, const struct cfg_grammar *g, const char *name);

WS_MUST_USE int cfg_parse_bool(struct cfg_parse *p, const char *arg, bool *out);
WS_MUST_USE int cfg_parse_uint(struct cfg_parse *p, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
WS_MUST_USE int cfg_parse_time(struct cfg_parse *p, const char *arg, unsigned *seconds);
WS_MUST_USE int cfg_parse_size(struct cfg_parse *p, const char *arg, uint64_t *bytes);
WS_MUST_USE int cfg_parse_port(struct cfg_parse *p, const char *arg, uint16_t *port);

/* Generic handlers (the field type is in the name). */
int cfg_h_bool(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_unsigned(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_time(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_port(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_string(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_alglist(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_loglevel(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_rekey(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_path_append(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_path_list_once(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_match(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);
int cfg_h_include(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg);

/* Resolve an algorithm list in place against defaults/supported ("+x", "-glob", "^x", globs). */
WS_MUST_USE int cfg_resolve_algs(char *list, size_t listsz, bool set, const char *def, const char *supported,
				 const char *what, char *error);

/* The three WS_CFG_LIST_MAX algorithm fields of a config, resolved together at finish. */
struct cfg_alg_fields {
	char *ciphers, *macs, *kex;
};
WS_MUST_USE int cfg_resolve_alg_fields(struct cfg_alg_fields f, const uint64_t *set_mask,
				       const struct cfg_grammar *g, const struct ws_cfg_algs *algs, char *error);

struct cfg_token {
	char ch;
	const char *value;
};
/* Copy in to out expanding "~" / "~/" (when home != NULL) and %-tokens; "%%" is '%'.
 * WS_ERR_CONFIG (message in error) on an unknown token or ~user; WS_ERR_NO_SPACE if too long. */
WS_MUST_USE int cfg_expand(const char *in, const struct cfg_token *tok, size_t ntok, const char *home,
			   char *out, size_t outsz, char *error);

/* Table rows. */
#define CFG_KW(name_, fn_, type_, field_) \
	{ name_, fn_, offsetof(type_, field_), 0, sizeof(((type_ *)0)->field_), 0, 0, 0 }
#define CFG_KW_RANGE(name_, fn_, type_, field_, min_, max_) \
	{ name_, fn_, offsetof(type_, field_), 0, sizeof(((type_ *)0)->field_), 0, min_, max_ }
#define CFG_KW_ARRAY(name_, fn_, type_, field_, count_) \
	{ name_, fn_, offsetof(type_, field_), offsetof(type_, count_), sizeof(((type_ *)0)->field_[0]), \
	  sizeof(((type_ *)0)->field_) / sizeof(((type_ *)0)->field_[0]), 0, 0 }
#define CFG_KW_SPECIAL(name_, fn_) { name_, fn_, 0, 0, 0, 0, 0, 0 }

#endif
