/* session_io.c — the pump between one kernel TCP socket and one sans-I/O transport: readiness in,
 * events out to the owner, sealed output written with writev, a 1 s tick for time-based rekey,
 * and a single on_closed report when the connection ends. Connections in a burst group defer
 * their crypto and events to the group's end-of-iteration pass (cross-connection bursts). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "warpssh/log.h"
#include "warpssh/session_io.h"

#define SIO_READ_ROUNDS 16   /* reads per readiness event before yielding to other connections */
#define SIO_WRITE_SEGS 64
#define SIO_TICK_MS 1000
#define GROUP_MAX_ROUNDS 8   /* end-hook passes per iteration while connections stay dirty */

struct ws_burst_group {
	struct ws_loop *loop;
	struct ws_crypto_engine *eng;
	struct ws_session_io **dirty, **work;
	size_t ndirty, cap;
	struct ws_burst_stats stats;
};

struct ws_session_io {
	struct ws_loop *loop;
	int fd;
	struct ws_transport *t;
	struct ws_session_io_ops ops;
	void *arg;
	uint32_t watched;      /* events currently registered */
	bool input_paused;
	bool read_eof;
	bool closing;          /* close once output is drained */
	bool closed;           /* on_closed delivered */
	bool output_blocked;   /* some output had to wait for EPOLLOUT */
	int close_err;
	uint32_t peer_reason;  /* reason of a DISCONNECT received from the peer, 0 if none */
	struct ws_timer tick;
	struct ws_timer linger;
	uint64_t bytes_in, bytes_out;
	struct ws_burst_group *group; /* NULL: crypto inline */
	bool dirty;                   /* queued for the group's end-of-iteration pass */
};

static void mark_dirty(struct ws_session_io *io);
static void on_fd(struct ws_loop *loop, int fd, uint32_t ev, void *arg);

static void finish(struct ws_session_io *io, int err)
{
	if (io->closed)
		return;
	io->closed = true;
	ws_timer_cancel(io->loop, &io->tick);
	ws_timer_cancel(io->loop, &io->linger);
	if (io->fd >= 0) {
		ws_loop_del(io->loop, io->fd);
		close(io->fd);
		io->fd = -1;
	}
	io->ops.on_closed(io->arg, io, err);
}

static void update_interest(struct ws_session_io *io)
{
	if (io->closed)
		return;
	uint32_t want = 0;
	if (!io->input_paused && !io->read_eof && !io->closing)
		want |= WS_EV_READ;
	if (ws_transport_output_pending(io->t))
		want |= WS_EV_WRITE;
	if (want != io->watched && ws_loop_mod(io->loop, io->fd, want) == WS_OK)
		io->watched = want;
}

/* The transport is done (closed or failed) or the owner asked to close: end once output drained. */
static bool transport_over(const struct ws_session_io *io)
{
	enum ws_transport_state st = ws_transport_state(io->t);
	return st == WS_TSTATE_CLOSED || st == WS_TSTATE_FAILED;
}

static int end_error(const struct ws_session_io *io)
{
	if (io->close_err != WS_OK)
		return io->close_err;
	int err = ws_transport_error(io->t);
	if (ws_transport_state(io->t) != WS_TSTATE_CLOSED)
		return err;
	/* an orderly close: ours, or the peer's DISCONNECT by application */
	if (err == WS_OK || err == WS_ERR_EOF)
		return WS_OK;
	if (err == WS_ERR_PEER_DISCONNECT && io->peer_reason == WS_DISCONNECT_BY_APPLICATION)
		return WS_OK;
	return err;
}

/* Write what the socket takes. Returns false if the connection ended. */
static bool write_out(struct ws_session_io *io)
{
	struct ws_bytes segs[SIO_WRITE_SEGS];
	struct iovec iov[SIO_WRITE_SEGS];
	bool was_blocked = io->output_blocked;
	if (io->group == NULL && ws_transport_process_crypto(io->t) < 0 &&
	    !ws_transport_output_pending(io->t)) {
		finish(io, end_error(io));
		return false;
	}
	for (;;) {
		unsigned n = ws_transport_output_segments(io->t, segs, SIO_WRITE_SEGS);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			iov[i].iov_base = (void *)(uintptr_t)segs[i].ptr;
			iov[i].iov_len = segs[i].len;
		}
		ssize_t w = writev(io->fd, iov, (int)n);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			io->output_blocked = true;
			break;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ws_verbose("connection write failed: %s", strerror(errno));
			finish(io, io->closing || transport_over(io) ? end_error(io) : WS_ERR_IO);
			return false;
		}
		io->bytes_out += (uint64_t)w;
		if (ws_transport_output_consume(io->t, (size_t)w) < 0) {
			finish(io, WS_ERR_INTERNAL);
			return false;
		}
		if (io->group == NULL && ws_transport_process_crypto(io->t) < 0 &&
		    !ws_transport_output_pending(io->t))
			break;
	}
	bool pending = ws_transport_output_pending(io->t);
	if (pending && io->group != NULL && !io->output_blocked) {
		mark_dirty(io); /* unsealed packets: the group seals them at the end of this iteration */
		return true;
	}
	if (!pending && (io->closing || transport_over(io))) {
		finish(io, end_error(io));
		return false;
	}
	if (!pending) {
		io->output_blocked = false;
		if (was_blocked && io->ops.on_output_drained != NULL)
			io->ops.on_output_drained(io->arg, io);
		if (io->closed)
			return false;
	}
	update_interest(io);
	return true;
}

