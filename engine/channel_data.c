/* channel_data.c — data on channels and its flow control (RFC 4254 §5.2): sending within the
 * peer's window and maximum packet size, receiving within ours, WINDOW_ADJUST both ways once the
 * embedder reports what its sink consumed. */
#include <string.h>

#include "engine/conn_internal.h"
#include "engine/conn_msg.h"

uint32_t ws_chan_data_chunk(const struct ws_channel *ch, size_t len)
{
	size_t n = len;
	if (n > ch->remote_window)
		n = ch->remote_window;
	if (n > ch->remote_max_packet)
		n = ch->remote_max_packet;
	return (uint32_t)n;
}

/* byte DATA || recipient || string data, or byte EXTENDED_DATA || recipient || type || string. */
int ws_chan_send_data_msg(struct ws_conn *c, struct ws_channel *ch, bool ext, uint32_t ext_type,
			  const uint8_t *data, uint32_t n)
{
	uint8_t hdr[16];
	struct ws_buf b;
	ws_buf_init_write(&b, hdr, sizeof(hdr));
	WS_TRY(ws_chan_put_header(&b, ext ? WS_MSG_CHANNEL_EXTENDED_DATA : WS_MSG_CHANNEL_DATA, ch));
	if (ext)
		WS_TRY(ws_buf_put_u32(&b, ext_type));
	WS_TRY(ws_buf_put_u32(&b, n));
	/* RFC 4254 §5.2: the sender MUST NOT send more data than the window allows */
	WS_ENSURE(n <= ch->remote_window && n <= ch->remote_max_packet, WS_ERR_INTERNAL);
	ch->remote_window -= n;
	struct ws_bytes parts[2] = {{hdr, b.wpos}, {data, n}};
	return ws_conn_send_parts(c, parts, 2);
}

/* Room for the embedder again: the queue drained (or, without a queue, the window re-opened). */
static bool space_available(const struct ws_conn *c, const struct ws_channel *ch)
{
	if (ws_outq_empty(ch))
		return ch->remote_window > 0;
	return ws_outq_used(ch) <= c->cfg.max_pending / 2;
}

int ws_chan_window_opened(struct ws_conn *c, struct ws_channel *ch)
{
	WS_TRY(ws_outq_flush(c, ch));
	if (!ch->blocked || ch->close_called || !space_available(c, ch))
		return WS_OK;
	ch->blocked = false;
	struct ws_conn_event ev = {
	    .type = WS_CONN_EV_WINDOW_SPACE, .channel = ws_chan_id(c, ch), .user = ch->user};
	ws_conn_emit(c, &ev);
	return WS_OK;
}

/* uint32 recipient || uint32 bytes to add */
int ws_conn_on_window_adjust(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	uint32_t add;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_get_u32(b, &add));
	WS_TRY(ws_buf_expect_end(b));
	/* RFC 4254 §5.2: the window MUST NOT be increased above 2^32 - 1 bytes; we cap */
	uint64_t sum = (uint64_t)ch->remote_window + add;
	ch->remote_window = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
	if (ch->close_sent)
		return WS_OK;
	return ws_chan_window_opened(c, ch);
}

static int receive(struct ws_conn *c, struct ws_channel *ch, uint32_t ext_type, struct ws_bytes data)
{
	if (ch->eof_received)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "data after EOF");
	if (data.len > ch->local_window)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "peer sent more data than the channel window");
	ch->local_window -= (uint32_t)data.len;
	if (ch->close_called || data.len == 0)
		return WS_OK; /* we are closing: the data has nowhere to go */
	ch->unconsumed += (uint32_t)data.len;
	struct ws_conn_event ev = {.type = WS_CONN_EV_DATA, .channel = ws_chan_id(c, ch), .user = ch->user};
	ev.u.data.ext_type = ext_type;
	ev.u.data.data = data;
	ws_conn_emit(c, &ev);
	return WS_OK;
}

