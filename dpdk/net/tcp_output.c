/* tcp_output.c — building and sending TCP segments: SYN/SYN-ACK with option negotiation, data
 * under the send and congestion windows, SACK-driven hole retransmission, FIN, ACKs (delayed and
 * coalesced per burst), window probes, RSTs, and the retransmission timeout. */
#include <string.h>

#include "wsnet_impl.h"

#define IPPROTO_TCP_ 6

static uint32_t ts_now(const struct wsnet_conn *c)
{
	return (uint32_t)(c->st->now_us / 1000) + c->ts_offset; /* RFC 7323 §5.4: 1 ms clock */
}

static uint16_t our_mss(const struct wsnet_stack *st)
{
	return (uint16_t)(st->cfg.mtu - 40);
}

uint32_t wsnet_rcv_window(const struct wsnet_conn *c)
{
	if (c->rr.mem == NULL)
		return RTE_MIN(c->st->cfg.rcvbuf, 65535u);
	return c->rr.size - wsnet_rcvring_used(&c->rr);
}

/* Window field value, never shrinking the right edge we advertised before (RFC 9293 §3.8.6.2.1). */
static uint16_t window_field(struct wsnet_conn *c, bool syn)
{
	uint32_t w = wsnet_rcv_window(c);
	if (syn)
		return (uint16_t)RTE_MIN(w, 65535u);
	uint32_t edge_floor = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	w = RTE_MAX(w, edge_floor);
	uint32_t f = w >> c->rcv_wscale;
	if ((f << c->rcv_wscale) < edge_floor)
		f++;
	f = RTE_MIN(f, 65535u);
	c->rcv_adv = c->rcv_nxt + (f << c->rcv_wscale);
	return (uint16_t)f;
}

static int block_of(const struct wsnet_conn *c, uint32_t seq)
{
	for (uint8_t i = 0; i < c->nooo; i++)
		if (SEQ_LEQ(c->ooo[i].start, seq) && SEQ_LT(seq, c->ooo[i].end))
			return i;
	return -1;
}

static void add_block(const struct wsnet_conn *c, struct wsnet_tx_opts *o, int i, uint8_t max)
{
	if (i < 0 || o->nsack >= max)
		return;
	for (uint8_t k = 0; k < o->nsack; k++)
		if (o->sack[k][0] == c->ooo[i].start)
			return;
	o->sack[o->nsack][0] = c->ooo[i].start;
	o->sack[o->nsack][1] = c->ooo[i].end;
	o->nsack++;
}

static void sack_blocks(const struct wsnet_conn *c, struct wsnet_tx_opts *o, uint8_t max)
{
	/* RFC 2018 §4: the first block MUST hold the most recently received segment; the rest
	 * SHOULD repeat the most recently reported blocks. Then the highest others. */
	o->nsack = 0;
	for (uint8_t k = 0; k < c->nsack_recent; k++)
		add_block(c, o, block_of(c, c->sack_recent[k]), max);
	for (int i = (int)c->nooo - 1; i >= 0 && o->nsack < max; i--)
		add_block(c, o, i, max);
}

static void fill_opts(const struct wsnet_conn *c, uint8_t flags, struct wsnet_tx_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->wscale = -1;
	bool syn = (flags & TCP_SYN) != 0, synack = syn && (flags & TCP_ACK);
	if (syn) {
		o->mss = our_mss(c->st);
		if (!synack || c->ws_ok)
			o->wscale = (int8_t)c->rcv_wscale;
		o->sack_ok = !synack || c->sack_ok;
	}
	if ((syn && !synack) || c->ts_ok) {
		o->ts = true;
		o->tsval = ts_now(c);
		o->tsecr = (flags & TCP_ACK) ? c->ts_recent : 0;
	}
	if (!syn && c->sack_ok && c->nooo > 0 && !(flags & TCP_RST))
		sack_blocks(c, o, o->ts ? 3 : 4);
}

/* Payload bytes that fit a segment carrying optlen option bytes (RFC 9293 §3.7.1 Eff.snd.MSS). */
static uint32_t seg_room(const struct wsnet_conn *c, size_t optlen)
{
	uint32_t peer = (uint32_t)c->peer_mss + 20, mms = (uint32_t)c->st->cfg.mtu - 20;
	return RTE_MIN(peer, mms) - 20 - (uint32_t)optlen;
}

