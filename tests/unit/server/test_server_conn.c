/* test_server_conn.c — the server machine (engine/server.c) against a client built from the same
 * modules, wired back to back in memory: publickey login then a session with exec; messages it
 * does not serve answered with UNIMPLEMENTED (unknown types, channel messages before login);
 * answers held after a failed attempt until released; MaxAuthTries ending in a DISCONNECT with
 * NO_MORE_AUTH_METHODS_AVAILABLE; bulk channel data through the backlog when the transport is
 * full, arriving whole and in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "warpssh/auth.h"
#include "warpssh/conn.h"
#include "warpssh/log.h"
#include "warpssh/server.h"

static struct ws_key alice, stranger, host;

/* ---------------------------------------------------------------- the server's decisions */

struct srv {
	struct ws_transport *t;
	struct ws_server_conn *m;
	unsigned failures, successes, opens, requests;
	char exec[64];
	uint32_t chan;
	bool have_chan;
};

static bool s_user(void *arg, const char *user)
{
	(void)arg;
	return strcmp(user, "alice") == 0;
}

static bool s_pubkey(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	(void)arg;
	*entry = NULL;
	return strcmp(user, "alice") == 0 && ws_key_equal_public(key, &alice);
}

static void s_auth_event(void *arg, const struct ws_auth_event *ev)
{
	struct srv *s = arg;
	if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT)
		s->failures++;
	else if (ev->type == WS_AUTH_EV_SUCCESS)
		s->successes++;
}

static void s_conn_event(void *arg, struct ws_conn_event *ev)
{
	struct srv *s = arg;
	if (ev->type == WS_CONN_EV_OPEN_REQUEST) {
		s->opens++;
		s->chan = ev->channel;
		s->have_chan = true;
		ev->answer = WS_ANSWER_ACCEPT;
	} else if (ev->type == WS_CONN_EV_REQUEST && ev->u.request.type == WS_REQ_EXEC) {
		s->requests++;
		snprintf(s->exec, sizeof(s->exec), "%.*s", (int)ev->u.request.u.exec.command.len,
			 (const char *)ev->u.request.u.exec.command.ptr);
		ev->answer = WS_ANSWER_ACCEPT;
	}
}

/* ---------------------------------------------------------------- the client */

struct cli {
	struct ws_transport *t;
	struct ws_auth_client *auth;
	struct ws_conn *conn;
	struct ws_key key;
	unsigned failures, replies_ok, disconnects, auth_errors;
	uint32_t disc_reason;
	bool authed, confirmed;
	uint32_t chan;
	crypto_hash_sha256_state rx;
	uint64_t rx_bytes;
};

static int c_send(void *arg, const struct ws_bytes *parts, size_t n)
{
	struct cli *c = arg;
	return ws_transport_sendv(c->t, parts, n);
}

static void c_conn_event(void *arg, struct ws_conn_event *ev)
{
	struct cli *c = arg;
	if (ev->type == WS_CONN_EV_OPEN_CONFIRMED)
		c->confirmed = true;
	else if (ev->type == WS_CONN_EV_REQUEST_REPLY && ev->u.reply.ok)
		c->replies_ok++;
	else if (ev->type == WS_CONN_EV_DATA) {
		crypto_hash_sha256_update(&c->rx, ev->u.data.data.ptr, ev->u.data.data.len);
		c->rx_bytes += ev->u.data.data.len;
		CHECK(ws_conn_consumed(c->conn, ev->channel, ev->u.data.data.len) == WS_OK);
	}
}

static void c_auth_event(void *arg, const struct ws_auth_event *ev)
{
	struct cli *c = arg;
	if (ev->type == WS_AUTH_EV_FAILURE)
		c->failures++;
	if (ev->type != WS_AUTH_EV_SUCCESS)
		return;
	struct ws_conn_config cc;
	struct ws_payload_sink sink = {c_send, c};
	struct ws_conn_handler h = {c_conn_event, c};
	ws_conn_config_default(&cc);
	REQUIRE(ws_conn_new(&c->conn, &cc, &h, &sink) == WS_OK);
	c->authed = true;
}

