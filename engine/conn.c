/* conn.c — the connection protocol object (RFC 4254): creation, message dispatch, sticky
 * failure, global requests (§4) and the in-order reply queues shared with channel requests. */
#include <stdlib.h>
#include <string.h>

#include "engine/conn_internal.h"
#include "engine/conn_msg.h"
#include "warpssh/log.h"

void ws_conn_config_default(struct ws_conn_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_channels = WS_CONN_DEFAULT_MAX_CHANNELS;
	cfg->window = WS_CONN_DEFAULT_WINDOW;
	cfg->max_packet = WS_CONN_DEFAULT_MAX_PACKET;
	cfg->max_send_packet = WS_CONN_MAX_PACKET_CAP;
	cfg->max_pending = WS_CONN_DEFAULT_MAX_PENDING;
}

static int check_config(const struct ws_conn_config *cfg)
{
	WS_ENSURE(cfg->max_channels > 0 && cfg->max_channels <= WS_CONN_MAX_CHANNELS_CAP, WS_ERR_CONFIG);
	WS_ENSURE(cfg->max_packet > 0 && cfg->max_packet <= WS_CONN_MAX_PACKET_CAP, WS_ERR_CONFIG);
	WS_ENSURE(cfg->max_send_packet > 0 && cfg->max_send_packet <= WS_CONN_MAX_PACKET_CAP, WS_ERR_CONFIG);
	WS_ENSURE(cfg->window > 0, WS_ERR_CONFIG);
	WS_ENSURE(cfg->max_pending <= WS_CONN_MAX_PENDING_CAP, WS_ERR_CONFIG);
	return WS_OK;
}

int ws_conn_new(struct ws_conn **out, const struct ws_conn_config *cfg, const struct ws_conn_handler *handler,
		const struct ws_payload_sink *sink)
{
	*out = NULL;
	WS_ENSURE(cfg != NULL && handler != NULL && sink != NULL && sink->send != NULL, WS_ERR_INVALID_ARG);
	WS_TRY(check_config(cfg));
	struct ws_conn *c = calloc(1, sizeof(*c));
	WS_ENSURE(c != NULL, WS_ERR_NO_MEMORY);
	c->cfg = *cfg;
	c->handler = *handler;
	c->sink = *sink;
	c->ch = calloc(cfg->max_channels, sizeof(*c->ch));
	if (c->ch == NULL) {
		ws_conn_free(c);
		return WS_ERR_NO_MEMORY;
	}
	*out = c;
	return WS_OK;
}

void ws_conn_free(struct ws_conn *c)
{
	if (c == NULL)
		return;
	if (c->ch != NULL)
		ws_chan_free_all(c);
	free(c->ch);
	free(c);
}

struct ws_disconnect_info ws_conn_disconnect(const struct ws_conn *c)
{
	return c->disc;
}

int ws_conn_fail(struct ws_conn *c, int err, const char *message)
{
	if (c->error < 0)
		return c->error;
	c->error = err;
	c->disc.reason = WS_REASON_PROTOCOL_ERROR;
	c->disc.message = message;
	ws_verbose("conn: %s (%s)", message, ws_strerror(err));
	return err;
}

void ws_conn_emit(struct ws_conn *c, struct ws_conn_event *ev)
{
	if (c->handler.event != NULL)
		c->handler.event(c->handler.arg, ev);
}

int ws_conn_send_parts(struct ws_conn *c, const struct ws_bytes *parts, size_t n)
{
	int rc = c->sink.send(c->sink.arg, parts, n);
	if (rc < 0) {
		ws_conn_fail(c, rc, "transport refused a payload");
		c->disc.reason = WS_REASON_BY_APPLICATION;
	}
	return rc;
}

int ws_conn_send_buf(struct ws_conn *c, const struct ws_buf *b)
{
	struct ws_bytes part = {b->data, b->wpos};
	return ws_conn_send_parts(c, &part, 1);
}

/* ---- in-order reply queues ---- */

static struct ws_reply_slot *fifo_at(struct ws_reply_fifo *f, uint32_t seq)
{
	return &f->slot[seq % WS_CONN_MAX_PENDING_REPLIES];
}

int ws_reply_fifo_push(struct ws_reply_fifo *f, enum ws_reply_state state, uint32_t *seq)
{
	WS_ENSURE(f->count < WS_CONN_MAX_PENDING_REPLIES, WS_ERR_LIMIT);
	*seq = f->first_seq + f->count;
	struct ws_reply_slot *s = fifo_at(f, *seq);
	memset(s, 0, sizeof(*s));
	s->state = (uint8_t)state;
	f->count++;
	return WS_OK;
}

