/* test_ring.c — the SPSC ring keeps FIFO order, never loses or duplicates an item across two
 * threads, reports partial bursts when full or empty, and rejects bad capacities. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"
#include "warpssh/ring.h"

#define ITEMS 2000000u

static struct ws_ring g_ring;

static void *producer(void *arg)
{
	(void)arg;
	uintptr_t next = 1;
	while (next <= ITEMS) {
		void *batch[16];
		unsigned n = 0;
		for (; n < 16 && next + n <= ITEMS; n++)
			batch[n] = (void *)(next + n);
		unsigned k = ws_ring_enqueue_burst(&g_ring, batch, n);
		next += k;
	}
	return NULL;
}

int main(void)
{
	struct ws_ring r;
	CHECK_EQ(ws_ring_init(&r, 3), WS_ERR_INVALID_ARG);
	REQUIRE(ws_ring_init(&r, 4) == WS_OK);
	void *in[6] = {(void *)1, (void *)2, (void *)3, (void *)4, (void *)5, (void *)6}, *out[6];
	CHECK_EQ(ws_ring_enqueue_burst(&r, in, 6), 4); /* full after 4 */
	CHECK_EQ(ws_ring_count(&r), 4);
	CHECK_EQ(ws_ring_dequeue_burst(&r, out, 3), 3);
	CHECK(out[0] == (void *)1 && out[2] == (void *)3);
	CHECK_EQ(ws_ring_enqueue_burst(&r, in + 4, 2), 2); /* wraps */
	CHECK_EQ(ws_ring_dequeue_burst(&r, out, 6), 3);
	CHECK(out[0] == (void *)4 && out[1] == (void *)5 && out[2] == (void *)6);
	CHECK_EQ(ws_ring_dequeue_burst(&r, out, 1), 0);
	ws_ring_destroy(&r);

	/* two threads: every item arrives once, in order */
	REQUIRE(ws_ring_init(&g_ring, 1024) == WS_OK);
	pthread_t t;
	REQUIRE(pthread_create(&t, NULL, producer, NULL) == 0);
	uintptr_t expect = 1;
	int order_errors = 0;
	while (expect <= ITEMS) {
		void *batch[32];
		unsigned k = ws_ring_dequeue_burst(&g_ring, batch, 32);
		for (unsigned i = 0; i < k; i++, expect++)
			if ((uintptr_t)batch[i] != expect)
				order_errors++;
	}
	pthread_join(t, NULL);
	CHECK_EQ(order_errors, 0);
	CHECK_EQ(ws_ring_count(&g_ring), 0);
	ws_ring_destroy(&g_ring);
	return check_done("test_ring");
}
