/* channel.c — channel lifecycle of the connection protocol (RFC 4254 §5.1, §5.3): the id table,
 * CHANNEL_OPEN in both directions (session, direct-tcpip; others refused), confirmation and
 * failure, EOF, and the CLOSE handshake that frees a channel once both sides sent CLOSE. */
#include <stdlib.h>
#include <string.h>

#include "engine/conn_internal.h"
#include "engine/conn_msg.h"
#include "warpssh/log.h"

/* ---- the table ---- */

/* Slots hold a pointer; a channel's memory exists only while it is open, so an idle
 * connection costs max_channels pointers. */
struct ws_channel *ws_chan_lookup(struct ws_conn *c, uint32_t id)
{
	return id < c->cfg.max_channels ? c->ch[id] : NULL;
}

uint32_t ws_chan_id(const struct ws_conn *c, const struct ws_channel *ch)
{
	(void)c;
	return ch->id;
}

/* The lowest free id; NULL when the table is full (or memory is). */
static struct ws_channel *chan_alloc(struct ws_conn *c, enum ws_chan_type type, enum ws_chan_state state)
{
	for (uint32_t i = 0; i < c->cfg.max_channels; i++) {
		if (c->ch[i] != NULL)
			continue;
		struct ws_channel *ch = calloc(1, sizeof(*ch));
		if (ch == NULL)
			return NULL;
		ch->id = i;
		ch->state = state;
		ch->type = type;
		ch->local_window = c->cfg.window;
		c->ch[i] = ch;
		c->nopen++;
		return ch;
	}
	return NULL;
}

static void chan_free(struct ws_conn *c, struct ws_channel *ch)
{
	c->ch[ch->id] = NULL;
	ws_outq_drop(ch);
	free(ch);
	c->nopen--;
}

void ws_chan_free_all(struct ws_conn *c)
{
	for (uint32_t i = 0; i < c->cfg.max_channels; i++)
		if (c->ch[i] != NULL)
			chan_free(c, c->ch[i]);
}

uint32_t ws_conn_channel_count(const struct ws_conn *c)
{
	return c->nopen;
}

void *ws_conn_channel_user(const struct ws_conn *c, uint32_t id)
{
	if (id >= c->cfg.max_channels || c->ch[id] == NULL)
		return NULL;
	return c->ch[id]->user;
}

int ws_chan_api(struct ws_conn *c, uint32_t id, struct ws_channel **out)
{
	*out = NULL;
	WS_ENSURE(c->error == 0, WS_ERR_CLOSED);
	*out = ws_chan_lookup(c, id);
	WS_ENSURE(*out != NULL, WS_ERR_INVALID_ARG);
	return WS_OK;
}

int ws_chan_recipient(struct ws_conn *c, struct ws_buf *b, struct ws_channel **out)
{
	uint32_t id;
	*out = NULL;
	WS_TRY(ws_buf_get_u32(b, &id));
	struct ws_channel *ch = ws_chan_lookup(c, id);
	/* messages for a channel the peer has not been told about, or whose open it has not
	 * confirmed, are protocol errors */
	if (ch == NULL || ch->state != WS_CH_OPEN)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "message for an unknown or unconfirmed channel");
	*out = ch;
	return WS_OK;
}

int ws_conn_channel_info(const struct ws_conn *c, uint32_t id, struct ws_chan_info *info)
{
	memset(info, 0, sizeof(*info));
	WS_ENSURE(id < c->cfg.max_channels && c->ch[id] != NULL, WS_ERR_INVALID_ARG);
	const struct ws_channel *ch = c->ch[id];
	info->type = ch->type;
	info->open = ch->state == WS_CH_OPEN;
	info->eof_received = ch->eof_received;
	info->eof_sent = ch->eof_sent;
	info->close_sent = ch->close_sent;
	info->remote_window = ch->remote_window;
	info->remote_max_packet = ch->remote_max_packet;
	info->local_window = ch->local_window;
	info->unconsumed = ch->unconsumed;
	info->pending = ws_outq_used(ch);
	return WS_OK;
}

/* ---- small messages ---- */

