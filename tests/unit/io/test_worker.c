/* test_worker.c — tasks posted by the control thread run on the worker's own thread and come back
 * to run on the control thread; none is lost across two workers. */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "warpssh/worker.h"

#define TASKS 2000

struct ping {
	struct ws_task task;
	struct ws_worker *worker;
	pthread_t ran_on;
	int hops;
};

static int g_returned;
static int g_wrong_thread;
static pthread_t g_control;

static void on_control(struct ws_loop *loop, struct ws_task *t)
{
	(void)loop;
	struct ping *p = (struct ping *)t;
	if (!pthread_equal(pthread_self(), g_control) || pthread_equal(p->ran_on, g_control))
		g_wrong_thread++;
	p->hops++;
	g_returned++;
}

static void on_worker(struct ws_loop *loop, struct ws_task *t)
{
	(void)loop;
	struct ping *p = (struct ping *)t;
	p->ran_on = pthread_self();
	p->hops++;
	p->task.run = on_control;
	while (ws_worker_post_back(p->worker, &p->task) == WS_ERR_AGAIN)
		; /* control drains its side concurrently: bounded by ring capacity */
}

int main(void)
{
	struct ws_loop *control;
	REQUIRE(ws_loop_new(&control) == WS_OK);
	g_control = pthread_self();
	struct ws_worker *w[2];
	REQUIRE(ws_worker_start(&w[0], 0, control) == WS_OK);
	REQUIRE(ws_worker_start(&w[1], 1, control) == WS_OK);
	struct ping *pings = calloc(TASKS, sizeof(*pings));
	REQUIRE(pings != NULL);
	int posted = 0;
	for (int iter = 0; iter < 100000 && g_returned < TASKS; iter++) {
		while (posted < TASKS) {
			struct ping *p = &pings[posted];
			p->task.run = on_worker;
			p->worker = w[posted % 2];
			if (ws_worker_post(p->worker, &p->task) != WS_OK)
				break;
			posted++;
		}
		REQUIRE(ws_loop_run_once(control, 50) >= 0);
	}
	CHECK_EQ(g_returned, TASKS);
	CHECK_EQ(g_wrong_thread, 0);
	int bad_hops = 0;
	for (int i = 0; i < TASKS; i++)
		bad_hops += pings[i].hops != 2;
	CHECK_EQ(bad_hops, 0);
	ws_worker_stop(w[0]);
	ws_worker_stop(w[1]);
	free(pings);
	ws_loop_free(control);
	return check_done("test_worker");
}
