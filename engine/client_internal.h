/* client_internal.h — state of the client connection machine shared by engine/client.c
 * (transport events, payload backlog, authentication) and engine/client_session.c (channels). */
#ifndef WARPSSH_ENGINE_CLIENT_INTERNAL_H
#define WARPSSH_ENGINE_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/auth.h"
#include "warpssh/client.h"
#include "warpssh/conn.h"
#include "warpssh/payload.h"

#define WS_CLIENT_MAX_SESSION_REQS 8u /* pty-req + env… + exec awaiting replies */

enum ws_client_phase {
	WS_CPH_HANDSHAKE, /* key exchange, host key verdict */
	WS_CPH_AUTH,      /* ssh-userauth running */
	WS_CPH_CONNECTED, /* ssh-connection: channels */
	WS_CPH_FINISHED,  /* DISCONNECT queued by us */
	WS_CPH_FAILED,
};

/* Payloads the transport had no room for, kept in order: u32 length || payload records. */
struct ws_client_backlog {
	uint8_t *mem;
	size_t cap, head, tail;
};

/* Which of our session requests a REQUEST_REPLY answers (replies come in order). */
enum ws_client_req { WS_CREQ_PTY, WS_CREQ_ENV, WS_CREQ_COMMAND };

struct ws_client {
	struct ws_client_config cfg;
	struct ws_client_callbacks cb;
	struct ws_transport *t;
	struct ws_auth_client *auth;
	struct ws_conn *conn;
	struct ws_payload_sink sink;
	enum ws_client_phase phase;
	bool swallow_next;        /* drop one payload: the auth module's SERVICE_REQUEST */
	struct ws_client_backlog backlog;
	uint8_t *scratch;         /* WS_TRANSPORT_MAX_PAYLOAD bytes to join payload parts */
	uint32_t session;         /* WS_CLIENT_NO_CHANNEL if none */
	bool session_closed;
	enum ws_client_req reqs[WS_CLIENT_MAX_SESSION_REQS];
	unsigned nreqs;
	bool has_exit_status;
	uint32_t exit_status;
	char exit_signal[32];
	unsigned alive_outstanding;
	char methods[128];        /* the last USERAUTH_FAILURE list */
	int error;
	char errmsg[WS_CLIENT_MSG_MAX];
};

/* client.c */
int ws_client_fail(struct ws_client *c, int err, uint32_t reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void ws_client_emit(struct ws_client *c, struct ws_client_event *ev);

/* client_session.c */
WS_MUST_USE int ws_client_start_connection(struct ws_client *c);
WS_MUST_USE int ws_client_conn_payload(struct ws_client *c, const uint8_t *payload, size_t len,
				       uint32_t seqnr);

#endif
