/* test_tcp_mem.c — the TCP/IP stack without a NIC: two stacks wired back to back through an
 * in-memory wire (with seeded loss and reordering) on a virtual clock. Proves handshake and option
 * negotiation, bulk transfer, loss recovery, FIN/TIME_WAIT, RST for closed ports, zero-window
 * probing, ARP, ICMP echo, and that malformed frames are counted and dropped. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "check.h"
#include "warpssh/net.h"

#define WIRE_CAP 8192
#define IP_A 0x0a000001u
#define IP_B 0x0a000002u

struct wire {
	struct rte_mbuf *q[WIRE_CAP];
	unsigned n;
	unsigned loss_pct, reorder_pct;
	uint64_t rng;
	uint64_t dropped;
};

static struct rte_mempool *pool;
static struct wire wire_ab, wire_ba;
static uint64_t now_us = 1000000;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint16_t wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	for (uint16_t i = 0; i < n; i++) {
		if (w->n == WIRE_CAP || rnd(&w->rng) % 100 < w->loss_pct) {
			w->dropped++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		w->q[w->n++] = pkts[i];
		if (w->n >= 2 && rnd(&w->rng) % 100 < w->reorder_pct) {
			struct rte_mbuf *t = w->q[w->n - 1];
			w->q[w->n - 1] = w->q[w->n - 2];
			w->q[w->n - 2] = t;
		}
	}
	return n;
}

static void wire_deliver(struct wire *w, struct wsnet_stack *to)
{
	unsigned off = 0;
	while (off < w->n) {
		unsigned k = w->n - off > 32 ? 32 : w->n - off;
		struct rte_mbuf *burst[32];
		memcpy(burst, &w->q[off], k * sizeof(*burst));
		off += k;
		wsnet_input(to, burst, (uint16_t)k, now_us);
	}
	w->n = 0;
}

static struct wsnet_stack *make_stack(uint32_t ip, uint8_t last_mac, struct wire *out, uint32_t rcvbuf, uint32_t offloads)
{
	struct wsnet_config cfg;
	struct wsnet_stack *st = NULL;
	wsnet_config_defaults(&cfg);
	cfg.ip = ip;
	cfg.netmask = 0xffffff00u;
	uint8_t mac[6] = {0x02, 0, 0, 0, 0, last_mac};
	memcpy(cfg.mac, mac, 6);
	cfg.pool = pool;
	cfg.tx = wire_tx;
	cfg.tx_arg = out;
	cfg.rcvbuf = rcvbuf;
	cfg.sndbuf = 1u << 20;
	cfg.max_conns = 64;
	cfg.msl_ms = 100;
	cfg.offloads = offloads;
	REQUIRE(wsnet_stack_new(&cfg, now_us, &st) == WS_OK);
	return st;
}

/* One step of virtual time: deliver both directions, run timers. */
static void step(struct wsnet_stack *a, struct wsnet_stack *b)
{
	wire_deliver(&wire_ab, b);
	wire_deliver(&wire_ba, a);
	now_us += 50;
	wsnet_poll(a, now_us);
	wsnet_poll(b, now_us);
}

static void wire_reset(unsigned loss, unsigned reorder)
{
	wire_ab.loss_pct = wire_ba.loss_pct = loss;
	wire_ab.reorder_pct = wire_ba.reorder_pct = reorder;
	wire_ab.rng = 0x1234567;
	wire_ba.rng = 0x7654321;
}

static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

struct pair {
	struct wsnet_stack *a, *b;
	struct wsnet_listener *l;
	struct wsnet_conn *ca, *cb;
};

static bool open_pair(struct pair *p, uint32_t rcvbuf, uint32_t offloads)
{
	memset(p, 0, sizeof(*p));
	p->a = make_stack(IP_A, 1, &wire_ab, rcvbuf, offloads);
	p->b = make_stack(IP_B, 2, &wire_ba, rcvbuf, offloads);
	REQUIRE(wsnet_listen(p->b, 5000, 16, 16, &p->l) == WS_OK);
	REQUIRE(wsnet_connect(p->a, IP_B, 5000, &p->ca) == WS_OK);
	for (int i = 0; i < 200000 && (p->cb == NULL || !(wsnet_conn_events(p->ca) & WSNET_EV_CONNECTED)); i++) {
		step(p->a, p->b);
		if (p->cb == NULL)
			p->cb = wsnet_accept(p->l);
	}
	return p->cb != NULL && (wsnet_conn_events(p->ca) & WSNET_EV_CONNECTED);
}