int ws_chan_put_header(struct ws_buf *b, uint8_t msg, const struct ws_channel *ch)
{
	WS_TRY(ws_buf_put_u8(b, msg));
	return ws_buf_put_u32(b, ch->remote_id);
}

static int send_simple(struct ws_conn *c, struct ws_channel *ch, uint8_t msg)
{
	uint8_t mem[8];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_chan_put_header(&b, msg, ch));
	return ws_conn_send_buf(c, &b);
}

int ws_chan_send_eof_now(struct ws_conn *c, struct ws_channel *ch)
{
	ch->eof_sent = true;
	return send_simple(c, ch, WS_MSG_CHANNEL_EOF);
}

int ws_chan_send_close_now(struct ws_conn *c, struct ws_channel *ch)
{
	ch->close_sent = true;
	/* RFC 4254 §5.3: nothing may follow CLOSE on this channel, answers owed included */
	memset(&ch->replies, 0, sizeof(ch->replies));
	return send_simple(c, ch, WS_MSG_CHANNEL_CLOSE);
}

int ws_chan_send_request_now(struct ws_conn *c, struct ws_channel *ch, uint8_t *payload, size_t len)
{
	WS_ENSURE(len >= 5, WS_ERR_INTERNAL);
	ws_store_be32(payload + 1, ch->remote_id); /* recipient, unknown when it was queued */
	struct ws_bytes part = {payload, len};
	return ws_conn_send_parts(c, &part, 1);
}

int ws_chan_queue_or_send_request(struct ws_conn *c, struct ws_channel *ch, struct ws_buf *req)
{
	if (ch->state == WS_CH_OPEN && ws_outq_empty(ch))
		return ws_chan_send_request_now(c, ch, req->data, req->wpos);
	return ws_outq_push(c, ch, WS_Q_REQUEST, req->data, req->wpos);
}

int ws_chan_flush_replies(struct ws_conn *c, struct ws_channel *ch)
{
	struct ws_reply_slot *s;
	while ((s = ws_reply_fifo_front_ready(&ch->replies)) != NULL) {
		uint8_t msg = s->state == WS_REPLY_OK ? WS_MSG_CHANNEL_SUCCESS : WS_MSG_CHANNEL_FAILURE;
		ws_reply_fifo_pop(&ch->replies);
		WS_ENSURE(c->error == 0, c->error);
		WS_TRY(send_simple(c, ch, msg));
	}
	return WS_OK;
}

/* ---- opening ---- */

static const char *open_failure_text(uint32_t reason)
{
	switch (reason) {
	case WS_OPEN_ADMINISTRATIVELY_PROHIBITED:
		return "administratively prohibited";
	case WS_OPEN_CONNECT_FAILED:
		return "connect failed";
	case WS_OPEN_UNKNOWN_CHANNEL_TYPE:
		return "unknown channel type";
	case WS_OPEN_RESOURCE_SHORTAGE:
		return "resource shortage";
	default:
		return "open failed";
	}
}

static int send_open_failure(struct ws_conn *c, uint32_t recipient, uint32_t reason)
{
	uint8_t mem[64];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_CHANNEL_OPEN_FAILURE));
	WS_TRY(ws_buf_put_u32(&b, recipient));
	WS_TRY(ws_buf_put_u32(&b, reason));
	WS_TRY(ws_buf_put_cstring(&b, open_failure_text(reason)));
	WS_TRY(ws_buf_put_cstring(&b, "")); /* language tag */
	return ws_conn_send_buf(c, &b);
}

static int send_open_confirmation(struct ws_conn *c, struct ws_channel *ch)
{
	uint8_t mem[32];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_chan_put_header(&b, WS_MSG_CHANNEL_OPEN_CONFIRMATION, ch));
	WS_TRY(ws_buf_put_u32(&b, ws_chan_id(c, ch)));
	WS_TRY(ws_buf_put_u32(&b, c->cfg.window));
	WS_TRY(ws_buf_put_u32(&b, c->cfg.max_packet));
	return ws_conn_send_buf(c, &b);
}

static void set_remote(struct ws_conn *c, struct ws_channel *ch, uint32_t id, uint32_t window,
		       uint32_t max_packet)
{
	ch->remote_id = id;
	ch->remote_window = window;
	ch->remote_max_packet = max_packet < c->cfg.max_send_packet ? max_packet : c->cfg.max_send_packet;
}

