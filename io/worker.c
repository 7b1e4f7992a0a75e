/* worker.c — pinned worker threads with their own loops, fed by SPSC rings + eventfd wake-ups in
 * both directions. The control thread is the only producer of a worker's inbox; the worker is the
 * only producer of its outbox. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "warpssh/log.h"
#include "warpssh/ring.h"
#include "warpssh/worker.h"

#define WORKER_RING_SIZE 4096u
#define WORKER_DRAIN_BURST 64u

struct mailbox {
	struct ws_ring ring;
	int efd;
};

struct ws_worker {
	pthread_t thread;
	int cpu;
	struct ws_loop *loop;    /* the worker's */
	struct ws_loop *control; /* the control thread's */
	struct mailbox inbox;    /* control → worker */
	struct mailbox outbox;   /* worker → control */
	atomic_bool stop;
};

static int mailbox_init(struct mailbox *m)
{
	WS_TRY(ws_ring_init(&m->ring, WORKER_RING_SIZE));
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->efd < 0) {
		ws_ring_destroy(&m->ring);
		return WS_ERR_IO;
	}
	return WS_OK;
}

static void mailbox_destroy(struct mailbox *m)
{
	ws_ring_destroy(&m->ring);
	if (m->efd >= 0)
		close(m->efd);
	m->efd = -1;
}

static int mailbox_post(struct mailbox *m, struct ws_task *task)
{
	void *item = task;
	WS_ENSURE(ws_ring_enqueue_burst(&m->ring, &item, 1) == 1, WS_ERR_AGAIN);
	uint64_t one = 1;
	ssize_t n = write(m->efd, &one, sizeof(one));
	(void)n; /* counter saturation cannot lose a wake-up: the reader drains the ring fully */
	return WS_OK;
}

/* Runs on the receiving loop when its eventfd fires: drain everything queued. */
static void mailbox_drain(struct ws_loop *loop, int fd, uint32_t ev, void *arg)
{
	(void)ev;
	struct mailbox *m = arg;
	uint64_t cnt;
	ssize_t n = read(fd, &cnt, sizeof(cnt));
	(void)n;
	void *items[WORKER_DRAIN_BURST];
	unsigned k;
	while ((k = ws_ring_dequeue_burst(&m->ring, items, WORKER_DRAIN_BURST)) > 0)
		for (unsigned i = 0; i < k; i++) {
			struct ws_task *t = items[i];
			t->run(loop, t);
		}
}

static void *worker_main(void *arg)
{
	struct ws_worker *w = arg;
	if (w->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
			ws_verbose("worker: cannot pin to cpu %d", w->cpu);
	}
	while (!atomic_load(&w->stop))
		if (ws_loop_run_once(w->loop, 100) < 0)
			break;
	return NULL;
}

int ws_worker_start(struct ws_worker **out, int cpu, struct ws_loop *control)
{
	*out = NULL;
	struct ws_worker *w = calloc(1, sizeof(*w));
	WS_ENSURE(w != NULL, WS_ERR_NO_MEMORY);
	w->cpu = cpu;
	w->control = control;
	w->inbox.efd = w->outbox.efd = -1;
	int rc;
	WS_TRY_OUT(ws_loop_new(&w->loop));
	WS_TRY_OUT(mailbox_init(&w->inbox));
	WS_TRY_OUT(mailbox_init(&w->outbox));
	WS_TRY_OUT(ws_loop_add(w->loop, w->inbox.efd, WS_EV_READ, mailbox_drain, &w->inbox));
	WS_TRY_OUT(ws_loop_add(control, w->outbox.efd, WS_EV_READ, mailbox_drain, &w->outbox));
	WS_ENSURE_OUT(pthread_create(&w->thread, NULL, worker_main, w) == 0, WS_ERR_IO);
	*out = w;
	return WS_OK;
out:
	if (w->outbox.efd >= 0)
		ws_loop_del(control, w->outbox.efd);
	mailbox_destroy(&w->inbox);
	mailbox_destroy(&w->outbox);
	ws_loop_free(w->loop);
	free(w);
	return rc;
}

int ws_worker_post(struct ws_worker *w, struct ws_task *task) { return mailbox_post(&w->inbox, task); }
int ws_worker_post_back(struct ws_worker *w, struct ws_task *task) { return mailbox_post(&w->outbox, task); }
struct ws_loop *ws_worker_loop(struct ws_worker *w) { return w->loop; }

void ws_worker_stop(struct ws_worker *w)
{
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	uint64_t one = 1;
	ssize_t n = write(w->inbox.efd, &one, sizeof(one)); /* wake it from epoll_wait */
	(void)n;
	pthread_join(w->thread, NULL);
	ws_loop_del(w->control, w->outbox.efd);
	mailbox_destroy(&w->inbox);
	mailbox_destroy(&w->outbox);
	ws_loop_free(w->loop);
	free(w);
}
