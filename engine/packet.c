/* packet.c — the binary packet protocol (RFC 4253 §6): framing outgoing payloads (random padding,
 * block alignment, sequence numbers) into the tx ring, framing received bytes into the rx packet
 * area, and moving packets through the crypto burst API. Buffers are allocated once at setup. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "engine/transport_int.h"

#define MIN_PACKET_TOTAL 16u /* §6: minimum packet size is 16 bytes (or the block size) */

static uint32_t align_up(size_t v)
{
	return (uint32_t)((v + WS_PKT_ALIGN - 1) & ~(size_t)(WS_PKT_ALIGN - 1));
}

/* Place `need` bytes in a ring whose live allocations run from `first` to `last_end`
 * (wrapped when last_end <= first). */
static bool ring_place(size_t cap, bool live, uint32_t first, uint32_t last_end, size_t need,
		       uint32_t *at)
{
	if (!live) {
		*at = 0;
		return need <= cap;
	}
	if (last_end > first) {
		if (cap - last_end >= need) {
			*at = last_end;
			return true;
		}
		*at = 0;
		return first >= need;
	}
	*at = last_end;
	return first - last_end >= need;
}

int ws_packet_rings_init(struct ws_transport *t, size_t rx_size, size_t tx_size)
{
	size_t min_size = WS_TRANSPORT_MAX_PACKET + 4096u;
	rx_size = rx_size < min_size ? min_size : rx_size;
	tx_size = tx_size < 2 * min_size ? 2 * min_size : tx_size;
	WS_ENSURE(rx_size <= UINT32_MAX / 2 && tx_size <= UINT32_MAX / 2, WS_ERR_INVALID_ARG);
	t->rx.raw = malloc(rx_size);
	t->rx.raw_cap = rx_size;
	t->rx.cap = align_up(rx_size + 4096u);
	t->tx.cap = align_up(tx_size);
	/* aligned_alloc wants a size that is a multiple of the alignment */
	t->rx.mem = aligned_alloc(64, (t->rx.cap + 127u) & ~(size_t)63u);
	t->tx.mem = aligned_alloc(64, (t->tx.cap + 127u) & ~(size_t)63u);
	t->deferred.cap = 64u * 1024u;
	t->deferred.mem = malloc(t->deferred.cap);
	if (t->rx.raw == NULL || t->rx.mem == NULL || t->tx.mem == NULL || t->deferred.mem == NULL)
		return WS_ERR_NO_MEMORY;
	return WS_OK;
}

static void free_wiped(void *p, size_t len)
{
	if (p != NULL)
		sodium_memzero(p, len);
	free(p);
}

void ws_packet_rings_free(struct ws_transport *t)
{
	free_wiped(t->rx.raw, t->rx.raw_cap);
	free_wiped(t->rx.mem, t->rx.cap);
	free_wiped(t->tx.mem, t->tx.cap);
	free_wiped(t->deferred.mem, t->deferred.cap);
}

/* ---------------------------------------------------------------- tx ring */

static struct ws_tx_desc *txd(struct ws_tx_ring *r, uint32_t i)
{
	return &r->desc[i & (WS_TX_DESC_MAX - 1)];
}

static bool tx_place(const struct ws_tx_ring *r, size_t need, size_t reserve_desc, uint32_t *at)
{
	uint32_t count = r->tail - r->head;
	if (count + 1 + reserve_desc > WS_TX_DESC_MAX)
		return false;
	uint32_t first = count ? r->desc[r->head & (WS_TX_DESC_MAX - 1)].alloc_off : 0;
	uint32_t last = count ? r->desc[(r->tail - 1) & (WS_TX_DESC_MAX - 1)].alloc_end : 0;
	return ring_place(r->cap, count > 0, first, last, need, at);
}

static int tx_alloc(struct ws_tx_ring *r, size_t out_len, struct ws_tx_desc **out)
{
	uint32_t at;
	size_t need = align_up(WS_PKT_GAP + out_len);
	*out = NULL;
	WS_ENSURE(tx_place(r, need, 0, &at), WS_ERR_AGAIN);
	struct ws_tx_desc *d = txd(r, r->tail++);
	memset(d, 0, sizeof(*d));
	d->alloc_off = at;
	d->alloc_end = at + (uint32_t)need;
	d->off = at + WS_PKT_GAP;
	d->out_len = (uint32_t)out_len;
	*out = d;
	return WS_OK;
}