/* Allocate the channel, write its id into the OPEN message at sender_off, send it. */
static int open_channel(struct ws_conn *c, enum ws_chan_type type, struct ws_buf *b, size_t sender_off,
			void *user, uint32_t *id)
{
	struct ws_channel *ch = chan_alloc(c, type, WS_CH_OPENING);
	WS_ENSURE(ch != NULL, WS_ERR_LIMIT);
	ch->user = user;
	ws_store_be32(b->data + sender_off, ws_chan_id(c, ch));
	int rc = ws_conn_send_buf(c, b);
	if (rc < 0) {
		chan_free(c, ch);
		return rc;
	}
	*id = ws_chan_id(c, ch);
	return WS_OK;
}

/* byte CHANNEL_OPEN || string type || uint32 sender (filled in later) || window || max packet */
static int put_open_head(struct ws_conn *c, struct ws_buf *b, const char *type, size_t *sender_off)
{
	WS_TRY(ws_buf_put_u8(b, WS_MSG_CHANNEL_OPEN));
	WS_TRY(ws_buf_put_cstring(b, type));
	*sender_off = b->wpos;
	WS_TRY(ws_buf_put_u32(b, 0));
	WS_TRY(ws_buf_put_u32(b, c->cfg.window));
	return ws_buf_put_u32(b, c->cfg.max_packet);
}

int ws_conn_open_session(struct ws_conn *c, void *user, uint32_t *id)
{
	uint8_t mem[64];
	struct ws_buf b;
	size_t sender_off;
	*id = UINT32_MAX;
	WS_ENSURE(c->error == 0, WS_ERR_CLOSED);
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(put_open_head(c, &b, "session", &sender_off));
	return open_channel(c, WS_CHAN_SESSION, &b, sender_off, user, id);
}

int ws_conn_open_direct_tcpip(struct ws_conn *c, const char *host, uint32_t port, const char *orig_host,
			      uint32_t orig_port, void *user, uint32_t *id)
{
	uint8_t mem[64 + 2 * WS_CONN_HOST_MAX];
	struct ws_buf b;
	size_t sender_off;
	*id = UINT32_MAX;
	WS_ENSURE(c->error == 0, WS_ERR_CLOSED);
	WS_ENSURE(host != NULL && orig_host != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(strlen(host) <= WS_CONN_HOST_MAX && strlen(orig_host) <= WS_CONN_HOST_MAX, WS_ERR_TOO_LONG);
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(put_open_head(c, &b, "direct-tcpip", &sender_off));
	/* RFC 4254 §7.2 */
	WS_TRY(ws_buf_put_cstring(&b, host));
	WS_TRY(ws_buf_put_u32(&b, port));
	WS_TRY(ws_buf_put_cstring(&b, orig_host));
	WS_TRY(ws_buf_put_u32(&b, orig_port));
	return open_channel(c, WS_CHAN_DIRECT_TCPIP, &b, sender_off, user, id);
}

int ws_conn_accept_open(struct ws_conn *c, uint32_t id, void *user)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(ch->state == WS_CH_PEER_OPENING, WS_ERR_INVALID_ARG);
	ch->user = user;
	ch->state = WS_CH_OPEN;
	return send_open_confirmation(c, ch);
}

int ws_conn_refuse_open(struct ws_conn *c, uint32_t id, uint32_t reason)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(ch->state == WS_CH_PEER_OPENING, WS_ERR_INVALID_ARG);
	uint32_t recipient = ch->remote_id;
	chan_free(c, ch);
	return send_open_failure(c, recipient, reason);
}

/* direct-tcpip: string host || uint32 port || string originator || uint32 originator port */
static int parse_direct_tcpip(struct ws_buf *b, struct ws_chan_open *o)
{
	WS_TRY(ws_buf_get_string(b, &o->host, WS_CONN_HOST_MAX));
	WS_TRY(ws_buf_get_u32(b, &o->port));
	WS_TRY(ws_buf_get_string(b, &o->orig_host, WS_CONN_HOST_MAX));
	WS_TRY(ws_buf_get_u32(b, &o->orig_port));
	return ws_buf_expect_end(b);
}

