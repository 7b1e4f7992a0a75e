/* knownhosts.h — ssh(1)/sshd(8) SSH_KNOWN_HOSTS FILE FORMAT: look a server's ssh-ed25519 host key
 * up by name and port (plain patterns, "[host]:port", hashed "|1|salt|hash" names, @revoked) and
 * format new entries the way ssh's StrictHostKeyChecking=accept-new writes them. Sans-I/O, plus
 * file wrappers implemented in io/keyfile.c. */
#ifndef WARPSSH_KNOWNHOSTS_H
#define WARPSSH_KNOWNHOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"
#include "warpssh/keys.h"

#define WS_KNOWNHOSTS_HOST_MAX 1025u      /* "[" + 1000-byte name + "]:65535" + NUL fits */
#define WS_KNOWNHOSTS_LINE_MAX 2048u      /* enough for a hashed or plain ed25519 entry */
#define WS_KNOWNHOSTS_MAX_TEXT (16u * 1024u * 1024u) /* file size cap for the file wrapper */

enum ws_knownhosts_status {
	WS_KNOWNHOSTS_NOT_FOUND = 0, /* no ed25519 key known for this host (other types may be) */
	WS_KNOWNHOSTS_MATCH,         /* an entry for this host has exactly this key */
	WS_KNOWNHOSTS_MISMATCH,      /* this host is known with a different ed25519 key */
	WS_KNOWNHOSTS_REVOKED,       /* a @revoked entry for this host names this key: refuse */
};

struct ws_knownhosts_result {
	enum ws_knownhosts_status status;
	const char *file;     /* the filename passed to the lookup that decided status (or NULL) */
	unsigned line;        /* the matching, first conflicting, or revoking entry; 0 if none */
	unsigned other_types; /* entries for this host with other key types (ssh: "but keys of
	                       * different type are already known for this host") */
};

/* Look up `key` for host (a name or address as the user gave it; compared case-insensitively)
 * and port (22 or 0 means the plain name, otherwise "[host]:port" as ssh does).
 * Precedence: REVOKED > MATCH > MISMATCH > NOT_FOUND. @cert-authority lines and keys of other
 * types are skipped; malformed lines are skipped with a debug log naming filename:line.
 * Returns WS_OK (verdict in *out) or WS_ERR_INVALID_ARG. */
WS_MUST_USE int ws_knownhosts_lookup(const char *text, size_t len, const char *filename, const char *host,
				     uint16_t port, const struct ws_key *key, struct ws_knownhosts_result *out);

/* Fold the result of another file into acc with the same precedence (user file, then global). */
void ws_knownhosts_merge(struct ws_knownhosts_result *acc, const struct ws_knownhosts_result *next);

/* One entry line without newline: "host ssh-ed25519 AAAA…" or "[host]:port ssh-ed25519 AAAA…";
 * hashed=true writes "|1|base64(salt)|base64(HMAC-SHA1(salt, name)) ssh-ed25519 AAAA…" with a
 * random 20-byte salt, like `ssh-keygen -H`. Host names with blanks, commas, control bytes or
 * pattern characters are WS_ERR_INVALID_ARG. */
WS_MUST_USE int ws_knownhosts_format_entry(const char *host, uint16_t port, const struct ws_key *key,
					   bool hashed, char *out, size_t outsz);

/* Files (io/keyfile.c). A missing file is an empty one (status NOT_FOUND, WS_OK). */
WS_MUST_USE int ws_knownhosts_lookup_file(const char *path, const char *host, uint16_t port,
					  const struct ws_key *key, struct ws_knownhosts_result *out);
/* Append an entry (creating the file 0644, and its directory 0700 if missing). */
WS_MUST_USE int ws_knownhosts_add_file(const char *path, const char *host, uint16_t port,
				       const struct ws_key *key, bool hashed);

#endif
