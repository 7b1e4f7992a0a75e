/* match.h — OpenSSH's pattern language, shared by authorized_keys from=, known_hosts host
 * fields, ssh_config Host lines and sshd_config AcceptEnv: '*'/'?' globs, comma-separated lists
 * with '!' negation, and address lists with CIDR entries (sshd(8) "PATTERNS" in ssh_config(5)). */
#ifndef WARPSSH_MATCH_H
#define WARPSSH_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "warpssh/buf.h"

/* Glob: '*' matches any run (also empty), '?' exactly one byte. nocase: ASCII case-insensitive.
 * Runs in O(len(s) * len(pat)) without recursion. */
bool ws_match_glob(struct ws_bytes s, struct ws_bytes pat, bool nocase);

enum ws_match_result {
	WS_MATCH_ERROR = -2,    /* the list itself is malformed (empty entry, bad CIDR mask) */
	WS_MATCH_NEGATED = -1,  /* a '!' entry matched: the list refuses this subject */
	WS_MATCH_NONE = 0,
	WS_MATCH_YES = 1,
};

/* Comma-separated glob list with '!' negation (ssh_config(5) PATTERNS). A negated hit wins over
 * any positive one. Hostnames are compared case-insensitively (nocase). */
enum ws_match_result ws_match_list(const char *subject, struct ws_bytes list, bool nocase);

/* Address list as in sshd's from= and Match Address: entries are CIDR networks
 * ("10.0.0.0/8", "2001:db8::/32", or a bare address) or globs matched against the address text.
 * A CIDR entry with host bits set ("10.0.0.1/8") makes the whole list WS_MATCH_ERROR, as in sshd. */
enum ws_match_result ws_match_addr_list(const char *addr, struct ws_bytes list);

/* sshd's from="pattern-list" verdict: true only if the address or the host name matches a
 * positive entry and neither matches a negated one; a malformed list is false.
 * host may be NULL (sshd without UseDNS): the address text is then used as the name. */
bool ws_match_host_and_addr(const char *host, const char *addr, struct ws_bytes list);

/* Convenience: a view of a C string. */
static inline struct ws_bytes ws_bytes_of(const char *s)
{
	struct ws_bytes b = {(const uint8_t *)s, s != NULL ? strlen(s) : 0};
	return b;
}

#endif
