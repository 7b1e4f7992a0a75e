/* impair_wire.c — a DPDK bridge between two ports (e.g. af_packet on two veths) that impairs
 * both directions with a seeded RNG: loss, duplication, delay with jitter, and reordering (a
 * chosen frame is held back so later ones overtake it). Any two endpoints can sit on either side. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "warpssh/net.h"

#define BURST 64
#define HEAP_CAP 65536

struct impair {
	double loss, dup, reorder; /* probabilities in [0, 1] */
	uint64_t delay_us, jitter_us, reorder_us;
};

struct held {
	uint64_t release_us, order;
	struct rte_mbuf *m;
};

/* One direction: a min-heap of frames by release time (ties in arrival order). */
struct direction {
	struct wsnet_port *in, *out;
	uint64_t rng;
	struct held *heap;
	uint32_t n;
	uint64_t order;
	uint64_t rx, tx, dropped, duplicated, reordered, overflow;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = (*s += 0x9e3779b97f4a7c15ull);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(next_rand(s) >> 11) / 9007199254740992.0;
}

static bool earlier(const struct held *a, const struct held *b)
{
	return a->release_us < b->release_us || (a->release_us == b->release_us && a->order < b->order);
}

static void heap_push(struct direction *d, struct rte_mbuf *m, uint64_t at)
{
	if (d->n == HEAP_CAP) {
		d->overflow++;
		rte_pktmbuf_free(m);
		return;
	}
	uint32_t i = d->n++;
	struct held h = {at, d->order++, m};
	while (i > 0 && earlier(&h, &d->heap[(i - 1) / 2])) {
		d->heap[i] = d->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	d->heap[i] = h;
}

static struct rte_mbuf *heap_pop(struct direction *d)
{
	struct rte_mbuf *m = d->heap[0].m;
	struct held last = d->heap[--d->n];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= d->n)
			break;
		if (c + 1 < d->n && earlier(&d->heap[c + 1], &d->heap[c]))
			c++;
		if (!earlier(&d->heap[c], &last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->n > 0)
		d->heap[i] = last;
	return m;
}

static uint64_t delay_for(const struct impair *im, struct direction *d)
{
	uint64_t t = im->delay_us;
	if (im->jitter_us > 0)
		t += next_rand(&d->rng) % (im->jitter_us + 1);
	if (uniform(&d->rng) < im->reorder) {
		d->reordered++;
		t += im->reorder_us;
	}
	return t;
}

static void admit(const struct impair *im, struct direction *d, struct rte_mbuf *m, uint64_t now)
{
	d->rx++;
	if (uniform(&d->rng) < im->loss) {
		d->dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (uniform(&d->rng) < im->dup) {
		struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (copy != NULL) {
			d->duplicated++;
			heap_push(d, copy, now + delay_for(im, d));
		}
	}
	heap_push(d, m, now + delay_for(im, d));
}

static void forward(const struct impair *im, struct direction *d)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = wsnet_port_rx(d->in, pkts, BURST);
	uint64_t now = wsnet_now_us();
	for (uint16_t i = 0; i < n; i++)
		admit(im, d, pkts[i], now);
	uint16_t k = 0;
	while (d->n > 0 && d->heap[0].release_us <= now && k < BURST)
		pkts[k++] = heap_pop(d);
	if (k == 0)
		return;
	uint16_t sent = wsnet_port_tx(d->out, pkts, k);
	d->tx += sent;
	for (uint16_t i = sent; i < k; i++) {
		d->overflow++;
		rte_pktmbuf_free(pkts[i]);
	}
}

static int parse(int argc, char **argv, struct impair *im, uint64_t *seed)
{
	static const struct option lo[] = {{"loss", required_argument, 0, 'l'}, {"dup", required_argument, 0, 'd'},
		{"reorder", required_argument, 0, 'r'}, {"delay-us", required_argument, 0, 'D'},
		{"jitter-us", required_argument, 0, 'j'}, {"reorder-us", required_argument, 0, 'R'},
		{"seed", required_argument, 0, 's'}, {0, 0, 0, 0}};
	int ch;
	memset(im, 0, sizeof(*im));
	im->reorder_us = 200;
	*seed = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': im->loss = atof(optarg) / 100; break;
		case 'd': im->dup = atof(optarg) / 100; break;
		case 'r': im->reorder = atof(optarg) / 100; break;
		case 'D': im->delay_us = strtoull(optarg, NULL, 0); break;
		case 'j': im->jitter_us = strtoull(optarg, NULL, 0); break;
		case 'R': im->reorder_us = strtoull(optarg, NULL, 0); break;
		case 's': *seed = strtoull(optarg, NULL, 0); break;
		default: return -1;
		}
	}
	return 0;
}

static void report(const struct direction *d, int dir)
{
	printf("WIRE dir=%d rx=%lu tx=%lu dropped=%lu duplicated=%lu reordered=%lu overflow=%lu\n", dir, d->rx, d->tx,
		d->dropped, d->duplicated, d->reordered, d->overflow);
}

int main(int argc, char **argv)
{
	int used = rte_eal_init(argc, argv);
	struct impair im;
	uint64_t seed;
	if (used < 0)
		return 2;
	argv[used] = argv[0];
	if (parse(argc - used, argv + used, &im, &seed) < 0 || rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "usage: impair_wire EAL-ARGS(2 ports) -- [--loss PCT] [--dup PCT] [--reorder PCT] "
				"[--delay-us N] [--jitter-us N] [--reorder-us N] [--seed S]\n");
		return 2;
	}
	struct rte_mempool *pool = wsnet_pool_create("wire", 131071);
	struct wsnet_port *p0, *p1;
	if (pool == NULL || wsnet_port_open(0, 2048, pool, &p0) < 0 || wsnet_port_open(1, 2048, pool, &p1) < 0)
		return 2;
	rte_eth_promiscuous_enable(0);
	rte_eth_promiscuous_enable(1);
	struct direction d[2] = {{.in = p0, .out = p1, .rng = seed}, {.in = p1, .out = p0, .rng = seed ^ 0x5555}};
	d[0].heap = calloc(HEAP_CAP, sizeof(struct held));
	d[1].heap = calloc(HEAP_CAP, sizeof(struct held));
	if (d[0].heap == NULL || d[1].heap == NULL)
		return 2;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("READY\n");
	fflush(stdout);
	while (!stop_flag) {
		forward(&im, &d[0]);
		forward(&im, &d[1]);
	}
	report(&d[0], 0);
	report(&d[1], 1);
	fflush(stdout);
	return 0;
}
