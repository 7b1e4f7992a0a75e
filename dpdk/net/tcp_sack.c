/* tcp_sack.c — the sender's SACK scoreboard (RFC 2018) and the quantities RFC 6675 loss recovery
 * needs: SACKed bytes, the highest SACKed sequence, the pipe estimate and the next hole to resend.
 * Without SACK the same calls implement NewReno (RFC 6582): the "hole" is the segment at SND.UNA. */
#include "wsnet_impl.h"

void wsnet_sack_update(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	for (uint8_t i = 0; i < seg->nsack; i++) {
		uint32_t s = seg->sack[i][0], e = seg->sack[i][1];
		/* Ignore blocks that are empty, below SND.UNA (D-SACK) or beyond what was sent. */
		if (!SEQ_LT(s, e) || SEQ_LEQ(e, c->snd_una) || SEQ_GT(e, c->snd_max))
			continue;
		if (SEQ_LT(s, c->snd_una))
			s = c->snd_una;
		if (!wsnet_intervals_add(c->sacked, &c->nsacked, WSNET_MAX_SACK, s, e)) {
			/* Full: forget the highest block (it is reported again by later ACKs). */
			c->nsacked--;
			(void)wsnet_intervals_add(c->sacked, &c->nsacked, WSNET_MAX_SACK, s, e);
		}
	}
	wsnet_intervals_trim(c->sacked, &c->nsacked, c->snd_una);
}

uint32_t wsnet_sacked_bytes(const struct wsnet_conn *c)
{
	uint32_t n = 0;
	for (uint8_t i = 0; i < c->nsacked; i++)
		n += c->sacked[i].end - c->sacked[i].start;
	return n;
}

uint32_t wsnet_sack_high(const struct wsnet_conn *c)
{
	return c->nsacked > 0 ? c->sacked[c->nsacked - 1].end : c->snd_una;
}

/* Un-SACKed bytes in [from, high) — holes not yet retransmitted in this recovery. */
static uint32_t hole_bytes_from(const struct wsnet_conn *c, uint32_t from)
{
	uint32_t n = 0, pos = from;
	for (uint8_t i = 0; i < c->nsacked; i++) {
		if (SEQ_LEQ(c->sacked[i].end, pos))
			continue;
		if (SEQ_GT(c->sacked[i].start, pos))
			n += c->sacked[i].start - pos;
		pos = c->sacked[i].end;
	}
	return n;
}

uint32_t wsnet_sack_pipe(const struct wsnet_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;
	if (c->nsacked == 0) {
		/* NewReno: each duplicate ACK means a segment left the network. */
		uint32_t gone = c->dupacks * (uint32_t)c->mss;
		uint32_t retx = SEQ_GT(c->rexmit_nxt, c->snd_una) ? c->rexmit_nxt - c->snd_una : 0;
		return flight > gone ? flight - gone + retx : retx;
	}
	/* RFC 6675 §4 SetPipe, with every hole below the highest SACK taken as lost: in the network are
	 * the bytes not SACKed, minus lost holes not yet retransmitted. */
	uint32_t from = SEQ_GT(c->rexmit_nxt, c->snd_una) ? c->rexmit_nxt : c->snd_una;
	uint32_t out = flight - wsnet_sacked_bytes(c);
	uint32_t lost = hole_bytes_from(c, from);
	return out > lost ? out - lost : 0;
}

bool wsnet_sack_next_hole(const struct wsnet_conn *c, uint32_t *start, uint32_t *len)
{
	uint32_t pos = SEQ_GT(c->rexmit_nxt, c->snd_una) ? c->rexmit_nxt : c->snd_una;
	if (c->nsacked == 0) {
		/* NewReno: resend the first unacknowledged segment once per (partial) ACK. */
		if (pos != c->snd_una || !SEQ_LT(pos, c->recover))
			return false;
		*start = pos;
		*len = RTE_MIN(c->recover - pos, (uint32_t)c->mss);
		return true;
	}
	for (uint8_t i = 0; i < c->nsacked; i++) {
		if (SEQ_LEQ(c->sacked[i].end, pos))
			continue;
		if (SEQ_GT(c->sacked[i].start, pos)) {
			*start = pos;
			*len = c->sacked[i].start - pos;
			return true;
		}
		pos = c->sacked[i].end;
	}
	return false;
}

