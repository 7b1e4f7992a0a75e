/* loop.c — epoll readiness dispatch, a timer min-heap and an end-of-iteration hook.
 * Watchers live in an fd-indexed table; deleting one inside a callback is safe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "warpssh/loop.h"

#define LOOP_MAX_EVENTS 256

struct watcher {
	ws_io_cb cb;
	void *arg;
	uint32_t events;
	bool active;
};

struct ws_loop {
	int epfd;
	struct watcher *watchers; /* indexed by fd */
	size_t nwatchers;
	struct ws_timer **heap;   /* 1-based min-heap of armed timers */
	size_t heap_len, heap_cap;
	uint64_t now_ms;
	ws_loop_cb end_hook;
	void *end_arg;
	bool stop;
};

static uint64_t monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ws_loop_new(struct ws_loop **out)
{
	*out = NULL;
	struct ws_loop *l = calloc(1, sizeof(*l));
	WS_ENSURE(l != NULL, WS_ERR_NO_MEMORY);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return WS_ERR_IO;
	}
	l->now_ms = monotonic_ms();
	*out = l;
	return WS_OK;
}

void ws_loop_free(struct ws_loop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop->watchers);
	free(loop->heap);
	free(loop);
}

static uint32_t to_epoll(uint32_t ev)
{
	return ((ev & WS_EV_READ) ? EPOLLIN | EPOLLRDHUP : 0) | ((ev & WS_EV_WRITE) ? EPOLLOUT : 0);
}

static int ensure_watcher_slot(struct ws_loop *loop, int fd)
{
	if ((size_t)fd < loop->nwatchers)
		return WS_OK;
	size_t n = loop->nwatchers ? loop->nwatchers : 64;
	while (n <= (size_t)fd)
		n *= 2;
	struct watcher *w = realloc(loop->watchers, n * sizeof(*w));
	WS_ENSURE(w != NULL, WS_ERR_NO_MEMORY);
	memset(w + loop->nwatchers, 0, (n - loop->nwatchers) * sizeof(*w));
	loop->watchers = w;
	loop->nwatchers = n;
	return WS_OK;
}

int ws_loop_add(struct ws_loop *loop, int fd, uint32_t events, ws_io_cb cb, void *arg)
{
	WS_ENSURE(fd >= 0 && cb != NULL, WS_ERR_INVALID_ARG);
	WS_TRY(ensure_watcher_slot(loop, fd));
	WS_ENSURE(!loop->watchers[fd].active, WS_ERR_INVALID_ARG);
	struct epoll_event ev = {.events = to_epoll(events), .data.fd = fd};
	WS_ENSURE(epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) == 0, WS_ERR_IO);
	loop->watchers[fd] = (struct watcher){.cb = cb, .arg = arg, .events = events, .active = true};
	return WS_OK;
}

int ws_loop_mod(struct ws_loop *loop, int fd, uint32_t events)
{
	WS_ENSURE(fd >= 0 && (size_t)fd < loop->nwatchers && loop->watchers[fd].active, WS_ERR_INVALID_ARG);
	if (loop->watchers[fd].events == events)
		return WS_OK;
	struct epoll_event ev = {.events = to_epoll(events), .data.fd = fd};
	WS_ENSURE(epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) == 0, WS_ERR_IO);
	loop->watchers[fd].events = events;
	return WS_OK;
}

void ws_loop_del(struct ws_loop *loop, int fd)
{
	if (fd < 0 || (size_t)fd >= loop->nwatchers || !loop->watchers[fd].active)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->watchers[fd].active = false;
}

uint64_t ws_loop_now_ms(const struct ws_loop *loop) { return loop->now_ms; }

