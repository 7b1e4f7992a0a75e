/* client.h — the SSH client connection machine (sans-I/O): it sits on one ws_transport and drives
 * the host key verdict, user authentication (auth.h) and the connection protocol (conn.h): one
 * session channel (pty-req, exec / shell / subsystem, exit-status) plus direct-tcpip channels.
 *
 * The runtime (io/client_*.c) owns the socket and the local fds:
 *   1. hands every transport event to ws_client_on_transport_event(),
 *   2. calls ws_client_flush() when transport output drained (payloads that did not fit wait in
 *      the machine's backlog, in order, so no module ever sees WS_ERR_AGAIN),
 *   3. feeds local input with ws_client_send() while ws_client_can_send() holds, and reports what
 *      its local sinks wrote with ws_client_consumed() (that re-opens the channel window),
 *   4. reads the outcome: ws_client_exit_code(), ws_client_error_message().
 * Nothing here reads, writes or sleeps; callbacks decide host keys, sign and ask passwords. */
#ifndef WARPSSH_CLIENT_H
#define WARPSSH_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/config.h"
#include "warpssh/err.h"
#include "warpssh/keys.h"
#include "warpssh/transport.h"

#define WS_CLIENT_DEFAULT_WINDOW (16u * 1024u * 1024u) /* per channel: never the bottleneck */
#define WS_CLIENT_DEFAULT_MAX_PACKET (256u * 1024u - 1024u) /* data per message we accept */
#define WS_CLIENT_NO_CHANNEL UINT32_MAX
#define WS_CLIENT_MSG_MAX 512u
#define WS_CLIENT_EXIT_FAILURE 255 /* ssh(1): connection errors, signals, no exit status */

struct ws_client_env {
	const char *name, *value;
};

struct ws_client_config {
	const char *user;               /* remote user; must outlive the client */
	const struct ws_key *keys;      /* public keys to offer in order (private half optional) */
	size_t nkeys;
	unsigned password_attempts;     /* 0: never try password authentication */
	bool no_session;                /* -N: open no session channel */
	const char *command;            /* exec this; NULL: shell (or subsystem if set) */
	bool subsystem;                 /* -s: command names a subsystem */
	bool want_pty;                  /* send pty-req before the command */
	const char *term;               /* pty-req: TERM value ("" or NULL: "dumb") */
	uint32_t cols, rows, width_px, height_px;
	const uint8_t *modes;           /* encoded terminal modes (RFC 4254 §8), may be NULL */
	size_t modes_len;
	const struct ws_client_env *env; /* "env" requests sent before the command */
	size_t nenv;
	uint32_t window;                /* 0: WS_CLIENT_DEFAULT_WINDOW */
	uint32_t max_packet;            /* 0: WS_CLIENT_DEFAULT_MAX_PACKET */
	unsigned server_alive_count_max; /* unanswered keepalives before giving up (0: 3) */
};

enum ws_client_event_type {
	WS_CLIENT_EV_BANNER,        /* text: USERAUTH_BANNER (raw: sanitize before display) */
	WS_CLIENT_EV_AUTH_FAILURE,  /* text: methods that can continue (verbose logging) */
	WS_CLIENT_EV_AUTHENTICATED, /* text: the method that succeeded */
	WS_CLIENT_EV_CHANNEL_OPEN,  /* a channel of ours is confirmed: local input may flow */
	WS_CLIENT_EV_DATA,          /* ext 0: data, 1: stderr; consume then ws_client_consumed() */
	WS_CLIENT_EV_EOF,           /* the peer sends no more data on the channel */
	WS_CLIENT_EV_CLOSED,        /* the channel is gone (refused, or closed both ways) */
	WS_CLIENT_EV_WINDOW_SPACE,  /* ws_client_send() that was cut short can continue */
	WS_CLIENT_EV_FINISHED,      /* the session ended and DISCONNECT is queued: flush and close */
};

/* Views are valid only during the callback. */
struct ws_client_event {
	enum ws_client_event_type type;
	uint32_t channel;
	void *user;                 /* the user pointer given when the channel was opened */
	bool is_session;            /* the channel is the session channel */
	uint32_t ext;               /* DATA: 0 data, WS_EXTENDED_DATA_STDERR for stderr */
	struct ws_bytes data;       /* DATA: bytes; BANNER / AUTH_*: text */
	const char *message;        /* CLOSED after a refused open: why */
};

struct ws_client_callbacks {
	void *arg;
	/* The server's host key (signature already verified): true accepts. Refusing ends the
	 * connection before anything of ours is sent (WS_ERR_HOSTKEY). */
	bool (*host_key)(void *arg, const struct ws_key *key);
	/* As in ws_auth_client_callbacks (NULL sign: the key's private half signs). */
	int (*sign)(void *arg, const struct ws_key *key, const uint8_t *data, size_t len,
		    struct ws_buf *sig_out);
	int (*password)(void *arg, const char *user, char *out, size_t outsz);
	void (*event)(void *arg, const struct ws_client_event *ev);
};

