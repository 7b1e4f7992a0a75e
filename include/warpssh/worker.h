/* worker.h — data-core threads for the kernel-socket runtime. Each worker runs its own ws_loop,
 * pinned to a CPU, and exchanges tasks with the control thread over two SPSC rings (control →
 * worker, worker → control) woken by eventfds. A task is a caller-owned struct whose ownership
 * moves with it; run() executes on the receiving thread. */
#ifndef WARPSSH_WORKER_H
#define WARPSSH_WORKER_H

#include "warpssh/err.h"
#include "warpssh/loop.h"

struct ws_task {
	void (*run)(struct ws_loop *loop, struct ws_task *task);
};

struct ws_worker;

/* Start a worker thread pinned to cpu (-1: not pinned). control is the control thread's loop, on
 * which tasks posted back by the worker run. */
WS_MUST_USE int ws_worker_start(struct ws_worker **out, int cpu, struct ws_loop *control);
/* Control thread only: run task on the worker. WS_ERR_AGAIN when its ring is full. */
WS_MUST_USE int ws_worker_post(struct ws_worker *w, struct ws_task *task);
/* Worker thread only: run task on the control thread. WS_ERR_AGAIN when the ring is full. */
WS_MUST_USE int ws_worker_post_back(struct ws_worker *w, struct ws_task *task);
/* The worker's own loop (use only from tasks running on the worker). */
struct ws_loop *ws_worker_loop(struct ws_worker *w);
/* Stop the thread, join it and free the worker. Tasks still queued are not run. */
void ws_worker_stop(struct ws_worker *w);

#endif
