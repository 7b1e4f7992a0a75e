/* test_migrate.c — a connection's handshake runs on the control loop, then its server end moves
 * to a data-core worker thread (own loop, crypto engine and burst group) while traffic flows:
 * 32 MiB each way arrive intact (sha256) and the connection closes cleanly on the worker. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "check.h"
#include "traffic.h"
#include "warpssh/worker.h"

#define TOTAL (32u * 1024u * 1024u)
#define CHUNK 30000u

/* Server end state owned by the worker after migration. */
struct data_core {
	struct ws_task migrate, cleanup;
	struct ws_task done_msg, closed_msg, cleaned_msg;
	struct ws_worker *worker;
	struct traffic_side *server;
	struct ws_crypto_engine *eng;
	struct ws_burst_group *group;
	struct ws_timer pump;
	bool done_sent, closed_sent;
	struct ws_burst_stats stats;
};

static atomic_int g_server_done, g_server_closed, g_cleaned, g_attach_rc;

static void on_done_msg(struct ws_loop *l, struct ws_task *t) { (void)l; (void)t; atomic_store(&g_server_done, 1); }
static void on_closed_msg(struct ws_loop *l, struct ws_task *t) { (void)l; (void)t; atomic_store(&g_server_closed, 1); }
static void on_cleaned_msg(struct ws_loop *l, struct ws_task *t) { (void)l; (void)t; atomic_store(&g_cleaned, 1); }

static void post_back(struct data_core *dc, struct ws_task *msg)
{
	while (ws_worker_post_back(dc->worker, msg) == WS_ERR_AGAIN)
		;
}

/* Worker: keep the server end sending and report milestones to the control thread. */
static void pump(struct ws_loop *loop, void *arg)
{
	struct data_core *dc = arg;
	struct traffic_side *s = dc->server;
	if (!s->closed)
		traffic_send_more(s);
	if (!dc->done_sent && s->received == TOTAL && s->sent == TOTAL) {
		dc->done_sent = true;
		post_back(dc, &dc->done_msg);
	}
	if (!dc->closed_sent && s->closed) {
		dc->closed_sent = true;
		post_back(dc, &dc->closed_msg);
		return;
	}
	REQUIRE(ws_timer_arm(loop, &dc->pump, 1) == WS_OK);
}

static void migrate_task(struct ws_loop *loop, struct ws_task *t)
{
	struct data_core *dc = (struct data_core *)((char *)t - offsetof(struct data_core, migrate));
	REQUIRE(ws_crypto_engine_new(&dc->eng) == WS_OK);
	REQUIRE(ws_burst_group_new(&dc->group, loop, dc->eng) == WS_OK);
	atomic_store(&g_attach_rc, ws_session_io_attach(dc->server->io, loop, dc->group, dc->eng));
	ws_timer_init(&dc->pump, pump, dc);
	REQUIRE(ws_timer_arm(loop, &dc->pump, 0) == WS_OK);
}

static void cleanup_task(struct ws_loop *loop, struct ws_task *t)
{
	struct data_core *dc = (struct data_core *)((char *)t - offsetof(struct data_core, cleanup));
	ws_timer_cancel(loop, &dc->pump);
	ws_burst_group_stats(dc->group, &dc->stats);
	ws_session_io_free(dc->server->io);
	dc->server->io = NULL;
	ws_burst_group_free(dc->group);
	ws_crypto_engine_free(dc->eng);
	post_back(dc, &dc->cleaned_msg);
}

static void run_until(struct ws_loop *loop, atomic_int *flag, struct traffic_side *client)
{
	for (int i = 0; i < 100000 && !atomic_load(flag); i++) {
		REQUIRE(ws_loop_run_once(loop, 10) >= 0);
		if (client != NULL && !client->closed)
			traffic_send_more(client);
	}
}

int main(void)
{
	struct traffic_env env;
	traffic_env_init(&env);
	struct ws_loop *control = env.loop;
	int cfd, sfd;
	traffic_connect(&env, &cfd, &sfd);
	static struct traffic_side client, server;
	traffic_start(&client, control, NULL, cfd, WS_ROLE_CLIENT, NULL, env.eng, "aes128-gcm@openssh.com", 7, TOTAL,
		      CHUNK);
	traffic_start(&server, control, NULL, sfd, WS_ROLE_SERVER, &env.host_key, env.eng,
		      "aes128-gcm@openssh.com", 8, TOTAL, CHUNK);

	/* handshake on the control loop; the client starts sending at once */
	for (int i = 0; i < 10000 && !(client.ready && server.ready); i++) {
		REQUIRE(ws_loop_run_once(control, 10) >= 0);
		traffic_send_more(&client);
	}
	REQUIRE(client.ready && server.ready);

	static struct data_core dc;
	dc.server = &server;
	dc.migrate.run = migrate_task;
	dc.cleanup.run = cleanup_task;
	dc.done_msg.run = on_done_msg;
	dc.closed_msg.run = on_closed_msg;
	dc.cleaned_msg.run = on_cleaned_msg;
	REQUIRE(ws_worker_start(&dc.worker, 1, control) == WS_OK);
	ws_session_io_detach(server.io);
	REQUIRE(ws_worker_post(dc.worker, &dc.migrate) == WS_OK);

	run_until(control, &g_server_done, &client);
	for (int i = 0; i < 100000 && client.received < TOTAL; i++)
		REQUIRE(ws_loop_run_once(control, 10) >= 0);
	CHECK_EQ(ws_transport_disconnect(ws_session_io_transport(client.io), WS_DISCONNECT_BY_APPLICATION, "done"),
		 WS_OK);
	ws_session_io_flush(client.io);
	run_until(control, &g_server_closed, NULL);
	for (int i = 0; i < 1000 && !client.closed; i++)
		REQUIRE(ws_loop_run_once(control, 10) >= 0);
	REQUIRE(ws_worker_post(dc.worker, &dc.cleanup) == WS_OK);
	run_until(control, &g_cleaned, NULL);
	ws_worker_stop(dc.worker); /* joins: the server's state is ours to read now */

	CHECK_EQ(atomic_load(&g_attach_rc), WS_OK);
	CHECK(atomic_load(&g_server_done) && atomic_load(&g_server_closed) && atomic_load(&g_cleaned));
	CHECK(traffic_pair_intact(&client, &server));
	CHECK(client.closed && server.closed);
	CHECK_EQ(client.close_err, WS_OK);
	CHECK_EQ(server.close_err, WS_OK);
	CHECK(dc.stats.packets > 0); /* the worker's group carried the migrated connection */
	printf("worker bursts %llu packets %llu\n", (unsigned long long)dc.stats.bursts,
	       (unsigned long long)dc.stats.packets);
	ws_session_io_free(client.io);
	traffic_env_free(&env);
	return check_done("test_migrate");
}
