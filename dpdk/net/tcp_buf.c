/* tcp_buf.c — per-connection byte stores: the send queue (mbufs in sequence order, sent as indirect
 * clones so payload is never copied), the receive ring, and the sorted interval sets used for
 * out-of-order data and the SACK scoreboard. */
#include <stdlib.h>
#include <string.h>

#include "wsnet_impl.h"

int wsnet_sndq_init(struct wsnet_sndq *q, uint32_t entries)
{
	memset(q, 0, sizeof(*q));
	q->ring = calloc(entries, sizeof(*q->ring));
	WS_ENSURE(q->ring != NULL, WS_ERR_NO_MEMORY);
	q->cap = entries;
	return WS_OK;
}

static struct rte_mbuf *sndq_at(const struct wsnet_sndq *q, uint32_t i)
{
	return q->ring[(q->head + i) % q->cap];
}

void wsnet_sndq_free(struct wsnet_sndq *q)
{
	if (q->ring == NULL)
		return;
	for (uint32_t i = 0; i < q->count; i++)
		rte_pktmbuf_free(sndq_at(q, i));
	free(q->ring);
	memset(q, 0, sizeof(*q));
}

void wsnet_sndq_ack(struct wsnet_sndq *q, uint32_t seq)
{
	while (q->count > 0) {
		struct rte_mbuf *m = sndq_at(q, 0);
		if (SEQ_GT(q->head_seq + m->data_len, seq))
			break;
		q->head_seq += m->data_len;
		q->bytes -= m->data_len;
		rte_pktmbuf_free(m);
		q->head = (q->head + 1) % q->cap;
		q->count--;
		if (q->cur_idx > 0)
			q->cur_idx--;
		else
			q->cur_seq = q->head_seq;
	}
}

static void sndq_push(struct wsnet_sndq *q, struct rte_mbuf *m)
{
	q->ring[(q->head + q->count) % q->cap] = m;
	q->count++;
	q->bytes += m->data_len;
}

int wsnet_sndq_append_mbuf(struct wsnet_sndq *q, struct rte_mbuf *m)
{
	if (q->count + m->nb_segs > q->cap) {
		rte_pktmbuf_free(m);
		return WS_ERR_AGAIN;
	}
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0)
			rte_pktmbuf_free(m);
		else
			sndq_push(q, m);
		m = next;
	}
	return WS_OK;
}

/* Our own tail mbuf (not one handed in by the caller) may be filled further. */
static struct rte_mbuf *fillable_tail(const struct wsnet_sndq *q, const struct rte_mempool *pool)
{
	if (q->count == 0)
		return NULL;
	struct rte_mbuf *t = sndq_at(q, q->count - 1);
	if (t->pool != pool || RTE_MBUF_CLONED(t) || rte_pktmbuf_tailroom(t) == 0 || t->buf_len < 1024)
		return NULL;
	return t;
}

size_t wsnet_sndq_append_bytes(struct wsnet_sndq *q, struct rte_mempool *pool, const uint8_t *p, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct rte_mbuf *t = fillable_tail(q, pool);
		if (t == NULL) {
			if (q->count == q->cap || (t = rte_pktmbuf_alloc(pool)) == NULL)
				break;
			sndq_push(q, t);
		}
		size_t n = RTE_MIN((size_t)rte_pktmbuf_tailroom(t), len - done);
		memcpy(rte_pktmbuf_append(t, (uint16_t)n), p + done, n);
		q->bytes += (uint32_t)n;
		done += n;
	}
	return done;
}

/* Entry index holding seq (which must lie inside the queue), starting from the lookup cache. */
static uint32_t sndq_find(struct wsnet_sndq *q, uint32_t seq, uint32_t *entry_seq)
{
	uint32_t i = 0, s = q->head_seq;
	if (q->cur_idx < q->count && SEQ_LEQ(q->cur_seq, seq)) {
		i = q->cur_idx;
		s = q->cur_seq;
	}
	while (i < q->count && SEQ_LEQ(s + sndq_at(q, i)->data_len, seq)) {
		s += sndq_at(q, i)->data_len;
		i++;
	}
	q->cur_idx = i;
	q->cur_seq = s;
	*entry_seq = s;
	return i;
}

static int add_piece(struct rte_mempool *pool, struct rte_mbuf *hdr, struct rte_mbuf *e, uint32_t off,
	uint32_t n, bool chain)
{
	if (!chain) {
		char *dst = rte_pktmbuf_append(hdr, (uint16_t)n);
		WS_ENSURE(dst != NULL, WS_ERR_NO_SPACE);
		memcpy(dst, rte_pktmbuf_mtod_offset(e, const char *, off), n);
		return WS_OK;
	}
	struct rte_mbuf *mi = rte_pktmbuf_alloc(pool);
	WS_ENSURE(mi != NULL, WS_ERR_NO_MEMORY);
	rte_pktmbuf_attach(mi, e);
	rte_pktmbuf_adj(mi, (uint16_t)off);
	rte_pktmbuf_trim(mi, (uint16_t)(mi->data_len - n));
	if (rte_pktmbuf_chain(hdr, mi) != 0) {
		rte_pktmbuf_free(mi);
		return WS_ERR_LIMIT;
	}
	return WS_OK;
}

