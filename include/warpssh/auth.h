/* auth.h — SSH user authentication (RFC 4252), server and client, sans-I/O: each side takes the
 * payloads the transport received (SERVICE_REQUEST/ACCEPT 5/6 and USERAUTH 50..79) and sends its
 * answers through a ws_payload_sink. Decisions that need the outside world (does the user exist,
 * is this key authorized, does this password verify; which key signs, which password to try) are
 * callbacks of the embedding program. Methods: none, publickey (ssh-ed25519), password. */
#ifndef WARPSSH_AUTH_H
#define WARPSSH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"
#include "warpssh/keys.h"
#include "warpssh/payload.h"

#define WS_AUTH_USER_MAX 255u	     /* longest user name accepted (bytes, no NUL) */
#define WS_AUTH_PASSWORD_MAX 1024u   /* longest password accepted (bytes, no NUL) */
#define WS_AUTH_SESSION_ID_MAX 64u   /* exchange hash of the first key exchange */
#define WS_AUTH_DEFAULT_MAX_TRIES 6u /* sshd's MaxAuthTries default */

/* Route a received payload to auth while ws_auth_*_done() is false: message numbers 5, 6 and
 * 50..79 (RFC 4250 §4.1.2). After success, 80..127 go to the connection protocol (conn.h). */
static inline bool ws_auth_owns_msg(uint8_t msg)
{
	return msg == 5 || msg == 6 || (msg >= 50 && msg <= 79);
}

enum ws_auth_event_type {
	WS_AUTH_EV_FAILED_ATTEMPT, /* server: one request failed (log it, delay the next answer) */
	WS_AUTH_EV_SUCCESS,	   /* both: USERAUTH_SUCCESS sent (server) / received (client) */
	WS_AUTH_EV_BANNER,	   /* client: USERAUTH_BANNER text (raw: sanitize before display) */
	WS_AUTH_EV_FAILURE,	   /* client: USERAUTH_FAILURE with the methods that can continue */
};

/* Views and strings are valid only during the callback. */
struct ws_auth_event {
	enum ws_auth_event_type type;
	const char *user;     /* the user being authenticated */
	const char *method;   /* "none", "publickey", "password", or the peer's unknown name */
	bool invalid_user;    /* server: policy said the user does not exist */
	unsigned failures;    /* server: failures counted so far (MaxAuthTries) */
	void *entry;	      /* server SUCCESS by publickey: the policy's authorizing entry */
	struct ws_bytes text; /* client: BANNER message, or FAILURE's comma-separated methods */
};

/* ---- server ---- */

struct ws_auth_server_config {
	const char *banner; /* sent once before the first response; NULL: none. Must outlive. */
	unsigned max_tries; /* failures before disconnect (NO_MORE_AUTH_METHODS_AVAILABLE) */
	bool allow_publickey;
	bool allow_password;
	/* The transport already answered SERVICE_REQUEST "ssh-userauth" (RFC 4253 §10): start
	 * with USERAUTH_REQUEST; a SERVICE_REQUEST reaching the module is then unexpected. */
	bool service_accepted;
};
/* publickey on, password off, no banner, max_tries 6. */
void ws_auth_server_config_default(struct ws_auth_server_config *cfg);

/* The embedder's decisions. Any pointer may be NULL: a NULL check refuses, a NULL event is
 * dropped. Strings are NUL-terminated and valid only during the call. */
struct ws_auth_policy {
	void *arg;
	/* Called once, with the first request's user name. false: every method fails for it. */
	bool (*user_exists)(void *arg, const char *user);
	/* Is key authorized for user (e.g. authorized_keys, plus source address the embedder knows)?
	 * *entry may be set to a handle (key options) reported in the SUCCESS event. */
	bool (*pubkey_authorized)(void *arg, const char *user, const struct ws_key *key, void **entry);
	/* Does password verify for user? The module wipes its copy after the call. */
	bool (*password_ok)(void *arg, const char *user, const char *password);
	void (*event)(void *arg, const struct ws_auth_event *ev);
};