static void note_ack_sent(struct wsnet_conn *c)
{
	c->last_ack_sent = c->rcv_nxt;
	c->ack_now = false;
	c->unacked_segs = 0;
	c->delack_at = 0;
}

static int put_tcp_header(uint8_t *h, size_t hlen, const struct wsnet_conn *c, uint32_t seq, uint8_t flags,
	uint16_t wnd)
{
	struct ws_buf b;
	ws_buf_init_write(&b, h, hlen);
	WS_TRY(ws_buf_put_u32(&b, ((uint32_t)c->lport << 16) | c->rport));
	WS_TRY(ws_buf_put_u32(&b, seq));
	WS_TRY(ws_buf_put_u32(&b, (flags & TCP_ACK) ? c->rcv_nxt : 0));
	WS_TRY(ws_buf_put_u32(&b, ((uint32_t)(hlen / 4) << 28) | ((uint32_t)flags << 16) | wnd));
	return ws_buf_put_u32(&b, 0); /* checksum, urgent pointer */
}

/* Build and send one segment; *len is cut to what fits. Returns false if no mbuf was available. */
#define WSNET_TSO_MAX 62000u /* bytes of payload in one TSO frame (IPv4 total length <= 65535) */

/* The port segments for us only if it also does both checksums and takes mbuf chains. */
static bool tso_usable(const struct wsnet_stack *st)
{
	const uint32_t need = WSNET_OFF_TSO | WSNET_OFF_IPV4_CKSUM | WSNET_OFF_TCP_CKSUM | WSNET_OFF_MULTI_SEG;
	return (st->cfg.offloads & need) == need;
}

/* Build and send one segment; *len is cut to what fits (unless tso: then the NIC cuts it into
 * MSS-sized segments). Returns false if no mbuf was available. */
static bool send_segment(struct wsnet_conn *c, uint32_t seq, uint32_t *len, uint8_t flags, bool tso)
{
	struct wsnet_stack *st = c->st;
	struct wsnet_tx_opts o;
	uint8_t opt[40];
	fill_opts(c, flags, &o);
	size_t optlen = wsnet_build_tcp_options(opt, sizeof(opt), &o);
	uint32_t room = seg_room(c, optlen);
	tso = tso && tso_usable(st) && *len > room;
	if (tso && *len > WSNET_TSO_MAX)
		*len = WSNET_TSO_MAX;
	if (!tso && *len > room) {
		*len = room;
		flags &= (uint8_t)~TCP_FIN;
	}
	struct rte_mbuf *m = wsnet_alloc(st);
	if (m == NULL)
		return false;
	size_t hlen = 20 + optlen;
	uint8_t *h = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)hlen);
	uint16_t wnd = window_field(c, (flags & TCP_SYN) != 0);
	if (h == NULL || put_tcp_header(h, hlen, c, seq, flags, wnd) < 0 ||
		(*len > 0 && wsnet_sndq_attach(&c->sq, st->cfg.pool, m, seq, *len,
				     (st->cfg.offloads & WSNET_OFF_MULTI_SEG) != 0) < 0)) {
		st->stats.no_mbufs++;
		rte_pktmbuf_free(m);
		return false;
	}
	memcpy(h + 20, opt, optlen);
	m->l4_len = (uint8_t)hlen;
	if (tso) {
		/* Segment size leaves room for the Ethernet header too: net_tap's software GSO
		 * compares segment + all headers with the MTU. */
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = (uint16_t)(room - 14);
	}
	if (flags & TCP_ACK)
		note_ack_sent(c);
	c->stats.segs_out++;
	wsnet_ipv4_output(st, m, c->rip, IPPROTO_TCP_, (st->cfg.offloads & WSNET_OFF_TCP_CKSUM) != 0);
	return true;
}

void wsnet_tcp_send_ctl(struct wsnet_conn *c, uint8_t flags, uint32_t seq)
{
	uint32_t len = 0;
	if (flags & TCP_RST)
		c->st->stats.tcp_rst_sent++;
	(void)send_segment(c, seq, &len, flags, false);
}