static void c_start_auth(struct cli *c)
{
	const uint8_t *sid;
	size_t sid_len;
	static struct ws_auth_client_config cfg;
	struct ws_auth_client_callbacks cb = {.arg = c, .event = c_auth_event};
	struct ws_payload_sink sink = {c_send, c};
	cfg = (struct ws_auth_client_config){.user = "alice", .keys = &c->key, .nkeys = 1,
					     .service_accepted = true};
	REQUIRE(ws_transport_session_id(c->t, &sid, &sid_len) == WS_OK);
	REQUIRE(ws_auth_client_new(&c->auth, &cfg, &cb, &sink, sid, sid_len) == WS_OK);
	REQUIRE(ws_auth_client_start(c->auth) == WS_OK);
}

static void c_event(struct cli *c, const struct ws_transport_event *ev)
{
	if (ev->type == WS_TEV_HOST_KEY)
		CHECK(ws_transport_host_key_verdict(c->t, true) == WS_OK);
	else if (ev->type == WS_TEV_SERVICE_ACCEPTED)
		c_start_auth(c);
	else if (ev->type == WS_TEV_DISCONNECTED) {
		c->disconnects++;
		c->disc_reason = ev->reason;
	} else if (ev->type == WS_TEV_PAYLOAD && !c->authed) {
		if (ws_auth_client_handle(c->auth, ev->payload, ev->len) < 0)
			c->auth_errors++;
	} else if (ev->type == WS_TEV_PAYLOAD) {
		CHECK(ws_conn_handle(c->conn, ev->payload, ev->len) == WS_OK);
	}
}

/* ---------------------------------------------------------------- the wire */

struct pair {
	struct ws_crypto_engine *eng;
	struct cli c;
	struct srv s;
	unsigned unimplemented_seen; /* client log lines about our UNIMPLEMENTED answers */
	unsigned server_errors;      /* ws_server_conn_on_event failures (connection must end) */
};

static struct pair *current;

static void log_sink(enum ws_log_level level, const char *msg, void *arg)
{
	(void)level, (void)arg;
	if (current != NULL && strstr(msg, "did not implement our packet") != NULL)
		current->unimplemented_seen++;
}

static size_t move(struct ws_transport *from, struct ws_transport *to)
{
	size_t total = 0;
	for (int guard = 0; guard < 100000; guard++) {
		const uint8_t *d;
		size_t len;
		if (ws_transport_output(from, &d, &len) != WS_OK || len == 0)
			break;
		int n = ws_transport_input(to, d, len);
		if (n <= 0 || ws_transport_output_consume(from, (size_t)n) != WS_OK)
			break;
		total += (size_t)n;
	}
	return total;
}

static unsigned drain(struct pair *p)
{
	struct ws_transport_event ev;
	unsigned n = 0;
	while (ws_transport_poll(p->c.t, &ev) == 1 && n < 100000) {
		c_event(&p->c, &ev);
		n++;
	}
	while (ws_transport_poll(p->s.t, &ev) == 1 && n < 200000) {
		if (ws_server_conn_on_event(p->s.m, &ev) < 0)
			p->server_errors++;
		n++;
	}
	return n;
}

static void pump(struct pair *p)
{
	for (int round = 0; round < 200; round++) {
		size_t moved = move(p->c.t, p->s.t) + move(p->s.t, p->c.t);
		unsigned evs = drain(p);
		if (ws_server_conn_backlog(p->s.m) > 0)
			CHECK(ws_server_conn_flush(p->s.m) == WS_OK);
		if (moved == 0 && evs == 0 && ws_server_conn_backlog(p->s.m) == 0)
			return;
	}
}

