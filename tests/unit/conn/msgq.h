/* msgq.h — test plumbing for the payload-level modules (auth, conn): a ws_payload_sink that
 * keeps a copy of every payload in a FIFO, so two modules can be wired back to back in memory. */
#ifndef WS_TEST_MSGQ_H
#define WS_TEST_MSGQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/payload.h"

struct msg {
	uint8_t *data;
	size_t len;
};

struct msgq {
	struct msg *items;
	size_t head, count, cap;
	size_t max_parts; /* largest nparts seen (the sink contract says <= 2) */
	int fail_rc;	  /* when negative, the sink refuses every payload with it */
};

void msgq_init(struct msgq *q);
void msgq_free(struct msgq *q);
struct ws_payload_sink msgq_sink(struct msgq *q);
int msgq_push(struct msgq *q, const void *data, size_t len);
/* Oldest payload, ownership to the caller (free(m->data)); false when empty. */
bool msgq_pop(struct msgq *q, struct msg *m);
/* i-th queued payload (0 = oldest), NULL past the end. */
const struct msg *msgq_peek(const struct msgq *q, size_t i);
void msgq_clear(struct msgq *q);
/* Message number of the i-th queued payload, or -1. */
int msgq_type(const struct msgq *q, size_t i);

#endif