/* Padding so that (4 + packet_length - aad_len) is a multiple of the block size, at least four
 * bytes (RFC 4253 §6: "There MUST be at least four bytes of padding"), at least 16 bytes total. */
static void packet_geometry(const struct ws_cipher_ctx *ctx, size_t len, uint32_t *padlen,
			    uint32_t *pkt_len, uint32_t *out_len)
{
	uint32_t bs = ctx ? ws_cipher_ctx_block_size(ctx) : 8u;
	uint32_t aad = ctx ? ws_cipher_ctx_aad_len(ctx) : 0u;
	uint32_t body = 4u + 1u + (uint32_t)len;
	bs = bs < 8u ? 8u : bs;
	uint32_t pad = bs - ((body - aad) % bs);
	if (pad < 4u)
		pad += bs;
	while (body + pad < MIN_PACKET_TOTAL)
		pad += bs;
	*padlen = pad;
	*pkt_len = body + pad;
	*out_len = body + pad + (ctx ? ws_cipher_ctx_tag_len(ctx) : 0u);
}

bool ws_packet_room(const struct ws_transport *t, size_t payload_len, bool keep_reserve)
{
	uint32_t pad, pkt_len, out_len, at;
	packet_geometry(t->tx_ctx, payload_len, &pad, &pkt_len, &out_len);
	size_t need = align_up(WS_PKT_GAP + out_len) + (keep_reserve ? WS_TX_RESERVE : 0u);
	return tx_place(&t->tx, need, keep_reserve ? WS_TX_RESERVE_DESC : 0u, &at);
}

size_t ws_parts_len(const struct ws_bytes *parts, size_t nparts)
{
	size_t len = 0;
	for (size_t i = 0; i < nparts; i++)
		len += parts[i].len;
	return len;
}

int ws_packet_queue(struct ws_transport *t, const uint8_t *payload, size_t len)
{
	struct ws_bytes part = {payload, len};
	return ws_packet_queuev(t, &part, 1);
}

int ws_packet_queuev(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts)
{
	uint32_t pad, pkt_len, out_len;
	struct ws_tx_desc *d;
	struct ws_buf w;
	uint8_t *padding;
	size_t len = ws_parts_len(parts, nparts);
	WS_ENSURE(len >= 1 && len <= WS_TRANSPORT_MAX_PAYLOAD, WS_ERR_INVALID_ARG);
	packet_geometry(t->tx_ctx, len, &pad, &pkt_len, &out_len);
	WS_TRY(tx_alloc(&t->tx, out_len, &d));
	ws_buf_init_write(&w, t->tx.mem + d->off, pkt_len);
	WS_TRY(ws_buf_put_u32(&w, pkt_len - 4u));
	WS_TRY(ws_buf_put_u8(&w, (uint8_t)pad));
	for (size_t i = 0; i < nparts; i++)
		WS_TRY(ws_buf_put_bytes(&w, parts[i].ptr, parts[i].len));
	WS_TRY(ws_buf_reserve(&w, pad, &padding));
	randombytes_buf(padding, pad); /* §6: random padding */
	d->pkt_len = pkt_len;
	d->seqnr = t->tx_seqnr++; /* §6.4: wraps around to 0 after 2^32 - 1 */
	d->ctx = t->tx_ctx;
	d->state = t->tx_ctx ? WS_TXD_UNSEALED : WS_TXD_SEALED;
	t->tx_bytes += pkt_len;
	t->tx_packets++;
	return WS_OK;
}

int ws_packet_queue_raw(struct ws_transport *t, const void *bytes, size_t len)
{
	struct ws_tx_desc *d;
	WS_TRY(tx_alloc(&t->tx, len, &d));
	memcpy(t->tx.mem + d->off, bytes, len);
	d->state = WS_TXD_SEALED;
	return WS_OK;
}

