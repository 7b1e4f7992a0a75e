/* tcp_input.c — TCP segment arrival (RFC 9293 §3.10.7): header and checksum validation, LISTEN and
 * SYN-SENT processing, the acceptability test with PAWS (RFC 7323 §5), RST/SYN hardening (RFC 5961),
 * ACK processing with SACK loss detection, in-order and out-of-order data, and FIN. */
#include <string.h>

#include <rte_ip.h>

#include "wsnet_impl.h"

static int parse_tcp_header(const struct rte_mbuf *m, uint32_t off, uint32_t l4_len, struct wsnet_seg *seg)
{
	struct ws_buf b;
	uint32_t ports, word;
	ws_buf_init_read(&b, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	WS_TRY(ws_buf_skip(&b, off));
	WS_TRY(ws_buf_get_u32(&b, &ports));
	WS_TRY(ws_buf_get_u32(&b, &seg->seq));
	WS_TRY(ws_buf_get_u32(&b, &seg->ack));
	WS_TRY(ws_buf_get_u32(&b, &word));
	WS_TRY(ws_buf_skip(&b, 4)); /* checksum (verified separately), urgent pointer */
	seg->sport = (uint16_t)(ports >> 16);
	seg->dport = (uint16_t)ports;
	uint32_t doff = (word >> 28) * 4;
	seg->flags = (uint8_t)((word >> 16) & 0x3f);
	seg->wnd = (uint16_t)word;
	WS_ENSURE(doff >= 20 && doff <= l4_len, WS_ERR_FORMAT);
	WS_ENSURE(ws_buf_avail(&b) >= doff - 20, WS_ERR_SHORT);
	WS_TRY(wsnet_parse_tcp_options(ws_buf_rptr(&b), doff - 20, seg));
	seg->data_off = off + doff;
	seg->len = l4_len - doff;
	return WS_OK;
}

static bool tcp_cksum_ok(const struct wsnet_stack *st, const struct rte_mbuf *m, uint32_t off, uint32_t len,
	uint32_t sip, uint32_t dip)
{
	if ((st->cfg.offloads & WSNET_OFF_RX_CKSUM) &&
		(m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	uint16_t raw = 0;
	if (rte_raw_cksum_mbuf(m, off, len, &raw) != 0)
		return false;
	return wsnet_cksum_fold(wsnet_pseudo_sum(sip, dip, 6, len) + rte_be_to_cpu_16(raw)) == 0;
}

static uint32_t seg_seqlen(const struct wsnet_seg *seg)
{
	return seg->len + ((seg->flags & TCP_SYN) ? 1 : 0) + ((seg->flags & TCP_FIN) ? 1 : 0);
}

static uint8_t pick_wscale(uint32_t rcvbuf)
{
	uint8_t s = 0;
	while (s < 14 && (rcvbuf >> s) > 65535)
		s++;
	return s;
}

/* Options from a SYN (RFC 7323 §2.2, §3.2; RFC 2018 §2; RFC 9293 §3.7.1 default MSS 536). */
static void take_syn_options(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	c->ws_ok = seg->wscale >= 0;
	c->snd_wscale = c->ws_ok ? (uint8_t)seg->wscale : 0;
	c->rcv_wscale = c->ws_ok ? pick_wscale(c->st->cfg.rcvbuf) : 0;
	c->ts_ok = seg->has_ts;
	c->ts_recent = seg->tsval;
	c->sack_ok = seg->sack_ok;
	c->peer_mss = seg->mss != 0 ? seg->mss : 536;
	uint32_t eff = RTE_MIN((uint32_t)c->peer_mss + 20, (uint32_t)c->st->cfg.mtu - 20) - 20;
	c->mss = (uint16_t)(eff - (c->ts_ok ? 12 : 0));
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	wsnet_cc_init(c);
}

/* Half-open cap reached: drop the oldest half-open connection of this listener so a flood of
 * spoofed SYNs cannot lock real clients out (memory stays bounded by the cap either way). */
static bool evict_oldest_half_open(struct wsnet_stack *st, struct wsnet_listener *l)
{
	struct wsnet_conn *oldest = NULL;
	for (struct wsnet_conn *c = st->active_head; c != NULL; c = c->anext)
		if (c->listener == l && c->state == TCPS_SYN_RCVD)
			oldest = c; /* the active list is newest first */
	if (oldest == NULL)
		return false;
	st->stats.syn_backlog_drops++;
	wsnet_conn_set_state(oldest, TCPS_CLOSED);
	return true;
}

static void listen_input(struct wsnet_stack *st, struct wsnet_listener *l, const struct wsnet_seg *seg)
{
	if (seg->flags & TCP_RST)
		return; /* RFC 9293 §3.10.7.2: an incoming RST should be ignored */
	if (seg->flags & TCP_ACK) {
		wsnet_tcp_send_rst_reply(st, seg);
		return;
	}
	if (!(seg->flags & TCP_SYN))
		return;
	if (l->n_syn >= l->syn_backlog && !evict_oldest_half_open(st, l)) {
		st->stats.syn_backlog_drops++;
		return;
	}
	struct wsnet_conn *c = wsnet_conn_alloc(st, seg->dip, seg->dport, seg->sip, seg->sport);
	if (c == NULL)
		return;
	c->listener = l;
	l->n_syn++;
	c->state = TCPS_SYN_RCVD;
	take_syn_options(c, seg);
	c->iss = wsnet_iss(st, seg->dip, seg->dport, seg->sip, seg->sport);
	c->snd_una = c->iss;
	c->snd_max = c->iss;
	c->snd_wnd = seg->wnd; /* RFC 7323 §2.2: the window in a SYN is never scaled */
	c->snd_wl1 = seg->seq;
	wsnet_tcp_send_syn(c);
}

static void closed_input(struct wsnet_stack *st, const struct wsnet_seg *seg)
{
	st->stats.tcp_no_conn++;
	/* RFC 9293 §3.10.7.1: an incoming segment containing a RST is discarded; else answer with RST. */
	if (!(seg->flags & TCP_RST))
		wsnet_tcp_send_rst_reply(st, seg);
}

static void become_established(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	c->snd_una = seg->ack;
	c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
	c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	c->rto_at = 0;
	c->retries = 0;
	c->backoff = 0;
	wsnet_conn_set_state(c, TCPS_ESTABLISHED);
}

/* RFC 9293 §3.10.7.3 SYN-SENT. */
static void syn_sent_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	bool has_ack = (seg->flags & TCP_ACK) != 0;
	if (has_ack && (SEQ_LEQ(seg->ack, c->iss) || SEQ_GT(seg->ack, c->snd_max))) {
		if (!(seg->flags & TCP_RST))
			wsnet_tcp_send_rst_reply(c->st, seg);
		return;
	}
	if (seg->flags & TCP_RST) {
		if (has_ack) { /* connection refused */
			c->st->stats.tcp_rst_rcvd++;
			wsnet_conn_fail(c, WS_ERR_CLOSED);
		}
		return;
	}
	if (!(seg->flags & TCP_SYN))
		return;
	take_syn_options(c, seg);
	if (has_ack) {
		become_established(c, seg);
		c->snd_wnd = seg->wnd; /* unscaled in a SYN */
		if (c->srtt_us == 0 && c->retries == 0)
			wsnet_rtt_sample(c, (uint32_t)(c->st->now_us - c->rtt_start_us));
		c->ack_now = true;
		wsnet_conn_mark_dirty(c);
	} else { /* simultaneous open */
		c->state = TCPS_SYN_RCVD;
		c->snd_wnd = seg->wnd;
		wsnet_tcp_send_syn(c);
	}
}

/* RFC 9293 §3.10.7.4 first check, with PAWS (RFC 7323 §5.3) before it. */
static bool acceptable(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	/* A pure ACK at RCV.NXT that was merely reordered behind a newer one carries no data PAWS
	 * protects; let it through (as Linux does for "disordered ACKs") so its SACK blocks count. */
	bool pure_ack = seg->len == 0 && !(seg->flags & (TCP_SYN | TCP_FIN | TCP_RST)) && seg->seq == c->rcv_nxt;
	if (c->ts_ok && seg->has_ts && !(seg->flags & TCP_RST) && !pure_ack && SEQ_LT(seg->tsval, c->ts_recent))
		return false;
	uint32_t wnd = wsnet_rcv_window(c), len = seg_seqlen(seg);
	uint32_t s = seg->seq, n = c->rcv_nxt;
	if (len == 0)
		return wnd == 0 ? s == n : (SEQ_LEQ(n, s) && SEQ_LT(s, n + wnd));
	if (wnd == 0)
		return false;
	return (SEQ_LEQ(n, s) && SEQ_LT(s, n + wnd)) || (SEQ_LEQ(n, s + len - 1) && SEQ_LT(s + len - 1, n + wnd));
}

static void challenge_ack(struct wsnet_conn *c)
{
	c->ack_now = true;
	wsnet_conn_mark_dirty(c);
}

/* RFC 5961 §3.2: RST with exact sequence resets; in-window but inexact gets a challenge ACK. */
static void rst_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (seg->seq != c->rcv_nxt) {
		challenge_ack(c);
		return;
	}
	c->st->stats.tcp_rst_rcvd++;
	if (c->state == TCPS_SYN_RCVD && c->listener != NULL) {
		wsnet_conn_set_state(c, TCPS_CLOSED); /* back to LISTEN: just forget it */
		return;
	}
	wsnet_conn_fail(c, WS_ERR_CLOSED);
}

static void update_window(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	/* RFC 9293 §3.10.7.4: update SND.WND only from a segment newer than the last update. */
	if (SEQ_LT(c->snd_wl1, seg->seq) || (c->snd_wl1 == seg->seq && SEQ_LEQ(c->snd_wl2, seg->ack))) {
		c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
	}
}

static void new_ack(struct wsnet_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	if (c->fin_queued && SEQ_GT(ack, c->fin_seq))
		c->fin_acked = true;
	if (c->sq.ring != NULL)
		wsnet_sndq_ack(&c->sq, c->fin_acked ? c->fin_seq : ack);
	if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
		c->rtt_timing = false;
		wsnet_rtt_sample(c, (uint32_t)(c->st->now_us - c->rtt_start_us));
	}
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	wsnet_conn_notify(c); /* send space freed */
	c->retries = 0;
	c->backoff = 0;
	wsnet_intervals_trim(c->sacked, &c->nsacked, ack);
	if (c->in_recovery && SEQ_GEQ(ack, c->recover)) {
		c->in_recovery = false; /* RFC 6582 §3.2 step 3: full acknowledgment */
		c->cwnd = c->ssthresh;
	} else if (c->in_recovery) {
		if (c->nsacked == 0) /* NewReno partial ACK: resend the next segment */
			c->rexmit_nxt = c->snd_una;
	} else {
		wsnet_cc_on_ack(c, acked);
	}
	c->dupacks = 0;
	c->loss_since_us = 0;
	if (c->snd_una == c->snd_max)
		c->rto_at = 0; /* RFC 6298 §5.2 */
	else
		wsnet_rto_arm(c); /* RFC 6298 §5.3 */
	wsnet_tlp_arm(c);
}

