/* test_burst_group.c — eight client/server connection pairs in one loop, all in one burst group:
 * every handshake completes, 8 MiB per direction per connection arrives intact (sha256), the
 * group ran bursts that mixed packets of several connections, and all close cleanly. */
#include <stdio.h>

#include "check.h"
#include "traffic.h"

#define PAIRS 8
#define TOTAL (8u * 1024u * 1024u)
#define CHUNK 16000u

int main(void)
{
	static const char *const ciphers[] = {"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com",
					      "aes128-ctr", "aes256-gcm@openssh.com"};
	struct traffic_env env;
	traffic_env_init(&env);
	struct ws_burst_group *g;
	REQUIRE(ws_burst_group_new(&g, env.loop, env.eng) == WS_OK);
	static struct traffic_side cl[PAIRS], sv[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		int cfd, sfd;
		traffic_connect(&env, &cfd, &sfd);
		const char *c = ciphers[i % 4];
		traffic_start(&cl[i], env.loop, g, cfd, WS_ROLE_CLIENT, NULL, env.eng, c, 10u + (uint32_t)i, TOTAL,
			      CHUNK);
		traffic_start(&sv[i], env.loop, g, sfd, WS_ROLE_SERVER, &env.host_key, env.eng, c,
			      100u + (uint32_t)i, TOTAL, CHUNK);
	}

	int done = 0;
	bool disconnected[PAIRS] = {false};
	for (int iter = 0; iter < 400000 && done < 2 * PAIRS; iter++) {
		REQUIRE(ws_loop_run_once(env.loop, 100) >= 0);
		done = 0;
		for (int i = 0; i < PAIRS; i++) {
			traffic_send_more(&cl[i]);
			traffic_send_more(&sv[i]);
			if (!disconnected[i] && cl[i].received == TOTAL && sv[i].received == TOTAL) {
				CHECK_EQ(ws_transport_disconnect(ws_session_io_transport(cl[i].io),
								 WS_DISCONNECT_BY_APPLICATION, "done"), WS_OK);
				ws_session_io_flush(cl[i].io);
				disconnected[i] = true;
			}
			done += cl[i].closed + sv[i].closed;
		}
	}
	for (int i = 0; i < PAIRS; i++) {
		CHECK(traffic_pair_intact(&cl[i], &sv[i]));
		CHECK(cl[i].closed && sv[i].closed);
		CHECK_EQ(cl[i].close_err, WS_OK);
		CHECK_EQ(sv[i].close_err, WS_OK);
		CHECK(sv[i].got_disconnect);
	}
	struct ws_burst_stats st;
	ws_burst_group_stats(g, &st);
	printf("bursts %llu packets %llu multi-connection %llu max %llu\n", (unsigned long long)st.bursts,
	       (unsigned long long)st.packets, (unsigned long long)st.multi_conn_bursts,
	       (unsigned long long)st.max_burst);
	CHECK(st.packets >= 2ull * PAIRS * (TOTAL / CHUNK)); /* every data packet went through a burst */
	CHECK(st.multi_conn_bursts > 0);
	CHECK(st.max_burst > 1);
	for (int i = 0; i < PAIRS; i++) {
		ws_session_io_free(cl[i].io);
		ws_session_io_free(sv[i].io);
	}
	ws_burst_group_free(g);
	traffic_env_free(&env);
	return check_done("test_burst_group");
}
