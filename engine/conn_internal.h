/* conn_internal.h — the connection protocol's state shared by engine/conn.c (dispatch, global
 * requests, errors), engine/channel.c (channels, windows, data) and engine/conn_requests.c. */
#ifndef WARPSSH_ENGINE_CONN_INTERNAL_H
#define WARPSSH_ENGINE_CONN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/conn.h"

#define WS_CONN_NAME_MAX 64u	/* request and channel type names */
#define WS_CONN_HOST_MAX 1024u	/* direct-tcpip / tcpip-forward addresses */
#define WS_CONN_SMALL_MSG 1024u /* requests up to this size are built on the stack */
#define WS_CONN_MAX_CHANNELS_CAP 65536u
#define WS_CONN_MAX_PENDING_CAP (64u * 1024u * 1024u)
#define WS_OUTQ_HDR 12u			   /* queued record: u32 kind || u32 ext type || u32 length */
#define WS_OUTQ_RESERVE (2u * WS_OUTQ_HDR) /* room kept for one EOF and one CLOSE record */

/* Answers owed to the peer, sent strictly in the order its requests came (RFC 4254 §4, §5.4). */
enum ws_reply_state { WS_REPLY_PENDING, WS_REPLY_OK, WS_REPLY_FAIL };
struct ws_reply_slot {
	uint8_t state;
	bool has_port; /* global tcpip-forward SUCCESS carries the bound port */
	uint32_t port;
};
struct ws_reply_fifo {
	struct ws_reply_slot slot[WS_CONN_MAX_PENDING_REPLIES];
	uint32_t first_seq; /* sequence number of the oldest slot */
	uint32_t count;
};

/* What a channel queued behind the peer's window: records in send order. */
enum ws_outq_kind { WS_Q_DATA, WS_Q_EXT, WS_Q_REQUEST, WS_Q_EOF, WS_Q_CLOSE };
struct ws_outq {
	uint8_t *mem; /* allocated on first use: max_pending + WS_OUTQ_RESERVE bytes */
	size_t head, tail;
	size_t last; /* offset of the newest record (valid when non-empty) */
};

enum ws_chan_state { WS_CH_OPENING = 1, WS_CH_PEER_OPENING, WS_CH_OPEN };

struct ws_channel {
	uint32_t id; /* ours: the index in the table */
	enum ws_chan_state state;
	enum ws_chan_type type;
	uint32_t remote_id;
	uint32_t remote_window;	    /* bytes the peer still accepts (<= 2^32-1) */
	uint32_t remote_max_packet; /* min(peer's, our max_send_packet) */
	uint32_t local_window;	    /* bytes we still accept */
	uint32_t unconsumed;	    /* delivered, not yet consumed by the embedder */
	uint32_t consumed_unadjusted;
	bool eof_received, close_received;
	bool eof_called, close_called; /* asked by the embedder (maybe still queued) */
	bool eof_sent, close_sent;     /* on the wire */
	bool blocked;		       /* a send was cut short: WINDOW_SPACE owed */
	uint32_t requests_outstanding; /* our want_reply requests not yet answered */
	struct ws_reply_fifo replies;
	struct ws_outq q;
	void *user;
};

struct ws_conn {
	struct ws_conn_config cfg;
	struct ws_conn_handler handler;
	struct ws_payload_sink sink;
	struct ws_channel **ch; /* cfg.max_channels slots; NULL when free */
	uint32_t nopen;
	struct ws_reply_fifo global_replies;
	uint32_t global_outstanding;
	bool no_more_sessions;
	int error;
	struct ws_disconnect_info disc;
	/* The channel request whose event is being delivered: if the embedder sends on that
	 * channel from inside the callback, the answer it already set goes out first. */
	struct {
		struct ws_channel *ch;
		const struct ws_conn_event *ev;
		uint32_t seq;
	} cur_req;
};

