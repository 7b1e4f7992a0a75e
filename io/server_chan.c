/* server_chan.c — warpsshd's channels at run time: the pumps between a channel and its descriptors
 * (child stdout/stderr or a socket -> CHANNEL_DATA within the peer's window; CHANNEL_DATA -> child
 * stdin or a socket, with WINDOW_ADJUST only for bytes written), epoll interest that follows what
 * each side can take, and the channel's life from open to the peer's CLOSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/server_int.h"
#include "warpssh/log.h"

#define READ_ROUNDS 4            /* reads per readiness event before other work runs */
#define WRITER_MIN_CAP (64u * 1024u)

struct ws_conn *srv_chan_conn(const struct srv_chan *ch)
{
	return ws_server_conn_channels(ch->cl->m);
}

/* ---------------------------------------------------------------- life */

int srv_reader_init(struct srv_reader *r, int fd, uint32_t ext, size_t cap)
{
	r->fd = fd;
	r->ext = ext;
	r->off = r->len = 0;
	r->eof = fd < 0;
	if (fd < 0)
		return WS_OK;
	r->buf = malloc(cap);
	WS_ENSURE(r->buf != NULL, WS_ERR_NO_MEMORY);
	r->cap = cap;
	return WS_OK;
}

int srv_chan_new(struct srv_client *cl, enum srv_chan_kind kind, uint32_t id, struct srv_chan **out)
{
	struct srv_chan *ch = calloc(1, sizeof(*ch));
	*out = NULL;
	WS_ENSURE(ch != NULL, WS_ERR_NO_MEMORY);
	ch->kind = kind;
	ch->cl = cl;
	ch->id = id;
	ch->out.fd = ch->err.fd = ch->in.fd = -1;
	ch->child.pid = -1;
	ch->child.in_fd = ch->child.out_fd = ch->child.err_fd = -1;
	for (int i = 0; i < 3; i++)
		ch->watch[i].fd = -1;
	ch->next = cl->chans;
	if (cl->chans != NULL)
		cl->chans->prev = ch;
	cl->chans = ch;
	*out = ch;
	return WS_OK;
}

static void unwatch(struct srv_chan *ch, int fd)
{
	for (int i = 0; i < 3; i++) {
		if (ch->watch[i].fd != fd)
			continue;
		if (ch->watch[i].ev != 0)
			ws_loop_del(ch->cl->srv->loop, fd);
		ch->watch[i].fd = -1;
		ch->watch[i].ev = 0;
	}
}

void srv_chan_close_fd(struct srv_chan *ch, int fd)
{
	if (fd < 0)
		return;
	unwatch(ch, fd);
	close(fd);
	if (ch->out.fd == fd)
		ch->out.fd = -1;
	if (ch->err.fd == fd)
		ch->err.fd = -1;
	if (ch->in.fd == fd)
		ch->in.fd = -1;
}

/* The peer closed the channel (or the connection ended): release everything local. */
void srv_chan_destroy(struct srv_chan *ch)
{
	struct srv_client *cl = ch->cl;
	if (ch->kind == SRV_SESSION) {
		srv_session_release(ch);
		cl->nsessions--;
	} else {
		srv_forward_release(ch);
	}
	srv_chan_close_fd(ch, ch->out.fd);
	srv_chan_close_fd(ch, ch->err.fd);
	srv_chan_close_fd(ch, ch->in.fd);
	free(ch->out.buf);
	free(ch->err.buf);
	free(ch->in.buf);
	if (ch->prev != NULL)
		ch->prev->next = ch->next;
	else
		cl->chans = ch->next;
	if (ch->next != NULL)
		ch->next->prev = ch->prev;
	free(ch);
}

void srv_chan_close(struct srv_chan *ch)
{
	if (ch->closing)
		return;
	ch->closing = true;
	if (ws_conn_close(srv_chan_conn(ch), ch->id) != WS_OK)
		srv_client_fatal(ch->cl);
}

/* ---------------------------------------------------------------- interest */

static uint32_t remote_window(const struct srv_chan *ch)
{
	struct ws_chan_info info;
	struct ws_conn *c = srv_chan_conn(ch);
	if (c == NULL || ws_conn_channel_info(c, ch->id, &info) != WS_OK)
		return 0;
	return info.remote_window;
}

static bool reader_wants(const struct srv_chan *ch, const struct srv_reader *r)
{
	if (r->fd < 0 || r->eof || r->len > 0 || ch->closing || ch->connecting || ch->cl->closed)
		return false;
	return ws_server_conn_backlog(ch->cl->m) == 0 && remote_window(ch) > 0;
}

static uint32_t fd_events(const struct srv_chan *ch, int fd)
{
	uint32_t ev = 0;
	if (fd == ch->out.fd && reader_wants(ch, &ch->out))
		ev |= WS_EV_READ;
	if (fd == ch->err.fd && reader_wants(ch, &ch->err))
		ev |= WS_EV_READ;
	if (fd == ch->in.fd && (ch->connecting || (!ch->in.done && ch->in.len > 0)))
		ev |= WS_EV_WRITE;
	return ev;
}

