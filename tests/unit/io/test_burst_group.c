/* test_burst_group.c — eight client/server connection pairs in one loop, all in one burst group:
 * every handshake completes, 8 MiB per direction per connection arrives intact (sha256), the
 * group ran bursts that mixed packets of several connections, and all close cleanly. */
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "warpssh/crypto.h"
#include "warpssh/keys.h"
#include "warpssh/session_io.h"
#include "warpssh/sock.h"

#define PAIRS 8
#define TOTAL (8u * 1024u * 1024u)
#define CHUNK 16000u
#define MSG_DATA 94

struct side {
	struct ws_session_io *io;
	bool ready, closed, got_disconnect;
	int close_err;
	size_t sent, received;
	crypto_hash_sha256_state tx_hash, rx_hash;
	uint32_t rng;
};

static void fill(struct side *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->rng = s->rng * 1103515245u + 12345u;
		p[i] = (uint8_t)(s->rng >> 16);
	}
}

static void send_more(struct side *s)
{
	static uint8_t buf[CHUNK + 1];
	struct ws_transport *t = ws_session_io_transport(s->io);
	while (s->ready && s->sent < TOTAL) {
		size_t n = TOTAL - s->sent < CHUNK ? TOTAL - s->sent : CHUNK;
		uint32_t saved = s->rng;
		buf[0] = MSG_DATA;
		fill(s, buf + 1, n);
		int rc = ws_transport_send(t, buf, n + 1);
		if (rc == WS_ERR_AGAIN) {
			s->rng = saved;
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
	struct side *s = arg;
	if (ev->type == WS_TEV_HOST_KEY)
		return ws_transport_host_key_verdict(ws_session_io_transport(io), true);
	if (ev->type == WS_TEV_HANDSHAKE_DONE)
		s->ready = true;
	if (ev->type == WS_TEV_DISCONNECTED)
		s->got_disconnect = true;
	if (ev->type == WS_TEV_PAYLOAD) {
		CHECK(ev->len >= 1 && ev->payload[0] == MSG_DATA);
		crypto_hash_sha256_update(&s->rx_hash, ev->payload + 1, ev->len - 1);
		s->received += ev->len - 1;
	}
	return WS_OK;
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

static void start(struct side *s, struct ws_loop *loop, struct ws_burst_group *g, int fd, enum ws_role role,
		  const struct ws_key *hk, struct ws_crypto_engine *eng, const char *cipher, uint32_t seed)
{
	struct ws_transport_config cfg = {.role = role, .host_key = hk, .ciphers = cipher};
	struct ws_transport *t;
	REQUIRE(ws_transport_new(&t, &cfg, eng) == WS_OK);
	crypto_hash_sha256_init(&s->tx_hash);
	crypto_hash_sha256_init(&s->rx_hash);
	s->rng = seed;
	REQUIRE(ws_session_io_new(&s->io, loop, fd, t, &ops, s) == WS_OK);
	ws_session_io_join(s->io, g);
}

int main(void)
{
	static const char *const ciphers[] = {"aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com",
					      "aes128-ctr", "aes256-gcm@openssh.com"};
	REQUIRE(sodium_init() >= 0);
	struct ws_crypto_engine *eng;
	REQUIRE(ws_crypto_engine_new(&eng) == WS_OK);
	struct ws_key hk;
	REQUIRE(ws_key_generate(&hk) == WS_OK);
	struct ws_loop *loop;
	REQUIRE(ws_loop_new(&loop) == WS_OK);
	struct ws_burst_group *g;
	REQUIRE(ws_burst_group_new(&g, loop, eng) == WS_OK);

	int lfd;
	uint16_t port = 0;
	REQUIRE(ws_sock_listen("127.0.0.1", &port, PAIRS, &lfd) == WS_OK);
	static struct side cl[PAIRS], sv[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		int cfd, sfd = -1;
		struct ws_sock_peer peer;
		REQUIRE(ws_sock_connect("127.0.0.1", port, 2000, &cfd) == WS_OK);
		for (int k = 0; k < 200 && sfd < 0; k++)
			if (ws_sock_accept(lfd, &sfd, &peer) != WS_OK)
				REQUIRE(ws_loop_run_once(loop, 10) >= 0);
		REQUIRE(sfd >= 0);
		const char *c = ciphers[i % 4];
		start(&cl[i], loop, g, cfd, WS_ROLE_CLIENT, NULL, eng, c, 10u + (uint32_t)i);
		start(&sv[i], loop, g, sfd, WS_ROLE_SERVER, &hk, eng, c, 100u + (uint32_t)i);
	}

	int done = 0;
	bool disconnected[PAIRS] = {false};
	for (int iter = 0; iter < 400000 && done < 2 * PAIRS; iter++) {
		REQUIRE(ws_loop_run_once(loop, 100) >= 0);
		done = 0;
		for (int i = 0; i < PAIRS; i++) {
			if (cl[i].ready && cl[i].sent < TOTAL)
				send_more(&cl[i]);
			if (sv[i].ready && sv[i].sent < TOTAL)
				send_more(&sv[i]);
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
		uint8_t a[32], b[32], c[32], d[32];
		CHECK_EQ(cl[i].received, TOTAL);
		CHECK_EQ(sv[i].received, TOTAL);
		crypto_hash_sha256_final(&cl[i].tx_hash, a);
		crypto_hash_sha256_final(&sv[i].rx_hash, b);
		crypto_hash_sha256_final(&sv[i].tx_hash, c);
		crypto_hash_sha256_final(&cl[i].rx_hash, d);
		CHECK(memcmp(a, b, 32) == 0);
		CHECK(memcmp(c, d, 32) == 0);
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
	close(lfd);
	ws_loop_free(loop);
	ws_crypto_engine_free(eng);
	ws_key_wipe(&hk);
	return check_done("test_burst_group");
}
