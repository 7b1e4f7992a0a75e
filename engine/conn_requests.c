/* conn_requests.c — channel requests (RFC 4254 §5.4, §6): one table maps each request name to
 * its typed parser and builder and to the side that may receive it; answers go out in order. */
#include <stdlib.h>
#include <string.h>

#include "engine/conn_internal.h"
#include "engine/conn_msg.h"

#define TERM_MAX 256u

static int parse_pty(struct ws_buf *b, struct ws_chan_request *r)
{
	/* §6.2: string TERM || uint32 cols || rows || width px || height px || string modes */
	WS_TRY(ws_buf_get_string(b, &r->u.pty.term, TERM_MAX));
	WS_TRY(ws_buf_get_u32(b, &r->u.pty.cols));
	WS_TRY(ws_buf_get_u32(b, &r->u.pty.rows));
	WS_TRY(ws_buf_get_u32(b, &r->u.pty.width_px));
	WS_TRY(ws_buf_get_u32(b, &r->u.pty.height_px));
	return ws_buf_get_string(b, &r->u.pty.modes, WS_BUF_MAX_STRING);
}

static int build_pty(struct ws_buf *b, const struct ws_chan_request *r)
{
	WS_TRY(ws_buf_put_string(b, r->u.pty.term.ptr, r->u.pty.term.len));
	WS_TRY(ws_buf_put_u32(b, r->u.pty.cols));
	WS_TRY(ws_buf_put_u32(b, r->u.pty.rows));
	WS_TRY(ws_buf_put_u32(b, r->u.pty.width_px));
	WS_TRY(ws_buf_put_u32(b, r->u.pty.height_px));
	return ws_buf_put_string(b, r->u.pty.modes.ptr, r->u.pty.modes.len);
}

static int parse_env(struct ws_buf *b, struct ws_chan_request *r)
{
	/* §6.4: string name || string value */
	WS_TRY(ws_buf_get_string(b, &r->u.env.name, WS_BUF_MAX_STRING));
	return ws_buf_get_string(b, &r->u.env.value, WS_BUF_MAX_STRING);
}

static int build_env(struct ws_buf *b, const struct ws_chan_request *r)
{
	WS_TRY(ws_buf_put_string(b, r->u.env.name.ptr, r->u.env.name.len));
	return ws_buf_put_string(b, r->u.env.value.ptr, r->u.env.value.len);
}

static int parse_exec(struct ws_buf *b, struct ws_chan_request *r)
{
	return ws_buf_get_string(b, &r->u.exec.command, WS_BUF_MAX_STRING); /* §6.5 */
}

static int build_exec(struct ws_buf *b, const struct ws_chan_request *r)
{
	return ws_buf_put_string(b, r->u.exec.command.ptr, r->u.exec.command.len);
}

static int parse_none(struct ws_buf *b, struct ws_chan_request *r)
{
	(void)b;
	(void)r;
	return WS_OK;
}

static int build_none(struct ws_buf *b, const struct ws_chan_request *r)
{
	(void)b;
	(void)r;
	return WS_OK;
}

static int parse_subsystem(struct ws_buf *b, struct ws_chan_request *r)
{
	return ws_buf_get_string(b, &r->u.subsystem.name, WS_CONN_NAME_MAX); /* §6.5 */
}

static int build_subsystem(struct ws_buf *b, const struct ws_chan_request *r)
{
	return ws_buf_put_string(b, r->u.subsystem.name.ptr, r->u.subsystem.name.len);
}

static int parse_window_change(struct ws_buf *b, struct ws_chan_request *r)
{
	/* §6.7: uint32 cols || rows || width px || height px */
	WS_TRY(ws_buf_get_u32(b, &r->u.window_change.cols));
	WS_TRY(ws_buf_get_u32(b, &r->u.window_change.rows));
	WS_TRY(ws_buf_get_u32(b, &r->u.window_change.width_px));
	return ws_buf_get_u32(b, &r->u.window_change.height_px);
}

static int build_window_change(struct ws_buf *b, const struct ws_chan_request *r)
{
	WS_TRY(ws_buf_put_u32(b, r->u.window_change.cols));
	WS_TRY(ws_buf_put_u32(b, r->u.window_change.rows));
	WS_TRY(ws_buf_put_u32(b, r->u.window_change.width_px));
	return ws_buf_put_u32(b, r->u.window_change.height_px);
}

static int parse_signal(struct ws_buf *b, struct ws_chan_request *r)
{
	return ws_buf_get_string(b, &r->u.signal.name, WS_CONN_NAME_MAX); /* §6.9 */
}