/* ACK processing; returns false if the segment must be dropped. */
static bool ack_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (SEQ_GT(seg->ack, c->snd_max)) { /* acks something not yet sent */
		challenge_ack(c);
		return false;
	}
	if (SEQ_LT(seg->ack, c->snd_una))
		return true; /* old duplicate: ignore the ACK, keep the data */
	uint32_t old_wnd = c->snd_wnd;
	if (c->sack_ok && seg->nsack > 0) {
		wsnet_dsack_check(c, seg);
		wsnet_sack_update(c, seg);
	}
	update_window(c, seg);
	if (SEQ_GT(seg->ack, c->snd_una)) {
		new_ack(c, seg->ack);
	} else if (seg->len == 0 && !(seg->flags & (TCP_SYN | TCP_FIN)) && c->snd_wnd == old_wnd &&
		   c->snd_max != c->snd_una) {
		c->dupacks++; /* RFC 5681 §2 duplicate ACK */
		if (c->in_recovery && c->nsacked == 0)
			c->cwnd += c->mss; /* NewReno window inflation */
	}
	wsnet_loss_detect(c);
	wsnet_conn_mark_dirty(c);
	return true;
}

static void state_after_ack(struct wsnet_conn *c)
{
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		if (c->fin_acked)
			wsnet_conn_set_state(c, TCPS_FIN_WAIT_2);
		break;
	case TCPS_CLOSING:
		if (c->fin_acked)
			wsnet_conn_set_state(c, TCPS_TIME_WAIT);
		break;
	case TCPS_LAST_ACK:
		if (c->fin_acked)
			wsnet_conn_set_state(c, TCPS_CLOSED);
		break;
	default:
		break;
	}
}

