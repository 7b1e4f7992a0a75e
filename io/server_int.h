/* server_int.h — warpsshd's runtime internals shared by io/server*.c: the daemon, one accepted
 * connection (client), and its channels (sessions running a child, direct-tcpip sockets) with
 * the fd <-> channel pumps that carry their data under flow control. */
#ifndef WARPSSH_IO_SERVER_INT_H
#define WARPSSH_IO_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "warpssh/authkeys.h"
#include "warpssh/loop.h"
#include "warpssh/server.h"
#include "warpssh/session_io.h"
#include "warpssh/sock.h"
#include "warpssh/spawn.h"

#define SRV_MAX_LISTEN 32u
#define SRV_READ_CHUNK (256u * 1024u)   /* child stdout / socket -> channel, per read */
#define SRV_ERR_CHUNK (64u * 1024u)     /* child stderr -> channel */
#define SRV_PIPE_SIZE (1024 * 1024)     /* F_SETPIPE_SZ for session pipes */
#define SRV_RX_BUFFER (2u * 1024u * 1024u)
#define SRV_TX_BUFFER (4u * 1024u * 1024u)
#define SRV_CLOSE_LINGER_MS 2000u
#define SRV_BACKLOG_PAUSE (256u * 1024u)  /* stop reading a client whose replies pile up */
#define SRV_CONNECT_TIMEOUT_MS 10000u
#define SRV_USER_MAX 256u
#define SRV_PATH_MAX 1024u

struct srv_client;
struct srv_chan;

/* A child process we started and have not reaped; ch is NULL once its channel is gone. */
struct srv_proc {
	pid_t pid;
	struct srv_chan *ch;
	struct srv_proc *next;
};

struct ws_server {
	struct ws_server_options opt;
	const struct ws_sshd_config *cfg;
	struct ws_loop *loop;
	struct ws_crypto_engine *eng;
	struct ws_burst_group *group;
	int listen_fds[SRV_MAX_LISTEN];
	unsigned nlisten;
	int sig_fd;
	struct srv_client *clients;   /* live connections */
	struct srv_client *dead;      /* closed, freed by the reaper timer */
	struct ws_timer reaper;
	unsigned nclients, nunauth;
	struct srv_proc *procs;
	uint64_t accepted;
};

struct srv_client {
	struct ws_server *srv;
	struct srv_client *prev, *next;
	struct ws_session_io *io;
	struct ws_transport *t;
	struct ws_server_conn *m;
	struct ws_sock_peer peer, local;
	bool authenticated;
	bool closed;
	bool input_paused;  /* answers held or backlog over SRV_BACKLOG_PAUSE */
	/* the user of the first request (getpwnam) */
	bool user_valid;
	char user[SRV_USER_MAX];
	uid_t uid;
	gid_t gid;
	char home[SRV_PATH_MAX];
	/* the authorized_keys line of the key that authenticated (NULL: password) */
	struct ws_authkeys_entry *key_entry;
	bool key_entry_used;
	char last_fp[WS_FINGERPRINT_MAX];
	struct ws_timer grace, hold, retry;
	struct srv_chan *chans;
	unsigned nsessions;
};

/* Bytes from an fd to the channel: buf[off, off+len) read but not yet taken by the channel. */
struct srv_reader {
	int fd;
	uint32_t ext;   /* 0: CHANNEL_DATA; 1: EXTENDED_DATA stderr */
	uint8_t *buf;
	size_t cap, off, len;
	bool eof;
};

/* Bytes from the channel to an fd: buf[off, off+len) received but not yet written. */
struct srv_writer {
	int fd;
	uint8_t *buf;
	size_t cap, off, len;
	bool eof_wanted; /* the peer sent EOF: end the fd's input once buf is written */
	bool done;       /* no more writing: ended, or the fd refused (EPIPE) */
};

struct srv_watch {
	int fd;
	uint32_t ev; /* registered with the loop; 0 = not registered */
};

enum srv_chan_kind { SRV_SESSION, SRV_FORWARD };

struct srv_chan {
	enum srv_chan_kind kind;
	struct srv_client *cl;
	uint32_t id;
	struct srv_chan *prev, *next;
	struct srv_reader out, err;
	struct srv_writer in;
	struct srv_watch watch[3];
	bool closing;     /* we asked the connection protocol to CLOSE */
	bool eof_sent;    /* we sent CHANNEL_EOF */
	/* session */
	bool started;
	bool want_pty;
	struct ws_spawn_pty pty;
	struct ws_child child;
	struct srv_proc *proc;
	bool exited;
	int wstatus;
	char *env[WS_SPAWN_MAX_ENV];
	size_t nenv;
	/* forward */
	bool connecting;
	struct ws_timer connect_timer;
};

/* server.c */
void srv_proc_register(struct ws_server *s, struct srv_proc *p);
void srv_client_dead(struct srv_client *cl);
/* server_client.c */
WS_MUST_USE int srv_client_start(struct ws_server *s, int fd, const struct ws_sock_peer *peer);
void srv_client_shutdown(struct srv_client *cl);
/* After channel activity outside the transport's callbacks: move backlog, write, re-check. */
void srv_client_kick(struct srv_client *cl);
/* Payloads were queued: write them, and retry soon if some wait in the machine's backlog. */
void srv_client_flush(struct srv_client *cl);
void srv_client_fatal(struct srv_client *cl);
/* server_auth.c: the policy of one client */
void srv_auth_policy(struct srv_client *cl, struct ws_auth_policy *policy);
/* server_chan.c */
WS_MUST_USE int srv_chan_new(struct srv_client *cl, enum srv_chan_kind kind, uint32_t id, struct srv_chan **out);
void srv_chan_destroy(struct srv_chan *ch);
void srv_chan_event(struct srv_chan *ch, struct ws_conn_event *ev);
/* Re-evaluate what to read/write after any change (windows, backlog, EOFs, exit). */
void srv_chan_progress(struct srv_chan *ch);
WS_MUST_USE int srv_reader_init(struct srv_reader *r, int fd, uint32_t ext, size_t cap);
/* Send CLOSE (once) and stop reading. */
void srv_chan_close(struct srv_chan *ch);
/* Stop watching and close one of the channel's descriptors (shared ones are closed once). */
void srv_chan_close_fd(struct srv_chan *ch, int fd);
/* The connection protocol of the channel's connection. */
struct ws_conn *srv_chan_conn(const struct srv_chan *ch);
/* server_session.c */
void srv_session_request(struct srv_chan *ch, struct ws_conn_event *ev);
void srv_session_exited(struct srv_chan *ch, int wstatus);
/* Send exit-status, EOF, CLOSE once all output is out and the child is gone. */
void srv_session_maybe_finish(struct srv_chan *ch);
void srv_session_release(struct srv_chan *ch);
/* server_forward.c */
void srv_forward_open(struct srv_client *cl, struct ws_conn_event *ev);
/* The non-blocking connect of a direct-tcpip channel became writable: confirm or refuse the open. */
void srv_forward_connect_done(struct srv_chan *ch);
void srv_forward_maybe_finish(struct srv_chan *ch);
void srv_forward_release(struct srv_chan *ch);

#endif