/* Which opens the peer may make of us. Returns 0 (acceptable, fields parsed), a positive
 * CHANNEL_OPEN_FAILURE reason, or a negative parse error. */
static int classify_open(struct ws_conn *c, struct ws_bytes type, struct ws_buf *b, struct ws_chan_open *o)
{
	if (c->cfg.is_server && ws_bytes_eq_str(type, "session")) {
		o->type = WS_CHAN_SESSION;
		WS_TRY(ws_buf_expect_end(b));
		/* OpenSSH PROTOCOL §2.2: after no-more-sessions, session opens are refused */
		return c->no_more_sessions ? (int)WS_OPEN_ADMINISTRATIVELY_PROHIBITED : 0;
	}
	if (c->cfg.is_server && ws_bytes_eq_str(type, "direct-tcpip")) {
		o->type = WS_CHAN_DIRECT_TCPIP;
		return parse_direct_tcpip(b, o);
	}
	if (ws_bytes_eq_str(type, "session") || ws_bytes_eq_str(type, "direct-tcpip") ||
	    ws_bytes_eq_str(type, "x11") || ws_bytes_eq_str(type, "forwarded-tcpip") ||
	    ws_bytes_eq_str(type, "auth-agent@openssh.com"))
		return (int)WS_OPEN_ADMINISTRATIVELY_PROHIBITED;
	return (int)WS_OPEN_UNKNOWN_CHANNEL_TYPE;
}

static int answer_open(struct ws_conn *c, struct ws_channel *ch, const struct ws_conn_event *ev)
{
	if (ch->state != WS_CH_PEER_OPENING || ev->answer == WS_ANSWER_DEFER)
		return WS_OK; /* answered from inside the callback, or later */
	uint32_t id = ws_chan_id(c, ch);
	if (ev->answer == WS_ANSWER_ACCEPT)
		return ws_conn_accept_open(c, id, ev->set_user);
	return ws_conn_refuse_open(
	    c, id, ev->refuse_reason != 0 ? ev->refuse_reason : WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
}

/* RFC 4254 §5.1: string type || uint32 sender || uint32 window || uint32 max packet || ... */
int ws_conn_on_channel_open(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_bytes type;
	uint32_t sender, window, max_packet;
	struct ws_conn_event ev = {.type = WS_CONN_EV_OPEN_REQUEST,
				   .answer = WS_ANSWER_REFUSE,
				   .refuse_reason = WS_OPEN_ADMINISTRATIVELY_PROHIBITED};
	WS_TRY(ws_buf_get_string(b, &type, WS_CONN_NAME_MAX));
	WS_TRY(ws_buf_get_u32(b, &sender));
	WS_TRY(ws_buf_get_u32(b, &window));
	WS_TRY(ws_buf_get_u32(b, &max_packet));
	int refuse = classify_open(c, type, b, &ev.u.open);
	WS_TRY(refuse);
	if (refuse == 0 && max_packet == 0)
		refuse = (int)WS_OPEN_ADMINISTRATIVELY_PROHIBITED; /* it could never carry data */
	if (refuse > 0)
		return send_open_failure(c, sender, (uint32_t)refuse);
	struct ws_channel *ch = chan_alloc(c, ev.u.open.type, WS_CH_PEER_OPENING);
	if (ch == NULL)
		return send_open_failure(c, sender, WS_OPEN_RESOURCE_SHORTAGE);
	set_remote(c, ch, sender, window, max_packet);
	ev.channel = ws_chan_id(c, ch);
	ws_conn_emit(c, &ev);
	WS_ENSURE(c->error == 0, c->error);
	/* the callback may have answered (and freed the channel) itself */
	ch = ws_chan_lookup(c, ev.channel);
	return ch != NULL ? answer_open(c, ch, &ev) : WS_OK;
}

static int opening_channel(struct ws_conn *c, struct ws_buf *b, struct ws_channel **out)
{
	uint32_t id;
	*out = NULL;
	WS_TRY(ws_buf_get_u32(b, &id));
	struct ws_channel *ch = ws_chan_lookup(c, id);
	if (ch == NULL || ch->state != WS_CH_OPENING)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "open answer for a channel we are not opening");
	*out = ch;
	return WS_OK;
}

