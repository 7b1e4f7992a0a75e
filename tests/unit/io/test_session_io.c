/* test_session_io.c — two transports (client, server) pumped by session_io over a real loopback
 * TCP connection in one loop: the handshake completes, 64 MiB of payloads cross in both directions
 * with write backpressure and arrive intact (sha256), and a DISCONNECT ends both sides cleanly. */
#include <unistd.h>

#include "check.h"
#include "traffic.h"
#include "warpssh/sock.h"

#define TOTAL (64u * 1024u * 1024u)

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	struct ws_crypto_engine *eng;
	REQUIRE(ws_crypto_engine_new(&eng) == WS_OK);
	struct ws_key hk;
	REQUIRE(ws_key_generate(&hk) == WS_OK);
	struct ws_loop *loop;
	REQUIRE(ws_loop_new(&loop) == WS_OK);

	int lfd, cfd;
	uint16_t port = 0;
	REQUIRE(ws_sock_listen("127.0.0.1", &port, 4, &lfd) == WS_OK);
	REQUIRE(ws_sock_connect("127.0.0.1", port, 2000, &cfd) == WS_OK);
	int sfd = traffic_accept(loop, lfd);
	REQUIRE(sfd >= 0);

	struct traffic_side client, server;
	traffic_start(&client, loop, NULL, cfd, WS_ROLE_CLIENT, NULL, eng, "aes128-gcm@openssh.com", 1, TOTAL, 32000);
	traffic_start(&server, loop, NULL, sfd, WS_ROLE_SERVER, &hk, eng, "aes128-gcm@openssh.com", 2, TOTAL, 32000);

	bool disconnect_sent = false;
	for (int iter = 0; iter < 200000 && !(client.closed && server.closed); iter++) {
		REQUIRE(ws_loop_run_once(loop, 100) >= 0);
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
	close(lfd);
	ws_loop_free(loop);
	ws_crypto_engine_free(eng);
	ws_key_wipe(&hk);
	return check_done("test_session_io");
}
