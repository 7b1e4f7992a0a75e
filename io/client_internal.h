/* client_internal.h — the warpssh runtime's pieces shared by io/client_*.c: the run state,
 * local streams (fds <-> channels), host key trust, identities and prompts, the terminal. */
#ifndef WARPSSH_IO_CLIENT_INTERNAL_H
#define WARPSSH_IO_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "warpssh/agent.h"
#include "warpssh/client.h"
#include "warpssh/loop.h"
#include "warpssh/session_io.h"

#define CLI_MAX_KEYS (WS_CFG_MAX_IDENTITIES + 16u)

/* Bytes waiting for a local fd that would block (bounded by the channel window). */
struct cli_outbuf {
	uint8_t *mem;
	size_t cap, head, tail;
};

/* A local fd that receives channel data (stdout, stderr, a forwarded socket). */
struct cli_sink {
	int fd;                 /* -1: none */
	bool pollable;          /* registered with epoll (regular files and /dev/null are not) */
	bool eof;               /* the channel sent EOF: finish writing, then close / shut down */
	bool done;              /* closed, or failed (EPIPE): data is dropped */
	struct cli_outbuf buf;
};

struct cli_rt;

/* One channel and the local fds behind it: the session (0, 1, 2) or one -L connection. */
struct cli_stream {
	struct cli_rt *rt;
	struct cli_stream *next;
	uint32_t chan;
	bool is_session, is_socket;
	bool open;              /* the channel was confirmed */
	bool closed;            /* the channel is gone */
	int in_fd;              /* -1: no local input */
	bool in_pollable, in_eof, in_blocked;
	uint8_t *in;            /* read but not yet accepted by the channel */
	size_t in_off, in_len;
	struct cli_sink out, err;
	uint32_t watched_in, watched_out, watched_err; /* registered epoll interest */
};

struct cli_listener {
	struct cli_rt *rt;
	int fd;
	const struct ws_client_forward *spec;
};

/* Identities offered, with how each one signs. */
struct cli_auth {
	struct ws_key keys[CLI_MAX_KEYS];
	bool in_agent[CLI_MAX_KEYS];
	size_t nkeys;
	struct ws_agent *agent;
	const struct ws_client_options *opt;
	unsigned password_prompts;
};

struct cli_tty {
	bool raw;               /* local terminal in raw mode: restore at exit */
	struct termios saved;
	uint8_t modes[256];
	size_t modes_len;
	uint32_t cols, rows, wpx, hpx;
	char term[64];
};

struct cli_rt {
	const struct ws_client_options *opt;
	struct ws_loop *loop;
	struct ws_crypto_engine *eng;
	struct ws_session_io *io;
	struct ws_transport *t;
	struct ws_client *client;
	struct cli_stream *session;
	struct cli_stream *streams;     /* forwards */
	struct cli_listener listeners[WS_CLIENT_MAX_FORWARDS];
	unsigned nlisteners;
	bool io_closed;
	int io_err;
	char io_errmsg[WS_CLIENT_MSG_MAX];
	bool timed_out;                 /* ConnectTimeout passed before the key exchange ended */
	int stdio_flags[3];
	uint64_t bytes_in, bytes_out;   /* on the socket, for the -v summary */
	unsigned kex_count;             /* file status flags of fds 0-2 to restore at exit */
	bool stop;                      /* leave the loop once local output drained */
	int signal_fds[2];              /* self-pipe for SIGINT/TERM/HUP/WINCH */
	int fatal_signal;
	struct ws_timer alive_timer, connect_timer;
	uint64_t alive_last_in;
	struct cli_auth auth;
	struct cli_tty tty;
	char peer_name[WS_CFG_NAME_MAX + 16]; /* "host" or "[host]:port" for messages */
};

/* client_stream.c */
WS_MUST_USE int cli_stream_new(struct cli_rt *rt, int in_fd, int out_fd, int err_fd, bool is_socket,
			       struct cli_stream **out);
void cli_stream_free(struct cli_stream *s);
void cli_stream_on_event(struct cli_rt *rt, const struct ws_client_event *ev);
void cli_streams_resume(struct cli_rt *rt); /* transport drained: read local input again */
bool cli_streams_pending(const struct cli_rt *rt); /* local output still to write */
/* Work no fd event will announce (input left over after a round budget, unpollable fds):
 * busy says the loop must not sleep, service does it. */
bool cli_streams_busy(const struct cli_rt *rt);
void cli_streams_service(struct cli_rt *rt);

/* client_trust.c */
bool cli_trust_host_key(void *arg, const struct ws_key *key);

/* client_auth.c */
WS_MUST_USE int cli_auth_load(struct cli_auth *a, const struct ws_client_options *opt);
void cli_auth_free(struct cli_auth *a);
int cli_auth_sign(void *arg, const struct ws_key *key, const uint8_t *data, size_t len, struct ws_buf *sig);
int cli_auth_password(void *arg, const char *user, char *out, size_t outsz);
/* Read a secret from /dev/tty without echo, or through SSH_ASKPASS; false if neither can. */
bool cli_read_secret(const char *prompt, bool batch, char *out, size_t outsz);
/* Ask on /dev/tty with echo (host key question); false without a terminal. */
bool cli_read_line_tty(const char *prompt, char *out, size_t outsz);

/* client_tty.c */
void cli_tty_prepare(struct cli_tty *tty);   /* size, TERM and modes of the local terminal */
void cli_tty_raw(struct cli_tty *tty);       /* put stdin's terminal in raw mode */
void cli_tty_restore(struct cli_tty *tty);
bool cli_tty_size(struct cli_tty *tty);      /* re-read the size; true if it changed */

/* client_forward.c */
WS_MUST_USE int cli_forwards_listen(struct cli_rt *rt);
void cli_forwards_close(struct cli_rt *rt);

#endif