unsigned ws_transport_collect_seal(struct ws_transport *t, struct ws_crypto_pkt *pkts, unsigned max)
{
	struct ws_tx_ring *r = &t->tx;
	unsigned n = 0;
	while (r->seal != r->tail && txd(r, r->seal)->state == WS_TXD_SEALED)
		r->seal++;
	for (uint32_t i = r->seal; i != r->tail && n < max; i++) {
		struct ws_tx_desc *d = txd(r, i);
		if (d->state != WS_TXD_UNSEALED)
			break;
		d->state = WS_TXD_IN_FLIGHT;
		pkts[n] = (struct ws_crypto_pkt){.ctx = d->ctx, .buf = r->mem + d->off,
						 .len = d->pkt_len, .seqnr = d->seqnr, .status = WS_OK};
		n++;
	}
	return n;
}

int ws_transport_complete_seal(struct ws_transport *t, const struct ws_crypto_pkt *pkts, unsigned n)
{
	struct ws_tx_ring *r = &t->tx;
	int rc = WS_OK;
	for (unsigned k = 0; k < n; k++) {
		struct ws_tx_desc *d = txd(r, r->seal);
		if (r->seal == r->tail || d->state != WS_TXD_IN_FLIGHT || pkts[k].buf != r->mem + d->off)
			return ws_transport_fail(t, WS_ERR_INTERNAL, WS_DISCONNECT_PROTOCOL_ERROR,
						 "sealed packets handed back out of order");
		d->state = WS_TXD_SEALED;
		r->seal++;
		if (pkts[k].status != WS_OK && rc == WS_OK)
			rc = pkts[k].status;
	}
	if (rc != WS_OK)
		return ws_transport_fail(t, WS_ERR_CRYPTO, 0, "sealing a packet failed: %s",
					 ws_strerror(rc));
	return WS_OK;
}

int ws_packet_seal_all(struct ws_transport *t)
{
	struct ws_crypto_pkt pkts[WS_CRYPTO_MAX_BURST];
	unsigned n;
	while ((n = ws_transport_collect_seal(t, pkts, WS_CRYPTO_MAX_BURST)) > 0) {
		if (t->eng == NULL)
			return ws_transport_fail(t, WS_ERR_INVALID_ARG, 0, "no crypto engine set");
		ws_crypto_seal_burst(t->eng, pkts, n);
		WS_TRY(ws_transport_complete_seal(t, pkts, n));
	}
	return WS_OK;
}

unsigned ws_transport_output_segments(struct ws_transport *t, struct ws_bytes *segs, unsigned max)
{
	struct ws_tx_ring *r = &t->tx;
	unsigned n = 0;
	for (uint32_t i = r->head; i != r->tail && n < max; i++) {
		struct ws_tx_desc *d = txd(r, i);
		if (d->state != WS_TXD_SEALED)
			break;
		size_t skip = i == r->head ? r->head_written : 0;
		segs[n].ptr = r->mem + d->off + skip;
		segs[n].len = d->out_len - skip;
		n++;
	}
	return n;
}

bool ws_transport_output_pending(const struct ws_transport *t)
{
	return t->tx.head != t->tx.tail;
}

/* Mark n written bytes consumed; returns how many could not be matched to sealed bytes. */
static size_t tx_consume(struct ws_tx_ring *r, size_t n)
{
	while (n > 0 && r->head != r->tail) {
		struct ws_tx_desc *d = txd(r, r->head);
		if (d->state != WS_TXD_SEALED)
			break;
		size_t left = d->out_len - r->head_written;
		size_t take = n < left ? n : left;
		r->head_written += take;
		n -= take;
		if (r->head_written == d->out_len) {
			r->head++;
			r->head_written = 0;
			if (r->seal - r->head > WS_TX_DESC_MAX)
				r->seal = r->head;
		}
	}
	return n;
}

int ws_transport_output_consume(struct ws_transport *t, size_t n)
{
	WS_ENSURE(tx_consume(&t->tx, n) == 0, WS_ERR_INVALID_ARG);
	if (t->state == WS_TSTATE_OPEN && !ws_transport_tx_blocked(t))
		WS_TRY(ws_deferred_flush(t));
	return WS_OK;
}

/* ---------------------------------------------------------------- rx ring */

