/* server.h — warpsshd: the per-connection server machine (sans-I/O, engine/server.c) that routes
 * transport events to user authentication and then to the connection protocol, and the
 * kernel-socket daemon around it (io/server*.c): listeners, sessions, forwarding, sshd's limits.
 *
 * Message routing (RFC 4250 §4.1.2): the transport answers SERVICE_REQUEST "ssh-userauth" itself
 * (its cfg.service); the auth module is created at HANDSHAKE_DONE with cfg.service_accepted and
 * gets USERAUTH messages 50..79 once the transport reported SERVICE_ACCEPTED; after success,
 * 80..127 go to the connection protocol. Anything else gets SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4). A module
 * failure becomes a DISCONNECT with the reason that module reported. */
#ifndef WARPSSH_SERVER_H
#define WARPSSH_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/auth.h"
#include "warpssh/config.h"
#include "warpssh/conn.h"
#include "warpssh/err.h"
#include "warpssh/keys.h"
#include "warpssh/transport.h"

/* ---------------------------------------------------------------- the machine (sans-I/O) */

struct ws_server_conn_config {
	struct ws_auth_server_config auth;
	struct ws_conn_config conn; /* is_server is forced on */
	/* Hold every answer after a failed authentication attempt (other than the first "none"
	 * probe) until ws_server_conn_release(): the runtime delays it with a timer. */
	bool hold_after_failure;
	/* If non-zero and the peer's version line names OpenSSH: the window granted to its channels
	 * instead of conn.window (OpenSSH's client buffers as much as the window allows, and its
	 * per-packet cost grows with that buffer: see docs/server.md). */
	uint32_t openssh_window;
};

/* Defaults: auth and conn defaults, hold_after_failure on. */
void ws_server_conn_config_default(struct ws_server_conn_config *cfg);

struct ws_server_conn;

/* t stays owned by the caller (the runtime's session_io) and must outlive the machine. policy
 * decides authentication (its event callback sees FAILED_ATTEMPT and SUCCESS after the machine
 * has acted on them: on SUCCESS the connection protocol exists already). handler receives the
 * connection protocol's events. */
WS_MUST_USE int ws_server_conn_new(struct ws_server_conn **out, const struct ws_server_conn_config *cfg,
				   struct ws_transport *t, const struct ws_auth_policy *policy,
				   const struct ws_conn_handler *handler);
void ws_server_conn_free(struct ws_server_conn *m); /* not from inside one of its callbacks */

/* One transport event. WS_OK, or a negative error after which the connection must end (the
 * transport has been asked to DISCONNECT when the protocol allowed it). */
WS_MUST_USE int ws_server_conn_on_event(struct ws_server_conn *m, const struct ws_transport_event *ev);

/* The connection protocol once authenticated, else NULL. */
struct ws_conn *ws_server_conn_channels(struct ws_server_conn *m);
bool ws_server_conn_authenticated(const struct ws_server_conn *m);
const char *ws_server_conn_user(const struct ws_server_conn *m); /* "" before success */

/* Outgoing payloads the transport had no room for (or that are held) wait in a backlog, in order.
 * Producers of bulk data should pause while it is non-empty. */
size_t ws_server_conn_backlog(const struct ws_server_conn *m);
/* Move backlog into the transport as far as it has room (not while held). WS_OK or the sticky error. */
WS_MUST_USE int ws_server_conn_flush(struct ws_server_conn *m);
/* Answers are being held after a failed attempt (see hold_after_failure). */
bool ws_server_conn_held(const struct ws_server_conn *m);
/* End the hold and flush. */
WS_MUST_USE int ws_server_conn_release(struct ws_server_conn *m);
/* If a module failed on a call the runtime made (e.g. ws_conn_send_data), send its DISCONNECT
 * and return the error; WS_OK otherwise. */
WS_MUST_USE int ws_server_conn_check(struct ws_server_conn *m);
/* Disconnect now (held answers are dropped): reason per RFC 4253 §11.1. */
void ws_server_conn_disconnect(struct ws_server_conn *m, uint32_t reason, const char *message);
/* The first error (WS_OK if none). */
int ws_server_conn_error(const struct ws_server_conn *m);

/* ---------------------------------------------------------------- the daemon (kernel sockets) */

#define WS_SERVER_DEFAULT_HOST_KEY "/etc/warpssh/ssh_host_ed25519_key"
#define WS_SERVER_DEFAULT_CONFIG "/etc/warpssh/sshd_config"
#define WS_SERVER_DEFAULT_SFTP "/usr/lib/openssh/sftp-server"
#define WS_SERVER_AUTH_FAIL_DELAY_MS 100u
#define WS_SERVER_OPENSSH_WINDOW (4u * 1024u * 1024u)

struct ws_server_options {
	const struct ws_sshd_config *config; /* finished; must outlive the server */
	const struct ws_key *host_key;       /* with its private half */
	const char *banner_text;             /* Banner file contents, or NULL */
	bool password_authentication;        /* warpsshd's effective setting (off unless configured) */
	bool no_burst;                       /* per-connection crypto instead of the cross-connection burst */
	uint32_t auth_fail_delay_ms;         /* 0: WS_SERVER_AUTH_FAIL_DELAY_MS */
	uint32_t openssh_window;             /* see ws_server_conn_config; 0: ChannelWindowSize for all */
};

struct ws_server;

WS_MUST_USE int ws_server_new(struct ws_server **out, const struct ws_server_options *opt);
/* Bind every ListenAddress / Port of the configuration. */
WS_MUST_USE int ws_server_listen(struct ws_server *s);
/* Serve until SIGTERM, SIGINT or SIGHUP (handled through a signalfd made here, so fork, e.g.
 * to daemonize, before this call) or ws_server_stop(). */
WS_MUST_USE int ws_server_run(struct ws_server *s);
void ws_server_stop(struct ws_server *s);
void ws_server_free(struct ws_server *s);

#endif
