/* fuzz_net_input.c — libFuzzer target for the userspace stack's input path (Ethernet, ARP, IPv4,
 * ICMP, TCP with a listener and an active open). Input is a list of records
 * [flags u8][len u16 big-endian][frame]; flags bit 0 asks the harness to fix the IPv4 and TCP/ICMP
 * checksums (so the fuzzer reaches TCP state), bit 1 advances the clock 300 ms (timers fire), bit 2
 * lets the application accept, read and write. Every mbuf must come back: a leak aborts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "warpssh/net.h"

static struct rte_mempool *pool;
static unsigned long send_errors; /* closed connections refuse sends: expected */

static uint16_t sink_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	for (uint16_t i = 0; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	return n;
}

static void init_once(void)
{
	static char prefix[64];
	if (pool != NULL)
		return;
	/* --no-huge cannot combine with --in-memory: a private prefix and no shared config instead. */
	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzznet%d", (int)getpid());
	char *args[] = {"fuzz_net", "-l", "0", "--no-huge", "--no-pci", "--no-shconf", "-m", "128", prefix,
		"--log-level=*:error", NULL};
	if (rte_eal_init(10, args) < 0)
		abort();
	pool = rte_pktmbuf_pool_create("fuzz_net", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL)
		abort();
}

static uint32_t sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len % 2)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header checksum and the TCP or ICMP checksum, within the frame's bounds. */
static void fix_checksums(uint8_t *f, size_t len)
{
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4, avail = len - 14;
	if (ihl < 20 || ihl > avail)
		return;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	if (tot < ihl || tot > avail)
		tot = avail;
	put16(ip + 10, 0);
	put16(ip + 10, fold(sum16(ip, ihl)));
	uint8_t *l4 = ip + ihl;
	size_t l4len = tot - ihl;
	if (ip[9] == 6 && l4len >= 20) {
		put16(l4 + 16, 0);
		uint32_t ps = sum16(ip + 12, 8) + 6 + (uint32_t)l4len;
		put16(l4 + 16, fold(ps + sum16(l4, l4len)));
	} else if (ip[9] == 1 && l4len >= 8) {
		put16(l4 + 2, 0);
		put16(l4 + 2, fold(sum16(l4, l4len)));
	}
}

static void app_step(struct wsnet_listener *l, struct wsnet_conn **acc, unsigned *nacc)
{
	struct wsnet_conn *c;
	while (*nacc < 8 && (c = wsnet_accept(l)) != NULL)
		acc[(*nacc)++] = c;
	for (unsigned i = 0; i < *nacc; i++) {
		uint8_t buf[256];
		int rc = wsnet_recv(acc[i], buf, sizeof(buf));
		if (rc > 0 && wsnet_send(acc[i], buf, (size_t)rc) < 0)
			send_errors++;
	}
}

static struct wsnet_stack *make_stack(void)
{
	struct wsnet_config cfg;
	struct wsnet_stack *st = NULL;
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x02};
	wsnet_config_defaults(&cfg);
	cfg.ip = 0x0a000002u;
	memcpy(cfg.mac, mac, 6);
	cfg.pool = pool;
	cfg.tx = sink_tx;
	cfg.max_conns = 32;
	cfg.rcvbuf = 65536;
	cfg.sndbuf = 65536;
	if (wsnet_stack_new(&cfg, 1000000, &st) < 0)
		abort();
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	struct wsnet_stack *st = make_stack();
	struct wsnet_listener *l = NULL;
	struct wsnet_conn *active = NULL, *acc[8];
	unsigned nacc = 0;
	uint64_t now = 1000000;
	if (wsnet_listen(st, 80, 4, 4, &l) < 0 || wsnet_connect(st, 0x0a000001u, 5555, &active) < 0)
		abort();
	size_t off = 0;
	while (size - off >= 3) {
		uint8_t flags = data[off];
		size_t len = (size_t)(data[off + 1] << 8 | data[off + 2]);
		off += 3;
		len = len > size - off ? size - off : len;
		len = len > 2000 ? 2000 : len;
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *f = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len) : NULL;
		if (f == NULL) {
			rte_pktmbuf_free(m);
			break;
		}
		memcpy(f, data + off, len);
		off += len;
		if (flags & 1)
			fix_checksums(f, len);
		if (flags & 2)
			now += 300000;
		wsnet_input(st, &m, 1, now);
		if (flags & 4)
			app_step(l, acc, &nacc);
		wsnet_poll(st, now);
	}
	for (int i = 0; i < 4; i++)
		wsnet_poll(st, now += 1000000);
	wsnet_stack_free(st);
	if (rte_mempool_in_use_count(pool) != 0)
		abort(); /* an mbuf leaked */
	return 0;
}