/* conn.c */
int ws_conn_fail(struct ws_conn *c, int err, const char *message);
void ws_conn_emit(struct ws_conn *c, struct ws_conn_event *ev);
WS_MUST_USE int ws_conn_send_parts(struct ws_conn *c, const struct ws_bytes *parts, size_t n);
WS_MUST_USE int ws_conn_send_buf(struct ws_conn *c, const struct ws_buf *b);
WS_MUST_USE int ws_reply_fifo_push(struct ws_reply_fifo *f, enum ws_reply_state state, uint32_t *seq);
WS_MUST_USE int ws_reply_fifo_answer(struct ws_reply_fifo *f, bool ok, uint32_t port);
/* If slot seq is still pending, decide it from an event answer (DEFER leaves it pending). */
void ws_reply_fifo_settle(struct ws_reply_fifo *f, uint32_t seq, enum ws_conn_answer answer, uint32_t port);
struct ws_reply_slot *ws_reply_fifo_front_ready(struct ws_reply_fifo *f);
void ws_reply_fifo_pop(struct ws_reply_fifo *f);
int ws_buf_expect_end(const struct ws_buf *b);

/* channel.c */
struct ws_channel *ws_chan_lookup(struct ws_conn *c, uint32_t id);
uint32_t ws_chan_id(const struct ws_conn *c, const struct ws_channel *ch);
/* Read a recipient channel id and find an open channel for it, or fail the connection. */
WS_MUST_USE int ws_chan_recipient(struct ws_conn *c, struct ws_buf *b, struct ws_channel **out);
WS_MUST_USE int ws_chan_put_header(struct ws_buf *b, uint8_t msg, const struct ws_channel *ch);
/* Send now if nothing is queued ahead and the channel is open, else queue (keeps order). */
WS_MUST_USE int ws_chan_queue_or_send_request(struct ws_conn *c, struct ws_channel *ch, struct ws_buf *req);
WS_MUST_USE int ws_chan_send_request_now(struct ws_conn *c, struct ws_channel *ch, uint8_t *payload,
					 size_t len);
WS_MUST_USE int ws_chan_send_eof_now(struct ws_conn *c, struct ws_channel *ch);
WS_MUST_USE int ws_chan_send_close_now(struct ws_conn *c, struct ws_channel *ch);
WS_MUST_USE int ws_chan_flush_replies(struct ws_conn *c, struct ws_channel *ch);
/* Channel for an API call: WS_ERR_CLOSED after failure, WS_ERR_INVALID_ARG for a bad id. */
WS_MUST_USE int ws_chan_api(struct ws_conn *c, uint32_t id, struct ws_channel **out);
void ws_chan_free_all(struct ws_conn *c);
WS_MUST_USE int ws_conn_on_channel_open(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_open_confirmation(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_open_failure(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_window_adjust(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_data(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_extended_data(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_eof(struct ws_conn *c, struct ws_buf *b);
WS_MUST_USE int ws_conn_on_close(struct ws_conn *c, struct ws_buf *b);

/* channel_data.c */
/* Bytes of a len-byte send that fit the peer's window and max packet now (0: none). */
uint32_t ws_chan_data_chunk(const struct ws_channel *ch, size_t len);
WS_MUST_USE int ws_chan_send_data_msg(struct ws_conn *c, struct ws_channel *ch, bool ext, uint32_t ext_type,
				      const uint8_t *data, uint32_t n);
/* Flush the queue after the window grew or the channel opened; WINDOW_SPACE if owed. */
WS_MUST_USE int ws_chan_window_opened(struct ws_conn *c, struct ws_channel *ch);

/* chan_queue.c */
size_t ws_outq_used(const struct ws_channel *ch);
bool ws_outq_empty(const struct ws_channel *ch);
void ws_outq_drop(struct ws_channel *ch);
/* Whole record or WS_ERR_LIMIT; EOF and CLOSE may use the reserve. */
WS_MUST_USE int ws_outq_push(struct ws_conn *c, struct ws_channel *ch, enum ws_outq_kind kind,
			     const uint8_t *data, size_t len);
/* As much data as fits (merged into the newest record when it has the same kind); returns it. */
size_t ws_outq_push_data(struct ws_conn *c, struct ws_channel *ch, enum ws_outq_kind kind, uint32_t ext,
			 const uint8_t *data, size_t len);
WS_MUST_USE int ws_outq_flush(struct ws_conn *c, struct ws_channel *ch);

/* conn_requests.c */
WS_MUST_USE int ws_conn_on_channel_request(struct ws_conn *c, struct ws_buf *b);
/* Called before anything is sent on ch: answer the request being delivered, if decided. */
WS_MUST_USE int ws_chan_settle_current_request(struct ws_conn *c, struct ws_channel *ch);
WS_MUST_USE int ws_conn_on_channel_reply(struct ws_conn *c, struct ws_buf *b, bool ok);

#endif
