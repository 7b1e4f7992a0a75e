/* test_session_io.c — two transports (client, server) pumped by session_io over a real loopback
 * TCP connection in one loop: the handshake completes, 64 MiB of payloads cross in both directions
 * with write backpressure and arrive intact (sha256), and a DISCONNECT ends both sides cleanly. */
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "warpssh/crypto.h"
#include "warpssh/keys.h"
#include "warpssh/session_io.h"
#include "warpssh/sock.h"

#define TOTAL (64u * 1024u * 1024u)
#define CHUNK 32000u
#define MSG_DATA 94 /* any number >= 50 reaches the payload API */

struct side {
	const char *name;
	struct ws_session_io *io;
	bool handshake_done;
	bool closed;
	int close_err;
	size_t sent, received;
	crypto_hash_sha256_state tx_hash, rx_hash;
	uint32_t rng;
	bool sending;
	bool got_disconnect;
};

static void fill(struct side *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->rng = s->rng * 1103515245u + 12345u;
		p[i] = (uint8_t)(s->rng >> 16);
	}
}

/* Send as much as the transport takes now; resume from on_output_drained. */
static void send_more(struct side *s)
{
	static uint8_t buf[CHUNK + 1];
	struct ws_transport *t = ws_session_io_transport(s->io);
	while (s->sending && s->sent < TOTAL) {
		size_t n = TOTAL - s->sent < CHUNK ? TOTAL - s->sent : CHUNK;
		uint32_t saved = s->rng;
		buf[0] = MSG_DATA;
		fill(s, buf + 1, n);
		int rc = ws_transport_send(t, buf, n + 1);
		if (rc == WS_ERR_AGAIN) {
			s->rng = saved; /* regenerate the same bytes next time */
			break;
		}
		REQUIRE(rc == WS_OK);
		crypto_hash_sha256_update(&s->tx_hash, buf + 1, n);
		s->sent += n;
	}
	ws_session_io_flush(s->io);
}

static int on_event(void *arg, struct ws_session_io *io, const struct ws_transport_event *ev)
{
	(void)io;
	struct side *s = arg;
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		return ws_transport_host_key_verdict(ws_session_io_transport(s->io), true);
	case WS_TEV_HANDSHAKE_DONE:
		s->handshake_done = true;
		s->sending = true;
		return WS_OK;
	case WS_TEV_PAYLOAD:
		CHECK(ev->len >= 1 && ev->payload[0] == MSG_DATA);
		crypto_hash_sha256_update(&s->rx_hash, ev->payload + 1, ev->len - 1);
		s->received += ev->len - 1;
		return WS_OK;
	case WS_TEV_DISCONNECTED:
		s->got_disconnect = true;
		return WS_OK;
	default:
		return WS_OK;
	}
}

static void on_drained(void *arg, struct ws_session_io *io)
{
	(void)io;
	send_more(arg);
}

static void on_closed(void *arg, struct ws_session_io *io, int err)
{
	(void)io;
	struct side *s = arg;
	s->closed = true;
	s->close_err = err;
}

static const struct ws_session_io_ops ops = {
	.on_event = on_event, .on_output_drained = on_drained, .on_closed = on_closed};

static void start_side(struct side *s, struct ws_loop *loop, int fd, enum ws_role role,
		       const struct ws_key *hk, struct ws_crypto_engine *eng, uint32_t seed)
{
	struct ws_transport_config cfg = {.role = role, .host_key = hk, .ciphers = "aes128-gcm@openssh.com"};
	struct ws_transport *t;
	REQUIRE(ws_transport_new(&t, &cfg, eng) == WS_OK);
	crypto_hash_sha256_init(&s->tx_hash);
	crypto_hash_sha256_init(&s->rx_hash);
	s->rng = seed;
	REQUIRE(ws_session_io_new(&s->io, loop, fd, t, &ops, s) == WS_OK);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	struct ws_crypto_engine *eng;
	REQUIRE(ws_crypto_engine_new(&eng) == WS_OK);
	struct ws_key hk;
	REQUIRE(ws_key_generate(&hk) == WS_OK);
	struct ws_loop *loop;
	REQUIRE(ws_loop_new(&loop) == WS_OK);

	int lfd, cfd, sfd = -1;
	uint16_t port = 0;
	REQUIRE(ws_sock_listen("127.0.0.1", &port, 4, &lfd) == WS_OK);
	REQUIRE(ws_sock_connect("127.0.0.1", port, 2000, &cfd) == WS_OK);
	struct ws_sock_peer peer;
	for (int i = 0; i < 200 && sfd < 0; i++)
		if (ws_sock_accept(lfd, &sfd, &peer) != WS_OK)
			REQUIRE(ws_loop_run_once(loop, 10) >= 0);
	REQUIRE(sfd >= 0);

	struct side client = {.name = "client"}, server = {.name = "server"};
	start_side(&client, loop, cfd, WS_ROLE_CLIENT, NULL, eng, 1);
	start_side(&server, loop, sfd, WS_ROLE_SERVER, &hk, eng, 2);

	bool disconnect_sent = false;
	for (int iter = 0; iter < 200000 && !(client.closed && server.closed); iter++) {
		REQUIRE(ws_loop_run_once(loop, 100) >= 0);
		if (client.sending && client.sent < TOTAL)
			send_more(&client);
		if (server.sending && server.sent < TOTAL)
			send_more(&server);
		if (!disconnect_sent && client.received == TOTAL && server.received == TOTAL) {
			CHECK_EQ(ws_transport_disconnect(ws_session_io_transport(client.io),
							 WS_DISCONNECT_BY_APPLICATION, "done"), WS_OK);
			ws_session_io_flush(client.io);
			disconnect_sent = true;
		}
	}
	CHECK(client.handshake_done && server.handshake_done);
	CHECK_EQ(client.received, TOTAL);
	CHECK_EQ(server.received, TOTAL);
	uint8_t a[32], b[32], c[32], d[32];
	crypto_hash_sha256_final(&client.tx_hash, a);
	crypto_hash_sha256_final(&server.rx_hash, b);
	crypto_hash_sha256_final(&server.tx_hash, c);
	crypto_hash_sha256_final(&client.rx_hash, d);
	CHECK(memcmp(a, b, 32) == 0);
	CHECK(memcmp(c, d, 32) == 0);
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