/* uint32 recipient || string data */
int ws_conn_on_data(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	struct ws_bytes data;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_get_string(b, &data, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_expect_end(b));
	return receive(c, ch, 0, data);
}

/* uint32 recipient || uint32 data_type_code || string data */
int ws_conn_on_extended_data(struct ws_conn *c, struct ws_buf *b)
{
	struct ws_channel *ch;
	struct ws_bytes data;
	uint32_t type;
	WS_TRY(ws_chan_recipient(c, b, &ch));
	WS_TRY(ws_buf_get_u32(b, &type));
	WS_TRY(ws_buf_get_string(b, &data, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_expect_end(b));
	if (type == 0)
		return ws_conn_fail(c, WS_ERR_CHANNEL, "extended data with type 0");
	return receive(c, ch, type, data);
}

static int send_stream(struct ws_conn *c, uint32_t id, bool ext, uint32_t ext_type, const uint8_t *data,
		       size_t len, size_t *accepted)
{
	struct ws_channel *ch;
	size_t sent = 0;
	*accepted = 0;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(data != NULL || len == 0, WS_ERR_INVALID_ARG);
	WS_ENSURE(ch->state != WS_CH_PEER_OPENING && !ch->eof_called && !ch->close_called,
		  WS_ERR_INVALID_ARG);
	WS_ENSURE(!ch->close_received, WS_ERR_CLOSED);
	if (len == 0)
		return WS_OK;
	WS_TRY(ws_chan_settle_current_request(c, ch));
	if (ch->state == WS_CH_OPEN && ws_outq_empty(ch)) {
		uint32_t n;
		while (sent < len && (n = ws_chan_data_chunk(ch, len - sent)) > 0) {
			WS_TRY(ws_chan_send_data_msg(c, ch, ext, ext_type, data + sent, n));
			sent += n;
		}
	}
	enum ws_outq_kind kind = ext ? WS_Q_EXT : WS_Q_DATA;
	*accepted = sent + ws_outq_push_data(c, ch, kind, ext_type, data + sent, len - sent);
	if (*accepted < len)
		ch->blocked = true;
	return *accepted == 0 ? WS_ERR_LIMIT : WS_OK;
}

int ws_conn_send_data(struct ws_conn *c, uint32_t id, const void *data, size_t len, size_t *accepted)
{
	return send_stream(c, id, false, 0, data, len, accepted);
}

int ws_conn_send_extended(struct ws_conn *c, uint32_t id, uint32_t ext_type, const void *data, size_t len,
			  size_t *accepted)
{
	*accepted = 0;
	WS_ENSURE(ext_type != 0, WS_ERR_INVALID_ARG);
	return send_stream(c, id, true, ext_type, data, len, accepted);
}

/* Re-open our window once the embedder consumed half of it (fewer, larger WINDOW_ADJUSTs). */
int ws_conn_consumed(struct ws_conn *c, uint32_t id, size_t n)
{
	struct ws_channel *ch;
	WS_TRY(ws_chan_api(c, id, &ch));
	WS_ENSURE(n <= ch->unconsumed, WS_ERR_INVALID_ARG);
	ch->unconsumed -= (uint32_t)n;
	ch->consumed_unadjusted += (uint32_t)n;
	uint32_t threshold = c->cfg.window / 2 > 0 ? c->cfg.window / 2 : 1;
	if (ch->consumed_unadjusted < threshold || ch->close_called || ch->close_received || ch->eof_received)
		return WS_OK;
	uint8_t mem[16];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_chan_put_header(&b, WS_MSG_CHANNEL_WINDOW_ADJUST, ch));
	WS_TRY(ws_buf_put_u32(&b, ch->consumed_unadjusted));
	ch->local_window += ch->consumed_unadjusted;
	ch->consumed_unadjusted = 0;
	return ws_conn_send_buf(c, &b);
}