static struct ws_rx_desc *rxd(struct ws_rx_ring *r, uint32_t i)
{
	return &r->desc[i & (WS_RX_DESC_MAX - 1)];
}

bool ws_packet_rx_empty(const struct ws_transport *t)
{
	return t->rx.head == t->rx.tail;
}

bool ws_packet_rx_single(const struct ws_transport *t)
{
	return t->kex.running || t->kex_count == 0;
}

static bool rx_place(const struct ws_rx_ring *r, size_t need, uint32_t *at)
{
	uint32_t count = r->tail - r->head;
	if (count >= WS_RX_DESC_MAX)
		return false;
	uint32_t first = count ? r->desc[r->head & (WS_RX_DESC_MAX - 1)].alloc_off : 0;
	uint32_t last = count ? r->desc[(r->tail - 1) & (WS_RX_DESC_MAX - 1)].alloc_end : 0;
	return ring_place(r->cap, count > 0, first, last, need, at);
}

/* The packet_length of the next packet: from clear bytes, or decrypted by the crypto layer. */
static int rx_peek_length(struct ws_transport *t, const uint8_t *p, size_t avail, uint64_t ahead,
			  uint32_t *pl)
{
	const struct ws_cipher_ctx *ctx = t->rx_ctx;
	*pl = 0;
	if (ctx == NULL) {
		if (avail < 4)
			return 0;
		*pl = ws_load_be32(p);
		return 1;
	}
	const struct ws_mac_info *mac = ws_cipher_ctx_mac(ctx);
	bool clear = !ws_cipher_ctx_cipher(ctx)->length_encrypted || (mac != NULL && mac->etm);
	size_t first = clear ? 4u : ws_cipher_ctx_block_size(ctx);
	if (avail < first)
		return 0;
	if (t->eng == NULL)
		return ws_transport_fail(t, WS_ERR_INVALID_ARG, 0, "no crypto engine set");
	int rc = ws_crypto_peek_length_ahead(t->eng, ctx, t->rx_seqnr, ahead, p, first, pl);
	if (rc < 0)
		return ws_transport_fail(t, rc, WS_DISCONNECT_PROTOCOL_ERROR, "cannot read packet length");
	return 1;
}

/* §6.1 packet size and §6 block alignment of a packet about to be framed. */
static int rx_check_length(struct ws_transport *t, uint32_t pl)
{
	const struct ws_cipher_ctx *ctx = t->rx_ctx;
	uint32_t bs = ctx ? ws_cipher_ctx_block_size(ctx) : 8u;
	uint32_t aad = ctx ? ws_cipher_ctx_aad_len(ctx) : 0u;
	bs = bs < 8u ? 8u : bs;
	if (pl > WS_TRANSPORT_MAX_PACKET || pl < 1u + 4u)
		return ws_transport_fail(t, WS_ERR_PACKET_SIZE, WS_DISCONNECT_PROTOCOL_ERROR,
					 "bad packet length %u", pl);
	if ((4u + pl - aad) % bs != 0)
		return ws_transport_fail(t, WS_ERR_PADDING, WS_DISCONNECT_PROTOCOL_ERROR,
					 "packet length %u not a multiple of the block size %u", pl,
					 bs);
	return WS_OK;
}

/* Frame the next whole packet of the byte stream: 1 framed, 0 need more bytes/room, < 0 error.
 * ahead: bytes of this burst's earlier packets, which the crypto layer has not opened yet. */