void wsnet_tcp_send_syn(struct wsnet_conn *c)
{
	uint32_t len = 0;
	uint8_t flags = c->state == TCPS_SYN_SENT ? TCP_SYN : (TCP_SYN | TCP_ACK);
	if (c->retries == 0)
		c->rtt_start_us = c->st->now_us; /* handshake RTT sample, unless retransmitted */
	(void)send_segment(c, c->iss, &len, flags, false);
	if (SEQ_LT(c->snd_max, c->iss + 1))
		c->snd_max = c->iss + 1;
	c->snd_nxt = c->iss + 1;
	if (c->rto_at == 0)
		wsnet_rto_arm(c);
}

/* RFC 9293 §3.10.7.1: the reset for a segment that matches no connection. */
void wsnet_tcp_send_rst_reply(struct wsnet_stack *st, const struct wsnet_seg *seg)
{
	struct wsnet_conn tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.st = st;
	tmp.lport = seg->dport;
	tmp.rport = seg->sport;
	tmp.rip = seg->sip;
	tmp.peer_mss = 536;
	uint32_t seq = 0;
	uint8_t flags = TCP_RST;
	if (seg->flags & TCP_ACK) {
		seq = seg->ack; /* <SEQ=SEG.ACK><CTL=RST> */
	} else { /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		tmp.rcv_nxt = seg->seq + seg->len + ((seg->flags & TCP_SYN) ? 1 : 0) + ((seg->flags & TCP_FIN) ? 1 : 0);
		flags |= TCP_ACK;
	}
	wsnet_tcp_send_ctl(&tmp, flags, seq);
}

static uint32_t sndq_end(const struct wsnet_conn *c)
{
	return c->sq.head_seq + c->sq.bytes;
}

static uint32_t flight_size(const struct wsnet_conn *c)
{
	return c->in_recovery ? wsnet_sack_pipe(c) : c->snd_nxt - c->snd_una;
}

static void start_rtt_timing(struct wsnet_conn *c, uint32_t seq)
{
	if (c->rtt_timing || c->in_recovery || SEQ_LT(seq, c->snd_max))
		return; /* Karn: never time a retransmitted segment */
	c->rtt_timing = true;
	c->rtt_seq = seq;
	c->rtt_start_us = c->st->now_us;
}

/* Send [seq, seq+len) (+FIN if it ends at fin_seq), one TSO frame if tso; returns bytes sent or -1. */
static int send_data_tso(struct wsnet_conn *c, uint32_t seq, uint32_t len, bool fin, bool tso)
{
	uint8_t flags = TCP_ACK;
	/* TSO frames carry neither PSH nor FIN (DPDK's GSO refuses to split those); FIN follows alone. */
	if (seq + len == sndq_end(c) && !tso)
		flags |= TCP_PSH;
	if (fin && !tso)
		flags |= TCP_FIN;
	if (!send_segment(c, seq, &len, flags, tso))
		return -1;
	if (SEQ_LT(seq, c->snd_max)) {
		c->stats.retransmits++;
		c->st->stats.retransmits++;
		if (c->in_recovery) {
			c->stats.fast_retransmits++;
			c->undo_retrans++;
		}
	} else {
		c->stats.bytes_out += len;
	}
	start_rtt_timing(c, seq);
	if (c->rto_at == 0)
		wsnet_rto_arm(c);
	if (c->tlp_at == 0)
		wsnet_tlp_arm(c);
	return (int)len;
}

static int send_data(struct wsnet_conn *c, uint32_t seq, uint32_t len, bool fin)
{
	return send_data_tso(c, seq, len, fin, false);
}

/* RFC 6675 §5 (NextSeg rule 1): retransmit lost holes while the pipe has room. */
static unsigned send_holes(struct wsnet_conn *c, unsigned budget)
{
	unsigned n = 0;
	uint32_t start, len;
	while (n < budget && !c->st->tx_blocked && wsnet_sack_pipe(c) < c->cwnd && wsnet_sack_next_hole(c, &start, &len)) {
		len = RTE_MIN(len, (uint32_t)c->mss);
		int sent = send_data(c, start, len, false);
		if (sent <= 0)
			break;
		c->rexmit_nxt = start + (uint32_t)sent;
		n++;
	}
	return n;
}

