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
