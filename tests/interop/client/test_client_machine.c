/* test_client_machine.c — the sans-I/O client machine (engine/client*.c) against an in-memory
 * server built from our transport, auth server and connection modules: host key refusal sends
 * nothing of ours, a refused key ends in "Permission denied (publickey).", exec with stdin data
 * through the ordered backlog (8 MiB, sha256) and exit-status / exit-signal → exit code,
 * keepalives counted, and the ssh-agent message parsers refusing malformed answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "warpssh/agent.h"
#include "warpssh/auth.h"
#include "warpssh/client.h"
#include "warpssh/conn.h"

#define UPLOAD_BYTES (8u * 1024u * 1024u)

struct srv {
	struct ws_transport *t;
	struct ws_auth_server *auth;
	struct ws_conn *conn;
	struct ws_payload_sink sink;
	struct ws_key user_key;  /* the only key authorized */
	unsigned userauth_msgs;  /* USERAUTH_REQUESTs seen */
	uint32_t chan;
	char command[128];
	crypto_hash_sha256_state rx;
	uint64_t rx_bytes;
	bool eof, exec_seen;
	int last_rc;            /* last module result (refusals are not errors here) */
	bool swallow;
};

struct cli {
	struct ws_client *c;
	struct ws_transport *t;
	bool accept_host;
	struct ws_key key;
	crypto_hash_sha256_state out;
	uint64_t out_bytes;
	bool opened, finished, closed;
};

struct world {
	struct ws_crypto_engine *eng;
	struct ws_key host_key;
	struct srv s;
	struct cli c;
};

/* ---------------------------------------------------------------- server side */

static int srv_send(void *arg, const struct ws_bytes *parts, size_t n)
{
	struct srv *s = arg;
	static uint8_t joined[WS_TRANSPORT_MAX_PAYLOAD];
	size_t off = 0;
	if (s->swallow) { /* the auth module's SERVICE_ACCEPT: the transport already sent one */
		s->swallow = false;
		return WS_OK;
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(joined + off, parts[i].ptr, parts[i].len);
		off += parts[i].len;
	}
	return ws_transport_send(s->t, joined, off);
}

static bool srv_pubkey_ok(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	struct srv *s = arg;
	(void)user;
	*entry = NULL;
	return ws_key_equal_public(key, &s->user_key);
}

static bool srv_user_exists(void *arg, const char *user)
{
	(void)arg;
	return strcmp(user, "tester") == 0;
}

static void srv_conn_event(void *arg, struct ws_conn_event *ev)
{
	struct srv *s = arg;
	if (ev->type == WS_CONN_EV_OPEN_REQUEST && ev->u.open.type == WS_CHAN_SESSION) {
		ev->answer = WS_ANSWER_ACCEPT;
		s->chan = ev->channel;
	} else if (ev->type == WS_CONN_EV_REQUEST && ev->u.request.type == WS_REQ_EXEC) {
		snprintf(s->command, sizeof(s->command), "%.*s", (int)ev->u.request.u.exec.command.len,
			 (const char *)ev->u.request.u.exec.command.ptr);
		s->exec_seen = true;
		ev->answer = WS_ANSWER_ACCEPT;
	} else if (ev->type == WS_CONN_EV_DATA) {
		crypto_hash_sha256_update(&s->rx, ev->u.data.data.ptr, ev->u.data.data.len);
		s->rx_bytes += ev->u.data.data.len;
		CHECK(ws_conn_consumed(s->conn, ev->channel, ev->u.data.data.len) == WS_OK);
	} else if (ev->type == WS_CONN_EV_EOF) {
		s->eof = true;
	}
}