static void wire_drain(struct wire *w)
{
	for (unsigned i = 0; i < w->n; i++)
		rte_pktmbuf_free(w->q[i]);
	w->n = 0;
}

static void close_pair(struct pair *p)
{
	wsnet_stack_free(p->a);
	wsnet_stack_free(p->b);
	wire_drain(&wire_ab);
	wire_drain(&wire_ba);
}

/* Send total bytes a->b; returns bytes received intact (stops at the first mismatch). */
static uint64_t transfer(struct pair *p, uint64_t total, int max_steps)
{
	uint64_t sent = 0, got = 0;
	uint8_t chunk[16384];
	for (int i = 0; i < max_steps && got < total; i++) {
		while (sent < total) {
			size_t n = total - sent < sizeof(chunk) ? (size_t)(total - sent) : sizeof(chunk);
			for (size_t k = 0; k < n; k++)
				chunk[k] = pattern_byte(sent + k);
			int rc = wsnet_send(p->ca, chunk, n);
			if (rc <= 0)
				break;
			sent += (uint64_t)rc;
		}
		step(p->a, p->b);
		int rc;
		while ((rc = wsnet_recv(p->cb, chunk, sizeof(chunk))) > 0) {
			for (int k = 0; k < rc; k++)
				if (chunk[k] != pattern_byte(got + (uint64_t)k))
					return got;
			got += (uint64_t)rc;
		}
	}
	return got;
}

static void test_handshake_options(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 4u << 20, 0));
	struct wsnet_conn_stats s;
	wsnet_conn_stats(p.ca, &s);
	CHECK(s.sack);
	CHECK(s.timestamps);
	CHECK(s.wscale);
	CHECK_EQ(s.mss, 1460 - 12);
	CHECK(s.snd_wnd > 65535); /* scaled window in use */
	uint32_t lip, rip;
	uint16_t lport, rport;
	wsnet_conn_addrs(p.cb, &lip, &lport, &rip, &rport);
	CHECK_EQ(lip, IP_B);
	CHECK_EQ(rip, IP_A);
	CHECK_EQ(lport, 5000);
	struct wsnet_stack_stats ss;
	wsnet_stack_stats(p.a, &ss);
	CHECK(ss.arp_out >= 1); /* A resolved B */
	/* Edge events: drain, then data from A must queue exactly B's connection as readable. */
	uint32_t ev;
	while (wsnet_next_event(p.b, &ev) != NULL)
		;
	CHECK(wsnet_next_event(p.b, &ev) == NULL);
	CHECK_EQ(wsnet_send(p.ca, "abc", 3), 3);
	for (int i = 0; i < 100; i++)
		step(p.a, p.b);
	CHECK(wsnet_next_event(p.b, &ev) == p.cb);
	CHECK(ev & WSNET_EV_READABLE);
	CHECK(wsnet_next_event(p.b, &ev) == NULL);
	close_pair(&p);
}

static void test_bulk_clean(uint32_t offloads)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 1u << 20, offloads));
	uint64_t total = 8u << 20;
	CHECK_EQ(transfer(&p, total, 400000), total);
	struct wsnet_conn_stats s;
	wsnet_conn_stats(p.ca, &s);
	CHECK_EQ(s.retransmits, 0);
	CHECK(s.bytes_out == total);
	close_pair(&p);
}

static void test_bulk_lossy(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 1u << 20, WSNET_OFF_MULTI_SEG));
	wire_reset(2, 5);
	uint64_t total = 4u << 20;
	CHECK_EQ(transfer(&p, total, 2000000), total);
	struct wsnet_conn_stats sa, sb;
	wsnet_conn_stats(p.ca, &sa);
	wsnet_conn_stats(p.cb, &sb);
	CHECK(sa.retransmits > 0);
	CHECK(sa.fast_retransmits > 0);
	CHECK(sb.ooo_segments > 0);
	CHECK(sa.recoveries > 0);
	printf("lossy: retx %lu fast %lu rto %lu rec %lu ooo %lu cwnd %u srtt %u\n", sa.retransmits, sa.fast_retransmits, sa.timeouts, sa.recoveries, sb.ooo_segments, sa.cwnd, sa.srtt_us);
	close_pair(&p);
}

