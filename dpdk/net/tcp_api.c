/* tcp_api.c — the application side of the stack (include/warpssh/net.h): listen/accept, connect,
 * send (bytes or mbufs), receive, close/abort, readiness and per-connection counters. */
#include <string.h>

#include "wsnet_impl.h"

int wsnet_listen(struct wsnet_stack *st, uint16_t port, uint32_t backlog, uint32_t syn_backlog,
	struct wsnet_listener **out)
{
	*out = NULL;
	WS_ENSURE(port != 0 && backlog > 0 && syn_backlog > 0, WS_ERR_INVALID_ARG);
	WS_ENSURE(wsnet_listener_find(st, port) == NULL, WS_ERR_INVALID_ARG);
	for (unsigned i = 0; i < WSNET_MAX_LISTENERS; i++) {
		struct wsnet_listener *l = &st->listeners[i];
		if (l->used)
			continue;
		memset(l, 0, sizeof(*l));
		l->st = st;
		l->used = true;
		l->port = port;
		l->backlog = backlog;
		l->syn_backlog = syn_backlog;
		*out = l;
		return WS_OK;
	}
	return WS_ERR_LIMIT;
}

struct wsnet_conn *wsnet_accept(struct wsnet_listener *l)
{
	struct wsnet_conn *c = l->ready_head;
	if (c == NULL)
		return NULL;
	l->ready_head = c->qnext;
	if (l->ready_head == NULL)
		l->ready_tail = NULL;
	l->n_ready--;
	c->qnext = NULL;
	c->listener = NULL;
	c->app_owned = true;
	wsnet_conn_notify(c); /* data may have arrived before accept */
	return c;
}

void wsnet_listener_close(struct wsnet_listener *l)
{
	struct wsnet_stack *st = l->st;
	/* Half-open and unaccepted connections die with the listener. */
	for (uint32_t i = 0; i < st->cfg.max_conns; i++) {
		struct wsnet_conn *c = &st->conns[i];
		if (c->in_use && c->listener == l) {
			wsnet_tcp_send_ctl(c, TCP_RST | TCP_ACK, c->snd_nxt);
			wsnet_conn_release(c);
		}
	}
	l->used = false;
}

static uint16_t pick_port(struct wsnet_stack *st, uint32_t ip, uint16_t port)
{
	for (unsigned tries = 0; tries < 16384; tries++) {
		uint16_t p = st->next_port;
		st->next_port = (uint16_t)(p >= 65535 ? 32768 : p + 1);
		if (wsnet_conn_lookup(st, st->cfg.ip, p, ip, port) == NULL && wsnet_listener_find(st, p) == NULL)
			return p;
	}
	return 0;
}

int wsnet_connect(struct wsnet_stack *st, uint32_t ip, uint16_t port, struct wsnet_conn **out)
{
	*out = NULL;
	WS_ENSURE(ip != 0 && port != 0, WS_ERR_INVALID_ARG);
	uint16_t lport = pick_port(st, ip, port);
	WS_ENSURE(lport != 0, WS_ERR_LIMIT);
	struct wsnet_conn *c = wsnet_conn_alloc(st, st->cfg.ip, lport, ip, port);
	WS_ENSURE(c != NULL, WS_ERR_LIMIT);
	c->app_owned = true;
	c->iss = wsnet_iss(st, st->cfg.ip, lport, ip, port);
	c->snd_una = c->iss;
	c->snd_max = c->iss;
	c->peer_mss = 536;
	c->mss = 536;
	uint8_t s = 0;
	while (s < 14 && (st->cfg.rcvbuf >> s) > 65535)
		s++;
	c->rcv_wscale = s; /* offered; cleared if the peer does not answer with WS */
	int rc = wsnet_conn_alloc_buffers(c);
	if (rc < 0) {
		wsnet_conn_release(c);
		return rc;
	}
	c->state = TCPS_SYN_SENT;
	wsnet_tcp_send_syn(c);
	wsnet_flush(st);
	*out = c;
	return WS_OK;
}

static bool sending_allowed(const struct wsnet_conn *c)
{
	return (c->state == TCPS_ESTABLISHED || c->state == TCPS_CLOSE_WAIT || c->state == TCPS_SYN_SENT ||
		       c->state == TCPS_SYN_RCVD) &&
	       !c->fin_queued && c->sq.ring != NULL;
}

size_t wsnet_send_space(const struct wsnet_conn *c)
{
	if (!sending_allowed(c))
		return 0;
	uint32_t queued = c->sq.bytes - (c->snd_una - c->sq.head_seq);
	if (c->snd_una == c->iss) /* SYN not yet acked: head_seq is iss+1 */
		queued = c->sq.bytes;
	return queued >= c->st->cfg.sndbuf ? 0 : c->st->cfg.sndbuf - queued;
}

int wsnet_send(struct wsnet_conn *c, const void *data, size_t len)
{
	if (c->err != WS_OK)
		return c->err;
	WS_ENSURE(sending_allowed(c), WS_ERR_CLOSED);
	size_t n = RTE_MIN(len, wsnet_send_space(c));
	n = wsnet_sndq_append_bytes(&c->sq, c->st->cfg.pool, data, n);
	if (n > 0)
		wsnet_conn_mark_dirty(c);
	return (int)RTE_MIN(n, (size_t)INT32_MAX);
}