int ws_reply_fifo_answer(struct ws_reply_fifo *f, bool ok, uint32_t port)
{
	for (uint32_t i = 0; i < f->count; i++) {
		struct ws_reply_slot *s = fifo_at(f, f->first_seq + i);
		if (s->state == WS_REPLY_PENDING) {
			s->state = ok ? WS_REPLY_OK : WS_REPLY_FAIL;
			s->port = port;
			return WS_OK;
		}
	}
	return WS_ERR_INVALID_ARG; /* no answer is owed */
}

void ws_reply_fifo_settle(struct ws_reply_fifo *f, uint32_t seq, enum ws_conn_answer answer, uint32_t port)
{
	if (answer == WS_ANSWER_DEFER || seq - f->first_seq >= f->count)
		return; /* deferred, or already answered and sent */
	struct ws_reply_slot *s = fifo_at(f, seq);
	if (s->state != WS_REPLY_PENDING)
		return;
	s->state = answer == WS_ANSWER_ACCEPT ? WS_REPLY_OK : WS_REPLY_FAIL;
	s->port = port;
}

struct ws_reply_slot *ws_reply_fifo_front_ready(struct ws_reply_fifo *f)
{
	if (f->count == 0)
		return NULL;
	struct ws_reply_slot *s = fifo_at(f, f->first_seq);
	return s->state == WS_REPLY_PENDING ? NULL : s;
}

void ws_reply_fifo_pop(struct ws_reply_fifo *f)
{
	f->first_seq++;
	f->count--;
}

/* ---- global requests (RFC 4254 §4) ---- */

static int flush_global_replies(struct ws_conn *c)
{
	struct ws_reply_slot *s;
	while ((s = ws_reply_fifo_front_ready(&c->global_replies)) != NULL) {
		uint8_t mem[8];
		struct ws_buf b;
		ws_buf_init_write(&b, mem, sizeof(mem));
		bool ok = s->state == WS_REPLY_OK;
		WS_TRY(ws_buf_put_u8(&b, ok ? WS_MSG_REQUEST_SUCCESS : WS_MSG_REQUEST_FAILURE));
		if (ok && s->has_port)
			WS_TRY(ws_buf_put_u32(&b, s->port));
		ws_reply_fifo_pop(&c->global_replies);
		WS_TRY(ws_conn_send_buf(c, &b));
	}
	return WS_OK;
}

/* tcpip-forward / cancel-tcpip-forward: string address || uint32 port (§7.1). A SUCCESS to
 * tcpip-forward for port 0 carries the port bound. */
static int global_forward(struct ws_conn *c, struct ws_buf *b, struct ws_conn_event *ev, uint32_t seq)
{
	WS_TRY(ws_buf_get_string(b, &ev->u.global.address, WS_CONN_HOST_MAX));
	WS_TRY(ws_buf_get_u32(b, &ev->u.global.port));
	WS_TRY(ws_buf_expect_end(b));
	if (ev->u.global.want_reply && ev->u.global.type == WS_GREQ_TCPIP_FORWARD && ev->u.global.port == 0)
		fifo_at(&c->global_replies, seq)->has_port = true;
	if (c->cfg.is_server && c->cfg.allow_tcpip_forward)
		ws_conn_emit(c, ev);
	return WS_OK;
}

static int on_global_request(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_bytes name;
	struct ws_conn_event ev = {.type = WS_CONN_EV_GLOBAL_REQUEST, .answer = WS_ANSWER_REFUSE};
	uint32_t seq = 0;
	WS_TRY(ws_buf_get_string(b, &name, WS_CONN_NAME_MAX));
	WS_TRY(ws_buf_get_bool(b, &ev.u.global.want_reply));
	if (ev.u.global.want_reply && ws_reply_fifo_push(&c->global_replies, WS_REPLY_PENDING, &seq) < 0)
		return ws_conn_fail(c, WS_ERR_LIMIT, "too many unanswered global requests");
	bool fwd = ws_bytes_eq_str(name, "tcpip-forward");
	if (fwd || ws_bytes_eq_str(name, "cancel-tcpip-forward")) {
		ev.u.global.type = fwd ? WS_GREQ_TCPIP_FORWARD : WS_GREQ_CANCEL_TCPIP_FORWARD;
		WS_TRY(global_forward(c, b, &ev, seq));
	} else if (c->cfg.is_server && ws_bytes_eq_str(name, "no-more-sessions@openssh.com")) {
		c->no_more_sessions = true; /* OpenSSH PROTOCOL §2.2: refuse later session opens */
		ev.answer = WS_ANSWER_ACCEPT;
	}
	/* anything else (keepalive@openssh.com included) gets FAILURE, as OpenSSH answers */
	if (!ev.u.global.want_reply)
		return WS_OK;
	ws_reply_fifo_settle(&c->global_replies, seq, ev.answer, ev.bound_port);
	return flush_global_replies(c);
}

