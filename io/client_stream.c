/* client_stream.c — warpssh's local side of a channel: stdin (or a forwarded socket) read into
 * the channel within its window and the transport's pace, channel data written to stdout/stderr
 * (or the socket) with the window re-opened only as the local fd takes it, EOF both ways, EPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/client_internal.h"
#include "warpssh/conn.h"
#include "warpssh/log.h"

#define CLI_IN_CHUNK (256u * 1024u)
#define CLI_IN_ROUNDS 16
#define CLI_PIPE_SIZE (1024 * 1024)

static void stream_fd_cb(struct ws_loop *loop, int fd, uint32_t events, void *arg);
static void stream_update_watch(struct cli_stream *s);

/* ---------------------------------------------------------------- helpers */

static bool fd_pollable(struct ws_loop *loop, int fd, struct cli_stream *s)
{
	if (ws_loop_add(loop, fd, WS_EV_READ, stream_fd_cb, s) != WS_OK)
		return false; /* regular files, /dev/null: epoll refuses them */
	ws_loop_del(loop, fd);
	return true;
}

static void set_watch(struct cli_stream *s, int fd, uint32_t *have, uint32_t want)
{
	if (fd < 0 || *have == want)
		return;
	int rc = WS_OK;
	if (want == 0)
		ws_loop_del(s->rt->loop, fd);
	else if (*have == 0)
		rc = ws_loop_add(s->rt->loop, fd, want, stream_fd_cb, s);
	else
		rc = ws_loop_mod(s->rt->loop, fd, want);
	if (rc != WS_OK) {
		ws_error("cannot watch fd %d: %s", fd, ws_strerror(rc));
		return;
	}
	*have = want;
}

static size_t outbuf_used(const struct cli_outbuf *b)
{
	return b->tail - b->head;
}

static int outbuf_append(struct cli_outbuf *b, const uint8_t *p, size_t len)
{
	if (b->head == b->tail)
		b->head = b->tail = 0;
	if (b->cap - b->tail < len && b->head > 0) {
		memmove(b->mem, b->mem + b->head, b->tail - b->head);
		b->tail -= b->head;
		b->head = 0;
	}
	if (b->cap - b->tail < len) {
		size_t cap = b->cap ? b->cap : 64u * 1024u;
		while (cap - b->tail < len)
			cap *= 2;
		uint8_t *mem = realloc(b->mem, cap);
		WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
		b->mem = mem;
		b->cap = cap;
	}
	memcpy(b->mem + b->tail, p, len);
	b->tail += len;
	return WS_OK;
}

/* Write what the fd takes now (blocking fds: all of it). Returns bytes written or -errno. */
static ssize_t write_some(int fd, const uint8_t *p, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return done > 0 ? (ssize_t)done : -errno;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static bool is_session_out(const struct cli_stream *s, const struct cli_sink *k)
{
	return s->is_session && k == &s->out;
}

static void report_consumed(struct cli_stream *s, size_t n)
{
	if (n > 0 && !s->closed && ws_client_consumed(s->rt->client, s->chan, n) != WS_OK)
		ws_debug("channel %u: window update not sent", s->chan);
}

/* ---------------------------------------------------------------- output side */

/* All data for this sink is written: close stdout (keeping fd 1 valid on /dev/null) or shut the
 * socket's write side, so the local reader sees EOF now. */
static void sink_finish(struct cli_stream *s, struct cli_sink *k)
{
	if (k->done || k->fd < 0)
		return;
	k->done = true;
	if (s->is_socket) {
		shutdown(k->fd, SHUT_WR);
	} else if (is_session_out(s, k)) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, k->fd);
			close(null);
		}
	}
}