static void deliver_in_order(struct wsnet_conn *c, const struct wsnet_seg *seg, uint32_t off, uint32_t len)
{
	wsnet_rcvring_put(&c->rr, 0, seg->m, off, len);
	c->rr.wr += len;
	c->rcv_nxt += len;
	c->stats.bytes_in += len;
	if (c->nooo > 0) {
		wsnet_intervals_trim(c->ooo, &c->nooo, c->rcv_nxt);
		if (c->nooo > 0 && SEQ_LEQ(c->ooo[0].start, c->rcv_nxt)) {
			uint32_t adv = c->ooo[0].end - c->rcv_nxt;
			c->rr.wr += adv;
			c->rcv_nxt = c->ooo[0].end;
			c->stats.bytes_in += adv;
			wsnet_intervals_trim(c->ooo, &c->nooo, c->rcv_nxt);
		}
		c->ack_now = true; /* RFC 5681 §4.2: ACK at once when a gap is filled */
	}
	if (c->app_closed)
		c->rr.rd = c->rr.wr; /* nobody will read: discard */
	wsnet_conn_notify(c);
}

static bool same_block(const struct wsnet_conn *c, uint32_t a, uint32_t b)
{
	for (uint8_t i = 0; i < c->nooo; i++)
		if (SEQ_LEQ(c->ooo[i].start, a) && SEQ_LT(a, c->ooo[i].end))
			return SEQ_LEQ(c->ooo[i].start, b) && SEQ_LT(b, c->ooo[i].end);
	return false;
}