/* How many new bytes may go at snd_nxt now: send window, congestion window, data queued. */
static uint32_t usable_new(const struct wsnet_conn *c)
{
	uint32_t avail = sndq_end(c) - c->snd_nxt;
	uint32_t wnd_edge = c->snd_una + c->snd_wnd;
	uint32_t by_wnd = SEQ_GT(wnd_edge, c->snd_nxt) ? wnd_edge - c->snd_nxt : 0;
	uint32_t flight = flight_size(c);
	uint32_t by_cwnd = c->cwnd > flight ? c->cwnd - flight : 0;
	uint32_t limit = RTE_MIN(by_wnd, by_cwnd);
	return RTE_MIN(avail, limit);
}

static unsigned send_new_data(struct wsnet_conn *c, unsigned budget)
{
	unsigned n = 0;
	bool tso = tso_usable(c->st);
	uint32_t max_len = tso ? WSNET_TSO_MAX : c->mss;
	while (n < budget && !c->st->tx_blocked) {
		uint32_t avail = sndq_end(c) - c->snd_nxt;
		uint32_t len = RTE_MIN(usable_new(c), max_len);
		if (len == 0)
			break;
		/* Sender SWS avoidance (RFC 9293 §3.8.6.2.1): no runt while more data waits and data is in flight. */
		if (len < c->mss && len < avail && c->snd_nxt != c->snd_una)
			break;
		if (len > c->mss && len < avail)
			len -= len % c->mss; /* TSO: whole segments unless it is the tail */
		bool fin = c->fin_queued && c->snd_nxt + len == c->fin_seq && !(tso && len > c->mss);
		int sent = send_data_tso(c, c->snd_nxt, len, fin, tso && len > c->mss);
		if (sent <= 0)
			break;
		c->snd_nxt += (uint32_t)sent + ((fin && (uint32_t)sent == len) ? 1 : 0);
		c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
		n++;
	}
	return n;
}

static bool send_bare_fin(struct wsnet_conn *c)
{
	if (!c->fin_queued || c->snd_nxt != c->fin_seq)
		return false;
	uint32_t len = 0;
	if (!send_segment(c, c->fin_seq, &len, TCP_FIN | TCP_ACK, false))
		return false;
	if (SEQ_LT(c->fin_seq, c->snd_max))
		c->stats.retransmits++;
	c->snd_nxt = c->fin_seq + 1;
	c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
	if (c->rto_at == 0)
		wsnet_rto_arm(c);
	return true;
}

static bool can_send_data(const struct wsnet_conn *c)
{
	switch (c->state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
	case TCPS_FIN_WAIT_1:
	case TCPS_CLOSING:
	case TCPS_LAST_ACK:
		return c->sq.ring != NULL;
	default:
		return false;
	}
}

/* Receiver: announce a window that grew a lot since the last advertisement (app read data). */
static bool window_update_due(const struct wsnet_conn *c)
{
	if (c->rr.mem == NULL)
		return false;
	uint32_t adv_left = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t now_wnd = wsnet_rcv_window(c);
	return adv_left < c->rr.size / 2 && now_wnd >= adv_left + 2u * c->mss;
}

static void arm_persist(struct wsnet_conn *c)
{
	bool stalled = c->snd_wnd == 0 && c->snd_nxt == c->snd_una && sndq_end(c) != c->snd_nxt;
	if (!stalled) {
		c->persist_at = 0;
		c->persist_backoff = 0;
	} else if (c->persist_at == 0) {
		uint64_t t = (uint64_t)c->rto_us << RTE_MIN(c->persist_backoff, 7);
		c->persist_at = c->st->now_us + RTE_MIN(t, 60000000ull);
	}
}