static void sink_fail(struct cli_stream *s, struct cli_sink *k, int err)
{
	if (k->done)
		return;
	if (err != EPIPE)
		ws_error("write failed: %s", strerror(err));
	ws_verbose("channel %u: local output closed (%s): closing the channel", s->chan, strerror(err));
	k->done = true;
	k->buf.head = k->buf.tail = 0;
	s->in_eof = true; /* stop reading input too: nobody takes the answers */
	if (!s->closed && ws_client_close_channel(s->rt->client, s->chan) != WS_OK)
		ws_debug("channel %u: close not sent", s->chan);
	ws_session_io_flush(s->rt->io);
}

static void sink_drain(struct cli_stream *s, struct cli_sink *k)
{
	if (k->done || outbuf_used(&k->buf) == 0)
		goto check_eof;
	ssize_t n = write_some(k->fd, k->buf.mem + k->buf.head, outbuf_used(&k->buf));
	if (n < 0) {
		sink_fail(s, k, (int)-n);
		return;
	}
	k->buf.head += (size_t)n;
	report_consumed(s, (size_t)n);
	ws_session_io_flush(s->rt->io);
check_eof:
	if (k->eof && outbuf_used(&k->buf) == 0)
		sink_finish(s, k);
}

static void on_data(struct cli_stream *s, const struct ws_client_event *ev)
{
	struct cli_sink *k = ev->ext == 0 ? &s->out : &s->err;
	if (ev->ext != 0 && ev->ext != WS_EXTENDED_DATA_STDERR)
		k = NULL; /* unknown extended data types are dropped (RFC 4254 §5.2) */
	if (k == NULL || k->fd < 0 || k->done) {
		report_consumed(s, ev->data.len);
		return;
	}
	size_t written = 0;
	if (outbuf_used(&k->buf) == 0) {
		ssize_t n = write_some(k->fd, ev->data.ptr, ev->data.len);
		if (n < 0) {
			sink_fail(s, k, (int)-n);
			return;
		}
		written = (size_t)n;
	}
	if (written < ev->data.len &&
	    outbuf_append(&k->buf, ev->data.ptr + written, ev->data.len - written) != WS_OK) {
		sink_fail(s, k, ENOMEM);
		return;
	}
	report_consumed(s, written);
}

/* ---------------------------------------------------------------- input side */

static bool can_feed(const struct cli_stream *s)
{
	const struct cli_rt *rt = s->rt;
	return s->in_fd >= 0 && s->open && !s->closed && !s->in_blocked && !rt->io_closed &&
	       ws_client_can_send(rt->client) && !ws_transport_output_pending(rt->t);
}

static bool wants_read(const struct cli_stream *s)
{
	return can_feed(s) && !s->in_eof && s->in_off == s->in_len;
}

static void input_eof(struct cli_stream *s)
{
	s->in_eof = true;
	if (!s->closed && ws_client_send_eof(s->rt->client, s->chan) != WS_OK)
		ws_debug("channel %u: EOF not sent", s->chan);
}

/* Read a chunk into s->in. Returns false when nothing more can be read now. */
static bool fill_input(struct cli_stream *s)
{
	for (;;) {
		ssize_t n = read(s->in_fd, s->in, CLI_IN_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n < 0)
			ws_verbose("read failed: %s (taken as EOF)", strerror(errno));
		if (n <= 0) {
			input_eof(s);
			return false;
		}
		s->in_off = 0;
		s->in_len = (size_t)n;
		return true;
	}
}

static void pump_input(struct cli_stream *s)
{
	for (int round = 0; round < CLI_IN_ROUNDS && can_feed(s); round++) {
		if (s->in_off == s->in_len && (s->in_eof || !fill_input(s)))
			break;
		size_t acc;
		if (ws_client_send(s->rt->client, s->chan, s->in + s->in_off, s->in_len - s->in_off, &acc) != WS_OK)
			break;
		s->in_off += acc;
		if (s->in_off < s->in_len)
			s->in_blocked = true; /* WINDOW_SPACE resumes */
		ws_session_io_flush(s->rt->io);
	}
}

/* ---------------------------------------------------------------- watchers */

