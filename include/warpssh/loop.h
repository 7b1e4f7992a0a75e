/* loop.h — one event loop per thread (kernel-socket runtime): epoll readiness callbacks per fd,
 * one-shot timers on a min-heap, and an end-of-iteration hook where a data core gathers every
 * connection's packets into one crypto burst. Not thread-safe: each thread owns its loop. */
#ifndef WARPSSH_LOOP_H
#define WARPSSH_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "warpssh/err.h"

#define WS_EV_READ 0x1u
#define WS_EV_WRITE 0x2u
#define WS_EV_ERROR 0x4u /* hang-up or error: reported with READ so the owner reads EOF/error */

struct ws_loop;
typedef void (*ws_io_cb)(struct ws_loop *loop, int fd, uint32_t events, void *arg);
typedef void (*ws_loop_cb)(struct ws_loop *loop, void *arg);

struct ws_timer {
	uint64_t deadline_ms;
	ws_loop_cb cb;
	void *arg;
	uint32_t heap_index; /* 0 when not armed */
};

WS_MUST_USE int ws_loop_new(struct ws_loop **out);
void ws_loop_free(struct ws_loop *loop);

/* Watch fd for events (WS_EV_READ | WS_EV_WRITE); one watcher per fd. */
WS_MUST_USE int ws_loop_add(struct ws_loop *loop, int fd, uint32_t events, ws_io_cb cb, void *arg);
WS_MUST_USE int ws_loop_mod(struct ws_loop *loop, int fd, uint32_t events);
/* Stop watching fd (safe from inside any callback, including fd's own). */
void ws_loop_del(struct ws_loop *loop, int fd);

/* Monotonic milliseconds, sampled once per iteration. */
uint64_t ws_loop_now_ms(const struct ws_loop *loop);
void ws_timer_init(struct ws_timer *t, ws_loop_cb cb, void *arg);
/* Arm (or re-arm) t to fire once after delay_ms. */
WS_MUST_USE int ws_timer_arm(struct ws_loop *loop, struct ws_timer *t, uint64_t delay_ms);
void ws_timer_cancel(struct ws_loop *loop, struct ws_timer *t);
static inline bool ws_timer_armed(const struct ws_timer *t) { return t->heap_index != 0; }

/* Called once after every iteration's callbacks (e.g. to run a crypto burst). */
void ws_loop_set_end_hook(struct ws_loop *loop, ws_loop_cb cb, void *arg);

/* One iteration: wait up to max_wait_ms (or until the next timer), dispatch. Returns the number
 * of callbacks run, or a negative error. */
int ws_loop_run_once(struct ws_loop *loop, int max_wait_ms);
/* Run until ws_loop_stop(). */
WS_MUST_USE int ws_loop_run(struct ws_loop *loop);
void ws_loop_stop(struct ws_loop *loop);

#endif