void wsnet_tcp_output(struct wsnet_conn *c)
{
	if (c->state == TCPS_SYN_SENT || c->state == TCPS_CLOSED)
		return;
	if (c->state == TCPS_SYN_RCVD) {
		if (c->ack_now)
			wsnet_tcp_send_syn(c);
		return;
	}
	unsigned sent = 0;
	if (can_send_data(c)) {
		if (c->in_recovery)
			sent += send_holes(c, WSNET_MAX_SEGS_PER_OUTPUT);
		sent += send_new_data(c, WSNET_MAX_SEGS_PER_OUTPUT - sent);
		if (send_bare_fin(c))
			sent++;
		arm_persist(c);
	}
	if (sent == 0 && (c->ack_now || window_update_due(c)))
		wsnet_tcp_send_ctl(c, TCP_ACK, c->snd_nxt);
	if (sent >= WSNET_MAX_SEGS_PER_OUTPUT || c->st->tx_blocked)
		wsnet_conn_mark_dirty(c); /* more to send: continue on the next poll */
}

void wsnet_tcp_persist_timeout(struct wsnet_conn *c)
{
	/* Zero-window probe (RFC 9293 §3.8.6.1): a segment the receiver must answer with its window. */
	c->persist_at = 0;
	c->persist_backoff++;
	c->stats.zero_window_probes++;
	wsnet_tcp_send_ctl(c, TCP_ACK, c->snd_una - 1);
	arm_persist(c);
}

static void abort_conn(struct wsnet_conn *c)
{
	if (c->state != TCPS_SYN_SENT)
		wsnet_tcp_send_ctl(c, TCP_RST | TCP_ACK, c->snd_nxt);
	wsnet_conn_fail(c, WS_ERR_TIMEOUT);
}

void wsnet_tcp_retransmit_timeout(struct wsnet_conn *c)
{
	struct wsnet_stack *st = c->st;
	bool syn = c->state == TCPS_SYN_SENT || c->state == TCPS_SYN_RCVD;
	c->rto_at = 0;
	c->stats.timeouts++;
	st->stats.timeouts++;
	if (++c->retries > (syn ? st->cfg.max_syn_retries : st->cfg.max_retries)) {
		abort_conn(c);
		return;
	}
	c->backoff++; /* RFC 6298 §5.5 */
	c->rtt_timing = false;
	if (syn) {
		c->stats.retransmits++;
		wsnet_tcp_send_syn(c);
		return;
	}
	/* RFC 6298 §5.4 + RFC 5681 §3.1: retransmit the earliest unacknowledged segment with cwnd = 1 MSS;
	 * the SACK scoreboard is discarded (RFC 6675 §5.1). */
	wsnet_cc_on_timeout(c);
	c->undo_armed = false; /* go-back-N resends a whole window: no D-SACK accounting */
	c->in_recovery = false;
	c->recover = c->snd_max;
	c->nsacked = 0;
	c->dupacks = 0;
	c->snd_nxt = c->snd_una;
	wsnet_rto_arm(c);
	wsnet_conn_mark_dirty(c);
}

void wsnet_tlp_arm(struct wsnet_conn *c)
{
	/* Tail loss probe (RFC 8985 §7.2): PTO = 2 * SRTT, here at least 2 ms, before the RTO. */
	if (c->in_recovery || c->snd_max == c->snd_una || c->srtt_us == 0) {
		c->tlp_at = 0;
		return;
	}
	uint64_t pto = RTE_MAX(2ull * c->srtt_us, 2000ull);
	c->tlp_at = c->st->now_us + pto;
	if (c->rto_at != 0 && c->tlp_at >= c->rto_at)
		c->tlp_at = 0;
}

void wsnet_tcp_tlp_timeout(struct wsnet_conn *c)
{
	c->tlp_at = 0;
	if (c->in_recovery || c->snd_max == c->snd_una || !can_send_data(c))
		return;
	/* RFC 8985 §7.3: send new data if the window allows, else resend the last segment. */
	if (usable_new(c) > 0 && c->snd_nxt == c->snd_max) {
		(void)send_new_data(c, 1);
		return;
	}
	bool fin_out = c->fin_queued && c->snd_max == c->fin_seq + 1;
	uint32_t end = fin_out ? c->fin_seq : c->snd_max;
	uint32_t len = RTE_MIN((uint32_t)c->mss, end - c->snd_una);
	if (len == 0) {
		c->snd_nxt = c->fin_seq;
		(void)send_bare_fin(c);
		return;
	}
	(void)send_data(c, end - len, len, fin_out);
}
