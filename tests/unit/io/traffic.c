/* traffic.c — test connection ends that push hashed payload traffic through session_io. */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "traffic.h"
#include "warpssh/sock.h"

#define MSG_DATA 94 /* any number >= 50 reaches the payload API */
#define CHUNK_MAX 65536u

static void fill(struct traffic_side *s, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s->rng = s->rng * 1103515245u + 12345u;
		p[i] = (uint8_t)(s->rng >> 16);
	}
}

void traffic_send_more(struct traffic_side *s)
{
	static _Thread_local uint8_t buf[CHUNK_MAX + 1]; /* sides may run on different threads */
	struct ws_transport *t = ws_session_io_transport(s->io);
	while (s->ready && s->sent < s->total) {
		size_t n = s->total - s->sent < s->chunk ? s->total - s->sent : s->chunk;
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
	struct traffic_side *s = arg;
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		return ws_transport_host_key_verdict(ws_session_io_transport(io), true);
	case WS_TEV_HANDSHAKE_DONE:
		s->ready = true;
		return WS_OK;
	case WS_TEV_DISCONNECTED:
		s->got_disconnect = true;
		return WS_OK;
	case WS_TEV_PAYLOAD:
		CHECK(ev->len >= 1 && ev->payload[0] == MSG_DATA);
		crypto_hash_sha256_update(&s->rx_hash, ev->payload + 1, ev->len - 1);
		s->received += ev->len - 1;
		return WS_OK;
	default:
		return WS_OK;
	}
}

static void on_drained(void *arg, struct ws_session_io *io)
{
	(void)io;
	traffic_send_more(arg);
}

static void on_closed(void *arg, struct ws_session_io *io, int err)
{
	(void)io;
	struct traffic_side *s = arg;
	s->closed = true;
	s->close_err = err;
}

static const struct ws_session_io_ops traffic_ops = {
	.on_event = on_event, .on_output_drained = on_drained, .on_closed = on_closed};

void traffic_start(struct traffic_side *s, struct ws_loop *loop, struct ws_burst_group *group, int fd,
		   enum ws_role role, const struct ws_key *hk, struct ws_crypto_engine *eng,
		   const char *cipher, uint32_t seed, size_t total, size_t chunk)
{
	struct ws_transport_config cfg = {.role = role, .host_key = hk, .ciphers = cipher};
	struct ws_transport *t;
	REQUIRE(chunk > 0 && chunk <= CHUNK_MAX);
	REQUIRE(ws_transport_new(&t, &cfg, eng) == WS_OK);
	memset(s, 0, sizeof(*s));
	crypto_hash_sha256_init(&s->tx_hash);
	crypto_hash_sha256_init(&s->rx_hash);
	s->rng = seed;
	s->total = total;
	s->chunk = chunk;
	REQUIRE(ws_session_io_new(&s->io, loop, fd, t, &traffic_ops, s) == WS_OK);
	if (group != NULL)
		ws_session_io_join(s->io, group);
}

bool traffic_pair_intact(struct traffic_side *a, struct traffic_side *b)
{
	uint8_t at[32], br[32], bt[32], ar[32];
	crypto_hash_sha256_final(&a->tx_hash, at);
	crypto_hash_sha256_final(&b->rx_hash, br);
	crypto_hash_sha256_final(&b->tx_hash, bt);
	crypto_hash_sha256_final(&a->rx_hash, ar);
	return a->received == b->total && b->received == a->total && memcmp(at, br, 32) == 0 &&
	       memcmp(bt, ar, 32) == 0;
}

void traffic_env_init(struct traffic_env *env)
{
	REQUIRE(sodium_init() >= 0);
	REQUIRE(ws_crypto_engine_new(&env->eng) == WS_OK);
	REQUIRE(ws_key_generate(&env->host_key) == WS_OK);
	REQUIRE(ws_loop_new(&env->loop) == WS_OK);
	env->port = 0;
	REQUIRE(ws_sock_listen("127.0.0.1", &env->port, 16, &env->lfd) == WS_OK);
}

void traffic_env_free(struct traffic_env *env)
{
	close(env->lfd);
	ws_loop_free(env->loop);
	ws_crypto_engine_free(env->eng);
	ws_key_wipe(&env->host_key);
}

void traffic_connect(struct traffic_env *env, int *cfd, int *sfd)
{
	struct ws_sock_peer peer;
	REQUIRE(ws_sock_connect("127.0.0.1", env->port, 2000, cfd) == WS_OK);
	*sfd = -1;
	for (int k = 0; k < 200 && *sfd < 0; k++)
		if (ws_sock_accept(env->lfd, sfd, &peer) != WS_OK)
			REQUIRE(ws_loop_run_once(env->loop, 10) >= 0);
	REQUIRE(*sfd >= 0);
}
