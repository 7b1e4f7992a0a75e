/* msgq.c — the recording payload sink and FIFO used by the auth and connection tests. */
#include <stdlib.h>
#include <string.h>

#include "msgq.h"

void msgq_init(struct msgq *q)
{
	memset(q, 0, sizeof(*q));
}

void msgq_clear(struct msgq *q)
{
	struct msg m;
	while (msgq_pop(q, &m))
		free(m.data);
}

void msgq_free(struct msgq *q)
{
	msgq_clear(q);
	free(q->items);
	memset(q, 0, sizeof(*q));
}

static int grow(struct msgq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 64;
	struct msg *items = malloc(cap * sizeof(*items));
	if (items == NULL)
		return WS_ERR_NO_MEMORY;
	for (size_t i = 0; i < q->count; i++)
		items[i] = q->items[(q->head + i) % q->cap];
	free(q->items);
	q->items = items;
	q->cap = cap;
	q->head = 0;
	return WS_OK;
}

int msgq_push(struct msgq *q, const void *data, size_t len)
{
	if (q->count == q->cap && grow(q) < 0)
		return WS_ERR_NO_MEMORY;
	uint8_t *copy = malloc(len ? len : 1);
	if (copy == NULL)
		return WS_ERR_NO_MEMORY;
	if (len > 0)
		memcpy(copy, data, len);
	q->items[(q->head + q->count) % q->cap] = (struct msg){copy, len};
	q->count++;
	return WS_OK;
}

static int sink_send(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	struct msgq *q = arg;
	size_t len = 0;
	if (q->fail_rc < 0)
		return q->fail_rc;
	if (nparts > q->max_parts)
		q->max_parts = nparts;
	for (size_t i = 0; i < nparts; i++)
		len += parts[i].len;
	uint8_t *flat = malloc(len ? len : 1);
	if (flat == NULL)
		return WS_ERR_NO_MEMORY;
	size_t off = 0;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].len > 0)
			memcpy(flat + off, parts[i].ptr, parts[i].len);
		off += parts[i].len;
	}
	int rc = msgq_push(q, flat, len);
	free(flat);
	return rc;
}

struct ws_payload_sink msgq_sink(struct msgq *q)
{
	struct ws_payload_sink s = {sink_send, q};
	return s;
}

bool msgq_pop(struct msgq *q, struct msg *m)
{
	if (q->count == 0) {
		m->data = NULL;
		m->len = 0;
		return false;
	}
	*m = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return true;
}

const struct msg *msgq_peek(const struct msgq *q, size_t i)
{
	if (i >= q->count)
		return NULL;
	return &q->items[(q->head + i) % q->cap];
}

int msgq_type(const struct msgq *q, size_t i)
{
	const struct msg *m = msgq_peek(q, i);
	return m != NULL && m->len > 0 ? m->data[0] : -1;
}
