/* ipv4.c — IPv4 input validation (RFC 791, RFC 1122 §3.2.1), fragment dropping, ICMP echo reply
 * (RFC 792) and IPv4 output with DF set and checksums in software or offloaded. */
#include <string.h>

#include <rte_ip.h>

#include "wsnet_impl.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff

struct ip_hdr_view {
	uint8_t ihl_bytes, proto;
	uint16_t tot_len, frag;
	uint32_t src, dst;
};

static int parse_ipv4(struct ws_buf *b, struct ip_hdr_view *h)
{
	uint8_t vihl, tos, len[2];
	uint32_t id_frag, ttl_proto_ck;
	WS_TRY(ws_buf_get_u8(b, &vihl));
	WS_TRY(ws_buf_get_u8(b, &tos));
	WS_TRY(ws_buf_get_bytes(b, len, 2));
	WS_TRY(ws_buf_get_u32(b, &id_frag));
	WS_TRY(ws_buf_get_u32(b, &ttl_proto_ck));
	WS_TRY(ws_buf_get_u32(b, &h->src));
	WS_TRY(ws_buf_get_u32(b, &h->dst));
	(void)tos;
	/* RFC 1122 §3.2.1.1: a datagram whose version number is not 4 MUST be silently discarded. */
	WS_ENSURE((vihl >> 4) == 4 && (vihl & 0xf) >= 5, WS_ERR_FORMAT);
	h->ihl_bytes = (uint8_t)((vihl & 0xf) * 4);
	h->tot_len = (uint16_t)((len[0] << 8) | len[1]);
	WS_ENSURE(h->tot_len >= h->ihl_bytes, WS_ERR_FORMAT);
	/* Options (if any) are skipped, not interpreted. */
	WS_TRY(ws_buf_skip(b, (size_t)h->ihl_bytes - 20));
	h->frag = (uint16_t)id_frag;
	h->proto = (uint8_t)(ttl_proto_ck >> 16);
	return WS_OK;
}

uint32_t wsnet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

static bool ip_cksum_ok(const struct wsnet_stack *st, const struct rte_mbuf *m, uint32_t off, uint8_t ihl)
{
	if ((st->cfg.offloads & WSNET_OFF_RX_CKSUM) &&
		(m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	/* RFC 1122 §3.2.1.2: a host MUST verify the header checksum and silently discard on failure. */
	uint16_t sum = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), ihl);
	return sum == 0xffff;
}

static void icmp_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t src)
{
	struct ws_buf b;
	uint8_t type = 0xff;
	uint16_t sum = 0;
	ws_buf_init_read(&b, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if (ws_buf_skip(&b, off) < 0 || ws_buf_get_u8(&b, &type) < 0 || len < 8 ||
		rte_raw_cksum_mbuf(m, off, len, &sum) != 0 || sum != 0xffff || type != 8) {
		st->stats.ip_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	/* RFC 792 echo reply: same data, type 0, checksum recomputed. Reuse the request's mbuf. */
	rte_pktmbuf_adj(m, (uint16_t)off);
	uint8_t *icmp = rte_pktmbuf_mtod(m, uint8_t *);
	icmp[0] = 0;
	icmp[2] = icmp[3] = 0;
	uint16_t raw = 0;
	if (rte_raw_cksum_mbuf(m, 0, len, &raw) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	uint16_t ck = (uint16_t)~raw; /* native-order sum: store natively */
	memcpy(icmp + 2, &ck, 2);
	m->ol_flags = 0;
	st->stats.icmp_echo++;
	wsnet_ipv4_output(st, m, src, IPPROTO_ICMP_, false);
}

void wsnet_ipv4_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t off)
{
	struct ws_buf b;
	struct ip_hdr_view h;
	ws_buf_init_read(&b, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if (ws_buf_skip(&b, off) < 0 || parse_ipv4(&b, &h) < 0 || h.tot_len > m->pkt_len - off ||
		!ip_cksum_ok(st, m, off, h.ihl_bytes) || h.dst != st->cfg.ip) {
		st->stats.ip_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	if ((h.frag & (IP_MF | IP_OFFMASK)) != 0) {
		st->stats.ip_fragments++; /* no reassembly: counted and dropped */
		rte_pktmbuf_free(m);
		return;
	}
	if (m->pkt_len > off + h.tot_len) /* Ethernet padding */
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - off - h.tot_len));
	uint32_t l4_off = off + h.ihl_bytes, l4_len = h.tot_len - h.ihl_bytes;
	if (h.proto == IPPROTO_TCP_) {
		wsnet_tcp_input(st, m, l4_off, l4_len, h.src, h.dst);
	} else if (h.proto == IPPROTO_ICMP_) {
		icmp_input(st, m, l4_off, l4_len, h.src);
	} else {
		st->stats.ip_drops++;
		rte_pktmbuf_free(m);
	}
}

static void l4_checksum(struct rte_mbuf *m, uint8_t proto, uint32_t src, uint32_t dst, bool offload)
{
	if (proto != IPPROTO_TCP_)
		return; /* ICMP sums were filled by the caller */
	uint32_t l4_len = m->pkt_len - 20;
	uint8_t *ck = rte_pktmbuf_mtod_offset(m, uint8_t *, 20 + 16);
	uint16_t v;
	if (offload) {
		/* The NIC wants the pseudo-header sum (not complemented) in the field. */
		uint32_t s = wsnet_pseudo_sum(src, dst, proto, (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ? 0 : l4_len);
		v = (uint16_t)~wsnet_cksum_fold(s);
	} else {
		uint16_t raw = 0;
		ck[0] = ck[1] = 0;
		if (rte_raw_cksum_mbuf(m, 20, l4_len, &raw) != 0)
			raw = 0;
		/* rte_raw_cksum_mbuf sums native-order words: convert to a big-endian value first. */
		v = wsnet_cksum_fold(wsnet_pseudo_sum(src, dst, proto, l4_len) + rte_be_to_cpu_16(raw));
	}
	ck[0] = (uint8_t)(v >> 8);
	ck[1] = (uint8_t)v;
}

void wsnet_ipv4_output(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t dst, uint8_t proto, bool l4_cksum_offload)
{
	uint8_t *ip = (uint8_t *)rte_pktmbuf_prepend(m, 20);
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	struct ws_buf b;
	uint32_t tot = m->pkt_len;
	uint16_t id = st->ip_id++;
	ws_buf_init_write(&b, ip, 20);
	/* Version 4, IHL 5; DF set: we never fragment (RFC 1191 path MTU discovery). */
	int rc = ws_buf_put_u32(&b, (0x45u << 24) | (tot & 0xffff));
	rc |= ws_buf_put_u32(&b, ((uint32_t)id << 16) | IP_DF);
	rc |= ws_buf_put_u32(&b, (64u << 24) | ((uint32_t)proto << 16));
	rc |= ws_buf_put_u32(&b, st->cfg.ip);
	rc |= ws_buf_put_u32(&b, dst);
	if (rc != 0 || tot > 65535) {
		rte_pktmbuf_free(m);
		return;
	}
	m->l3_len = 20;
	bool hw_ip = (st->cfg.offloads & WSNET_OFF_IPV4_CKSUM) != 0;
	if (hw_ip) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		uint16_t ck = (uint16_t)~rte_raw_cksum(ip, 20);
		memcpy(ip + 10, &ck, 2);
	}
	if (l4_cksum_offload)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	l4_checksum(m, proto, st->cfg.ip, dst, l4_cksum_offload);
	wsnet_eth_output_ip(st, m, dst);
}
