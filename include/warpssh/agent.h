/* agent.h — a client for the ssh-agent protocol (draft-miller-ssh-agent) over the unix socket in
 * SSH_AUTH_SOCK: list the ed25519 identities the agent holds and have it sign with one. Blocking
 * calls with a deadline each; keys of other types are skipped. */
#ifndef WARPSSH_AGENT_H
#define WARPSSH_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"
#include "warpssh/keys.h"

#define WS_AGENT_MAX_MSG (256u * 1024u) /* replies larger than this are refused */
#define WS_AGENT_TIMEOUT_MS 10000

/* Message numbers (draft-miller-ssh-agent §5.1). */
#define WS_AGENT_FAILURE 5u
#define WS_AGENT_SUCCESS 6u
#define WS_AGENTC_REQUEST_IDENTITIES 11u
#define WS_AGENT_IDENTITIES_ANSWER 12u
#define WS_AGENTC_SIGN_REQUEST 13u
#define WS_AGENT_SIGN_RESPONSE 14u

struct ws_agent;

/* Connect to path (NULL: $SSH_AUTH_SOCK). WS_ERR_NOT_FOUND when no agent is configured,
 * WS_ERR_IO when the socket cannot be reached. */
WS_MUST_USE int ws_agent_connect(struct ws_agent **out, const char *path);
void ws_agent_close(struct ws_agent *a); /* NULL is fine */

/* Up to max ssh-ed25519 identities (public half and comment only); *n how many. */
WS_MUST_USE int ws_agent_list(struct ws_agent *a, struct ws_key *keys, size_t max, size_t *n);
/* Signature blob (string "ssh-ed25519" || string sig) over data by the agent's key; flags 0.
 * WS_ERR_NOT_FOUND if the agent refused (e.g. it does not hold the key). */
WS_MUST_USE int ws_agent_sign(struct ws_agent *a, const struct ws_key *key, const uint8_t *data, size_t len,
			      struct ws_buf *sig_out);

/* Sans-I/O halves, exposed for tests: build a request / parse an answer body (after the length). */
WS_MUST_USE int ws_agent_build_sign_request(struct ws_buf *out, const struct ws_key *key,
					    const uint8_t *data, size_t len);
WS_MUST_USE int ws_agent_parse_identities(const uint8_t *msg, size_t len, struct ws_key *keys, size_t max,
					  size_t *n);
WS_MUST_USE int ws_agent_parse_sign_response(const uint8_t *msg, size_t len, struct ws_buf *sig_out);

#endif