void ws_timer_init(struct ws_timer *t, ws_loop_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

static void heap_swap(struct ws_loop *loop, size_t a, size_t b)
{
	struct ws_timer *t = loop->heap[a];
	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->heap_index = (uint32_t)a;
	loop->heap[b]->heap_index = (uint32_t)b;
}

static void heap_up(struct ws_loop *loop, size_t i)
{
	while (i > 1 && loop->heap[i / 2]->deadline_ms > loop->heap[i]->deadline_ms) {
		heap_swap(loop, i, i / 2);
		i /= 2;
	}
}

static void heap_down(struct ws_loop *loop, size_t i)
{
	for (;;) {
		size_t l = 2 * i, r = l + 1, m = i;
		if (l <= loop->heap_len && loop->heap[l]->deadline_ms < loop->heap[m]->deadline_ms)
			m = l;
		if (r <= loop->heap_len && loop->heap[r]->deadline_ms < loop->heap[m]->deadline_ms)
			m = r;
		if (m == i)
			return;
		heap_swap(loop, i, m);
		i = m;
	}
}

void ws_timer_cancel(struct ws_loop *loop, struct ws_timer *t)
{
	size_t i = t->heap_index;
	if (i == 0)
		return;
	heap_swap(loop, i, loop->heap_len);
	loop->heap_len--;
	t->heap_index = 0;
	if (i <= loop->heap_len) {
		heap_up(loop, i);
		heap_down(loop, i);
	}
}

int ws_timer_arm(struct ws_loop *loop, struct ws_timer *t, uint64_t delay_ms)
{
	ws_timer_cancel(loop, t);
	if (loop->heap_len + 1 >= loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 64;
		struct ws_timer **h = realloc(loop->heap, cap * sizeof(*h));
		WS_ENSURE(h != NULL, WS_ERR_NO_MEMORY);
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->deadline_ms = monotonic_ms() + delay_ms;
	loop->heap[++loop->heap_len] = t;
	t->heap_index = (uint32_t)loop->heap_len;
	heap_up(loop, loop->heap_len);
	return WS_OK;
}

void ws_loop_set_end_hook(struct ws_loop *loop, ws_loop_cb cb, void *arg)
{
	loop->end_hook = cb;
	loop->end_arg = arg;
}

static int run_expired_timers(struct ws_loop *loop)
{
	int ran = 0;
	while (loop->heap_len > 0 && loop->heap[1]->deadline_ms <= loop->now_ms) {
		struct ws_timer *t = loop->heap[1];
		ws_timer_cancel(loop, t);
		t->cb(loop, t->arg);
		ran++;
	}
	return ran;
}

static int wait_budget(const struct ws_loop *loop, int max_wait_ms)
{
	if (loop->heap_len == 0)
		return max_wait_ms;
	uint64_t next = loop->heap[1]->deadline_ms;
	uint64_t until = next > loop->now_ms ? next - loop->now_ms : 0;
	if (max_wait_ms < 0 || until < (uint64_t)max_wait_ms)
		return (int)until;
	return max_wait_ms;
}

int ws_loop_run_once(struct ws_loop *loop, int max_wait_ms)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	loop->now_ms = monotonic_ms();
	int n = epoll_wait(loop->epfd, evs, LOOP_MAX_EVENTS, wait_budget(loop, max_wait_ms));
	if (n < 0 && errno != EINTR)
		return WS_ERR_IO;
	loop->now_ms = monotonic_ms();
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if ((size_t)fd >= loop->nwatchers || !loop->watchers[fd].active)
			continue; /* deleted by an earlier callback in this batch */
		uint32_t e = evs[i].events, ev = 0;
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			ev |= WS_EV_READ;
		if (e & EPOLLOUT)
			ev |= WS_EV_WRITE;
		if (e & (EPOLLHUP | EPOLLERR))
			ev |= WS_EV_ERROR;
		struct watcher w = loop->watchers[fd];
		w.cb(loop, fd, ev, w.arg);
		ran++;
	}
	ran += run_expired_timers(loop);
	if (loop->end_hook != NULL)
		loop->end_hook(loop, loop->end_arg);
	return ran;
}

int ws_loop_run(struct ws_loop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int rc = ws_loop_run_once(loop, -1);
		if (rc < 0)
			return rc;
	}
	return WS_OK;
}

void ws_loop_stop(struct ws_loop *loop) { loop->stop = true; }
