/* eth_arp.c — ARP (RFC 826): the cache with expiry, replies to requests for our address, resolution
 * with retries while a few frames wait, and the Ethernet header of every IPv4 frame we send. */
#include <string.h>

#include "wsnet_impl.h"

#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_RETRY_US 1000000u
#define ARP_MAX_TRIES 5

struct arp_msg {
	uint16_t op;
	uint8_t sha[6], tha[6];
	uint32_t spa, tpa;
};

static int parse_arp(struct ws_buf *b, struct arp_msg *a)
{
	uint8_t fixed[8];
	WS_TRY(ws_buf_get_bytes(b, fixed, sizeof(fixed)));
	/* Ethernet hardware (1), IPv4 protocol (0x0800), address lengths 6 and 4. */
	WS_ENSURE(fixed[0] == 0 && fixed[1] == 1 && fixed[2] == 0x08 && fixed[3] == 0 && fixed[4] == 6 && fixed[5] == 4,
		WS_ERR_FORMAT);
	a->op = (uint16_t)((fixed[6] << 8) | fixed[7]);
	WS_TRY(ws_buf_get_bytes(b, a->sha, 6));
	WS_TRY(ws_buf_get_u32(b, &a->spa));
	WS_TRY(ws_buf_get_bytes(b, a->tha, 6));
	return ws_buf_get_u32(b, &a->tpa);
}

static struct wsnet_arp_entry *arp_find(struct wsnet_stack *st, uint32_t ip)
{
	for (unsigned i = 0; i < WSNET_ARP_SLOTS; i++)
		if (st->arp[i].ip == ip && (st->arp[i].valid || st->arp[i].tries > 0))
			return &st->arp[i];
	return NULL;
}

static void arp_entry_clear(struct wsnet_arp_entry *e)
{
	for (uint8_t i = 0; i < e->npending; i++)
		rte_pktmbuf_free(e->pending[i]);
	memset(e, 0, sizeof(*e));
}

/* A free slot, else the one expiring first (evicted). */
static struct wsnet_arp_entry *arp_slot(struct wsnet_stack *st)
{
	struct wsnet_arp_entry *victim = &st->arp[0];
	for (unsigned i = 0; i < WSNET_ARP_SLOTS; i++) {
		struct wsnet_arp_entry *e = &st->arp[i];
		if (!e->valid && e->tries == 0)
			return e;
		if (e->expires_us < victim->expires_us)
			victim = e;
	}
	st->stats.arp_queue_drops += victim->npending;
	arp_entry_clear(victim);
	return victim;
}

static void put_eth_header(struct rte_mbuf *m, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, 14);
	if (h == NULL)
		return; /* every builder leaves WSNET_HDR_ROOM of headroom */
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	h[12] = (uint8_t)(type >> 8);
	h[13] = (uint8_t)type;
	m->l2_len = 14;
}

static void arp_send(struct wsnet_stack *st, uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct rte_mbuf *m = wsnet_alloc(st);
	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, 28);
	struct ws_buf b;
	static const uint8_t fixed[6] = {0, 1, 0x08, 0, 6, 4};
	ws_buf_init_write(&b, p, 28);
	int rc = ws_buf_put_bytes(&b, fixed, sizeof(fixed));
	rc |= ws_buf_put_u8(&b, 0) | ws_buf_put_u8(&b, (uint8_t)op);
	rc |= ws_buf_put_bytes(&b, st->cfg.mac, 6) | ws_buf_put_u32(&b, st->cfg.ip);
	rc |= ws_buf_put_bytes(&b, op == ARP_OP_REQUEST ? (const uint8_t *)"\0\0\0\0\0\0" : tha, 6);
	rc |= ws_buf_put_u32(&b, tpa);
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	put_eth_header(m, op == ARP_OP_REQUEST ? bcast : tha, st->cfg.mac, 0x0806);
	st->stats.arp_out++;
	wsnet_tx_frame(st, m);
}

