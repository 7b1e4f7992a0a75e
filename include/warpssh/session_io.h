/* session_io.h — drives one SSH transport over one kernel TCP socket inside a ws_loop: reads into
 * the transport's input space, hands every transport event to the owner, writes due output with
 * writev, keeps EPOLLOUT interest only while output is pending, ticks rekey time, and reports
 * the end of the connection once. Shared by warpsshd, warpssh and the runtime's data cores. */
#ifndef WARPSSH_SESSION_IO_H
#define WARPSSH_SESSION_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "warpssh/err.h"
#include "warpssh/loop.h"
#include "warpssh/transport.h"

struct ws_session_io;

struct ws_session_io_ops {
	/* One transport event (HOST_KEY, HANDSHAKE_DONE, SERVICE_ACCEPTED, PAYLOAD, DISCONNECTED).
	 * The owner may call ws_transport_send() etc. from here. A negative return fails the
	 * connection with that error (the owner should have asked the transport to disconnect). */
	int (*on_event)(void *arg, struct ws_session_io *io, const struct ws_transport_event *ev);
	/* Called after every batch of input has been handled (e.g. to resume local reads that were
	 * paused for backpressure). May be NULL. */
	void (*after_input)(void *arg, struct ws_session_io *io);
	/* All queued output has been written after some of it had to wait for the socket: producers
	 * that got WS_ERR_AGAIN from ws_transport_send() (or paused local reads) resume here.
	 * May be NULL. */
	void (*on_output_drained)(void *arg, struct ws_session_io *io);
	/* The connection is over: err is WS_OK for a clean close (our DISCONNECT, or the peer's with
	 * reason BY_APPLICATION), else the first error. Called exactly once; the socket is already closed and the
	 * owner frees the session_io with ws_session_io_free() (not from inside this callback). */
	void (*on_closed)(void *arg, struct ws_session_io *io, int err);
};

/* Take ownership of fd (connected, non-blocking) and t; start watching fd on loop. */
WS_MUST_USE int ws_session_io_new(struct ws_session_io **out, struct ws_loop *loop, int fd,
				  struct ws_transport *t, const struct ws_session_io_ops *ops, void *arg);
/* Frees the transport too; closes the fd if still open. NULL is fine. */
void ws_session_io_free(struct ws_session_io *io);
struct ws_transport *ws_session_io_transport(struct ws_session_io *io);
int ws_session_io_fd(const struct ws_session_io *io);
/* The owner queued payloads outside an event callback: flush output now (writes what the socket
 * takes, arms EPOLLOUT for the rest). Safe to call any time. */
void ws_session_io_flush(struct ws_session_io *io);
/* Stop reading from the socket (backpressure) or resume. */
void ws_session_io_pause_input(struct ws_session_io *io, bool paused);
/* Flush, then close once all output is written (or after linger_ms). on_closed follows. */
void ws_session_io_close_after_flush(struct ws_session_io *io, uint64_t linger_ms);
/* ---- cross-connection crypto bursts (a data core's shape) ----
 * A burst group owns a loop's end-of-iteration hook. Connections that joined it only move bytes
 * during the iteration; at its end the group gathers every packet waiting to be opened across
 * all of them into one ws_crypto_open_burst, hands out the events, gathers every packet waiting
 * to be sealed into one ws_crypto_seal_burst, and writes. Without a group each connection runs
 * its own crypto inline. */
struct ws_burst_group;
struct ws_burst_stats {
	uint64_t bursts;            /* crypto burst calls (open + seal) */
	uint64_t packets;           /* packets in them */
	uint64_t multi_conn_bursts; /* bursts holding packets of more than one connection */
	uint64_t max_burst;
};
WS_MUST_USE int ws_burst_group_new(struct ws_burst_group **out, struct ws_loop *loop,
				   struct ws_crypto_engine *eng);
void ws_burst_group_free(struct ws_burst_group *g); /* after its connections are freed */
void ws_burst_group_stats(const struct ws_burst_group *g, struct ws_burst_stats *out);
/* Put a new connection into a group (before the loop runs it). */
void ws_session_io_join(struct ws_session_io *io, struct ws_burst_group *g);

/* ---- moving a connection between threads (control core → data core) ----
 * On the owning thread: stop watching (fd, timers) and leave the burst group; the connection
 * keeps all its state and buffered bytes, and ignores the socket until attached again. */
void ws_session_io_detach(struct ws_session_io *io);
/* On the new owning thread: watch in loop, join group (NULL: inline crypto), and run the
 * transport's crypto on eng (that thread's engine). Buffered work is processed at once. */
WS_MUST_USE int ws_session_io_attach(struct ws_session_io *io, struct ws_loop *loop,
				     struct ws_burst_group *group, struct ws_crypto_engine *eng);

/* Bytes moved over the socket so far. */
uint64_t ws_session_io_bytes_in(const struct ws_session_io *io);
uint64_t ws_session_io_bytes_out(const struct ws_session_io *io);

#endif
