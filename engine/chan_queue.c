/* chan_queue.c — a channel's outgoing queue: what the embedder sent beyond the peer's window (or
 * before the peer confirmed the channel), as records in send order — data, extended data,
 * requests, EOF, CLOSE — flushed as WINDOW_ADJUST opens room (RFC 4254 §5.2). */
#include <stdlib.h>
#include <string.h>

#include "engine/conn_internal.h"

static size_t outq_capacity(const struct ws_conn *c)
{
	return c->cfg.max_pending + WS_OUTQ_RESERVE;
}

size_t ws_outq_used(const struct ws_channel *ch)
{
	return ch->q.tail - ch->q.head;
}

bool ws_outq_empty(const struct ws_channel *ch)
{
	return ch->q.tail == ch->q.head;
}

void ws_outq_drop(struct ws_channel *ch)
{
	free(ch->q.mem);
	memset(&ch->q, 0, sizeof(ch->q));
}

static void put_hdr(uint8_t *p, enum ws_outq_kind kind, uint32_t ext, uint32_t len)
{
	ws_store_be32(p, (uint32_t)kind);
	ws_store_be32(p + 4, ext);
	ws_store_be32(p + 8, len);
}

static void get_hdr(const uint8_t *p, enum ws_outq_kind *kind, uint32_t *ext, uint32_t *len)
{
	*kind = (enum ws_outq_kind)ws_load_be32(p);
	*ext = ws_load_be32(p + 4);
	*len = ws_load_be32(p + 8);
}

/* Free room for a record; control records (EOF, CLOSE) may use the reserve. */
static size_t outq_room(const struct ws_conn *c, const struct ws_channel *ch, bool control)
{
	size_t limit = control ? outq_capacity(c) : c->cfg.max_pending;
	size_t used = ws_outq_used(ch);
	return limit > used ? limit - used : 0;
}

/* Make need contiguous bytes writable at the tail (need <= room was checked). */
static int outq_make_room(struct ws_conn *c, struct ws_channel *ch, size_t need)
{
	struct ws_outq *q = &ch->q;
	if (q->mem == NULL) {
		q->mem = malloc(outq_capacity(c));
		WS_ENSURE(q->mem != NULL, WS_ERR_NO_MEMORY);
	}
	if (outq_capacity(c) - q->tail >= need)
		return WS_OK;
	memmove(q->mem, q->mem + q->head, ws_outq_used(ch));
	q->last -= q->head;
	q->tail -= q->head;
	q->head = 0;
	return WS_OK;
}

int ws_outq_push(struct ws_conn *c, struct ws_channel *ch, enum ws_outq_kind kind, const uint8_t *data,
		 size_t len)
{
	bool control = kind == WS_Q_EOF || kind == WS_Q_CLOSE;
	WS_ENSURE(len <= outq_capacity(c) && outq_room(c, ch, control) >= WS_OUTQ_HDR + len, WS_ERR_LIMIT);
	WS_TRY(outq_make_room(c, ch, WS_OUTQ_HDR + len));
	struct ws_outq *q = &ch->q;
	put_hdr(q->mem + q->tail, kind, 0, (uint32_t)len);
	if (len > 0)
		memcpy(q->mem + q->tail + WS_OUTQ_HDR, data, len);
	q->last = q->tail;
	q->tail += WS_OUTQ_HDR + len;
	return WS_OK;
}

static bool last_record_is(const struct ws_channel *ch, enum ws_outq_kind kind, uint32_t ext)
{
	enum ws_outq_kind k;
	uint32_t e, len;
	if (ws_outq_empty(ch))
		return false;
	get_hdr(ch->q.mem + ch->q.last, &k, &e, &len);
	return k == kind && e == ext;
}

size_t ws_outq_push_data(struct ws_conn *c, struct ws_channel *ch, enum ws_outq_kind kind, uint32_t ext,
			 const uint8_t *data, size_t len)
{
	size_t room = outq_room(c, ch, false);
	bool merge = last_record_is(ch, kind, ext);
	size_t overhead = merge ? 0 : WS_OUTQ_HDR;
	if (room <= overhead || len == 0)
		return 0;
	size_t take = len < room - overhead ? len : room - overhead;
	if (outq_make_room(c, ch, overhead + take) < 0)
		return 0;
	struct ws_outq *q = &ch->q;
	if (merge) {
		enum ws_outq_kind k;
		uint32_t e, old;
		get_hdr(q->mem + q->last, &k, &e, &old);
		put_hdr(q->mem + q->last, kind, ext, old + (uint32_t)take);
	} else {
		put_hdr(q->mem + q->tail, kind, ext, (uint32_t)take);
		q->last = q->tail;
	}
	memcpy(q->mem + q->tail + overhead, data, take);
	q->tail += overhead + take;
	return take;
}

/* n bytes of the head data record went out: drop it, or move its header past them. */
static void consume_head_data(struct ws_outq *q, enum ws_outq_kind kind, uint32_t ext, uint32_t len,
			      uint32_t n)
{
	if (n == len) {
		q->head += WS_OUTQ_HDR + len;
		return;
	}
	bool was_last = q->last == q->head;
	q->head += n;
	put_hdr(q->mem + q->head, kind, ext, len - n);
	if (was_last)
		q->last = q->head;
}

/* Send the head record if the window allows; *progress false when it does not. */
static int flush_one(struct ws_conn *c, struct ws_channel *ch, bool *progress)
{
	struct ws_outq *q = &ch->q;
	uint8_t *rec = q->mem + q->head;
	enum ws_outq_kind kind;
	uint32_t ext, len;
	get_hdr(rec, &kind, &ext, &len);
	*progress = true;
	if (kind == WS_Q_DATA || kind == WS_Q_EXT) {
		uint32_t n = ws_chan_data_chunk(ch, len);
		if (n == 0) {
			*progress = false;
			return WS_OK;
		}
		WS_TRY(ws_chan_send_data_msg(c, ch, kind == WS_Q_EXT, ext, rec + WS_OUTQ_HDR, n));
		consume_head_data(q, kind, ext, len, n);
		return WS_OK;
	}
	q->head += WS_OUTQ_HDR + len;
	if (kind == WS_Q_REQUEST)
		return ws_chan_send_request_now(c, ch, rec + WS_OUTQ_HDR, len);
	if (kind == WS_Q_EOF)
		return ws_chan_send_eof_now(c, ch);
	return ws_chan_send_close_now(c, ch);
}

int ws_outq_flush(struct ws_conn *c, struct ws_channel *ch)
{
	bool progress = true;
	if (ch->state != WS_CH_OPEN)
		return WS_OK;
	while (!ws_outq_empty(ch) && progress) {
		WS_ENSURE(c->error == 0, c->error);
		WS_TRY(flush_one(c, ch, &progress));
	}
	if (ws_outq_empty(ch) && ch->q.mem != NULL)
		ch->q.head = ch->q.tail = 0;
	return WS_OK;
}