static void test_close_time_wait(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 65536, 0));
	CHECK_EQ(wsnet_send(p.ca, "hello", 5), 5);
	wsnet_close(p.ca); /* A: FIN after the data */
	char buf[16];
	int got = 0, rc = 0;
	for (int i = 0; i < 10000 && rc != WS_ERR_EOF; i++) {
		step(p.a, p.b);
		rc = wsnet_recv(p.cb, buf + got, sizeof(buf) - (size_t)got);
		if (rc > 0)
			got += rc;
	}
	CHECK_EQ(got, 5);
	CHECK_EQ(rc, WS_ERR_EOF);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(wsnet_conn_events(p.cb) & WSNET_EV_EOF);
	wsnet_close(p.cb);
	struct wsnet_stack_stats sa, sb;
	for (int i = 0; i < 20000; i++) /* 2*MSL = 200 ms of virtual time */
		step(p.a, p.b);
	wsnet_stack_stats(p.a, &sa);
	wsnet_stack_stats(p.b, &sb);
	CHECK_EQ(sa.conns_active, 0); /* TIME_WAIT expired */
	CHECK_EQ(sb.conns_active, 0); /* LAST_ACK got its ACK */
	CHECK_EQ(sa.tcp_rst_sent + sb.tcp_rst_sent, 0);
	close_pair(&p);
}

static void test_rst_closed_port(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 65536, 0));
	struct wsnet_conn *c = NULL;
	REQUIRE(wsnet_connect(p.a, IP_B, 5999, &c) == WS_OK);
	for (int i = 0; i < 1000 && !(wsnet_conn_events(c) & WSNET_EV_ERROR); i++)
		step(p.a, p.b);
	CHECK(wsnet_conn_events(c) & WSNET_EV_ERROR);
	CHECK_EQ(wsnet_conn_error(c), WS_ERR_CLOSED);
	struct wsnet_stack_stats sb;
	wsnet_stack_stats(p.b, &sb);
	CHECK_EQ(sb.tcp_no_conn, 1);
	CHECK_EQ(sb.tcp_rst_sent, 1);
	wsnet_close(c);
	close_pair(&p);
}

static void test_zero_window(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 16384, 0));
	uint8_t data[65536];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern_byte(i);
	CHECK_EQ(wsnet_send(p.ca, data, sizeof(data)), (int)sizeof(data));
	for (int i = 0; i < 40000; i++) /* 2 s: B never reads, window closes, A probes */
		step(p.a, p.b);
	struct wsnet_conn_stats s;
	wsnet_conn_stats(p.ca, &s);
	CHECK(s.zero_window_probes > 0);
	CHECK_EQ(s.snd_wnd, 0);
	uint8_t out[65536];
	size_t got = 0;
	for (int i = 0; i < 200000 && got < sizeof(out); i++) {
		step(p.a, p.b);
		int rc = wsnet_recv(p.cb, out + got, sizeof(out) - got);
		if (rc > 0)
			got += (size_t)rc;
	}
	CHECK_EQ(got, sizeof(out));
	CHECK(memcmp(out, data, sizeof(data)) == 0);
	close_pair(&p);
}

/* Ethernet + IPv4 + ICMP echo request from A's MAC/IP to B; fragment flag if frag. */
static struct rte_mbuf *icmp_frame(bool frag, bool bad_ip_sum)
{
	static const uint8_t f[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		8, 0, 0xf7, 0xfe, 0, 1, 0, 0};
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, sizeof(f));
	memcpy(p, f, sizeof(f));
	if (frag)
		p[20] = 0x20; /* MF */
	uint32_t sum = 0;
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	sum = (sum >> 16) + (sum & 0xffff);
	sum = ~(sum + (sum >> 16)) & 0xffff;
	p[24] = (uint8_t)(sum >> 8);
	p[25] = (uint8_t)(sum + (bad_ip_sum ? 1 : 0));
	return m;
}