static void stream_update_watch(struct cli_stream *s)
{
	uint32_t in = s->in_pollable && wants_read(s) ? WS_EV_READ : 0;
	uint32_t out = s->out.pollable && !s->out.done && outbuf_used(&s->out.buf) > 0 ? WS_EV_WRITE : 0;
	uint32_t err = s->err.pollable && !s->err.done && outbuf_used(&s->err.buf) > 0 ? WS_EV_WRITE : 0;
	if (s->is_socket) {
		if (s->in_eof && s->out.done)
			in = out = 0;
		set_watch(s, s->in_fd, &s->watched_in, in | out);
		return;
	}
	set_watch(s, s->in_fd, &s->watched_in, in);
	set_watch(s, s->out.fd, &s->watched_out, out);
	set_watch(s, s->err.fd, &s->watched_err, err);
}

static void stream_fd_cb(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	struct cli_stream *s = arg;
	if (fd == s->out.fd && (events & (WS_EV_WRITE | WS_EV_ERROR)))
		sink_drain(s, &s->out);
	if (fd == s->err.fd && (events & (WS_EV_WRITE | WS_EV_ERROR)))
		sink_drain(s, &s->err);
	if (fd == s->in_fd && (events & (WS_EV_READ | WS_EV_ERROR)))
		pump_input(s);
	stream_update_watch(s);
}

/* ---------------------------------------------------------------- lifetime */

/* Bigger pipes between warpssh and its neighbours in a pipeline: fewer reads, writes and
 * wake-ups per byte (the size is a hint; a kernel limit leaves the pipe as it was). */
static void grow_pipe(int fd)
{
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, CLI_PIPE_SIZE);
}

static void sink_init(struct cli_rt *rt, struct cli_sink *k, int fd, struct cli_stream *s, bool same_as_in)
{
	k->fd = fd;
	k->pollable = fd >= 0 && (same_as_in ? s->in_pollable : fd_pollable(rt->loop, fd, s));
}

int cli_stream_new(struct cli_rt *rt, int in_fd, int out_fd, int err_fd, bool is_socket, struct cli_stream **out)
{
	*out = NULL;
	struct cli_stream *s = calloc(1, sizeof(*s));
	WS_ENSURE(s != NULL, WS_ERR_NO_MEMORY);
	s->rt = rt;
	s->chan = WS_CLIENT_NO_CHANNEL;
	s->is_socket = is_socket;
	s->in_fd = in_fd;
	s->in_pollable = in_fd >= 0 && fd_pollable(rt->loop, in_fd, s);
	if (!is_socket) {
		grow_pipe(in_fd);
		grow_pipe(out_fd);
	}
	sink_init(rt, &s->out, out_fd, s, is_socket);
	sink_init(rt, &s->err, err_fd, s, false);
	if (in_fd >= 0 && (s->in = malloc(CLI_IN_CHUNK)) == NULL) {
		free(s);
		return WS_ERR_NO_MEMORY;
	}
	*out = s;
	return WS_OK;
}

void cli_stream_free(struct cli_stream *s)
{
	if (s == NULL)
		return;
	set_watch(s, s->in_fd, &s->watched_in, 0);
	set_watch(s, s->out.fd, &s->watched_out, 0);
	set_watch(s, s->err.fd, &s->watched_err, 0);
	if (s->is_socket && s->in_fd >= 0)
		close(s->in_fd);
	free(s->in);
	free(s->out.buf.mem);
	free(s->err.buf.mem);
	free(s);
}

static bool stream_output_pending(const struct cli_stream *s)
{
	return (!s->out.done && s->out.fd >= 0 && outbuf_used(&s->out.buf) > 0) ||
	       (!s->err.done && s->err.fd >= 0 && outbuf_used(&s->err.buf) > 0);
}