static int build_signal(struct ws_buf *b, const struct ws_chan_request *r)
{
	return ws_buf_put_string(b, r->u.signal.name.ptr, r->u.signal.name.len);
}

static int parse_exit_status(struct ws_buf *b, struct ws_chan_request *r)
{
	return ws_buf_get_u32(b, &r->u.exit_status.status); /* §6.10 */
}

static int build_exit_status(struct ws_buf *b, const struct ws_chan_request *r)
{
	return ws_buf_put_u32(b, r->u.exit_status.status);
}

static int parse_exit_signal(struct ws_buf *b, struct ws_chan_request *r)
{
	/* §6.10: string signal name || bool core dumped || string message || string language */
	WS_TRY(ws_buf_get_string(b, &r->u.exit_signal.name, WS_CONN_NAME_MAX));
	WS_TRY(ws_buf_get_bool(b, &r->u.exit_signal.core_dumped));
	WS_TRY(ws_buf_get_string(b, &r->u.exit_signal.message, WS_BUF_MAX_STRING));
	return ws_buf_get_string(b, &r->u.exit_signal.lang, WS_CONN_NAME_MAX);
}

static int build_exit_signal(struct ws_buf *b, const struct ws_chan_request *r)
{
	WS_TRY(ws_buf_put_string(b, r->u.exit_signal.name.ptr, r->u.exit_signal.name.len));
	WS_TRY(ws_buf_put_bool(b, r->u.exit_signal.core_dumped));
	WS_TRY(ws_buf_put_string(b, r->u.exit_signal.message.ptr, r->u.exit_signal.message.len));
	return ws_buf_put_string(b, r->u.exit_signal.lang.ptr, r->u.exit_signal.lang.len);
}

struct req_kind {
	const char *name;
	enum ws_chan_req_type type;
	bool to_server; /* which side receives it */
	int (*parse)(struct ws_buf *b, struct ws_chan_request *r);
	int (*build)(struct ws_buf *b, const struct ws_chan_request *r);
};

static const struct req_kind req_kinds[] = {
    {"pty-req", WS_REQ_PTY, true, parse_pty, build_pty},
    {"env", WS_REQ_ENV, true, parse_env, build_env},
    {"exec", WS_REQ_EXEC, true, parse_exec, build_exec},
    {"shell", WS_REQ_SHELL, true, parse_none, build_none},
    {"subsystem", WS_REQ_SUBSYSTEM, true, parse_subsystem, build_subsystem},
    {"window-change", WS_REQ_WINDOW_CHANGE, true, parse_window_change, build_window_change},
    {"signal", WS_REQ_SIGNAL, true, parse_signal, build_signal},
    {"exit-status", WS_REQ_EXIT_STATUS, false, parse_exit_status, build_exit_status},
    {"exit-signal", WS_REQ_EXIT_SIGNAL, false, parse_exit_signal, build_exit_signal},
};

#define REQ_KINDS (sizeof(req_kinds) / sizeof(req_kinds[0]))

/* The request kinds this side accepts on this channel; NULL: answer FAILURE without an event
 * (keepalive@openssh.com, x11-req, auth-agent-req@openssh.com, anything on direct-tcpip). */
static const struct req_kind *kind_received(const struct ws_conn *c, const struct ws_channel *ch,
					    struct ws_bytes name)
{
	if (ch->type != WS_CHAN_SESSION)
		return NULL;
	for (size_t i = 0; i < REQ_KINDS; i++)
		if (req_kinds[i].to_server == c->cfg.is_server && ws_bytes_eq_str(name, req_kinds[i].name))
			return &req_kinds[i];
	return NULL;
}

static const struct req_kind *kind_by_type(enum ws_chan_req_type type)
{
	for (size_t i = 0; i < REQ_KINDS; i++)
		if (req_kinds[i].type == type)
			return &req_kinds[i];
	return NULL;
}