/* RFC 2018 §4: report the block holding the newest segment first, then the blocks reported most
 * recently, so each change is repeated in several ACKs (we coalesce ACKs per burst). */
static void note_sack_change(struct wsnet_conn *c, uint32_t seq)
{
	uint8_t n = 0;
	uint32_t keep[4];
	keep[n++] = seq;
	for (uint8_t i = 0; i < c->nsack_recent && n < 4; i++)
		if (!same_block(c, c->sack_recent[i], seq))
			keep[n++] = c->sack_recent[i];
	memcpy(c->sack_recent, keep, sizeof(keep[0]) * n);
	c->nsack_recent = n;
}

static void data_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	uint32_t seq = seg->seq, off = seg->data_off, len = seg->len;
	if (SEQ_LT(seq, c->rcv_nxt)) { /* trim what we already have */
		uint32_t dup = RTE_MIN(c->rcv_nxt - seq, len);
		seq += dup;
		off += dup;
		len -= dup;
		if (len == 0) {
			c->stats.dup_segments++;
			c->ack_now = true;
			return;
		}
	}
	uint32_t ahead = seq - c->rcv_nxt, room = wsnet_rcv_window(c);
	if (ahead >= room) {
		c->stats.drops++;
		c->ack_now = true;
		return;
	}
	len = RTE_MIN(len, room - ahead);
	if (ahead == 0) {
		deliver_in_order(c, seg, off, len);
		if (++c->unacked_segs >= 2) /* RFC 5681 §4.2: ACK at least every second full segment */
			c->ack_now = true;
		else if (c->delack_at == 0)
			c->delack_at = c->st->now_us + c->st->cfg.delack_us;
		return;
	}
	if (!wsnet_intervals_add(c->ooo, &c->nooo, WSNET_MAX_OOO, seq, seq + len)) {
		c->stats.drops++;
		return;
	}
	wsnet_rcvring_put(&c->rr, ahead, seg->m, off, len);
	note_sack_change(c, seq);
	c->stats.ooo_segments++;
	c->st->stats.ooo_segments++;
	c->ack_now = true; /* RFC 5681 §4.2: immediate duplicate ACK for out-of-order data */
}

