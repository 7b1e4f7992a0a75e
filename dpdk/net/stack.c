/* stack.c — the stack object: configuration, the per-burst input loop (Ethernet dispatch), the
 * output batch handed to the port, the poll entry point and the counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "wsnet_impl.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806

void wsnet_config_defaults(struct wsnet_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->netmask = 0xffffff00u;
	cfg->mtu = 1500;
	cfg->max_conns = 4096;
	cfg->sndbuf = 4u << 20;
	cfg->rcvbuf = 4u << 20;
	cfg->min_rto_us = 200000;
	cfg->msl_ms = 30000;
	cfg->delack_us = 20000;
	cfg->arp_ttl_ms = 60000;
	cfg->max_syn_retries = 6;
	cfg->max_retries = 12;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

static int validate_config(const struct wsnet_config *cfg)
{
	WS_ENSURE(cfg->pool != NULL && cfg->tx != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->mtu >= 576 && cfg->mtu <= 9000, WS_ERR_CONFIG);
	WS_ENSURE(cfg->max_conns >= 1 && cfg->max_conns <= (1u << 22), WS_ERR_CONFIG);
	WS_ENSURE(cfg->sndbuf >= 4096 && cfg->sndbuf <= (1u << 30), WS_ERR_CONFIG);
	WS_ENSURE(cfg->rcvbuf >= 4096 && cfg->rcvbuf <= (1u << 30), WS_ERR_CONFIG);
	return WS_OK;
}

int wsnet_stack_new(const struct wsnet_config *cfg, uint64_t now_us, struct wsnet_stack **out)
{
	*out = NULL;
	WS_TRY(validate_config(cfg));
	struct wsnet_stack *st = calloc(1, sizeof(*st));
	WS_ENSURE(st != NULL, WS_ERR_NO_MEMORY);
	st->cfg = *cfg;
	st->now_us = now_us;
	st->last_tick_us = now_us;
	st->iss_secret = cfg->iss_secret != 0 ? cfg->iss_secret : (uint32_t)(now_us * 2654435761u) ^ 0x5bd1e995u;
	st->next_port = (uint16_t)(32768 + (st->iss_secret % 16384));
	uint32_t nbuckets = pow2_at_least(cfg->max_conns * 2);
	st->conns = calloc(cfg->max_conns, sizeof(*st->conns));
	st->hash = calloc(nbuckets, sizeof(*st->hash));
	if (st->conns == NULL || st->hash == NULL) {
		wsnet_stack_free(st);
		return WS_ERR_NO_MEMORY;
	}
	st->hash_mask = nbuckets - 1;
	for (uint32_t i = cfg->max_conns; i-- > 0;) {
		st->conns[i].st = st;
		st->conns[i].anext = st->free_head;
		st->free_head = &st->conns[i];
	}
	*out = st;
	return WS_OK;
}

void wsnet_stack_free(struct wsnet_stack *st)
{
	if (st == NULL)
		return;
	if (st->conns != NULL)
		for (uint32_t i = 0; i < st->cfg.max_conns; i++)
			if (st->conns[i].in_use)
				wsnet_conn_release(&st->conns[i]);
	wsnet_flush(st);
	for (uint16_t i = 0; i < st->ntx; i++)
		rte_pktmbuf_free(st->txq[i]);
	wsnet_arp_flush_all(st);
	free(st->conns);
	free(st->hash);
	free(st);
}

struct rte_mbuf *wsnet_alloc(struct wsnet_stack *st)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->cfg.pool);
	if (m == NULL)
		st->stats.no_mbufs++;
	return m;
}

/* Hand the batch to the port. Frames it refuses stay queued (back-pressure: TCP output pauses
 * while tx_blocked) and are offered again on the next flush. */
void wsnet_flush(struct wsnet_stack *st)
{
	if (st->ntx == 0) {
		st->tx_blocked = false;
		return;
	}
	uint16_t sent = st->cfg.tx(st->cfg.tx_arg, st->txq, st->ntx);
	if (sent > st->ntx)
		sent = st->ntx;
	memmove(st->txq, st->txq + sent, (size_t)(st->ntx - sent) * sizeof(st->txq[0]));
	st->ntx = (uint16_t)(st->ntx - sent);
	st->tx_blocked = st->ntx > 0;
}