static int on_global_reply(struct ws_conn *c, struct ws_buf *b, bool ok)
{
	if (c->global_outstanding == 0)
		return ws_conn_fail(c, WS_ERR_PROTOCOL, "global request reply without a request");
	c->global_outstanding--;
	struct ws_conn_event ev = {.type = WS_CONN_EV_GLOBAL_REPLY};
	ev.u.reply.ok = ok;
	ev.u.reply.data.ptr = ws_buf_rptr(b);
	ev.u.reply.data.len = ws_buf_avail(b);
	ws_conn_emit(c, &ev);
	return WS_OK;
}

/* byte GLOBAL_REQUEST || string name || bool want reply || type-specific data */
static int send_global(struct ws_conn *c, uint8_t *mem, size_t cap, const char *name, bool want_reply,
		       const void *data, size_t len)
{
	struct ws_buf b;
	ws_buf_init_write(&b, mem, cap);
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_GLOBAL_REQUEST));
	WS_TRY(ws_buf_put_cstring(&b, name));
	WS_TRY(ws_buf_put_bool(&b, want_reply));
	WS_TRY(ws_buf_put_bytes(&b, data, len));
	return ws_conn_send_buf(c, &b);
}

int ws_conn_send_global_request(struct ws_conn *c, const char *name, bool want_reply, const void *data,
				size_t len)
{
	uint8_t small[WS_CONN_SMALL_MSG];
	WS_ENSURE(c->error == 0, WS_ERR_CLOSED);
	WS_ENSURE(name != NULL && (data != NULL || len == 0), WS_ERR_INVALID_ARG);
	size_t need = 16 + strlen(name) + len;
	WS_ENSURE(len <= WS_BUF_MAX_STRING && need <= WS_BUF_MAX_STRING, WS_ERR_TOO_LONG);
	if (need <= sizeof(small)) {
		WS_TRY(send_global(c, small, sizeof(small), name, want_reply, data, len));
	} else {
		uint8_t *mem = malloc(need);
		WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
		int rc = send_global(c, mem, need, name, want_reply, data, len);
		free(mem);
		WS_TRY(rc);
	}
	if (want_reply)
		c->global_outstanding++;
	return WS_OK;
}

int ws_conn_reply_global(struct ws_conn *c, bool ok, uint32_t bound_port)
{
	WS_ENSURE(c->error == 0, WS_ERR_CLOSED);
	WS_TRY(ws_reply_fifo_answer(&c->global_replies, ok, bound_port));
	return flush_global_replies(c);
}

/* ---- dispatch ---- */

static int dispatch(struct ws_conn *c, uint8_t msg, struct ws_buf *b)
{
	switch (msg) {
	case WS_MSG_GLOBAL_REQUEST:
		return on_global_request(c, b);
	case WS_MSG_REQUEST_SUCCESS:
		return on_global_reply(c, b, true);
	case WS_MSG_REQUEST_FAILURE:
		return on_global_reply(c, b, false);
	case WS_MSG_CHANNEL_OPEN:
		return ws_conn_on_channel_open(c, b);
	case WS_MSG_CHANNEL_OPEN_CONFIRMATION:
		return ws_conn_on_open_confirmation(c, b);
	case WS_MSG_CHANNEL_OPEN_FAILURE:
		return ws_conn_on_open_failure(c, b);
	case WS_MSG_CHANNEL_WINDOW_ADJUST:
		return ws_conn_on_window_adjust(c, b);
	case WS_MSG_CHANNEL_DATA:
		return ws_conn_on_data(c, b);
	case WS_MSG_CHANNEL_EXTENDED_DATA:
		return ws_conn_on_extended_data(c, b);
	case WS_MSG_CHANNEL_EOF:
		return ws_conn_on_eof(c, b);
	case WS_MSG_CHANNEL_CLOSE:
		return ws_conn_on_close(c, b);
	case WS_MSG_CHANNEL_REQUEST:
		return ws_conn_on_channel_request(c, b);
	case WS_MSG_CHANNEL_SUCCESS:
		return ws_conn_on_channel_reply(c, b, true);
	case WS_MSG_CHANNEL_FAILURE:
		return ws_conn_on_channel_reply(c, b, false);
	default:
		return WS_ERR_UNEXPECTED_MSG;
	}
}

int ws_conn_handle(struct ws_conn *c, const uint8_t *payload, size_t len)
{
	struct ws_buf b;
	uint8_t msg;
	if (c->error < 0)
		return c->error;
	ws_buf_init_read(&b, payload, len);
	if (ws_buf_get_u8(&b, &msg) < 0)
		return ws_conn_fail(c, WS_ERR_SHORT, "empty payload");
	if (msg > WS_MSG_CHANNEL_FAILURE && msg <= 127)
		return WS_ERR_UNSUPPORTED; /* RFC 4253 §11.4: the transport answers UNIMPLEMENTED */
	int rc = dispatch(c, msg, &b);
	if (rc < 0)
		return ws_conn_fail(c, rc, "malformed or unexpected connection message");
	return c->error < 0 ? c->error : WS_OK;
}
