/* ring.c — SPSC pointer ring: the producer publishes with a release store of head, the consumer
 * frees slots with a release store of tail; each side acquires the other's index. */
#include <stdlib.h>

#include "warpssh/ring.h"

int ws_ring_init(struct ws_ring *r, uint32_t capacity)
{
	WS_ENSURE(capacity >= 2 && (capacity & (capacity - 1)) == 0, WS_ERR_INVALID_ARG);
	r->slots = calloc(capacity, sizeof(void *));
	WS_ENSURE(r->slots != NULL, WS_ERR_NO_MEMORY);
	r->mask = capacity - 1;
	atomic_store_explicit(&r->head, 0, memory_order_relaxed);
	atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
	return WS_OK;
}

void ws_ring_destroy(struct ws_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

unsigned ws_ring_enqueue_burst(struct ws_ring *r, void *const *items, unsigned n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint32_t space = r->mask + 1 - (head - tail);
	unsigned k = n < space ? n : space;
	for (unsigned i = 0; i < k; i++)
		r->slots[(head + i) & r->mask] = items[i];
	atomic_store_explicit(&r->head, head + k, memory_order_release);
	return k;
}

unsigned ws_ring_dequeue_burst(struct ws_ring *r, void **items, unsigned n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t avail = head - tail;
	unsigned k = n < avail ? n : avail;
	for (unsigned i = 0; i < k; i++)
		items[i] = r->slots[(tail + i) & r->mask];
	atomic_store_explicit(&r->tail, tail + k, memory_order_release);
	return k;
}

uint32_t ws_ring_count(struct ws_ring *r)
{
	return atomic_load_explicit(&r->head, memory_order_acquire) -
	       atomic_load_explicit(&r->tail, memory_order_acquire);
}