static void arp_release_pending(struct wsnet_stack *st, struct wsnet_arp_entry *e)
{
	for (uint8_t i = 0; i < e->npending; i++) {
		put_eth_header(e->pending[i], e->mac, st->cfg.mac, 0x0800);
		wsnet_tx_frame(st, e->pending[i]);
	}
	e->npending = 0;
}

static void arp_learn(struct wsnet_stack *st, uint32_t ip, const uint8_t *mac, bool create)
{
	struct wsnet_arp_entry *e = arp_find(st, ip);
	if (e == NULL && !create)
		return;
	if (e == NULL) {
		e = arp_slot(st);
		e->ip = ip;
	}
	memcpy(e->mac, mac, 6);
	e->valid = true;
	e->tries = 0;
	e->expires_us = st->now_us + (uint64_t)st->cfg.arp_ttl_ms * 1000;
	arp_release_pending(st, e);
}

void wsnet_arp_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t off)
{
	struct ws_buf b;
	struct arp_msg a;
	st->stats.arp_in++;
	ws_buf_init_read(&b, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if (ws_buf_skip(&b, off) < 0 || parse_arp(&b, &a) < 0 || a.spa == 0) {
		st->stats.eth_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_free(m);
	/* RFC 826 "Packet Reception": update an existing entry; add one only if we are the target. */
	bool for_us = a.tpa == st->cfg.ip;
	arp_learn(st, a.spa, a.sha, for_us);
	if (for_us && a.op == ARP_OP_REQUEST) {
		st->stats.arp_replies++;
		arp_send(st, ARP_OP_REPLY, a.sha, a.spa);
	}
}

static uint32_t next_hop(const struct wsnet_stack *st, uint32_t dst)
{
	const struct wsnet_config *c = &st->cfg;
	if (c->gateway == 0 || (dst & c->netmask) == (c->ip & c->netmask))
		return dst;
	return c->gateway;
}

void wsnet_eth_output_ip(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t ip_dst)
{
	uint32_t hop = next_hop(st, ip_dst);
	struct wsnet_arp_entry *e = arp_find(st, hop);
	if (e != NULL && e->valid) {
		put_eth_header(m, e->mac, st->cfg.mac, 0x0800);
		wsnet_tx_frame(st, m);
		return;
	}
	if (e == NULL) {
		e = arp_slot(st);
		e->ip = hop;
		e->tries = 1;
		e->expires_us = st->now_us + ARP_RETRY_US;
		arp_send(st, ARP_OP_REQUEST, NULL, hop);
	}
	if (e->npending == WSNET_ARP_PENDING) {
		st->stats.arp_queue_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	e->pending[e->npending++] = m;
}

#define ARP_REFRESH_US 3000000u /* ask again this long before a valid entry expires */

void wsnet_arp_tick(struct wsnet_stack *st)
{
	for (unsigned i = 0; i < WSNET_ARP_SLOTS; i++) {
		struct wsnet_arp_entry *e = &st->arp[i];
		if (e->valid && e->tries == 0 && e->expires_us > st->now_us &&
			e->expires_us - st->now_us < ARP_REFRESH_US) {
			/* Refresh while still using the entry, so traffic never waits on resolution. */
			e->tries = 1;
			arp_send(st, ARP_OP_REQUEST, NULL, e->ip);
			continue;
		}
		if ((!e->valid && e->tries == 0) || e->expires_us > st->now_us)
			continue;
		if (e->valid || e->tries >= ARP_MAX_TRIES) {
			st->stats.arp_queue_drops += e->npending;
			arp_entry_clear(e);
			continue;
		}
		e->tries++;
		e->expires_us = st->now_us + ARP_RETRY_US;
		arp_send(st, ARP_OP_REQUEST, NULL, e->ip);
	}
}

void wsnet_arp_flush_all(struct wsnet_stack *st)
{
	for (unsigned i = 0; i < WSNET_ARP_SLOTS; i++)
		arp_entry_clear(&st->arp[i]);
}
