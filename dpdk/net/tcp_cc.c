/* tcp_cc.c — congestion control: slow start (RFC 5681 §3.1, initial window per RFC 6928) and CUBIC
 * congestion avoidance (RFC 9438) with its Reno-friendly region and fast convergence. */
#include <math.h>

#include "wsnet_impl.h"

#define CUBIC_C 0.4    /* RFC 9438 §5: C = 0.4 */
#define CUBIC_BETA 0.7 /* RFC 9438 §4.6: beta_cubic = 0.7 */

static double cwnd_segs(const struct wsnet_conn *c)
{
	return (double)c->cwnd / c->mss;
}

static void set_cwnd_segs(struct wsnet_conn *c, double w)
{
	double bytes = w * c->mss;
	if (bytes > 1073741824.0)
		bytes = 1073741824.0;
	c->cwnd = (uint32_t)RTE_MAX(bytes, (double)c->mss);
}

void wsnet_cc_init(struct wsnet_conn *c)
{
	/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). */
	uint32_t floor2 = RTE_MAX(2u * c->mss, 14600u);
	c->cwnd = RTE_MIN(10u * c->mss, floor2);
	c->ssthresh = UINT32_MAX / 2;
	c->cubic.epoch_us = 0;
	c->cubic.w_max = 0;
}

static void cubic_start_epoch(struct wsnet_conn *c)
{
	struct wsnet_cubic *k = &c->cubic;
	double cw = cwnd_segs(c);
	k->epoch_us = c->st->now_us;
	/* RFC 9438 §4.2 eq. 2: K = cubic_root((W_max - cwnd_epoch) / C). */
	k->k = k->w_max > cw ? cbrt((k->w_max - cw) / CUBIC_C) : 0.0;
	if (k->w_max < cw)
		k->w_max = cw;
	k->w_est = cw;
}

static double w_cubic(const struct wsnet_cubic *k, double t)
{
	double d = t - k->k;
	return CUBIC_C * d * d * d + k->w_max; /* RFC 9438 §4.2 eq. 1 */
}

static void cubic_avoidance(struct wsnet_conn *c, uint32_t acked)
{
	struct wsnet_cubic *k = &c->cubic;
	if (k->epoch_us == 0)
		cubic_start_epoch(c);
	double cw = cwnd_segs(c), segs = (double)acked / c->mss;
	double t = (double)(c->st->now_us - k->epoch_us) / 1e6;
	double rtt = (c->srtt_us != 0 ? c->srtt_us : 100000) / 1e6;
	/* RFC 9438 §4.3: Reno-friendly estimate, alpha = 3(1-beta)/(1+beta), then 1 once past W_max. */
	double alpha = k->w_est >= k->w_max ? 1.0 : 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	k->w_est += alpha * segs / cw;
	double target;
	if (w_cubic(k, t) < k->w_est) {
		target = k->w_est;
		set_cwnd_segs(c, RTE_MAX(cw, target));
		return;
	}
	/* RFC 9438 §4.4-4.5: aim at W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd]. */
	target = w_cubic(k, t + rtt);
	target = fmax(cw, fmin(target, 1.5 * cw));
	set_cwnd_segs(c, cw + (target - cw) / cw * segs);
}

void wsnet_cc_on_ack(struct wsnet_conn *c, uint32_t acked)
{
	/* RFC 7661 §4.1: do not grow a window the sender is not using. */
	if ((c->snd_nxt - c->snd_una) + acked < c->cwnd / 2)
		return;
	if (c->cwnd < c->ssthresh) {
		/* Slow start: grow by the bytes acknowledged (RFC 3465 byte counting), up to ssthresh. */
		uint32_t room = c->ssthresh - c->cwnd;
		c->cwnd += RTE_MIN(acked, room);
		return;
	}
	cubic_avoidance(c, acked);
}

static void cubic_reduce(struct wsnet_conn *c)
{
	struct wsnet_cubic *k = &c->cubic;
	double cw = cwnd_segs(c);
	/* RFC 9438 §4.7 fast convergence. */
	k->w_max = cw < k->w_max ? cw * (1 + CUBIC_BETA) / 2 : cw;
	k->epoch_us = 0;
	double ss = RTE_MAX(cw * CUBIC_BETA, 2.0);
	c->ssthresh = (uint32_t)(ss * c->mss);
}

void wsnet_cc_on_loss(struct wsnet_conn *c)
{
	cubic_reduce(c);
	c->cwnd = c->ssthresh; /* RFC 9438 §4.6: cwnd = ssthresh = cwnd * beta_cubic */
}

void wsnet_cc_on_timeout(struct wsnet_conn *c)
{
	cubic_reduce(c);
	c->cwnd = c->mss; /* RFC 5681 §3.1: LW = 1 segment */
}