static void fin_in_order(struct wsnet_conn *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	wsnet_conn_notify(c);
	c->ooo_fin = false;
	c->ack_now = true;
	switch (c->state) {
	case TCPS_SYN_RCVD:
	case TCPS_ESTABLISHED:
		wsnet_conn_set_state(c, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		wsnet_conn_set_state(c, c->fin_acked ? TCPS_TIME_WAIT : TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		wsnet_conn_set_state(c, TCPS_TIME_WAIT);
		break;
	default:
		break;
	}
}

static bool can_receive_data(const struct wsnet_conn *c)
{
	return (c->state == TCPS_ESTABLISHED || c->state == TCPS_FIN_WAIT_1 || c->state == TCPS_FIN_WAIT_2) &&
	       c->rr.mem != NULL;
}

static void fin_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	uint32_t fin_seq = seg->seq + seg->len;
	if (c->state == TCPS_TIME_WAIT) { /* retransmitted FIN: ACK and restart 2 MSL */
		c->ack_now = true;
		wsnet_conn_set_state(c, TCPS_TIME_WAIT);
		return;
	}
	if (c->fin_rcvd)
		return;
	if (fin_seq == c->rcv_nxt) {
		fin_in_order(c);
	} else if (SEQ_GT(fin_seq, c->rcv_nxt)) {
		c->ooo_fin = true;
		c->ooo_fin_seq = fin_seq;
	}
}

/* RFC 7323 §4.3: record TSval from segments that cover Last.ACK.sent. */
static void update_ts_recent(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (c->ts_ok && seg->has_ts && SEQ_GEQ(seg->tsval, c->ts_recent) && SEQ_LEQ(seg->seq, c->last_ack_sent))
		c->ts_recent = seg->tsval;
}

static bool syn_rcvd_ack(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (!(SEQ_GT(seg->ack, c->snd_una) && SEQ_LEQ(seg->ack, c->snd_max))) {
		wsnet_tcp_send_rst_reply(c->st, seg);
		return false;
	}
	struct wsnet_listener *l = c->listener;
	if (l != NULL && l->n_ready >= l->backlog) {
		c->st->stats.accept_drops++; /* stay half-open; the peer retransmits */
		return false;
	}
	if (wsnet_conn_alloc_buffers(c) < 0) {
		c->st->stats.no_mbufs++;
		wsnet_tcp_send_ctl(c, TCP_RST, seg->ack);
		wsnet_conn_set_state(c, TCPS_CLOSED);
		return false;
	}
	if (c->srtt_us == 0 && c->retries == 0)
		wsnet_rtt_sample(c, (uint32_t)(c->st->now_us - c->rtt_start_us));
	become_established(c, seg);
	if (l != NULL)
		wsnet_listener_ready(c);
	return true;
}

static void synchronized_input(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (!acceptable(c, seg)) {
		c->stats.drops++;
		if (!(seg->flags & TCP_RST))
			challenge_ack(c);
		return;
	}
	if (seg->flags & TCP_RST) {
		rst_input(c, seg);
		return;
	}
	if (seg->flags & TCP_SYN) { /* RFC 5961 §4.2: challenge ACK for any SYN here */
		if (c->state == TCPS_SYN_RCVD && seg->seq == c->irs)
			c->ack_now = true; /* retransmitted SYN: resend SYN-ACK */
		else
			challenge_ack(c);
		wsnet_conn_mark_dirty(c);
		return;
	}
	if (!(seg->flags & TCP_ACK))
		return;
	update_ts_recent(c, seg);
	if (c->state == TCPS_SYN_RCVD && !syn_rcvd_ack(c, seg))
		return;
	if (!ack_input(c, seg))
		return;
	state_after_ack(c);
	if (!c->in_use || c->state == TCPS_CLOSED)
		return;
	if (seg->len > 0) {
		if (can_receive_data(c))
			data_input(c, seg);
		else
			c->ack_now = true;
	}
	if (seg->flags & TCP_FIN)
		fin_input(c, seg);
	else if (c->ooo_fin && c->rcv_nxt == c->ooo_fin_seq)
		fin_in_order(c);
	if (c->ack_now)
		wsnet_conn_mark_dirty(c);
}

static void conn_input(struct wsnet_conn *c, struct wsnet_seg *seg)
{
	c->stats.segs_in++;
	if (c->state == TCPS_SYN_SENT)
		syn_sent_input(c, seg);
	else if (c->state != TCPS_CLOSED)
		synchronized_input(c, seg);
}

void wsnet_tcp_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t l4_off, uint32_t l4_len, uint32_t sip,
	uint32_t dip)
{
	struct wsnet_seg seg;
	memset(&seg, 0, sizeof(seg));
	seg.sip = sip;
	seg.dip = dip;
	seg.m = m;
	if (l4_len < 20 || !tcp_cksum_ok(st, m, l4_off, l4_len, sip, dip) ||
		parse_tcp_header(m, l4_off, l4_len, &seg) < 0) {
		st->stats.tcp_bad++;
		rte_pktmbuf_free(m);
		return;
	}
	struct wsnet_conn *c = wsnet_conn_lookup(st, dip, seg.dport, sip, seg.sport);
	if (c != NULL) {
		conn_input(c, &seg);
	} else {
		struct wsnet_listener *l = wsnet_listener_find(st, seg.dport);
		if (l != NULL)
			listen_input(st, l, &seg);
		else
			closed_input(st, &seg);
	}
	rte_pktmbuf_free(m);
}