int wsnet_send_mbuf(struct wsnet_conn *c, struct rte_mbuf *m)
{
	if (c->err != WS_OK || !sending_allowed(c)) {
		rte_pktmbuf_free(m);
		return c->err != WS_OK ? c->err : WS_ERR_CLOSED;
	}
	if (m->pkt_len > wsnet_send_space(c)) {
		rte_pktmbuf_free(m);
		return WS_ERR_AGAIN;
	}
	WS_TRY(wsnet_sndq_append_mbuf(&c->sq, m));
	wsnet_conn_mark_dirty(c);
	return WS_OK;
}

int wsnet_recv(struct wsnet_conn *c, void *out, size_t len)
{
	if (c->rr.mem != NULL && wsnet_rcvring_used(&c->rr) > 0) {
		size_t n = wsnet_rcvring_get(&c->rr, out, RTE_MIN(len, (size_t)INT32_MAX));
		wsnet_conn_mark_dirty(c); /* a window update may be due */
		return (int)n;
	}
	if (c->err != WS_OK)
		return WS_ERR_CLOSED;
	return c->fin_rcvd ? WS_ERR_EOF : 0;
}

int wsnet_recv_peek(struct wsnet_conn *c, struct ws_bytes views[2])
{
	return c->rr.mem != NULL ? wsnet_rcvring_peek(&c->rr, views) : 0;
}

void wsnet_recv_consume(struct wsnet_conn *c, size_t n)
{
	if (c->rr.mem == NULL)
		return;
	c->rr.rd += RTE_MIN(n, (size_t)wsnet_rcvring_used(&c->rr));
	wsnet_conn_mark_dirty(c);
}

static void queue_fin(struct wsnet_conn *c)
{
	c->fin_queued = true;
	c->fin_seq = c->sq.head_seq + c->sq.bytes;
	wsnet_conn_mark_dirty(c);
}

void wsnet_close(struct wsnet_conn *c)
{
	c->app_closed = true;
	if (c->rr.mem != NULL)
		c->rr.rd = c->rr.wr; /* unread data is dropped */
	switch (c->state) {
	case TCPS_SYN_SENT:
		wsnet_conn_set_state(c, TCPS_CLOSED);
		break;
	case TCPS_SYN_RCVD:
	case TCPS_ESTABLISHED:
		queue_fin(c);
		wsnet_conn_set_state(c, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		queue_fin(c);
		wsnet_conn_set_state(c, TCPS_LAST_ACK);
		break;
	case TCPS_CLOSED:
		wsnet_conn_set_state(c, TCPS_CLOSED); /* releases the slot */
		break;
	default:
		break; /* already closing */
	}
}

void wsnet_abort(struct wsnet_conn *c)
{
	c->app_closed = true;
	if (c->state != TCPS_CLOSED && c->state != TCPS_SYN_SENT && c->state != TCPS_TIME_WAIT)
		wsnet_tcp_send_ctl(c, TCP_RST | TCP_ACK, c->snd_nxt); /* RFC 9293 §3.10.5 ABORT */
	wsnet_conn_set_state(c, TCPS_CLOSED);
}

uint32_t wsnet_conn_events(const struct wsnet_conn *c)
{
	uint32_t ev = 0;
	if (c->established_once)
		ev |= WSNET_EV_CONNECTED;
	if ((c->rr.mem != NULL && wsnet_rcvring_used(&c->rr) > 0) || c->fin_rcvd || c->err != WS_OK)
		ev |= WSNET_EV_READABLE;
	if (c->established_once && wsnet_send_space(c) >= c->st->cfg.sndbuf / 4)
		ev |= WSNET_EV_WRITABLE;
	if (c->fin_rcvd)
		ev |= WSNET_EV_EOF;
	if (c->err != WS_OK)
		ev |= WSNET_EV_ERROR;
	if (c->established_once && c->snd_una == c->snd_max &&
		(c->sq.ring == NULL || c->snd_una == c->sq.head_seq + c->sq.bytes || c->fin_acked))
		ev |= WSNET_EV_SENT_ALL;
	return ev;
}

int wsnet_conn_error(const struct wsnet_conn *c)
{
	return c->err;
}

void wsnet_conn_addrs(const struct wsnet_conn *c, uint32_t *lip, uint16_t *lport, uint32_t *rip, uint16_t *rport)
{
	*lip = c->lip;
	*lport = c->lport;
	*rip = c->rip;
	*rport = c->rport;
}

void wsnet_conn_set_user(struct wsnet_conn *c, void *user)
{
	c->user = user;
}

void *wsnet_conn_get_user(const struct wsnet_conn *c)
{
	return c->user;
}

void wsnet_conn_stats(const struct wsnet_conn *c, struct wsnet_conn_stats *out)
{
	*out = c->stats;
	out->srtt_us = c->srtt_us;
	out->rttvar_us = c->rttvar_us;
	out->rto_us = c->rto_us;
	out->cwnd = c->cwnd;
	out->ssthresh = c->ssthresh;
	out->snd_wnd = c->snd_wnd;
	out->mss = c->mss;
	out->sack = c->sack_ok;
	out->timestamps = c->ts_ok;
	out->wscale = c->ws_ok;
}