static void srv_payload(struct srv *s, const struct ws_transport_event *ev)
{
	uint8_t msg = ev->payload[0];
	if (msg == 50)
		s->userauth_msgs++;
	if (s->auth != NULL && !ws_auth_server_done(s->auth) && ws_auth_owns_msg(msg)) {
		s->last_rc = ws_auth_server_handle(s->auth, ev->payload, ev->len);
		if (ws_auth_server_done(s->auth)) {
			struct ws_conn_config cc;
			ws_conn_config_default(&cc);
			cc.is_server = true;
			struct ws_conn_handler h = {srv_conn_event, s};
			REQUIRE(ws_conn_new(&s->conn, &cc, &h, &s->sink) == WS_OK);
		}
	} else if (s->conn != NULL && ws_conn_owns_msg(msg)) {
		s->last_rc = ws_conn_handle(s->conn, ev->payload, ev->len);
	}
}

static void srv_poll(struct srv *s)
{
	struct ws_transport_event ev;
	while (ws_transport_poll(s->t, &ev) == 1) {
		if (ev.type == WS_TEV_SERVICE_ACCEPTED && s->auth == NULL) {
			struct ws_auth_server_config cfg;
			const uint8_t *sid;
			size_t sid_len;
			ws_auth_server_config_default(&cfg);
			struct ws_auth_policy pol = {.arg = s, .user_exists = srv_user_exists,
						     .pubkey_authorized = srv_pubkey_ok};
			REQUIRE(ws_transport_session_id(s->t, &sid, &sid_len) == WS_OK);
			REQUIRE(ws_auth_server_new(&s->auth, &cfg, &pol, &s->sink, sid, sid_len) == WS_OK);
			/* the transport took SERVICE_REQUEST itself; the auth module wants to see one */
			static const uint8_t req[] = {5, 0, 0, 0, 12, 's', 's', 'h', '-', 'u', 's', 'e', 'r',
						      'a', 'u', 't', 'h'};
			s->swallow = true;
			REQUIRE(ws_auth_server_handle(s->auth, req, sizeof(req)) == WS_OK);
		} else if (ev.type == WS_TEV_PAYLOAD) {
			srv_payload(s, &ev);
		}
	}
}

/* ---------------------------------------------------------------- client side */

static bool cli_host_key(void *arg, const struct ws_key *key)
{
	struct cli *c = arg;
	(void)key;
	return c->accept_host;
}

static void cli_event(void *arg, const struct ws_client_event *ev)
{
	struct cli *c = arg;
	if (ev->type == WS_CLIENT_EV_CHANNEL_OPEN)
		c->opened = true;
	else if (ev->type == WS_CLIENT_EV_FINISHED)
		c->finished = true;
	else if (ev->type == WS_CLIENT_EV_CLOSED)
		c->closed = true;
	else if (ev->type == WS_CLIENT_EV_DATA && ev->ext == 0) {
		crypto_hash_sha256_update(&c->out, ev->data.ptr, ev->data.len);
		c->out_bytes += ev->data.len;
		CHECK(ws_client_consumed(c->c, ev->channel, ev->data.len) == WS_OK);
	}
}

static void cli_poll(struct cli *c)
{
	struct ws_transport_event ev;
	while (ws_transport_poll(c->t, &ev) == 1)
		if (ws_client_on_transport_event(c->c, &ev) < 0)
			return;
	if (ws_client_flush(c->c) < 0)
		return;
}

/* ---------------------------------------------------------------- wiring */

static size_t move_bytes(struct ws_transport *from, struct ws_transport *to)
{
	size_t moved = 0;
	for (;;) {
		const uint8_t *data;
		size_t len;
		if (ws_transport_output(from, &data, &len) != WS_OK || len == 0)
			return moved;
		int took = ws_transport_input(to, data, len);
		if (took <= 0)
			return moved;
		REQUIRE(ws_transport_output_consume(from, (size_t)took) == WS_OK);
		moved += (size_t)took;
	}
}

static void pump(struct world *w, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		size_t n = move_bytes(w->c.t, w->s.t) + move_bytes(w->s.t, w->c.t);
		srv_poll(&w->s);
		cli_poll(&w->c);
		if (n == 0 && !ws_transport_output_pending(w->c.t) && !ws_transport_output_pending(w->s.t))
			return;
	}
}