void wsnet_tx_frame(struct wsnet_stack *st, struct rte_mbuf *m)
{
	if (st->ntx == WSNET_TX_BATCH)
		wsnet_flush(st);
	if (st->ntx == WSNET_TX_BATCH) {
		st->stats.tx_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	st->stats.tx_frames++;
	st->stats.tx_bytes += m->pkt_len;
	st->txq[st->ntx++] = m;
}

static bool mac_is_ours_or_bcast(const struct wsnet_stack *st, const uint8_t *dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	return memcmp(dst, st->cfg.mac, 6) == 0 || memcmp(dst, bcast, 6) == 0;
}

/* Ethernet II dispatch (IEEE 802.3): consumes m. */
static void eth_input(struct wsnet_stack *st, struct rte_mbuf *m)
{
	struct ws_buf b;
	uint8_t dst[6], src[6], et[2];
	st->stats.rx_frames++;
	st->stats.rx_bytes += m->pkt_len;
	ws_buf_init_read(&b, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if (ws_buf_get_bytes(&b, dst, 6) < 0 || ws_buf_get_bytes(&b, src, 6) < 0 || ws_buf_get_bytes(&b, et, 2) < 0 ||
		!mac_is_ours_or_bcast(st, dst)) {
		st->stats.eth_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	uint16_t type = (uint16_t)((et[0] << 8) | et[1]);
	if (type == ETHERTYPE_IPV4) {
		wsnet_ipv4_input(st, m, (uint32_t)b.rpos);
	} else if (type == ETHERTYPE_ARP) {
		wsnet_arp_input(st, m, (uint32_t)b.rpos);
	} else {
		st->stats.eth_drops++;
		rte_pktmbuf_free(m);
	}
}

/* Push output for every connection touched during the burst (one ACK per burst, not per segment). */
static void run_dirty(struct wsnet_stack *st)
{
	/* Take the list: connections that mark themselves again (more to send) wait for the next poll. */
	struct wsnet_conn *c = st->dirty_head;
	st->dirty_head = NULL;
	while (c != NULL) {
		struct wsnet_conn *next = c->dnext;
		c->dnext = NULL;
		c->on_dirty = false;
		if (c->in_use)
			wsnet_tcp_output(c);
		c = next;
	}
}

void wsnet_input(struct wsnet_stack *st, struct rte_mbuf **pkts, uint16_t n, uint64_t now_us)
{
	st->now_us = now_us;
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input(st, pkts[i]);
	}
	run_dirty(st);
	wsnet_flush(st);
}

void wsnet_poll(struct wsnet_stack *st, uint64_t now_us)
{
	st->now_us = now_us;
	wsnet_flush(st); /* frames the port refused last time go first */
	if (now_us - st->last_tick_us >= WSNET_TIMER_TICK_US) {
		st->last_tick_us = now_us;
		wsnet_conn_timers(st);
		wsnet_arp_tick(st);
	}
	run_dirty(st);
	wsnet_flush(st);
}

static uint64_t earliest(uint64_t best, uint64_t at)
{
	return (at != 0 && at < best) ? at : best;
}

uint64_t wsnet_next_timer_us(const struct wsnet_stack *st, uint64_t now_us)
{
	uint64_t best = UINT64_MAX;
	for (const struct wsnet_conn *c = st->active_head; c != NULL; c = c->anext) {
		best = earliest(best, c->rto_at);
		best = earliest(best, c->delack_at);
		best = earliest(best, c->persist_at);
		best = earliest(best, c->tw_at);
		best = earliest(best, c->tlp_at);
	}
	if (st->dirty_head != NULL)
		return 0;
	return best == UINT64_MAX ? best : (best > now_us ? best - now_us : 0);
}

void wsnet_stack_stats(const struct wsnet_stack *st, struct wsnet_stack_stats *out)
{
	*out = st->stats;
}

void wsnet_stack_stats_json(const struct wsnet_stack *st, char *out, size_t outsz)
{
	const struct wsnet_stack_stats *s = &st->stats;
	snprintf(out, outsz,
		"{\"rx_frames\":%lu,\"tx_frames\":%lu,\"rx_bytes\":%lu,\"tx_bytes\":%lu,\"tx_drops\":%lu,"
		"\"no_mbufs\":%lu,\"eth_drops\":%lu,\"arp_in\":%lu,\"arp_out\":%lu,\"ip_drops\":%lu,"
		"\"ip_fragments\":%lu,\"icmp_echo\":%lu,\"tcp_bad\":%lu,\"tcp_rst_sent\":%lu,\"tcp_rst_rcvd\":%lu,"
		"\"tcp_no_conn\":%lu,\"syn_backlog_drops\":%lu,\"accept_drops\":%lu,\"conn_slots_exhausted\":%lu,"
		"\"retransmits\":%lu,\"timeouts\":%lu,\"ooo_segments\":%lu,\"conns_active\":%lu,"
		"\"conns_opened\":%lu,\"conns_closed\":%lu}",
		s->rx_frames, s->tx_frames, s->rx_bytes, s->tx_bytes, s->tx_drops, s->no_mbufs, s->eth_drops,
		s->arp_in, s->arp_out, s->ip_drops, s->ip_fragments, s->icmp_echo, s->tcp_bad, s->tcp_rst_sent,
		s->tcp_rst_rcvd, s->tcp_no_conn, s->syn_backlog_drops, s->accept_drops, s->conn_slots_exhausted,
		s->retransmits, s->timeouts, s->ooo_segments, s->conns_active, s->conns_opened, s->conns_closed);
}
