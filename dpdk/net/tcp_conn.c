/* tcp_conn.c — the connection table (hash on the 4-tuple, fixed slot pool so a SYN flood cannot
 * grow memory), connection lifecycle, listeners, ISS generation (RFC 6528), RTO estimation
 * (RFC 6298) and the timer scan. */
#include <string.h>

#include <rte_jhash.h>

#include "wsnet_impl.h"

#define MAX_RTO_US 60000000u     /* RFC 6298 §2.5: a maximum of at least 60 s */
#define INITIAL_RTO_US 1000000u  /* RFC 6298 §2.1: initial RTO of 1 second */
#define FIN_WAIT_2_TIMEOUT_US 60000000u

static uint32_t tuple_hash(const struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	return rte_jhash_3words(lip ^ rip, ((uint32_t)lport << 16) | rport, 0x9e3779b9u, st->iss_secret);
}

struct wsnet_conn *wsnet_conn_lookup(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct wsnet_conn *c = st->hash[tuple_hash(st, lip, lport, rip, rport) & st->hash_mask];
	while (c != NULL && !(c->rport == rport && c->lport == lport && c->rip == rip && c->lip == lip))
		c = c->hnext;
	return c;
}

uint32_t wsnet_iss(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 µs clock. */
	uint32_t f = rte_jhash_3words(lip, rip, ((uint32_t)lport << 16) | rport, st->iss_secret);
	return (uint32_t)(st->now_us / 4) + f;
}

struct wsnet_conn *wsnet_conn_alloc(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	struct wsnet_conn *c = st->free_head;
	if (c == NULL) {
		st->stats.conn_slots_exhausted++;
		return NULL;
	}
	st->free_head = c->anext;
	memset(c, 0, sizeof(*c));
	c->st = st;
	c->in_use = true;
	c->lip = lip;
	c->lport = lport;
	c->rip = rip;
	c->rport = rport;
	c->rto_us = INITIAL_RTO_US;
	c->ts_offset = rte_jhash_1word(rip ^ lip, st->iss_secret);
	uint32_t h = tuple_hash(st, lip, lport, rip, rport) & st->hash_mask;
	c->hnext = st->hash[h];
	st->hash[h] = c;
	c->anext = st->active_head;
	if (st->active_head != NULL)
		st->active_head->aprev = c;
	st->active_head = c;
	st->stats.conns_active++;
	st->stats.conns_opened++;
	return c;
}

int wsnet_conn_alloc_buffers(struct wsnet_conn *c)
{
	const struct wsnet_config *cfg = &c->st->cfg;
	if (c->rr.mem != NULL)
		return WS_OK;
	WS_TRY(wsnet_rcvring_init(&c->rr, cfg->rcvbuf));
	int rc = wsnet_sndq_init(&c->sq, cfg->sndbuf / 256 + 16);
	if (rc < 0) {
		wsnet_rcvring_free(&c->rr);
		return rc;
	}
	c->sq.head_seq = c->iss + 1;
	c->sq.cur_seq = c->iss + 1;
	return WS_OK;
}

static void unlink_hash(struct wsnet_conn *c)
{
	struct wsnet_stack *st = c->st;
	struct wsnet_conn **pp = &st->hash[tuple_hash(st, c->lip, c->lport, c->rip, c->rport) & st->hash_mask];
	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp == c)
		*pp = c->hnext;
}

static void unlink_lists(struct wsnet_conn *c)
{
	struct wsnet_stack *st = c->st;
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		st->active_head = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	if (c->on_dirty) {
		struct wsnet_conn **pp = &st->dirty_head;
		while (*pp != NULL && *pp != c)
			pp = &(*pp)->dnext;
		if (*pp == c)
			*pp = c->dnext;
	}
	if (c->on_events) {
		struct wsnet_conn **pp = &st->event_head, *prev = NULL;
		while (*pp != NULL && *pp != c) {
			prev = *pp;
			pp = &(*pp)->enext;
		}
		if (*pp == c) {
			*pp = c->enext;
			if (st->event_tail == c)
				st->event_tail = prev;
		}
	}
}

static void unlink_listener(struct wsnet_conn *c)
{
	struct wsnet_listener *l = c->listener;
	if (l == NULL)
		return;
	if (c->state == TCPS_SYN_RCVD) {
		l->n_syn--;
	} else {
		struct wsnet_conn **pp = &l->ready_head, *prev = NULL;
		while (*pp != NULL && *pp != c) {
			prev = *pp;
			pp = &(*pp)->qnext;
		}
		if (*pp == c) {
			*pp = c->qnext;
			if (l->ready_tail == c)
				l->ready_tail = prev;
			l->n_ready--;
		}
	}
	c->listener = NULL;
}

void wsnet_conn_release(struct wsnet_conn *c)
{
	struct wsnet_stack *st = c->st;
	unlink_listener(c);
	unlink_hash(c);
	unlink_lists(c);
	wsnet_sndq_free(&c->sq);
	wsnet_rcvring_free(&c->rr);
	c->in_use = false;
	c->anext = st->free_head;
	st->free_head = c;
	st->stats.conns_active--;
	st->stats.conns_closed++;
}

/* Release the slot once neither the protocol nor the application needs it. */
static void maybe_release(struct wsnet_conn *c)
{
	if (c->state == TCPS_CLOSED && (!c->app_owned || c->app_closed))
		wsnet_conn_release(c);
}

