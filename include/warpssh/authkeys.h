/* authkeys.h — sshd(8) AUTHORIZED_KEYS FILE FORMAT: find the line that authorizes a given
 * ssh-ed25519 key for a client, with its options (restrict, command=, from=, no-pty, …).
 * The parser is sans-I/O (text in, verdict out); ws_authkeys_find_file() reads a file. */
#ifndef WARPSSH_AUTHKEYS_H
#define WARPSSH_AUTHKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "warpssh/err.h"
#include "warpssh/keys.h"

#define WS_AUTHKEYS_VALUE_MAX 1024u  /* longest command= we keep; longer refuses the key */
#define WS_AUTHKEYS_ITEM_MAX 256u    /* longest environment= / permitopen= / permitlisten= value */
#define WS_AUTHKEYS_MAX_ITEMS 16u    /* per option kind; more refuses the key */
#define WS_AUTHKEYS_MAX_TEXT (4u * 1024u * 1024u) /* file size cap for the file wrapper */

/* Options of the authorizing line. allow_* start true; "restrict" clears them all, "no-X"
 * clears one and a later "X" (e.g. "restrict,pty") sets it again, as in sshd. */
struct ws_authkeys_entry {
	unsigned line;              /* 1-based line number of the entry */
	bool restricted;            /* "restrict" was given */
	bool allow_pty;
	bool allow_port_forwarding;
	bool allow_agent_forwarding;
	bool allow_x11_forwarding;
	bool allow_user_rc;
	bool has_command;
	char command[WS_AUTHKEYS_VALUE_MAX]; /* command="…", unescaped */
	bool has_from;              /* a from= list was given (and the client matched it) */
	char from[WS_AUTHKEYS_VALUE_MAX];    /* the from= pattern list */
	unsigned nenv;              /* environment="NAME=value" entries (sshd applies them only with
	                             * PermitUserEnvironment; the caller decides) */
	char env[WS_AUTHKEYS_MAX_ITEMS][WS_AUTHKEYS_ITEM_MAX];
	unsigned npermitopen;       /* permitopen="host:port" ("*" allowed for the port) */
	char permitopen[WS_AUTHKEYS_MAX_ITEMS][WS_AUTHKEYS_ITEM_MAX];
	unsigned npermitlisten;     /* permitlisten="[host:]port" */
	char permitlisten[WS_AUTHKEYS_MAX_ITEMS][WS_AUTHKEYS_ITEM_MAX];
	char comment[WS_KEY_COMMENT_MAX];
	char reason[160];           /* why the key was refused (WS_ERR_AUTH), for logs */
};

/* Find the first line listing `key` whose options parse and whose from= admits the client.
 * client_addr is the numeric address; client_host its verified name or NULL (then the address
 * text stands in for it, like sshd with UseDNS no). filename is used only in log lines.
 * Returns WS_OK (out = that line), WS_ERR_NOT_FOUND (no line lists the key), or WS_ERR_AUTH (every
 * line listing the key was refused: bad/unknown options, from= mismatch; out->line/reason say why).
 * Comment lines, blank lines and other key types are skipped; malformed lines are logged and skipped. */
WS_MUST_USE int ws_authkeys_find(const char *text, size_t len, const struct ws_key *key,
				 const char *client_addr, const char *client_host, const char *filename,
				 struct ws_authkeys_entry *out);

/* Parse just an option string ("restrict,pty,command=\"x\"") into *out (for tests and tools).
 * WS_ERR_FORMAT with out->reason set if an option is unknown, malformed or unsupported. */
WS_MUST_USE int ws_authkeys_parse_options(const char *opts, size_t len, struct ws_authkeys_entry *out);

/* File wrapper (io/keyfile.c): reads path (which must not be writable by group or others, like
 * sshd's StrictModes; a missing file is WS_ERR_NOT_FOUND) and calls ws_authkeys_find(). */
WS_MUST_USE int ws_authkeys_find_file(const char *path, const struct ws_key *key, const char *client_addr,
				      const char *client_host, struct ws_authkeys_entry *out);

#endif