static void pair_init(struct pair *p, const struct ws_key *client_key, unsigned max_tries)
{
	struct ws_transport_config cc = {.role = WS_ROLE_CLIENT, .service = "ssh-userauth"};
	struct ws_transport_config sc = {.role = WS_ROLE_SERVER, .service = "ssh-userauth", .host_key = &host};
	struct ws_server_conn_config mc;
	struct ws_auth_policy pol = {.arg = &p->s, .user_exists = s_user, .pubkey_authorized = s_pubkey,
				     .event = s_auth_event};
	struct ws_conn_handler h = {s_conn_event, &p->s};
	memset(p, 0, sizeof(*p));
	current = p;
	p->c.key = *client_key;
	crypto_hash_sha256_init(&p->c.rx);
	ws_server_conn_config_default(&mc);
	mc.auth.max_tries = max_tries;
	REQUIRE(ws_crypto_engine_new(&p->eng) == WS_OK);
	REQUIRE(ws_transport_new(&p->c.t, &cc, p->eng) == WS_OK);
	REQUIRE(ws_transport_new(&p->s.t, &sc, p->eng) == WS_OK);
	REQUIRE(ws_server_conn_new(&p->s.m, &mc, p->s.t, &pol, &h) == WS_OK);
}

static void pair_free(struct pair *p)
{
	ws_conn_free(p->c.conn);
	ws_auth_client_free(p->c.auth);
	ws_server_conn_free(p->s.m);
	ws_transport_free(p->c.t);
	ws_transport_free(p->s.t);
	ws_crypto_engine_free(p->eng);
	current = NULL;
}

static void send_raw(struct cli *c, const uint8_t *msg, size_t len)
{
	CHECK(ws_transport_send(c->t, msg, len) == WS_OK);
}

/* ---------------------------------------------------------------- tests */

static void test_login_and_exec(void)
{
	struct pair p;
	pair_init(&p, &alice, 6);
	pump(&p);
	CHECK(p.c.authed && ws_server_conn_authenticated(p.s.m));
	CHECK(strcmp(ws_server_conn_user(p.s.m), "alice") == 0);
	CHECK_EQ(p.s.successes, 1);
	REQUIRE(p.c.conn != NULL && ws_server_conn_channels(p.s.m) != NULL);
	REQUIRE(ws_conn_open_session(p.c.conn, NULL, &p.c.chan) == WS_OK);
	struct ws_chan_request req = {.type = WS_REQ_EXEC, .want_reply = true};
	req.u.exec.command = ws_conn_str("echo hi");
	CHECK(ws_conn_send_request(p.c.conn, p.c.chan, &req) == WS_OK);
	pump(&p);
	CHECK(p.c.confirmed);
	CHECK_EQ(p.s.opens, 1);
	CHECK(strcmp(p.s.exec, "echo hi") == 0);
	CHECK_EQ(p.c.replies_ok, 1);
	/* a window granted to a peer that is not OpenSSH: the full configured one */
	struct ws_chan_info info;
	CHECK(ws_conn_channel_info(p.c.conn, p.c.chan, &info) == WS_OK);
	CHECK_EQ(info.remote_window, WS_CONN_DEFAULT_WINDOW);
	pair_free(&p);
}

static void test_unserved_messages_get_unimplemented(void)
{
	struct pair p;
	pair_init(&p, &alice, 6);
	pump(&p); /* logged in */
	static const uint8_t unknown[] = {200, 1, 2, 3};
	send_raw(&p.c, unknown, sizeof(unknown));
	pump(&p);
	CHECK_EQ(p.unimplemented_seen, 1);
	CHECK_EQ(ws_server_conn_error(p.s.m), WS_OK);
	CHECK_EQ(p.c.disconnects, 0);
	CHECK_EQ(p.server_errors, 0);
	pair_free(&p);

	/* a channel open before authentication: not served yet, the connection lives on */
	pair_init(&p, &stranger, 6);
	for (int i = 0; i < 3; i++) { /* up to the first answer: the client is still unauthenticated */
		move(p.c.t, p.s.t), move(p.s.t, p.c.t);
		drain(&p);
	}
	static const uint8_t open[] = {90, 0, 0, 0, 7, 's', 'e', 's', 's', 'i', 'o', 'n', 0, 0, 0, 0,
				       0, 1, 0, 0, 0, 0, 128, 0};
	send_raw(&p.c, open, sizeof(open));
	pump(&p);
	CHECK(!ws_server_conn_authenticated(p.s.m));
	CHECK_EQ(p.unimplemented_seen, 1);
	CHECK_EQ(p.s.opens, 0);
	pair_free(&p);
}