/* Hand every available event to the owner. Returns false if the connection ended. */
static bool pump_events(struct ws_session_io *io)
{
	struct ws_transport_event ev;
	int rc;
	while ((rc = ws_transport_poll(io->t, &ev)) == 1) {
		if (ev.type == WS_TEV_DISCONNECTED)
			io->peer_reason = ev.reason;
		int orc = io->ops.on_event(io->arg, io, &ev);
		if (io->closed)
			return false;
		if (orc < 0 && io->close_err == WS_OK)
			io->close_err = orc;
		if (orc < 0 || transport_over(io))
			break;
	}
	if (rc < 0 && rc != WS_ERR_CLOSED && io->close_err == WS_OK && !transport_over(io))
		io->close_err = rc;
	if (io->close_err != WS_OK)
		io->closing = true;
	return true;
}

/* Read until EAGAIN, EOF, a full input buffer, or the round budget. */
static bool read_in(struct ws_session_io *io)
{
	for (int round = 0; round < SIO_READ_ROUNDS && !io->input_paused; round++) {
		uint8_t *space;
		size_t room;
		if (ws_transport_input_space(io->t, &space, &room) < 0)
			return true; /* transport over: output path finishes */
		if (room == 0) {
			if (io->group != NULL) {
				mark_dirty(io);
				return true;
			}
			if (!pump_events(io))
				return false;
			if (ws_transport_input_space(io->t, &space, &room) < 0 || room == 0)
				return true;
		}
		ssize_t n = read(io->fd, space, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			io->read_eof = true;
			ws_transport_input_eof(io->t);
			break;
		}
		io->bytes_in += (uint64_t)n;
		if (ws_transport_input_commit(io->t, (size_t)n) < 0)
			break;
		if ((size_t)n < room)
			break; /* drained the socket for now */
	}
	if (io->group != NULL) {
		mark_dirty(io);
		return true;
	}
	return pump_events(io);
}

static void on_fd(struct ws_loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)loop;
	(void)fd;
	struct ws_session_io *io = arg;
	if (io->group != NULL) {
		if ((ev & WS_EV_READ) && !io->input_paused && !io->read_eof && !io->closing)
			read_in(io);
		else if (ev & WS_EV_ERROR) {
			io->read_eof = true;
			ws_transport_input_eof(io->t);
		}
		if (ev & WS_EV_WRITE)
			write_out(io);
		mark_dirty(io);
		return;
	}
	if ((ev & WS_EV_READ) && !io->input_paused && !io->read_eof && !io->closing) {
		if (!read_in(io))
			return;
		if (io->ops.after_input != NULL)
			io->ops.after_input(io->arg, io);
		if (io->closed)
			return;
	} else if ((ev & WS_EV_ERROR) && !(ev & WS_EV_WRITE)) {
		io->read_eof = true;
		ws_transport_input_eof(io->t);
		if (!pump_events(io))
			return;
	}
	if (!write_out(io))
		return;
	if (io->read_eof && !ws_transport_output_pending(io->t))
		finish(io, io->close_err != WS_OK ? io->close_err : end_error(io));
}

static void on_tick(struct ws_loop *loop, void *arg)
{
	struct ws_session_io *io = arg;
	if (ws_transport_tick(io->t, ws_loop_now_ms(loop)) == WS_OK && ws_timer_arm(loop, &io->tick, SIO_TICK_MS) != WS_OK)
		ws_verbose("session: cannot re-arm the rekey tick");
	ws_session_io_flush(io);
}

static void on_linger(struct ws_loop *loop, void *arg)
{
	(void)loop;
	struct ws_session_io *io = arg;
	finish(io, end_error(io));
}