static void on_fd(struct ws_loop *loop, int fd, uint32_t events, void *arg);

static struct srv_watch *watch_slot(struct srv_chan *ch, int fd)
{
	struct srv_watch *free_slot = NULL;
	for (int i = 0; i < 3; i++) {
		if (ch->watch[i].fd == fd)
			return &ch->watch[i];
		if (ch->watch[i].fd < 0 && free_slot == NULL)
			free_slot = &ch->watch[i];
	}
	if (free_slot != NULL) {
		free_slot->fd = fd;
		free_slot->ev = 0;
	}
	return free_slot;
}

/* Register exactly the events the fd can be served for; none means not registered at all, so a
 * hang-up we are not ready to read cannot spin the loop. */
static void apply_interest(struct srv_chan *ch, int fd)
{
	struct ws_loop *loop = ch->cl->srv->loop;
	if (fd < 0)
		return;
	struct srv_watch *w = watch_slot(ch, fd);
	uint32_t want = fd_events(ch, fd);
	if (w == NULL || w->ev == want)
		return;
	int rc = WS_OK;
	if (want == 0)
		ws_loop_del(loop, fd);
	else if (w->ev == 0)
		rc = ws_loop_add(loop, fd, want, on_fd, ch);
	else
		rc = ws_loop_mod(loop, fd, want);
	if (rc != WS_OK) {
		ws_error("channel %u: cannot watch fd %d: %s", ch->id, fd, ws_strerror(rc));
		srv_client_fatal(ch->cl);
		return;
	}
	w->ev = want;
}

static void update_interest(struct srv_chan *ch)
{
	apply_interest(ch, ch->out.fd);
	if (ch->err.fd != ch->out.fd)
		apply_interest(ch, ch->err.fd);
	if (ch->in.fd != ch->out.fd && ch->in.fd != ch->err.fd)
		apply_interest(ch, ch->in.fd);
}

/* ---------------------------------------------------------------- fd -> channel */

/* Hand buffered bytes to the channel as far as the peer's window allows. */
static void reader_push(struct srv_chan *ch, struct srv_reader *r)
{
	size_t acc = 0;
	int rc;
	if (r->len == 0 || ch->closing || ch->cl->closed)
		return;
	if (r->ext != 0)
		rc = ws_conn_send_extended(srv_chan_conn(ch), ch->id, r->ext, r->buf + r->off, r->len, &acc);
	else
		rc = ws_conn_send_data(srv_chan_conn(ch), ch->id, r->buf + r->off, r->len, &acc);
	if (rc == WS_ERR_LIMIT)
		return; /* window closed: WINDOW_SPACE follows */
	if (rc < 0) {
		if (ws_server_conn_check(ch->cl->m) != WS_OK) {
			srv_client_fatal(ch->cl);
			return;
		}
		r->eof = true; /* the channel takes no more data */
		r->len = 0;
		return;
	}
	r->off += acc;
	r->len -= acc;
	if (r->len == 0)
		r->off = 0;
	srv_client_flush(ch->cl);
}

static void reader_pump(struct srv_chan *ch, struct srv_reader *r)
{
	for (int round = 0; round < READ_ROUNDS && reader_wants(ch, r); round++) {
		size_t room = r->cap;
		uint32_t win = remote_window(ch);
		if (room > win)
			room = win;
		ssize_t n = read(r->fd, r->buf, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) { /* EOF; EIO from a pty master whose slave side is gone */
			ws_debug("channel %u: %s of fd %d", ch->id, n == 0 ? "EOF" : strerror(errno), r->fd);
			r->eof = true;
			break;
		}
		r->off = 0;
		r->len = (size_t)n;
		reader_push(ch, r);
	}
}

/* ---------------------------------------------------------------- channel -> fd */

static void consumed(struct srv_chan *ch, size_t n)
{
	struct ws_conn *c = srv_chan_conn(ch);
	if (n == 0 || c == NULL)
		return;
	if (ws_conn_consumed(c, ch->id, n) != WS_OK && ws_server_conn_check(ch->cl->m) != WS_OK) {
		srv_client_fatal(ch->cl);
		return;
	}
	srv_client_flush(ch->cl); /* a WINDOW_ADJUST may be due */
}

/* The fd takes no more (EPIPE, or its input ended): drop what waits, re-open the window. */
static void writer_stop(struct srv_chan *ch)
{
	struct srv_writer *w = &ch->in;
	w->done = true;
	size_t dropped = w->len;
	w->off = w->len = 0;
	consumed(ch, dropped);
}

/* End the fd's input once the peer's EOF arrived and everything was written. */
static void writer_maybe_end(struct srv_chan *ch)
{
	struct srv_writer *w = &ch->in;
	if (!w->eof_wanted || w->len > 0 || w->done)
		return;
	w->done = true;
	if (w->fd < 0)
		return;
	if (ch->kind == SRV_FORWARD)
		shutdown(w->fd, SHUT_WR);
	else if (w->fd != ch->out.fd)
		srv_chan_close_fd(ch, w->fd); /* the child's stdin pipe: it reads EOF */
	/* a pty has no separate input to end: the session ends with the child */
}