/* uint32 recipient || uint32 sender || uint32 window || uint32 max packet */
int ws_conn_on_open_confirmation(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	uint32_t sender, window, max_packet;
	WS_TRY(opening_channel(c, b, &ch));
	WS_TRY(ws_buf_get_u32(b, &sender));
	WS_TRY(ws_buf_get_u32(b, &window));
	WS_TRY(ws_buf_get_u32(b, &max_packet));
	WS_TRY(ws_buf_expect_end(b));
	if (max_packet == 0)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "channel confirmed with maximum packet size 0");
	set_remote(c, ch, sender, window, max_packet);
	ch->state = WS_CH_OPEN;
	struct ws_conn_event ev = {
	    .type = WS_CONN_EV_OPEN_CONFIRMED, .channel = ws_chan_id(c, ch), .user = ch->user};
	ws_conn_emit(c, &ev);
	WS_ENSURE(c->error == 0, c->error);
	return ws_chan_window_opened(c, ch);
}

/* uint32 recipient || uint32 reason || string description || string language */
int ws_conn_on_open_failure(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	struct ws_bytes lang;
	struct ws_conn_event ev = {.type = WS_CONN_EV_OPEN_FAILED};
	WS_TRY(opening_channel(c, b, &ch));
	WS_TRY(ws_buf_get_u32(b, &ev.u.open_failed.reason));
	WS_TRY(ws_buf_get_string(b, &ev.u.open_failed.description, WS_BUF_MAX_STRING));
	if (ws_buf_avail(b) > 0) /* some old peers omit the language tag */
		WS_TRY(ws_buf_get_string(b, &lang, WS_CONN_NAME_MAX));
	WS_TRY(ws_buf_expect_end(b));
	ev.channel = ws_chan_id(c, ch);
	ev.user = ch->user;
	ws_conn_emit(c, &ev);
	chan_free(c, ch);
	return WS_OK;
}

/* ---- EOF and CLOSE ---- */

int ws_conn_on_eof(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_expect_end(b));
	if (ch->eof_received)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "second EOF on a channel");
	ch->eof_received = true;
	struct ws_conn_event ev = {.type = WS_CONN_EV_EOF, .channel = ws_chan_id(c, ch), .user = ch->user};
	ws_conn_emit(c, &ev);
	return WS_OK;
}

/* RFC 4254 §5.3: on CLOSE, a party MUST send back CLOSE unless it already sent it; the channel
 * is closed (and its id reusable) once both were sent. */
int ws_conn_on_close(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_expect_end(b));
	ch->close_received = true;
	ws_outq_drop(ch); /* the peer reads no more: queued output is moot */
	struct ws_conn_event ev = {.type = WS_CONN_EV_CLOSE, .channel = ws_chan_id(c, ch), .user = ch->user};
	ws_conn_emit(c, &ev);
	int rc = WS_OK;
	if (!ch->close_sent && c->error == 0)
		rc = ws_chan_send_close_now(c, ch);
	chan_free(c, ch);
	return rc;
}

int ws_conn_send_eof(struct ws_conn *c, uint32_t id)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(ch->state != WS_CH_PEER_OPENING && !ch->eof_called && !ch->close_called,
		  WS_ERR_INVALID_ARG);
	WS_ENSURE(!ch->close_received, WS_ERR_CLOSED);
	WS_TRY(ws_chan_settle_current_request(c, ch));
	ch->eof_called = true;
	if (ch->state == WS_CH_OPEN && ws_outq_empty(ch))
		return ws_chan_send_eof_now(c, ch);
	return ws_outq_push(c, ch, WS_Q_EOF, NULL, 0);
}

int ws_conn_close(struct ws_conn *c, uint32_t id)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(ch->state != WS_CH_PEER_OPENING && !ch->close_called, WS_ERR_INVALID_ARG);
	WS_TRY(ws_chan_settle_current_request(c, ch));
	ch->close_called = true;
	if (ch->close_received || (ch->state == WS_CH_OPEN && ws_outq_empty(ch)))
		return ws_chan_send_close_now(c, ch);
	return ws_outq_push(c, ch, WS_Q_CLOSE, NULL, 0);
}