static void enter_recovery(struct wsnet_conn *c)
{
	/* RFC 6582 §3.2 step 2: without SACK, only once per window of data (and not for the window
	 * resent after a timeout). With SACK the scoreboard tells real losses apart (RFC 6675 §5.1). */
	if (!c->sack_ok && c->stats.recoveries + c->stats.timeouts > 0 && SEQ_LEQ(c->snd_una, c->recover))
		return;
	c->in_recovery = true;
	c->recover = c->snd_max;
	c->rexmit_nxt = c->snd_una;
	c->rexmit_pass_us = c->st->now_us;
	c->rtt_timing = false;
	c->tlp_at = 0;
	c->stats.recoveries++;
	c->undo_armed = true;
	c->undo_retrans = 0;
	c->undo_marker = c->snd_una;
	c->undo_cwnd = c->cwnd;
	c->undo_ssthresh = c->ssthresh;
	c->undo_cubic = c->cubic;
	wsnet_cc_on_loss(c);
	wsnet_conn_mark_dirty(c);
}

/* Reordering window (RFC 8985 §6.2 uses min_rtt/4): a quarter RTT, at least 1 ms. */
static uint64_t reo_wnd_us(const struct wsnet_conn *c)
{
	return RTE_MAX((uint64_t)c->srtt_us / 4, 1000ull);
}

void wsnet_loss_detect(struct wsnet_conn *c)
{
	uint64_t now = c->st->now_us;
	if (c->snd_max == c->snd_una || c->state < TCPS_ESTABLISHED) {
		c->loss_since_us = 0;
		return;
	}
	if (c->in_recovery) {
		/* A hole resent more than an RTT plus the reordering window ago and still not acknowledged
		 * was lost again (RFC 8985 §6.2 idea): resend the holes instead of waiting for the RTO. */
		uint64_t wait = (uint64_t)c->srtt_us + RTE_MAX(4ull * c->rttvar_us, reo_wnd_us(c)) + reo_wnd_us(c);
		if (SEQ_GT(c->rexmit_nxt, c->snd_una) && now - c->rexmit_pass_us > wait) {
			c->rexmit_nxt = c->snd_una;
			c->rexmit_pass_us = now;
			wsnet_conn_mark_dirty(c);
		}
		return;
	}
	/* RFC 6675 §5 / RFC 5681 §3.2: DupThresh duplicate ACKs or DupThresh segments SACKed above. */
	bool lost = c->dupacks >= 3 || (c->nsacked > 0 && wsnet_sacked_bytes(c) >= 3u * c->mss);
	if (!lost) {
		c->loss_since_us = 0;
		return;
	}
	if (c->loss_since_us == 0)
		c->loss_since_us = now;
	if (now - c->loss_since_us >= reo_wnd_us(c))
		enter_recovery(c);
}

static bool is_dsack(const struct wsnet_seg *seg)
{
	/* RFC 2883 §4: the first block reports a duplicate if it lies below the cumulative ACK or
	 * inside the second block. */
	if (seg->nsack == 0)
		return false;
	if (SEQ_LEQ(seg->sack[0][1], seg->ack))
		return true;
	return seg->nsack >= 2 && SEQ_GEQ(seg->sack[0][0], seg->sack[1][0]) && SEQ_LEQ(seg->sack[0][1], seg->sack[1][1]);
}

void wsnet_dsack_check(struct wsnet_conn *c, const struct wsnet_seg *seg)
{
	if (!is_dsack(seg))
		return;
	c->dsacks++;
	if (!c->undo_armed || SEQ_LT(seg->sack[0][0], c->undo_marker))
		return;
	uint32_t segs = (seg->sack[0][1] - seg->sack[0][0] + c->mss - 1) / c->mss;
	c->undo_retrans -= (int32_t)(segs > 0 ? segs : 1);
	if (c->undo_retrans > 0)
		return;
	/* Every retransmission of the episode arrived twice: the loss was reordering. */
	c->undo_armed = false;
	c->stats.undos++;
	c->cubic = c->undo_cubic;
	c->ssthresh = RTE_MAX(c->ssthresh, c->undo_ssthresh);
	c->cwnd = RTE_MAX(c->cwnd, c->undo_cwnd);
	if (c->in_recovery) {
		c->in_recovery = false;
		c->recover = c->snd_max;
	}
}