int wsnet_sndq_attach(struct wsnet_sndq *q, struct rte_mempool *pool, struct rte_mbuf *hdr, uint32_t seq,
	uint32_t len, bool chain)
{
	uint32_t es;
	uint32_t i = sndq_find(q, seq, &es);
	WS_ENSURE(SEQ_GEQ(seq, q->head_seq) && SEQ_LEQ(seq + len, q->head_seq + q->bytes), WS_ERR_INTERNAL);
	/* Either every piece is chained (never appending into an attached buffer) or, without
	 * multi-segment TX, every piece is copied into the single header mbuf. */
	while (len > 0 && i < q->count) {
		struct rte_mbuf *e = sndq_at(q, i);
		uint32_t off = seq - es, n = RTE_MIN(len, e->data_len - off);
		WS_TRY(add_piece(pool, hdr, e, off, n, chain));
		seq += n;
		len -= n;
		es += e->data_len;
		i++;
	}
	WS_ENSURE(len == 0, WS_ERR_INTERNAL);
	return WS_OK;
}

int wsnet_rcvring_init(struct wsnet_rcvring *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	r->mem = malloc(size);
	WS_ENSURE(r->mem != NULL, WS_ERR_NO_MEMORY);
	r->size = size;
	return WS_OK;
}

void wsnet_rcvring_free(struct wsnet_rcvring *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}

uint32_t wsnet_rcvring_used(const struct wsnet_rcvring *r)
{
	return (uint32_t)(r->wr - r->rd);
}

void wsnet_rcvring_put(struct wsnet_rcvring *r, uint32_t ahead, const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint64_t pos = r->wr + ahead;
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len > 0 && m != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);
		const uint8_t *src = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
		uint32_t at = (uint32_t)(pos % r->size), first = RTE_MIN(n, r->size - at);
		memcpy(r->mem + at, src, first);
		memcpy(r->mem, src + first, n - first);
		pos += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

int wsnet_rcvring_peek(const struct wsnet_rcvring *r, struct ws_bytes views[2])
{
	uint32_t used = wsnet_rcvring_used(r);
	if (used == 0)
		return 0;
	uint32_t at = (uint32_t)(r->rd % r->size), first = RTE_MIN(used, r->size - at);
	views[0].ptr = r->mem + at;
	views[0].len = first;
	if (first == used)
		return 1;
	views[1].ptr = r->mem;
	views[1].len = used - first;
	return 2;
}

size_t wsnet_rcvring_get(struct wsnet_rcvring *r, uint8_t *out, size_t len)
{
	struct ws_bytes v[2];
	int nv = wsnet_rcvring_peek(r, v);
	size_t done = 0;
	for (int i = 0; i < nv && done < len; i++) {
		size_t n = RTE_MIN(v[i].len, len - done);
		memcpy(out + done, v[i].ptr, n);
		done += n;
	}
	r->rd += done;
	return done;
}

/* Insert [start, end) into a sorted, disjoint set, merging neighbours. */
bool wsnet_intervals_add(struct wsnet_interval *set, uint8_t *n, uint8_t cap, uint32_t start, uint32_t end)
{
	uint8_t i = 0;
	while (i < *n && SEQ_LT(set[i].end, start))
		i++;
	/* set[i] is the first that may touch or follow [start, end). */
	uint8_t j = i;
	while (j < *n && SEQ_LEQ(set[j].start, end)) {
		start = SEQ_MIN(start, set[j].start);
		end = SEQ_MAX(end, set[j].end);
		j++;
	}
	if (j == i) { /* no overlap: insert at i */
		if (*n == cap)
			return false;
		memmove(&set[i + 1], &set[i], (size_t)(*n - i) * sizeof(*set));
		(*n)++;
	} else if (j > i + 1) { /* merged j - i entries into one */
		memmove(&set[i + 1], &set[j], (size_t)(*n - j) * sizeof(*set));
		*n = (uint8_t)(*n - (j - i - 1));
	}
	set[i].start = start;
	set[i].end = end;
	return true;
}

void wsnet_intervals_trim(struct wsnet_interval *set, uint8_t *n, uint32_t seq)
{
	uint8_t drop = 0;
	while (drop < *n && SEQ_LEQ(set[drop].end, seq))
		drop++;
	if (drop > 0) {
		memmove(set, &set[drop], (size_t)(*n - drop) * sizeof(*set));
		*n = (uint8_t)(*n - drop);
	}
	if (*n > 0 && SEQ_LT(set[0].start, seq))
		set[0].start = seq;
}