static int writer_append(struct srv_writer *w, const uint8_t *data, size_t n)
{
	/* compact only when what moves is no more than what it frees: amortized O(1) per byte */
	if (w->off > 0 && w->cap - w->off - w->len < n && w->off >= w->len) {
		memmove(w->buf, w->buf + w->off, w->len);
		w->off = 0;
	}
	if (w->cap - w->off - w->len < n) {
		size_t cap = w->cap ? w->cap : WRITER_MIN_CAP;
		while (cap - w->off - w->len < n)
			cap *= 2;
		uint8_t *buf = realloc(w->buf, cap);
		WS_ENSURE(buf != NULL, WS_ERR_NO_MEMORY);
		w->buf = buf;
		w->cap = cap;
	}
	memcpy(w->buf + w->off + w->len, data, n);
	w->len += n;
	return WS_OK;
}

/* Write what the fd takes now: >= 0 bytes written, or -1 when it refuses for good. */
static ssize_t write_some(int fd, const uint8_t *data, size_t n)
{
	for (;;) {
		ssize_t w = write(fd, data, n);
		if (w >= 0)
			return w;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	}
}

static void writer_pump(struct srv_chan *ch)
{
	struct srv_writer *w = &ch->in;
	while (w->len > 0 && !w->done && w->fd >= 0) {
		ssize_t n = write_some(w->fd, w->buf + w->off, w->len);
		if (n < 0) {
			writer_stop(ch);
			break;
		}
		if (n == 0)
			break;
		w->off += (size_t)n;
		w->len -= (size_t)n;
		consumed(ch, (size_t)n);
	}
	if (w->len == 0)
		w->off = 0;
	writer_maybe_end(ch);
}

/* CHANNEL_DATA from the peer: buffered (at most a window's worth: the peer cannot send more before
 * we consume), written once per batch of input by srv_chan_progress() — one write and one wakeup
 * of the child per batch instead of one per packet. */
static void deliver(struct srv_chan *ch, const struct ws_conn_event *ev)
{
	struct srv_writer *w = &ch->in;
	size_t n = ev->u.data.data.len;
	if (ev->u.data.ext_type != 0 || w->done || w->fd < 0) {
		consumed(ch, n); /* nowhere to go: discarded, like sshd after the child closed stdin */
		return;
	}
	if (writer_append(w, ev->u.data.data.ptr, n) != WS_OK)
		srv_client_fatal(ch->cl);
}

/* ---------------------------------------------------------------- events */

static void on_fd(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	struct srv_chan *ch = arg;
	(void)loop;
	if (ch->cl->closed)
		return;
	if (ch->connecting) {
		srv_forward_connect_done(ch); /* may destroy ch */
		return;
	}
	if (fd == ch->in.fd && (events & (WS_EV_WRITE | WS_EV_ERROR)))
		writer_pump(ch);
	if (fd == ch->out.fd && (events & WS_EV_READ))
		reader_pump(ch, &ch->out);
	if (fd == ch->err.fd && ch->err.fd >= 0 && (events & WS_EV_READ))
		reader_pump(ch, &ch->err);
	srv_chan_progress(ch);
}

void srv_chan_progress(struct srv_chan *ch)
{
	if (ch->cl->closed)
		return;
	if (ch->in.len > 0)
		writer_pump(ch);
	reader_push(ch, &ch->out);
	reader_push(ch, &ch->err);
	if (ch->kind == SRV_SESSION)
		srv_session_maybe_finish(ch);
	else
		srv_forward_maybe_finish(ch);
	if (!ch->cl->closed)
		update_interest(ch);
}

/* The peer closed the channel: the protocol frees it when the callback returns. When it was the
 * last one, an SSH_MSG_IGNORE follows (RFC 4253 §11.2: it MUST be ignored). Dropbear's client
 * can answer a CLOSE from inside its output path and then sleep in select() without noticing it
 * has no channel left; any packet wakes it to exit. */
static void on_peer_close(struct srv_chan *ch)
{
	static const uint8_t nothing = 0;
	struct srv_client *cl = ch->cl;
	srv_chan_destroy(ch);
	if (cl->chans == NULL && ws_transport_send_ignore(cl->t, &nothing, 0) == WS_OK)
		srv_client_flush(cl);
}

void srv_chan_event(struct srv_chan *ch, struct ws_conn_event *ev)
{
	switch (ev->type) {
	case WS_CONN_EV_REQUEST:
		if (ch->kind == SRV_SESSION)
			srv_session_request(ch, ev);
		break;
	case WS_CONN_EV_DATA:
		deliver(ch, ev);
		return; /* written after the batch (the client's after_input runs progress) */
	case WS_CONN_EV_EOF:
		ch->in.eof_wanted = true;
		writer_maybe_end(ch);
		break;
	case WS_CONN_EV_CLOSE:
		on_peer_close(ch);
		return;
	default:
		break;
	}
	srv_chan_progress(ch);
}