static void world_init(struct world *w, bool accept_host, bool authorized, const char *command)
{
	memset(w, 0, sizeof(*w));
	REQUIRE(ws_crypto_engine_new(&w->eng) == WS_OK);
	REQUIRE(ws_key_generate(&w->host_key) == WS_OK);
	REQUIRE(ws_key_generate(&w->c.key) == WS_OK);
	REQUIRE(ws_key_generate(&w->s.user_key) == WS_OK);
	if (authorized)
		w->s.user_key = w->c.key;
	struct ws_transport_config sc = {.role = WS_ROLE_SERVER, .host_key = &w->host_key,
					 .service = "ssh-userauth", .tx_buffer_size = 32u << 20};
	struct ws_transport_config cc = {.role = WS_ROLE_CLIENT, .service = "ssh-userauth"};
	REQUIRE(ws_transport_new(&w->s.t, &sc, w->eng) == WS_OK);
	REQUIRE(ws_transport_new(&w->c.t, &cc, w->eng) == WS_OK);
	w->s.sink = (struct ws_payload_sink){srv_send, &w->s};
	crypto_hash_sha256_init(&w->s.rx);
	crypto_hash_sha256_init(&w->c.out);
	w->c.accept_host = accept_host;
	struct ws_client_config cfg = {.user = "tester", .keys = &w->c.key, .nkeys = 1, .command = command,
				       .server_alive_count_max = 2};
	struct ws_client_callbacks cb = {.arg = &w->c, .host_key = cli_host_key, .event = cli_event};
	REQUIRE(ws_client_new(&w->c.c, &cfg, &cb, w->c.t) == WS_OK);
}

static void world_free(struct world *w)
{
	ws_client_free(w->c.c);
	ws_conn_free(w->s.conn);
	ws_auth_server_free(w->s.auth);
	ws_transport_free(w->c.t);
	ws_transport_free(w->s.t);
	ws_crypto_engine_free(w->eng);
}

/* ---------------------------------------------------------------- tests */

static void test_host_key_refused_sends_nothing(void)
{
	struct world w;
	world_init(&w, false, true, "true");
	pump(&w, 50);
	CHECK_EQ(ws_client_error(w.c.c), WS_ERR_HOSTKEY);
	CHECK(strcmp(ws_client_error_message(w.c.c), "Host key verification failed.") == 0);
	CHECK_EQ(w.s.userauth_msgs, 0u);
	CHECK(w.s.auth == NULL); /* not even ssh-userauth was requested */
	CHECK_EQ(ws_client_exit_code(w.c.c), 255);
	world_free(&w);
}

static void test_refused_key_permission_denied(void)
{
	struct world w;
	world_init(&w, true, false, "true");
	pump(&w, 100);
	CHECK_EQ(ws_client_error(w.c.c), WS_ERR_AUTH);
	CHECK(strcmp(ws_client_error_message(w.c.c), "Permission denied (publickey).") == 0);
	CHECK(!ws_client_authenticated(w.c.c));
	CHECK_EQ(ws_client_exit_code(w.c.c), 255);
	world_free(&w);
}

/* 8 MiB handed to ws_client_send at once: more than the transport holds, so the backlog keeps
 * the order; the server hashes what arrives. */
static void upload(struct world *w, uint32_t chan, uint8_t *data, size_t len)
{
	size_t off = 0;
	for (unsigned round = 0; round < 100000 && off < len; round++) {
		size_t acc = 0;
		if (ws_client_can_send(w->c.c))
			CHECK(ws_client_send(w->c.c, chan, data + off, len - off, &acc) == WS_OK);
		off += acc;
		pump(w, 4);
	}
	CHECK_EQ(off, len);
	CHECK(ws_client_send_eof(w->c.c, chan) == WS_OK);
	pump(w, 1000);
}