static int rx_frame_one(struct ws_transport *t, uint64_t ahead, struct ws_rx_desc **out)
{
	struct ws_rx_ring *r = &t->rx;
	const uint8_t *p = r->raw + r->raw_r;
	size_t avail = r->raw_w - r->raw_r;
	uint32_t pl, at;
	int rc = rx_peek_length(t, p, avail, ahead, &pl);
	if (rc <= 0)
		return rc;
	WS_TRY(rx_check_length(t, pl));
	size_t total = 4u + (size_t)pl + (t->rx_ctx ? ws_cipher_ctx_tag_len(t->rx_ctx) : 0u);
	if (avail < total || !rx_place(r, align_up(WS_PKT_GAP + total), &at))
		return 0;
	struct ws_rx_desc *d = rxd(r, r->tail++);
	memset(d, 0, sizeof(*d));
	d->alloc_off = at;
	d->alloc_end = at + align_up(WS_PKT_GAP + total);
	d->off = at + WS_PKT_GAP;
	d->pkt_len = 4u + pl;
	d->seqnr = t->rx_seqnr++;
	d->ctx = t->rx_ctx;
	d->state = t->rx_ctx ? WS_RXD_FRAMED : WS_RXD_OPENED;
	memcpy(r->mem + d->off, p, total);
	r->raw_r += total;
	if (r->raw_r == r->raw_w)
		r->raw_r = r->raw_w = 0;
	*out = d;
	return 1;
}

unsigned ws_transport_collect_open(struct ws_transport *t, struct ws_crypto_pkt *pkts, unsigned max)
{
	struct ws_rx_ring *r = &t->rx;
	unsigned n = 0;
	uint64_t ahead = 0;
	if (t->state >= WS_TSTATE_CLOSED || !t->version_done || t->kex.awaiting_verdict)
		return 0;
	r->open = r->tail;
	while (n < max) {
		struct ws_rx_desc *d = NULL;
		if (ws_packet_rx_single(t) && !ws_packet_rx_empty(t))
			break;
		if (rx_frame_one(t, ahead, &d) <= 0)
			break;
		if (d->state == WS_RXD_OPENED) {
			r->open = r->tail;
			continue;
		}
		d->state = WS_RXD_IN_FLIGHT;
		pkts[n] = (struct ws_crypto_pkt){.ctx = d->ctx, .buf = r->mem + d->off,
						 .len = d->pkt_len, .seqnr = d->seqnr, .status = WS_OK};
		ahead += d->pkt_len;
		n++;
	}
	return n;
}

int ws_transport_complete_open(struct ws_transport *t, const struct ws_crypto_pkt *pkts, unsigned n)
{
	struct ws_rx_ring *r = &t->rx;
	for (unsigned k = 0; k < n; k++) {
		struct ws_rx_desc *d = rxd(r, r->open + k);
		if (d->state != WS_RXD_IN_FLIGHT || pkts[k].buf != r->mem + d->off)
			return ws_transport_fail(t, WS_ERR_INTERNAL, WS_DISCONNECT_PROTOCOL_ERROR,
						 "opened packets handed back out of order");
		d->state = WS_RXD_OPENED;
		d->status = pkts[k].status;
	}
	r->open += n;
	if (t->state >= WS_TSTATE_CLOSED)
		return WS_ERR_CLOSED;
	return WS_OK;
}

int ws_packet_open_some(struct ws_transport *t)
{
	struct ws_crypto_pkt pkts[WS_CRYPTO_MAX_BURST];
	unsigned n = ws_transport_collect_open(t, pkts, WS_CRYPTO_MAX_BURST);
	if (n == 0)
		return t->state == WS_TSTATE_FAILED ? t->error : WS_OK;
	ws_crypto_open_burst(t->eng, pkts, n);
	return ws_transport_complete_open(t, pkts, n);
}

/* §6: padding_length >= 4, and a payload of at least the message number. */
static int rx_payload(struct ws_transport *t, const struct ws_rx_desc *d, struct ws_bytes *payload)
{
	struct ws_buf b;
	uint32_t pl;
	uint8_t padlen;
	ws_buf_init_read(&b, t->rx.mem + d->off, d->pkt_len);
	WS_TRY(ws_buf_get_u32(&b, &pl));
	WS_TRY(ws_buf_get_u8(&b, &padlen));
	if (padlen < 4u || padlen >= ws_buf_avail(&b))
		return ws_transport_fail(t, WS_ERR_PADDING, WS_DISCONNECT_PROTOCOL_ERROR,
					 "bad padding length %u in packet of length %u", padlen, pl);
	payload->ptr = ws_buf_rptr(&b);
	payload->len = ws_buf_avail(&b) - padlen;
	return WS_OK;
}