struct ws_client;

/* The client drives t (which must be a WS_ROLE_CLIENT transport with service "ssh-userauth");
 * cfg and cb are copied (their strings and arrays must outlive the client). */
WS_MUST_USE int ws_client_new(struct ws_client **out, const struct ws_client_config *cfg,
			      const struct ws_client_callbacks *cb, struct ws_transport *t);
void ws_client_free(struct ws_client *c); /* not from inside a callback; t stays the caller's */

/* One transport event. A negative return means the connection is over (error recorded). */
WS_MUST_USE int ws_client_on_transport_event(struct ws_client *c, const struct ws_transport_event *ev);
/* Move backlogged payloads into the transport (call when its output drained). */
WS_MUST_USE int ws_client_flush(struct ws_client *c);
/* True when no payload waits in the backlog: local input may be read and sent. */
bool ws_client_can_send(const struct ws_client *c);

/* Channels. The session channel's id (WS_CLIENT_NO_CHANNEL before auth or with no_session). */
uint32_t ws_client_session_channel(const struct ws_client *c);
/* Open a direct-tcpip channel (ssh -L): CHANNEL_OPEN or CLOSED follows. */
WS_MUST_USE int ws_client_open_forward(struct ws_client *c, const char *host, uint32_t port,
				       const char *orig_host, uint32_t orig_port, void *user, uint32_t *id);
/* Data from the local side; *accepted < len: wait for WINDOW_SPACE. */
WS_MUST_USE int ws_client_send(struct ws_client *c, uint32_t id, const void *data, size_t len,
			       size_t *accepted);
WS_MUST_USE int ws_client_send_eof(struct ws_client *c, uint32_t id);
/* Close our side (e.g. the local sink failed with EPIPE); later data for it is dropped. */
WS_MUST_USE int ws_client_close_channel(struct ws_client *c, uint32_t id);
WS_MUST_USE int ws_client_consumed(struct ws_client *c, uint32_t id, size_t n);
/* Terminal size changed (sends window-change on a session with a pty). */
WS_MUST_USE int ws_client_window_change(struct ws_client *c, uint32_t cols, uint32_t rows,
					uint32_t width_px, uint32_t height_px);

/* ServerAliveInterval passed with nothing received: send keepalive@openssh.com (want_reply).
 * WS_ERR_TIMEOUT once ServerAliveCountMax of them went unanswered (the connection is failed). */
WS_MUST_USE int ws_client_server_alive(struct ws_client *c);
/* Any received message proves the server alive: resets the unanswered count. */
unsigned ws_client_alive_outstanding(const struct ws_client *c);

/* End the connection from our side (e.g. -N interrupted): DISCONNECT BY_APPLICATION. */
WS_MUST_USE int ws_client_disconnect(struct ws_client *c, const char *why);

/* --- outcome --- */
bool ws_client_authenticated(const struct ws_client *c);
bool ws_client_finished(const struct ws_client *c);
/* The first error (WS_OK if none) and what ssh(1) would print for it, e.g.
 * "Permission denied (publickey)." or "Host key verification failed.". */
int ws_client_error(const struct ws_client *c);
const char *ws_client_error_message(const struct ws_client *c);
/* ssh(1)'s exit status: the remote exit-status, else 255 (signal, no status, errors). */
int ws_client_exit_code(const struct ws_client *c);
/* exit-signal name ("TERM") if the remote command was killed by a signal, else NULL. */
const char *ws_client_exit_signal(const struct ws_client *c);

/* ---- runtime (io/client_*.c): warpssh(1) over kernel sockets ---- */

#define WS_CLIENT_MAX_FORWARDS 8u

/* -L [bind:]port:host:hostport */
struct ws_client_forward {
	char bind[WS_CFG_NAME_MAX]; /* "" = localhost (127.0.0.1) */
	uint16_t port;
	char host[WS_CFG_NAME_MAX];
	uint16_t host_port;
};

enum ws_client_tty { WS_TTY_AUTO, WS_TTY_NO, WS_TTY_YES, WS_TTY_FORCE }; /* default, -T, -t, -tt */

struct ws_client_options {
	struct ws_ssh_config cfg;   /* finished (ws_ssh_config_finish) */
	const char *host_alias;     /* as given on the command line */
	const char *command;        /* arguments after the host joined by spaces; NULL: shell */
	bool subsystem;             /* -s */
	bool no_session;            /* -N */
	enum ws_client_tty tty;
	bool quiet;                 /* -q */
	struct ws_client_forward forwards[WS_CLIENT_MAX_FORWARDS];
	unsigned nforwards;
};

/* Connect, verify the host key, authenticate, run the session with stdin/stdout/stderr and the
 * forwards, and return ssh(1)'s exit status (the remote command's, 255 for errors). Messages a
 * user must see (host key warnings, "Permission denied (publickey).") go to stderr. */
int ws_client_run(const struct ws_client_options *opt);

#endif