int ws_session_io_new(struct ws_session_io **out, struct ws_loop *loop, int fd, struct ws_transport *t,
		      const struct ws_session_io_ops *ops, void *arg)
{
	*out = NULL;
	WS_ENSURE(ops != NULL && ops->on_event != NULL && ops->on_closed != NULL, WS_ERR_INVALID_ARG);
	struct ws_session_io *io = calloc(1, sizeof(*io));
	WS_ENSURE(io != NULL, WS_ERR_NO_MEMORY);
	*io = (struct ws_session_io){.loop = loop, .fd = fd, .t = t, .ops = *ops, .arg = arg,
				     .watched = WS_EV_READ | WS_EV_WRITE};
	ws_timer_init(&io->tick, on_tick, io);
	ws_timer_init(&io->linger, on_linger, io);
	int rc = ws_loop_add(loop, fd, io->watched, on_fd, io);
	if (rc == WS_OK)
		rc = ws_timer_arm(loop, &io->tick, SIO_TICK_MS);
	if (rc != WS_OK) {
		ws_loop_del(loop, fd);
		free(io);
		return rc;
	}
	*out = io;
	return WS_OK;
}

void ws_session_io_free(struct ws_session_io *io)
{
	if (io == NULL)
		return;
	if (io->loop != NULL)
		ws_session_io_detach(io);
	if (io->fd >= 0)
		close(io->fd);
	ws_transport_free(io->t);
	free(io);
}

struct ws_transport *ws_session_io_transport(struct ws_session_io *io) { return io->t; }
int ws_session_io_fd(const struct ws_session_io *io) { return io->fd; }
uint64_t ws_session_io_bytes_in(const struct ws_session_io *io) { return io->bytes_in; }
uint64_t ws_session_io_bytes_out(const struct ws_session_io *io) { return io->bytes_out; }

void ws_session_io_flush(struct ws_session_io *io)
{
	if (io->closed)
		return;
	if (io->group != NULL) {
		mark_dirty(io);
		return;
	}
	write_out(io);
}

void ws_session_io_pause_input(struct ws_session_io *io, bool paused)
{
	if (io->closed || io->input_paused == paused)
		return;
	io->input_paused = paused;
	update_interest(io);
	/* resuming: bytes may already sit in the transport's buffer */
	if (!paused && io->group != NULL)
		mark_dirty(io);
	else if (!paused && pump_events(io))
		write_out(io);
}

void ws_session_io_close_after_flush(struct ws_session_io *io, uint64_t linger_ms)
{
	if (io->closed)
		return;
	io->closing = true;
	if (linger_ms > 0 && ws_timer_arm(io->loop, &io->linger, linger_ms) != WS_OK)
		ws_verbose("session: cannot arm the linger timer");
	if (io->group != NULL)
		mark_dirty(io);
	else
		write_out(io);
}

/* ---------------------------------------------------------------- moving between threads */

static void leave_group(struct ws_session_io *io)
{
	struct ws_burst_group *g = io->group;
	if (g != NULL && io->dirty) {
		for (size_t i = 0; i < g->ndirty; i++)
			if (g->dirty[i] == io)
				g->dirty[i] = g->dirty[--g->ndirty];
	}
	io->dirty = false;
	io->group = NULL;
}

void ws_session_io_detach(struct ws_session_io *io)
{
	ws_timer_cancel(io->loop, &io->tick);
	ws_timer_cancel(io->loop, &io->linger);
	if (io->fd >= 0)
		ws_loop_del(io->loop, io->fd);
	leave_group(io);
	io->loop = NULL;
	io->watched = 0;
}

int ws_session_io_attach(struct ws_session_io *io, struct ws_loop *loop, struct ws_burst_group *group,
			 struct ws_crypto_engine *eng)
{
	WS_ENSURE(io->loop == NULL && !io->closed, WS_ERR_INVALID_ARG);
	io->loop = loop;
	ws_transport_set_engine(io->t, eng);
	io->watched = WS_EV_READ | WS_EV_WRITE;
	WS_TRY(ws_loop_add(loop, io->fd, io->watched, on_fd, io));
	WS_TRY(ws_timer_arm(loop, &io->tick, SIO_TICK_MS));
	if (io->closing)
		WS_TRY(ws_timer_arm(loop, &io->linger, SIO_TICK_MS));
	if (group != NULL) {
		ws_session_io_join(io, group);
		return WS_OK;
	}
	/* bytes may already sit in the transport's buffer */
	if (pump_events(io))
		write_out(io);
	return WS_OK;
}

/* ---------------------------------------------------------------- burst groups */

static void mark_dirty(struct ws_session_io *io)
{
	struct ws_burst_group *g = io->group;
	if (g == NULL || io->dirty || io->closed)
		return;
	if (g->ndirty == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct ws_session_io **d = realloc(g->dirty, cap * sizeof(*d));
		struct ws_session_io **w = realloc(g->work, cap * sizeof(*w));
		if (d != NULL)
			g->dirty = d;
		if (w != NULL)
			g->work = w;
		if (d == NULL || w == NULL) {
			/* out of memory: process this connection inline instead */
			ws_error("burst group: out of memory; connection falls back to inline crypto");
			io->group = NULL;
			write_out(io);
			return;
		}
		g->cap = cap;
	}
	g->dirty[g->ndirty++] = io;
	io->dirty = true;
}

