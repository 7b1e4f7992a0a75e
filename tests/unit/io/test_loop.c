/* test_loop.c — the event loop dispatches readiness per fd, fires timers in deadline order,
 * tolerates deletion inside callbacks, and runs the end hook once per iteration. */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "warpssh/loop.h"

struct rec {
	int reads;
	int writes;
	char order[16];
	size_t norder;
	int hooks;
};

static void on_pipe(struct ws_loop *loop, int fd, uint32_t ev, void *arg)
{
	struct rec *r = arg;
	if (ev & WS_EV_READ) {
		char b[16];
		if (read(fd, b, sizeof(b)) > 0)
			r->reads++;
		ws_loop_del(loop, fd);
	}
	if (ev & WS_EV_WRITE)
		r->writes++;
}

static void on_timer_a(struct ws_loop *loop, void *arg)
{
	(void)loop;
	struct rec *r = arg;
	r->order[r->norder++] = 'a';
}

static void on_timer_b(struct ws_loop *loop, void *arg)
{
	(void)loop;
	struct rec *r = arg;
	r->order[r->norder++] = 'b';
}

static void on_end(struct ws_loop *loop, void *arg)
{
	(void)loop;
	((struct rec *)arg)->hooks++;
}

int main(void)
{
	struct ws_loop *loop;
	REQUIRE(ws_loop_new(&loop) == WS_OK);
	struct rec r = {0};
	int p[2];
	REQUIRE(pipe(p) == 0);
	CHECK_EQ(ws_loop_add(loop, p[0], WS_EV_READ, on_pipe, &r), WS_OK);
	CHECK_EQ(ws_loop_add(loop, p[0], WS_EV_READ, on_pipe, &r), WS_ERR_INVALID_ARG); /* one watcher per fd */
	CHECK_EQ(ws_loop_add(loop, p[1], WS_EV_WRITE, on_pipe, &r), WS_OK);
	ws_loop_set_end_hook(loop, on_end, &r);

	/* write side is ready at once; read side only after data */
	CHECK(ws_loop_run_once(loop, 1000) >= 1);
	CHECK(r.writes >= 1);
	CHECK_EQ(r.reads, 0);
	CHECK_EQ(ws_loop_mod(loop, p[1], 0), WS_OK);
	CHECK_EQ(write(p[1], "x", 1), 1);
	CHECK(ws_loop_run_once(loop, 1000) >= 1);
	CHECK_EQ(r.reads, 1);
	/* the read watcher deleted itself: more data is not dispatched */
	CHECK_EQ(write(p[1], "y", 1), 1);
	CHECK_EQ(ws_loop_run_once(loop, 10), 0);
	CHECK_EQ(r.reads, 1);

	/* timers fire in deadline order, a cancelled one never */
	struct ws_timer ta, tb, tc;
	ws_timer_init(&ta, on_timer_a, &r);
	ws_timer_init(&tb, on_timer_b, &r);
	ws_timer_init(&tc, on_timer_b, &r);
	CHECK_EQ(ws_timer_arm(loop, &tb, 20), WS_OK);
	CHECK_EQ(ws_timer_arm(loop, &ta, 5), WS_OK);
	CHECK_EQ(ws_timer_arm(loop, &tc, 1), WS_OK);
	ws_timer_cancel(loop, &tc);
	CHECK(!ws_timer_armed(&tc));
	for (int i = 0; i < 100 && r.norder < 2; i++)
		CHECK(ws_loop_run_once(loop, 100) >= 0);
	CHECK_EQ(r.norder, 2);
	CHECK(memcmp(r.order, "ab", 2) == 0);
	CHECK(r.hooks >= 4); /* one per iteration */

	close(p[0]);
	close(p[1]);
	ws_loop_free(loop);
	return check_done("test_loop");
}