int ws_packet_next(struct ws_transport *t, struct ws_bytes *payload, uint32_t *seqnr)
{
	struct ws_rx_ring *r = &t->rx;
	payload->ptr = NULL;
	payload->len = 0;
	if (r->head == r->tail || rxd(r, r->head)->state != WS_RXD_OPENED)
		return 0;
	struct ws_rx_desc *d = rxd(r, r->head);
	if (d->status != WS_OK)
		return ws_transport_fail(t, WS_ERR_MAC, WS_DISCONNECT_MAC_ERROR,
					 "message authentication failed on packet %u", d->seqnr);
	WS_TRY(rx_payload(t, d, payload));
	*seqnr = d->seqnr;
	t->rx_bytes += d->pkt_len;
	t->rx_packets++;
	return 1;
}

void ws_packet_release(struct ws_transport *t)
{
	if (t->rx.head != t->rx.tail)
		t->rx.head++;
	t->rx.view_held = false;
}

/* ---------------------------------------------------------------- raw input */

int ws_transport_input_space(struct ws_transport *t, uint8_t **space, size_t *room)
{
	struct ws_rx_ring *r = &t->rx;
	*space = NULL;
	*room = 0;
	WS_ENSURE(t->state < WS_TSTATE_CLOSED, WS_ERR_CLOSED);
	if (r->raw_r > 0) {
		memmove(r->raw, r->raw + r->raw_r, r->raw_w - r->raw_r);
		r->raw_w -= r->raw_r;
		r->raw_r = 0;
	}
	*space = r->raw + r->raw_w;
	*room = r->raw_cap - r->raw_w;
	return WS_OK;
}

int ws_transport_input_commit(struct ws_transport *t, size_t n)
{
	WS_ENSURE(t->state < WS_TSTATE_CLOSED, WS_ERR_CLOSED);
	WS_ENSURE(n <= t->rx.raw_cap - t->rx.raw_w, WS_ERR_INVALID_ARG);
	t->rx.raw_w += n;
	return WS_OK;
}

int ws_transport_input(struct ws_transport *t, const void *data, size_t len)
{
	uint8_t *space;
	size_t room;
	WS_TRY(ws_transport_input_space(t, &space, &room));
	size_t take = len < room ? len : room;
	if (take > 0)
		memcpy(space, data, take);
	WS_TRY(ws_transport_input_commit(t, take));
	return (int)(take > INT32_MAX ? INT32_MAX : take);
}

void ws_transport_input_eof(struct ws_transport *t)
{
	t->rx.eof = true;
}

/* ---------------------------------------------------------------- deferred payloads */

static int deferred_reserve(struct ws_deferred *q, size_t need)
{
	if (q->r > 0) {
		memmove(q->mem, q->mem + q->r, q->w - q->r);
		q->w -= q->r;
		q->r = 0;
	}
	if (q->cap - q->w >= need)
		return WS_OK;
	size_t cap = q->cap;
	while (cap - q->w < need && cap < WS_DEFERRED_MAX)
		cap *= 2;
	WS_ENSURE(cap - q->w >= need, WS_ERR_AGAIN);
	uint8_t *mem = malloc(cap);
	WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
	memcpy(mem, q->mem, q->w);
	free_wiped(q->mem, q->cap);
	q->mem = mem;
	q->cap = cap;
	return WS_OK;
}

int ws_deferred_push(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts)
{
	struct ws_deferred *q = &t->deferred;
	size_t len = ws_parts_len(parts, nparts);
	WS_TRY(deferred_reserve(q, 4u + len));
	ws_store_be32(q->mem + q->w, (uint32_t)len);
	size_t at = q->w + 4u;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].len > 0)
			memcpy(q->mem + at, parts[i].ptr, parts[i].len);
		at += parts[i].len;
	}
	q->w = at;
	return WS_OK;
}

int ws_deferred_flush(struct ws_transport *t)
{
	struct ws_deferred *q = &t->deferred;
	while (q->w - q->r >= 4u) {
		uint32_t len = ws_load_be32(q->mem + q->r);
		if (!ws_packet_room(t, len, true))
			return WS_OK;
		WS_TRY(ws_packet_queue(t, q->mem + q->r + 4, len));
		q->r += 4u + len;
	}
	q->r = q->w = 0;
	return WS_OK;
}