/* One packet range of one connection inside a burst. */
struct burst_slice {
	struct ws_session_io *io;
	unsigned start, count;
};

static void note_burst(struct ws_burst_group *g, unsigned np, unsigned nslices)
{
	g->stats.bursts++;
	g->stats.packets += np;
	if (nslices > 1)
		g->stats.multi_conn_bursts++;
	if (np > g->stats.max_burst)
		g->stats.max_burst = np;
}

typedef unsigned (*collect_fn)(struct ws_transport *, struct ws_crypto_pkt *, unsigned);
typedef int (*complete_fn)(struct ws_transport *, const struct ws_crypto_pkt *, unsigned);
typedef unsigned (*burst_fn)(struct ws_crypto_engine *, struct ws_crypto_pkt *, unsigned);

static void run_burst(struct ws_burst_group *g, burst_fn burst, complete_fn complete,
		      struct ws_crypto_pkt *pkts, unsigned np, const struct burst_slice *sl, unsigned ns)
{
	burst(g->eng, pkts, np);
	for (unsigned i = 0; i < ns; i++)
		(void)complete(sl[i].io->t, pkts + sl[i].start, sl[i].count); /* failures are sticky */
	note_burst(g, np, ns);
}

/* Gather packets of every connection in work[] into bursts of up to WS_CRYPTO_MAX_BURST. */
static void burst_phase(struct ws_burst_group *g, size_t n, collect_fn collect, burst_fn burst,
			complete_fn complete)
{
	struct ws_crypto_pkt pkts[WS_CRYPTO_MAX_BURST];
	struct burst_slice sl[WS_CRYPTO_MAX_BURST];
	unsigned np = 0, ns = 0;
	for (size_t i = 0; i < n; i++) {
		struct ws_session_io *io = g->work[i];
		while (!io->closed) {
			unsigned k = collect(io->t, pkts + np, WS_CRYPTO_MAX_BURST - np);
			if (k == 0)
				break;
			sl[ns++] = (struct burst_slice){io, np, k};
			np += k;
			if (np < WS_CRYPTO_MAX_BURST)
				break; /* this connection has nothing more now */
			run_burst(g, burst, complete, pkts, np, sl, ns);
			np = ns = 0;
		}
	}
	if (np > 0)
		run_burst(g, burst, complete, pkts, np, sl, ns);
}

static void group_pass(struct ws_burst_group *g)
{
	size_t n = g->ndirty;
	struct ws_session_io **tmp = g->work;
	g->work = g->dirty;
	g->dirty = tmp;
	g->ndirty = 0;
	for (size_t i = 0; i < n; i++)
		g->work[i]->dirty = false;

	burst_phase(g, n, ws_transport_collect_open, ws_crypto_open_burst, ws_transport_complete_open);
	for (size_t i = 0; i < n; i++) {
		struct ws_session_io *io = g->work[i];
		if (!io->closed && pump_events(io) && io->ops.after_input != NULL)
			io->ops.after_input(io->arg, io);
	}
	burst_phase(g, n, ws_transport_collect_seal, ws_crypto_seal_burst, ws_transport_complete_seal);
	for (size_t i = 0; i < n; i++) {
		struct ws_session_io *io = g->work[i];
		if (io->closed || !write_out(io))
			continue;
		if (io->read_eof && !ws_transport_output_pending(io->t))
			finish(io, io->close_err != WS_OK ? io->close_err : end_error(io));
	}
}

static void group_end_hook(struct ws_loop *loop, void *arg)
{
	(void)loop;
	struct ws_burst_group *g = arg;
	for (int round = 0; round < GROUP_MAX_ROUNDS && g->ndirty > 0; round++)
		group_pass(g);
}

int ws_burst_group_new(struct ws_burst_group **out, struct ws_loop *loop, struct ws_crypto_engine *eng)
{
	*out = NULL;
	struct ws_burst_group *g = calloc(1, sizeof(*g));
	WS_ENSURE(g != NULL, WS_ERR_NO_MEMORY);
	g->loop = loop;
	g->eng = eng;
	ws_loop_set_end_hook(loop, group_end_hook, g);
	*out = g;
	return WS_OK;
}

void ws_burst_group_free(struct ws_burst_group *g)
{
	if (g == NULL)
		return;
	ws_loop_set_end_hook(g->loop, NULL, NULL);
	free(g->dirty);
	free(g->work);
	free(g);
}

void ws_burst_group_stats(const struct ws_burst_group *g, struct ws_burst_stats *out) { *out = g->stats; }

void ws_session_io_join(struct ws_session_io *io, struct ws_burst_group *g)
{
	io->group = g;
	mark_dirty(io); /* the version line and KEXINIT are already queued */
}