struct ws_auth_server;

/* session_id: the exchange hash of the first key exchange (signed by publickey clients). */
WS_MUST_USE int ws_auth_server_new(struct ws_auth_server **out, const struct ws_auth_server_config *cfg,
				   const struct ws_auth_policy *policy, const struct ws_payload_sink *sink,
				   const uint8_t *session_id, size_t session_id_len);
void ws_auth_server_free(struct ws_auth_server *a);
/* One received payload. Errors are sticky: WS_ERR_AUTH (MaxAuthTries reached), WS_ERR_PROTOCOL /
 * WS_ERR_UNEXPECTED_MSG / parse errors (peer misbehaved), sink errors; then send the DISCONNECT
 * from ws_auth_server_disconnect(). WS_ERR_UNSUPPORTED (not sticky): unknown method-specific
 * message number, answer with SSH_MSG_UNIMPLEMENTED. */
WS_MUST_USE int ws_auth_server_handle(struct ws_auth_server *a, const uint8_t *payload, size_t len);
/* True once USERAUTH_SUCCESS was sent; later USERAUTH_REQUESTs are ignored (RFC 4252 §5.1). */
bool ws_auth_server_done(const struct ws_auth_server *a);
/* The authenticated user ("" before success). */
const char *ws_auth_server_user(const struct ws_auth_server *a);
struct ws_disconnect_info ws_auth_server_disconnect(const struct ws_auth_server *a);

/* ---- client ---- */

struct ws_auth_client_config {
	const char *user;	   /* must outlive the client */
	const struct ws_key *keys; /* public keys to offer in order (private part optional) */
	size_t nkeys;
	unsigned password_attempts; /* 0: never try password */
	/* The transport already did SERVICE_REQUEST / SERVICE_ACCEPT for "ssh-userauth":
	 * ws_auth_client_start() begins with the "none" request. */
	bool service_accepted;
};

struct ws_auth_client_callbacks {
	void *arg;
	/* Sign data with key into sig_out (signature blob: string "ssh-ed25519" || string sig).
	 * NULL: ws_key_sign() with the key's private part. An error skips the key. */
	int (*sign)(void *arg, const struct ws_key *key, const uint8_t *data, size_t len,
		    struct ws_buf *sig_out);
	/* Write a NUL-terminated password into out; any error skips the password method. */
	int (*password)(void *arg, const char *user, char *out, size_t outsz);
	void (*event)(void *arg, const struct ws_auth_event *ev);
};

struct ws_auth_client;

WS_MUST_USE int ws_auth_client_new(struct ws_auth_client **out, const struct ws_auth_client_config *cfg,
				   const struct ws_auth_client_callbacks *cb,
				   const struct ws_payload_sink *sink, const uint8_t *session_id,
				   size_t session_id_len);
void ws_auth_client_free(struct ws_auth_client *a);
/* Send SERVICE_REQUEST "ssh-userauth" (or, with cfg.service_accepted, the "none" request); the
 * rest follows from the server's answers. */
WS_MUST_USE int ws_auth_client_start(struct ws_auth_client *a);
/* One received payload. WS_ERR_AUTH (sticky): every method was refused
 * (disconnect NO_MORE_AUTH_METHODS_AVAILABLE); other errors as for the server. */
WS_MUST_USE int ws_auth_client_handle(struct ws_auth_client *a, const uint8_t *payload, size_t len);
bool ws_auth_client_done(const struct ws_auth_client *a);
struct ws_disconnect_info ws_auth_client_disconnect(const struct ws_auth_client *a);

/* ---- shared ---- */

/* The data a publickey signature covers (RFC 4252 §7): string session_id || byte 50 ||
 * string user || string service || string "publickey" || bool TRUE || string alg || string blob. */
WS_MUST_USE int ws_auth_pubkey_signed_data(struct ws_buf *out, const uint8_t *session_id,
					   size_t session_id_len, const char *user, const char *service,
					   const uint8_t *key_blob, size_t key_blob_len);

#endif