static void test_failure_answer_is_held(void)
{
	struct pair p;
	pair_init(&p, &stranger, 6);
	pump(&p);
	/* the key query failed: its FAILURE waits until the runtime's delay ends */
	CHECK_EQ(p.s.failures, 2); /* "none" probe + the stranger's key */
	CHECK(ws_server_conn_held(p.s.m));
	CHECK(ws_server_conn_backlog(p.s.m) > 0);
	unsigned failures_before = p.c.failures;
	pump(&p);
	CHECK_EQ(p.c.failures, failures_before); /* nothing released by pumping alone */
	CHECK(ws_server_conn_release(p.s.m) == WS_OK);
	pump(&p);
	CHECK(p.c.failures > failures_before);
	CHECK(!p.c.authed);
	pair_free(&p);
}

static void test_max_tries_disconnects(void)
{
	struct pair p;
	pair_init(&p, &stranger, 1);
	pump(&p);
	/* "none" is free; the stranger's key is the one allowed failure */
	CHECK_EQ(p.c.disconnects, 1);
	CHECK_EQ(p.c.disc_reason, WS_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE);
	CHECK(ws_server_conn_error(p.s.m) < 0);
	CHECK_EQ(p.server_errors, 1);
	pair_free(&p);
}

static void test_bulk_through_backlog(void)
{
	struct pair p;
	pair_init(&p, &alice, 6);
	pump(&p);
	REQUIRE(ws_conn_open_session(p.c.conn, NULL, &p.c.chan) == WS_OK);
	pump(&p);
	REQUIRE(p.s.have_chan);
	struct ws_conn *sc = ws_server_conn_channels(p.s.m);
	static uint8_t chunk[256 * 1024];
	crypto_hash_sha256_state sent;
	crypto_hash_sha256_init(&sent);
	uint64_t total = 0;
	bool saw_backlog = false;
	/* 24 MiB pushed with output moved only every 8 chunks: the transport fills up */
	for (unsigned i = 0; i < 96; i++) {
		for (size_t k = 0; k < sizeof(chunk); k++)
			chunk[k] = (uint8_t)(k * 7u + i);
		size_t off = 0;
		for (int guard = 0; off < sizeof(chunk) && guard < 1000; guard++) {
			size_t acc = 0;
			int rc = ws_conn_send_data(sc, p.s.chan, chunk + off, sizeof(chunk) - off, &acc);
			CHECK(rc == WS_OK || rc == WS_ERR_LIMIT);
			crypto_hash_sha256_update(&sent, chunk + off, acc);
			off += acc;
			total += acc;
			saw_backlog |= ws_server_conn_backlog(p.s.m) > 0;
			if (off < sizeof(chunk) || i % 8 == 7)
				pump(&p);
		}
	}
	pump(&p);
	CHECK(saw_backlog);
	CHECK_EQ(ws_server_conn_backlog(p.s.m), 0);
	CHECK_EQ(p.c.rx_bytes, total);
	uint8_t a[32], b[32];
	crypto_hash_sha256_final(&sent, a);
	crypto_hash_sha256_final(&p.c.rx, b);
	CHECK(memcmp(a, b, 32) == 0);
	pair_free(&p);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	REQUIRE(ws_key_generate(&alice) == WS_OK && ws_key_generate(&stranger) == WS_OK &&
		ws_key_generate(&host) == WS_OK);
	ws_log_set_level(WS_LOG_VERBOSE);
	ws_log_set_sink(log_sink, NULL);
	test_login_and_exec();
	test_unserved_messages_get_unimplemented();
	test_failure_answer_is_held();
	test_max_tries_disconnects();
	test_bulk_through_backlog();
	ws_log_set_sink(NULL, NULL);
	return check_done("test_server_conn");
}
