/* test_session_io.c — two transports (client, server) pumped by session_io over a real loopback
 * TCP connection in one loop: the handshake completes, 64 MiB of payloads cross in both directions
 * with write backpressure and arrive intact (sha256), and a DISCONNECT ends both sides cleanly. */
#include "check.h"
#include "traffic.h"

#define TOTAL (64u * 1024u * 1024u)

int main(void)
{
	struct traffic_env env;
	traffic_env_init(&env);
	int cfd, sfd;
	traffic_connect(&env, &cfd, &sfd);
	struct traffic_side client, server;
	traffic_start(&client, env.loop, NULL, cfd, WS_ROLE_CLIENT, NULL, env.eng, "aes128-gcm@openssh.com", 1,
		      TOTAL, 32000);
	traffic_start(&server, env.loop, NULL, sfd, WS_ROLE_SERVER, &env.host_key, env.eng,
		      "aes128-gcm@openssh.com", 2, TOTAL, 32000);

	bool disconnect_sent = false;
	for (int iter = 0; iter < 200000 && !(client.closed && server.closed); iter++) {
		REQUIRE(ws_loop_run_once(env.loop, 100) >= 0);
		traffic_send_more(&client);
		traffic_send_more(&server);
		if (!disconnect_sent && client.received == TOTAL && server.received == TOTAL) {
			CHECK_EQ(ws_transport_disconnect(ws_session_io_transport(client.io),
							 WS_DISCONNECT_BY_APPLICATION, "done"), WS_OK);
			ws_session_io_flush(client.io);
			disconnect_sent = true;
		}
	}
	CHECK(client.ready && server.ready);
	CHECK(traffic_pair_intact(&client, &server));
	CHECK(server.got_disconnect);
	CHECK(client.closed && server.closed);
	CHECK_EQ(client.close_err, WS_OK);
	CHECK_EQ(server.close_err, WS_OK);
	CHECK(ws_session_io_bytes_out(client.io) > TOTAL);
	ws_session_io_free(client.io);
	ws_session_io_free(server.io);
	traffic_env_free(&env);
	return check_done("test_session_io");
}