static void finish_session(struct world *w, bool by_signal)
{
	struct ws_chan_request r = {.type = by_signal ? WS_REQ_EXIT_SIGNAL : WS_REQ_EXIT_STATUS};
	if (by_signal) {
		r.u.exit_signal.name = ws_conn_str("KILL");
		r.u.exit_signal.message = ws_conn_str("");
		r.u.exit_signal.lang = ws_conn_str("");
	} else {
		r.u.exit_status.status = 7;
	}
	size_t acc;
	static const char reply[] = "remote output";
	CHECK(ws_conn_send_data(w->s.conn, w->s.chan, reply, sizeof(reply) - 1, &acc) == WS_OK);
	CHECK(ws_conn_send_eof(w->s.conn, w->s.chan) == WS_OK);
	CHECK(ws_conn_send_request(w->s.conn, w->s.chan, &r) == WS_OK);
	CHECK(ws_conn_close(w->s.conn, w->s.chan) == WS_OK);
	pump(w, 100);
}

static void test_exec_upload_and_exit_status(void)
{
	struct world w;
	world_init(&w, true, true, "sha256sum -");
	pump(&w, 200);
	REQUIRE(ws_client_authenticated(w.c.c));
	REQUIRE(w.c.opened);
	CHECK(w.s.exec_seen && strcmp(w.s.command, "sha256sum -") == 0);
	uint8_t *data = malloc(UPLOAD_BYTES);
	REQUIRE(data != NULL);
	randombytes_buf(data, UPLOAD_BYTES);
	upload(&w, ws_client_session_channel(w.c.c), data, UPLOAD_BYTES);
	uint8_t want[32], got[32];
	crypto_hash_sha256(want, data, UPLOAD_BYTES);
	crypto_hash_sha256_final(&w.s.rx, got);
	CHECK_EQ(w.s.rx_bytes, (uint64_t)UPLOAD_BYTES);
	CHECK(memcmp(want, got, 32) == 0);
	CHECK(w.s.eof);
	finish_session(&w, false);
	CHECK_EQ(w.c.out_bytes, (uint64_t)strlen("remote output"));
	CHECK(w.c.finished && ws_client_finished(w.c.c));
	CHECK_EQ(ws_client_error(w.c.c), WS_OK);
	CHECK_EQ(ws_client_exit_code(w.c.c), 7);
	CHECK(ws_transport_state(w.c.t) == WS_TSTATE_CLOSED); /* DISCONNECT by application queued */
	free(data);
	world_free(&w);
}

static void test_exit_signal_is_255(void)
{
	struct world w;
	world_init(&w, true, true, "sleep 1000");
	pump(&w, 200);
	REQUIRE(w.c.opened);
	finish_session(&w, true);
	CHECK(ws_client_finished(w.c.c));
	CHECK_EQ(ws_client_exit_code(w.c.c), 255);
	CHECK(ws_client_exit_signal(w.c.c) != NULL && strcmp(ws_client_exit_signal(w.c.c), "KILL") == 0);
	world_free(&w);
}

static void test_keepalive_count(void)
{
	struct world w;
	world_init(&w, true, true, "cat");
	pump(&w, 200);
	REQUIRE(w.c.opened);
	/* answered: the server's REQUEST_FAILURE resets the count */
	for (int i = 0; i < 5; i++) {
		CHECK(ws_client_server_alive(w.c.c) == WS_OK);
		pump(&w, 10);
		CHECK_EQ(ws_client_alive_outstanding(w.c.c), 0u);
	}
	/* unanswered: CountMax 2 sent, the third tick gives up */
	CHECK(ws_client_server_alive(w.c.c) == WS_OK);
	CHECK(ws_client_server_alive(w.c.c) == WS_OK);
	CHECK_EQ(ws_client_server_alive(w.c.c), WS_ERR_TIMEOUT);
	CHECK_EQ(ws_client_error(w.c.c), WS_ERR_TIMEOUT);
	CHECK_EQ(ws_client_exit_code(w.c.c), 255);
	world_free(&w);
}