/* Forward streams go away once the channel is closed and what it delivered is written. */
static void maybe_release(struct cli_rt *rt, struct cli_stream *s)
{
	if (s->is_session || !s->closed || stream_output_pending(s))
		return;
	for (struct cli_stream **pp = &rt->streams; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	cli_stream_free(s);
}

/* A forwarded connection is done both ways: close the channel. */
static void maybe_close_forward(struct cli_stream *s)
{
	if (!s->is_socket || s->closed || !s->open || !s->in_eof || !s->out.done)
		return;
	if (ws_client_close_channel(s->rt->client, s->chan) != WS_OK)
		ws_debug("channel %u: close not sent", s->chan);
}

static struct cli_stream *stream_of(struct cli_rt *rt, const struct ws_client_event *ev)
{
	return ev->is_session ? rt->session : ev->user;
}

void cli_stream_on_event(struct cli_rt *rt, const struct ws_client_event *ev)
{
	struct cli_stream *s = stream_of(rt, ev);
	if (s == NULL)
		return;
	switch (ev->type) {
	case WS_CLIENT_EV_CHANNEL_OPEN:
		s->chan = ev->channel;
		s->open = true;
		pump_input(s);
		break;
	case WS_CLIENT_EV_DATA:
		on_data(s, ev);
		break;
	case WS_CLIENT_EV_EOF:
		s->out.eof = true;
		if (outbuf_used(&s->out.buf) == 0)
			sink_finish(s, &s->out);
		break;
	case WS_CLIENT_EV_CLOSED:
		s->closed = true;
		if (ev->message != NULL && !s->is_session)
			ws_error("%s", ev->message);
		break;
	case WS_CLIENT_EV_WINDOW_SPACE:
		s->in_blocked = false;
		pump_input(s);
		break;
	default:
		return;
	}
	maybe_close_forward(s);
	stream_update_watch(s);
	maybe_release(rt, s);
}

static void resume_one(struct cli_stream *s)
{
	pump_input(s);
	maybe_close_forward(s);
	stream_update_watch(s);
}

void cli_streams_resume(struct cli_rt *rt)
{
	if (rt->session != NULL)
		resume_one(rt->session);
	for (struct cli_stream *s = rt->streams, *next; s != NULL; s = next) {
		next = s->next;
		resume_one(s);
		maybe_release(rt, s);
	}
}

bool cli_streams_pending(const struct cli_rt *rt)
{
	if (rt->session != NULL && stream_output_pending(rt->session))
		return true;
	for (const struct cli_stream *s = rt->streams; s != NULL; s = s->next)
		if (stream_output_pending(s))
			return true;
	return false;
}

/* Input that no fd event will bring back: bytes already read but not yet sent when the round
 * budget ran out, or a regular file / /dev/null (never pollable) with room to send. */
static bool input_ready_without_event(const struct cli_stream *s)
{
	if (s->in_fd < 0 || !can_feed(s))
		return false;
	return s->in_off < s->in_len || (!s->in_pollable && !s->in_eof);
}

static bool stream_busy(const struct cli_stream *s)
{
	return input_ready_without_event(s) || (!s->out.pollable && stream_output_pending(s));
}

bool cli_streams_busy(const struct cli_rt *rt)
{
	if (rt->session != NULL && stream_busy(rt->session))
		return true;
	for (const struct cli_stream *s = rt->streams; s != NULL; s = s->next)
		if (stream_busy(s))
			return true;
	return false;
}

static void service_one(struct cli_stream *s)
{
	if (input_ready_without_event(s))
		pump_input(s);
	if (!s->out.pollable)
		sink_drain(s, &s->out);
	if (!s->err.pollable)
		sink_drain(s, &s->err);
	maybe_close_forward(s);
	stream_update_watch(s);
}

void cli_streams_service(struct cli_rt *rt)
{
	if (rt->session != NULL)
		service_one(rt->session);
	for (struct cli_stream *s = rt->streams, *next; s != NULL; s = next) {
		next = s->next;
		service_one(s);
		maybe_release(rt, s);
	}
}