/* uint32 recipient || string request type || bool want reply || type-specific */
int ws_conn_on_channel_request(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	struct ws_conn_event ev = {.type = WS_CONN_EV_REQUEST, .answer = WS_ANSWER_REFUSE};
	struct ws_chan_request *r = &ev.u.request;
	uint32_t seq = 0;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_get_string(b, &r->name, WS_CONN_NAME_MAX));
	WS_TRY(ws_buf_get_bool(b, &r->want_reply));
	const struct req_kind *k = kind_received(c, ch, r->name);
	if (k != NULL) {
		r->type = k->type;
		WS_TRY(k->parse(b, r));
		WS_TRY(ws_buf_expect_end(b));
	}
	/* RFC 4254 §5.3: after our CLOSE nothing more is sent, answers included */
	bool owe = r->want_reply && !ch->close_sent;
	if (owe && ws_reply_fifo_push(&ch->replies, WS_REPLY_PENDING, &seq) < 0)
		return ws_conn_fail(c, WS_ERR_LIMIT, "too many unanswered channel requests");
	if (k != NULL) { /* delivered even after our CLOSE: an exit-status still tells something */
		ev.channel = ws_chan_id(c, ch);
		ev.user = ch->user;
		if (owe) {
			c->cur_req.ch = ch;
			c->cur_req.ev = &ev;
			c->cur_req.seq = seq;
		}
		ws_conn_emit(c, &ev);
		memset(&c->cur_req, 0, sizeof(c->cur_req));
		WS_ENSURE(c->error == 0, c->error);
	}
	if (!owe)
		return WS_OK;
	ws_reply_fifo_settle(&ch->replies, seq, ev.answer, 0);
	return ws_chan_flush_replies(c, ch);
}

int ws_chan_settle_current_request(struct ws_conn *c, struct ws_channel *ch)
{
	if (c->cur_req.ch != ch || ch == NULL || c->cur_req.ev->answer == WS_ANSWER_DEFER)
		return WS_OK;
	ws_reply_fifo_settle(&ch->replies, c->cur_req.seq, c->cur_req.ev->answer, 0);
	return ws_chan_flush_replies(c, ch);
}

/* CHANNEL_SUCCESS / CHANNEL_FAILURE: uint32 recipient */
int ws_conn_on_channel_reply(struct ws_conn *c, struct ws_buf *b, bool ok)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_expect_end(b));
	if (ch->requests_outstanding == 0)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "channel request reply without a request");
	ch->requests_outstanding--;
	struct ws_conn_event ev = {
	    .type = WS_CONN_EV_REQUEST_REPLY, .channel = ws_chan_id(c, ch), .user = ch->user};
	ev.u.reply.ok = ok;
	ws_conn_emit(c, &ev);
	return WS_OK;
}

static int build_request(struct ws_buf *b, const struct ws_channel *ch, const struct ws_chan_request *req)
{
	const struct req_kind *k = kind_by_type(req->type);
	WS_TRY(ws_chan_put_header(b, WS_MSG_CHANNEL_REQUEST, ch));
	if (k != NULL)
		WS_TRY(ws_buf_put_cstring(b, k->name));
	else
		WS_TRY(ws_buf_put_string(b, req->name.ptr, req->name.len));
	WS_TRY(ws_buf_put_bool(b, req->want_reply));
	if (k != NULL)
		return k->build(b, req);
	return ws_buf_put_bytes(b, req->u.other.data.ptr, req->u.other.data.len);
}

static int build_and_send(struct ws_conn *c, struct ws_channel *ch, const struct ws_chan_request *req,
			  uint8_t *mem, size_t cap)
{
	struct ws_buf b;
	ws_buf_init_write(&b, mem, cap);
	WS_TRY(build_request(&b, ch, req));
	return ws_chan_queue_or_send_request(c, ch, &b);
}

/* Most requests fit on the stack; a long exec command or environment value goes to the heap. */
int ws_conn_send_request(struct ws_conn *c, uint32_t id, const struct ws_chan_request *req)
{
	struct ws_channel *ch;
	uint8_t small[WS_CONN_SMALL_MSG];
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(ch->state != WS_CH_PEER_OPENING && !ch->close_called, WS_ERR_INVALID_ARG);
	WS_ENSURE(req->type != WS_REQ_OTHER || (req->name.len > 0 && req->name.len <= WS_CONN_NAME_MAX),
		  WS_ERR_INVALID_ARG);
	WS_TRY(ws_chan_settle_current_request(c, ch));
	int rc = build_and_send(c, ch, req, small, sizeof(small));
	if (rc == WS_ERR_NO_SPACE && c->error == 0) {
		uint8_t *mem = malloc(WS_BUF_MAX_STRING);
		WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
		rc = build_and_send(c, ch, req, mem, WS_BUF_MAX_STRING);
		free(mem);
	}
	WS_TRY(rc);
	if (req->want_reply)
		ch->requests_outstanding++;
	return WS_OK;
}

int ws_conn_reply_request(struct ws_conn *c, uint32_t id, bool ok)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_TRY(ws_reply_fifo_answer(&ch->replies, ok, 0));
	return ws_chan_flush_replies(c, ch);
}