static void test_agent_parsers(void)
{
	struct ws_key keys[2], k;
	size_t n = 9;
	uint8_t msg[256], sig_mem[128];
	struct ws_buf b, sig;
	REQUIRE(ws_key_generate(&k) == WS_OK);
	/* a well-formed answer with one ed25519 key and one other type (skipped) */
	ws_buf_init_write(&b, msg, sizeof(msg));
	REQUIRE(ws_buf_put_u8(&b, WS_AGENT_IDENTITIES_ANSWER) == WS_OK && ws_buf_put_u32(&b, 2) == WS_OK);
	REQUIRE(ws_buf_put_u32(&b, WS_KEY_BLOB_LEN) == WS_OK && ws_key_put_blob(&k, &b) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&b, "mine") == WS_OK);
	REQUIRE(ws_buf_put_cstring(&b, "ssh-rsa-blob") == WS_OK && ws_buf_put_cstring(&b, "rsa") == WS_OK);
	CHECK(ws_agent_parse_identities(msg, b.wpos, keys, 2, &n) == WS_OK);
	CHECK_EQ(n, (size_t)1);
	CHECK(ws_key_equal_public(&keys[0], &k) && strcmp(keys[0].comment, "mine") == 0);
	/* truncated, trailing garbage, absurd count, FAILURE */
	CHECK(ws_agent_parse_identities(msg, b.wpos - 1, keys, 2, &n) < 0);
	msg[b.wpos] = 0;
	CHECK(ws_agent_parse_identities(msg, b.wpos + 1, keys, 2, &n) == WS_ERR_FORMAT);
	ws_store_be32(msg + 1, 0x7fffffffu);
	CHECK(ws_agent_parse_identities(msg, b.wpos, keys, 2, &n) == WS_ERR_FORMAT);
	msg[0] = WS_AGENT_FAILURE;
	CHECK_EQ(ws_agent_parse_identities(msg, 1, keys, 2, &n), WS_ERR_NOT_FOUND);
	/* sign response: only a 83-byte ssh-ed25519 signature blob is taken */
	ws_buf_init_write(&b, msg, sizeof(msg));
	ws_buf_init_write(&sig, sig_mem, sizeof(sig_mem));
	REQUIRE(ws_key_sign(&k, (const uint8_t *)"x", 1, &sig) == WS_OK);
	REQUIRE(ws_buf_put_u8(&b, WS_AGENT_SIGN_RESPONSE) == WS_OK && ws_buf_put_string(&b, sig.data, sig.wpos) == WS_OK);
	struct ws_buf out;
	uint8_t out_mem[128];
	ws_buf_init_write(&out, out_mem, sizeof(out_mem));
	CHECK(ws_agent_parse_sign_response(msg, b.wpos, &out) == WS_OK);
	CHECK(ws_key_verify(&k, (const uint8_t *)"x", 1, out.data, out.wpos) == WS_OK);
	ws_store_be32(msg + 1, (uint32_t)sig.wpos - 1);
	ws_buf_init_write(&out, out_mem, sizeof(out_mem));
	CHECK(ws_agent_parse_sign_response(msg, b.wpos - 1, &out) < 0);
	msg[0] = WS_AGENT_FAILURE;
	CHECK_EQ(ws_agent_parse_sign_response(msg, 1, &out), WS_ERR_NOT_FOUND);
	/* the request frame: length prefix covers the rest, flags 0 at the end */
	ws_buf_init_write(&b, msg, sizeof(msg));
	CHECK(ws_agent_build_sign_request(&b, &k, (const uint8_t *)"data", 4) == WS_OK);
	CHECK_EQ(ws_load_be32(msg), (uint32_t)(b.wpos - 4));
	CHECK_EQ(msg[4], WS_AGENTC_SIGN_REQUEST);
	CHECK_EQ(ws_load_be32(msg + b.wpos - 4), 0u);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	test_host_key_refused_sends_nothing();
	test_refused_key_permission_denied();
	test_exec_upload_and_exit_status();
	test_exit_signal_is_255();
	test_keepalive_count();
	test_agent_parsers();
	return check_done("client_machine");
}