void wsnet_conn_set_state(struct wsnet_conn *c, enum wsnet_tcp_state s)
{
	if (c->state == TCPS_SYN_RCVD && c->listener != NULL && s != TCPS_SYN_RCVD)
		c->listener->n_syn--;
	if (s == TCPS_ESTABLISHED)
		c->established_once = true;
	c->state = s;
	wsnet_conn_notify(c);
	if (s == TCPS_TIME_WAIT) {
		c->rto_at = c->persist_at = c->delack_at = 0;
		c->tw_at = c->st->now_us + 2ull * c->st->cfg.msl_ms * 1000;
		/* Free the buffers now: a TIME_WAIT slot holds no data. */
		wsnet_sndq_free(&c->sq);
		wsnet_rcvring_free(&c->rr);
	} else if (s == TCPS_FIN_WAIT_2 && c->app_closed) {
		c->tw_at = c->st->now_us + FIN_WAIT_2_TIMEOUT_US;
	}
	if (s == TCPS_CLOSED) {
		c->rto_at = c->persist_at = c->delack_at = c->tw_at = 0;
		maybe_release(c);
	}
}

void wsnet_conn_fail(struct wsnet_conn *c, int err)
{
	if (c->err == WS_OK)
		c->err = err;
	wsnet_conn_notify(c);
	wsnet_conn_set_state(c, TCPS_CLOSED);
}

void wsnet_conn_notify(struct wsnet_conn *c)
{
	struct wsnet_stack *st = c->st;
	if (c->on_events || !c->app_owned || c->app_closed)
		return;
	c->on_events = true;
	c->enext = NULL;
	if (st->event_tail != NULL)
		st->event_tail->enext = c;
	else
		st->event_head = c;
	st->event_tail = c;
}

struct wsnet_conn *wsnet_next_event(struct wsnet_stack *st, uint32_t *events)
{
	struct wsnet_conn *c = st->event_head;
	*events = 0;
	if (c == NULL)
		return NULL;
	st->event_head = c->enext;
	if (st->event_head == NULL)
		st->event_tail = NULL;
	c->enext = NULL;
	c->on_events = false;
	*events = wsnet_conn_events(c);
	return c;
}

void wsnet_conn_mark_dirty(struct wsnet_conn *c)
{
	if (c->on_dirty)
		return;
	c->on_dirty = true;
	c->dnext = c->st->dirty_head;
	c->st->dirty_head = c;
}

struct wsnet_listener *wsnet_listener_find(struct wsnet_stack *st, uint16_t port)
{
	for (unsigned i = 0; i < WSNET_MAX_LISTENERS; i++)
		if (st->listeners[i].used && st->listeners[i].port == port)
			return &st->listeners[i];
	return NULL;
}

void wsnet_listener_ready(struct wsnet_conn *c)
{
	struct wsnet_listener *l = c->listener;
	c->qnext = NULL;
	if (l->ready_tail != NULL)
		l->ready_tail->qnext = c;
	else
		l->ready_head = c;
	l->ready_tail = c;
	l->n_ready++;
}

void wsnet_rtt_sample(struct wsnet_conn *c, uint32_t r)
{
	if (r == 0)
		r = 1;
	if (c->srtt_us == 0) { /* RFC 6298 §2.2: first measurement */
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else { /* RFC 6298 §2.3: beta = 1/4, alpha = 1/8 */
		uint32_t delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	uint64_t rto = (uint64_t)c->srtt_us + RTE_MAX((uint64_t)WSNET_TIMER_TICK_US, 4ull * c->rttvar_us);
	rto = RTE_MAX(rto, (uint64_t)c->st->cfg.min_rto_us);
	c->rto_us = (uint32_t)RTE_MIN(rto, (uint64_t)MAX_RTO_US);
}

void wsnet_rto_arm(struct wsnet_conn *c)
{
	/* RFC 6298 §5.5: back off by doubling, bounded by the maximum. */
	uint64_t rto = (uint64_t)c->rto_us << RTE_MIN(c->backoff, 16);
	c->rto_at = c->st->now_us + RTE_MIN(rto, (uint64_t)MAX_RTO_US);
}

static void tw_expired(struct wsnet_conn *c)
{
	c->tw_at = 0;
	wsnet_conn_set_state(c, TCPS_CLOSED);
}

static void conn_timers(struct wsnet_conn *c, uint64_t now)
{
	if (c->delack_at != 0 && c->delack_at <= now) {
		c->delack_at = 0;
		c->ack_now = true;
		wsnet_conn_mark_dirty(c);
	}
	if (c->persist_at != 0 && c->persist_at <= now)
		wsnet_tcp_persist_timeout(c);
	if (c->in_use && c->tlp_at != 0 && c->tlp_at <= now)
		wsnet_tcp_tlp_timeout(c);
	if (c->in_use && (c->loss_since_us != 0 || c->in_recovery))
		wsnet_loss_detect(c);
	if (c->in_use && c->rto_at != 0 && c->rto_at <= now)
		wsnet_tcp_retransmit_timeout(c);
	if (c->in_use && c->tw_at != 0 && c->tw_at <= now)
		tw_expired(c);
}

void wsnet_conn_timers(struct wsnet_stack *st)
{
	struct wsnet_conn *c = st->active_head;
	while (c != NULL) {
		struct wsnet_conn *next = c->anext; /* c may be released below */
		conn_timers(c, st->now_us);
		c = next;
	}
}