static void test_icmp_arp_and_drops(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 65536, 0)); /* B learnt A's MAC from A's ARP request */
	struct rte_mbuf *m[3] = {icmp_frame(false, false), icmp_frame(true, false), icmp_frame(false, true)};
	wsnet_input(p.b, m, 3, now_us);
	struct wsnet_stack_stats sb;
	wsnet_stack_stats(p.b, &sb);
	CHECK_EQ(sb.icmp_echo, 1);
	CHECK_EQ(sb.ip_fragments, 1);
	CHECK_EQ(sb.ip_drops, 1);
	REQUIRE(wire_ba.n == 1);
	const uint8_t *r = rte_pktmbuf_mtod(wire_ba.q[0], const uint8_t *);
	CHECK_EQ(r[34], 0); /* echo reply */
	CHECK_EQ(r[23], 1);
	CHECK(memcmp(r, "\x02\0\0\0\0\x01", 6) == 0);
	step(p.a, p.b);
	close_pair(&p);
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A bare SYN from 10.0.0.1:sport (A's MAC) to B:5000 with valid checksums. */
static struct rte_mbuf *syn_frame(uint16_t sport)
{
	uint8_t f[54] = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		(uint8_t)(sport >> 8), (uint8_t)sport, 0x13, 0x88, 0, 0, 0, 7, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff,
		0, 0, 0, 0};
	uint16_t ip = csum_fold(csum_add(0, f + 14, 20));
	f[24] = (uint8_t)(ip >> 8);
	f[25] = (uint8_t)ip;
	uint32_t ps = csum_add(0, f + 26, 8) + 6 + 20;
	uint16_t tcp = csum_fold(csum_add(ps, f + 34, 20));
	f[50] = (uint8_t)(tcp >> 8);
	f[51] = (uint8_t)tcp;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, sizeof(f)), f, sizeof(f));
	return m;
}

static void test_syn_backlog_cap(void)
{
	struct wsnet_stack *b = make_stack(IP_B, 2, &wire_ba, 65536, 0);
	struct wsnet_listener *l = NULL;
	REQUIRE(wsnet_listen(b, 5000, 4, 2, &l) == WS_OK);
	struct rte_mbuf *syns[5];
	for (uint16_t i = 0; i < 5; i++)
		syns[i] = syn_frame((uint16_t)(40000 + i));
	wsnet_input(b, syns, 5, now_us);
	struct wsnet_stack_stats s;
	wsnet_stack_stats(b, &s);
	CHECK_EQ(s.conns_active, 2);      /* the cap holds */
	CHECK_EQ(s.syn_backlog_drops, 3); /* the oldest were evicted, counted */
	CHECK_EQ(s.conns_opened, 5);
	CHECK(wsnet_accept(l) == NULL);   /* nothing handshaken */
	wsnet_stack_free(b);
	wire_drain(&wire_ba);
}

static void test_arp_refresh(void)
{
	struct pair p;
	wire_reset(0, 0);
	REQUIRE(open_pair(&p, 65536, 0));
	struct wsnet_stack_stats before, after;
	wsnet_stack_stats(p.a, &before);
	for (int i = 0; i < 590; i++) { /* 59 s idle, just before the 60 s ARP lifetime ends */
		now_us += 100000;
		step(p.a, p.b);
	}
	wsnet_stack_stats(p.a, &after);
	CHECK(after.arp_out > before.arp_out); /* refreshed before expiry */
	for (int i = 0; i < 110; i++) {        /* to 70 s: the refreshed entry is still valid */
		now_us += 100000;
		step(p.a, p.b);
	}
	wsnet_stack_stats(p.a, &before);
	CHECK_EQ(wsnet_send(p.ca, "ping", 4), 4);
	char buf[8];
	int got = 0;
	for (int i = 0; i < 100 && got == 0; i++) {
		step(p.a, p.b);
		int rc = wsnet_recv(p.cb, buf, sizeof(buf));
		got = rc > 0 ? rc : 0;
	}
	CHECK_EQ(got, 4);
	wsnet_stack_stats(p.a, &after);
	CHECK_EQ(after.arp_out, before.arp_out); /* no resolution needed to send */
	CHECK_EQ(after.arp_queue_drops, 0);
	close_pair(&p);
}

int main(int argc, char **argv)
{
	(void)argc;
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=wsnet_mem_%d", (int)getpid());
	char *eal[] = {argv[0], "-l", "0", "--no-huge", "--no-pci", "-m", "256", prefix, "--log-level=lib.eal:error", NULL};
	REQUIRE(rte_eal_init(9, eal) >= 0);
	pool = rte_pktmbuf_pool_create("mem_test", 32767, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	REQUIRE(pool != NULL);
	test_handshake_options();
	test_bulk_clean(0);
	test_bulk_clean(WSNET_OFF_MULTI_SEG);
	test_bulk_lossy();
	test_close_time_wait();
	test_rst_closed_port();
	test_zero_window();
	test_icmp_arp_and_drops();
	test_arp_refresh();
	test_syn_backlog_cap();
	CHECK_EQ(rte_mempool_in_use_count(pool), 0); /* no mbuf leaked */
	rte_eal_cleanup();
	return check_done("tcp_mem");
}
