/* ring.h — a lock-free single-producer / single-consumer ring of pointers (C11 atomics), the
 * hand-off between the control core and each data core (connections, rekey results, commands).
 * Capacity is a power of two; enqueue/dequeue move up to n items and return how many moved. */
#ifndef WARPSSH_RING_H
#define WARPSSH_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

struct ws_ring {
	_Alignas(64) _Atomic uint32_t head; /* next slot the producer writes */
	_Alignas(64) _Atomic uint32_t tail; /* next slot the consumer reads */
	_Alignas(64) uint32_t mask;
	void **slots;
};

/* capacity must be a power of two >= 2. */
WS_MUST_USE int ws_ring_init(struct ws_ring *r, uint32_t capacity);
void ws_ring_destroy(struct ws_ring *r);
/* Producer side only. */
unsigned ws_ring_enqueue_burst(struct ws_ring *r, void *const *items, unsigned n);
/* Consumer side only. */
unsigned ws_ring_dequeue_burst(struct ws_ring *r, void **items, unsigned n);
/* Either side: items currently queued (a snapshot). */
uint32_t ws_ring_count(struct ws_ring *r);

#endif
