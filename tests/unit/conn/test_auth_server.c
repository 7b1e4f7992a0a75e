/* test_auth_server.c — the server side of user authentication against a scripted client:
 * methods list, publickey query and signature, password, banner order, MaxAuthTries, identity
 * changes, and every truncation of a valid request refused without a crash. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authmsg.h"
#include "check.h"
#include "msgq.h"
#include "warpssh/auth.h"
#include "warpssh/buf.h"

static const uint8_t session_id[32] = {0x5a, 0x5a, 0x5a, 0x5a, 1,  2,  3,  4,  5,  6,  7,
				       8,    9,	   10,	 11,   12, 13, 14, 15, 16, 17, 18,
				       19,   20,   21,	 22,   23, 24, 25, 26, 27, 28};

static struct ws_key alice_key, bob_key, stranger_key;

struct policy_state {
	unsigned user_lookups;
	unsigned pubkey_checks;
	unsigned failed_events;
	unsigned success_events;
	char last_failed_method[64];
	bool last_invalid_user;
	void *success_entry;
	char success_user[64];
	int entry_alice; /* address handed out as the authorizing entry */
};

static bool user_exists(void *arg, const char *user)
{
	struct policy_state *ps = arg;
	ps->user_lookups++;
	return strcmp(user, "alice") == 0 || strcmp(user, "bob") == 0;
}

/* alice's key is authorized for alice only; bob's for bob only */
static bool pubkey_authorized(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	struct policy_state *ps = arg;
	ps->pubkey_checks++;
	if (strcmp(user, "alice") == 0 && ws_key_equal_public(key, &alice_key)) {
		*entry = &ps->entry_alice;
		return true;
	}
	return strcmp(user, "bob") == 0 && ws_key_equal_public(key, &bob_key);
}

static bool password_ok(void *arg, const char *user, const char *password)
{
	(void)arg;
	return strcmp(user, "alice") == 0 && strcmp(password, "correct horse") == 0;
}

static void on_event(void *arg, const struct ws_auth_event *ev)
{
	struct policy_state *ps = arg;
	if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT) {
		ps->failed_events++;
		snprintf(ps->last_failed_method, sizeof(ps->last_failed_method), "%s", ev->method);
		ps->last_invalid_user = ev->invalid_user;
	} else if (ev->type == WS_AUTH_EV_SUCCESS) {
		ps->success_events++;
		ps->success_entry = ev->entry;
		snprintf(ps->success_user, sizeof(ps->success_user), "%s", ev->user);
	}
}

struct fixture {
	struct ws_auth_server *srv;
	struct msgq out;
	struct policy_state ps;
};

static void setup(struct fixture *f, const struct ws_auth_server_config *cfg_in)
{
	struct ws_auth_server_config cfg;
	memset(f, 0, sizeof(*f));
	msgq_init(&f->out);
	if (cfg_in != NULL)
		cfg = *cfg_in;
	else
		ws_auth_server_config_default(&cfg);
	struct ws_auth_policy policy = {&f->ps, user_exists, pubkey_authorized, password_ok, on_event};
	struct ws_payload_sink sink = msgq_sink(&f->out);
	REQUIRE(ws_auth_server_new(&f->srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	struct authmsg m;
	authmsg_service_request(&m, "ssh-userauth");
	REQUIRE(ws_auth_server_handle(f->srv, m.data, m.len) == WS_OK);
	REQUIRE(msgq_type(&f->out, 0) == 6); /* SERVICE_ACCEPT */
	msgq_clear(&f->out);
}

static void teardown(struct fixture *f)
{
	ws_auth_server_free(f->srv);
	msgq_free(&f->out);
}

static int feed(struct fixture *f, const struct authmsg *m)
{
	return ws_auth_server_handle(f->srv, m->data, m->len);
}

/* The methods list of the FAILURE at position i, as a C string. */
static void failure_methods(const struct fixture *f, size_t i, char *out, size_t outsz)
{
	const struct msg *m = msgq_peek(&f->out, i);
	struct ws_buf b;
	uint8_t type;
	bool partial = true;
	out[0] = '\0';
	REQUIRE(m != NULL);
	ws_buf_init_read(&b, m->data, m->len);
	CHECK(ws_buf_get_u8(&b, &type) == WS_OK && type == 51);
	CHECK_EQ(ws_buf_get_cstring(&b, out, outsz), WS_OK);
	CHECK_EQ(ws_buf_get_bool(&b, &partial), WS_OK);
	CHECK(!partial);
	CHECK_EQ(ws_buf_avail(&b), 0);
}

static void test_none_lists_methods(void)
{
	struct fixture f;
	struct authmsg m;
	char methods[64];
	setup(&f, NULL);
	authmsg_none(&m, "alice");
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 1);
	failure_methods(&f, 0, methods, sizeof(methods));
	CHECK(strcmp(methods, "publickey") == 0);
	CHECK(!ws_auth_server_done(f.srv));
	CHECK_EQ(f.ps.user_lookups, 1);
	teardown(&f);

	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	cfg.allow_password = true;
	setup(&f, &cfg);
	CHECK_EQ(feed(&f, &m), WS_OK);
	failure_methods(&f, 0, methods, sizeof(methods));
	CHECK(strcmp(methods, "publickey,password") == 0);
	teardown(&f);
}

static void test_service_negotiation(void)
{
	struct authmsg m;
	struct msg reply;
	struct ws_auth_server *srv;
	struct msgq out;
	msgq_init(&out);
	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	struct policy_state ps = {0};
	struct ws_auth_policy policy = {&ps, user_exists, pubkey_authorized, password_ok, on_event};
	struct ws_payload_sink sink = msgq_sink(&out);
	REQUIRE(ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	/* USERAUTH_REQUEST before SERVICE_REQUEST is a protocol error */
	authmsg_none(&m, "alice");
	CHECK_EQ(ws_auth_server_handle(srv, m.data, m.len), WS_ERR_UNEXPECTED_MSG);
	CHECK_EQ(ws_auth_server_disconnect(srv).reason, WS_REASON_PROTOCOL_ERROR);
	CHECK_EQ(out.count, 0);
	/* sticky: even a good message now fails */
	authmsg_service_request(&m, "ssh-userauth");
	CHECK_EQ(ws_auth_server_handle(srv, m.data, m.len), WS_ERR_UNEXPECTED_MSG);
	ws_auth_server_free(srv);

	REQUIRE(ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	authmsg_service_request(&m, "ssh-connection");
	CHECK(ws_auth_server_handle(srv, m.data, m.len) < 0);
	CHECK_EQ(ws_auth_server_disconnect(srv).reason, WS_REASON_SERVICE_NOT_AVAILABLE);
	ws_auth_server_free(srv);

	REQUIRE(ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	authmsg_service_request(&m, "ssh-userauth");
	CHECK_EQ(ws_auth_server_handle(srv, m.data, m.len), WS_OK);
	REQUIRE(msgq_pop(&out, &reply));
	static const uint8_t want[] = {6,   0,	 0,   0,   12,	's', 's', 'h', '-',
				       'u', 's', 'e', 'r', 'a', 'u', 't', 'h'};
	CHECK_EQ(reply.len, sizeof(want));
	CHECK(reply.len == sizeof(want) && memcmp(reply.data, want, sizeof(want)) == 0);
	free(reply.data);
	ws_auth_server_free(srv);
	msgq_free(&out);
}

/* The transport answered SERVICE_REQUEST itself: the module starts at USERAUTH_REQUEST. */
static void test_service_already_accepted(void)
{
	struct ws_auth_server *srv;
	struct msgq out;
	struct authmsg m;
	struct ws_auth_server_config cfg;
	struct policy_state ps = {0};
	struct ws_auth_policy policy = {&ps, user_exists, pubkey_authorized, password_ok, on_event};
	msgq_init(&out);
	struct ws_payload_sink sink = msgq_sink(&out);
	ws_auth_server_config_default(&cfg);
	cfg.service_accepted = true;
	REQUIRE(ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	authmsg_pk_signed(&m, "alice", &alice_key, session_id, sizeof(session_id));
	CHECK_EQ(ws_auth_server_handle(srv, m.data, m.len), WS_OK);
	CHECK_EQ(msgq_type(&out, 0), 52);
	CHECK(ws_auth_server_done(srv));
	ws_auth_server_free(srv);

	REQUIRE(ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) == WS_OK);
	authmsg_service_request(&m, "ssh-userauth");
	CHECK_EQ(ws_auth_server_handle(srv, m.data, m.len), WS_ERR_UNEXPECTED_MSG);
	ws_auth_server_free(srv);
	msgq_free(&out);
}

static void test_pk_query_gets_pk_ok(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	authmsg_pk_query(&m, "alice", &alice_key);
	CHECK_EQ(feed(&f, &m), WS_OK);
	REQUIRE(f.out.count == 1);
	const struct msg *r = msgq_peek(&f.out, 0);
	/* PK_OK: byte 60 || string "ssh-ed25519" || string blob — the blob echoed */
	uint8_t blob[WS_KEY_BLOB_LEN];
	struct ws_buf bb, rb;
	ws_buf_init_write(&bb, blob, sizeof(blob));
	REQUIRE(ws_key_put_blob(&alice_key, &bb) == WS_OK);
	ws_buf_init_read(&rb, r->data, r->len);
	uint8_t type;
	struct ws_bytes alg, echoed;
	CHECK(ws_buf_get_u8(&rb, &type) == WS_OK && type == 60);
	CHECK(ws_buf_get_string(&rb, &alg, 64) == WS_OK && ws_bytes_eq_str(alg, "ssh-ed25519"));
	CHECK(ws_buf_get_string(&rb, &echoed, 256) == WS_OK && echoed.len == sizeof(blob) &&
	      memcmp(echoed.ptr, blob, sizeof(blob)) == 0);
	CHECK_EQ(ws_buf_avail(&rb), 0);
	CHECK(!ws_auth_server_done(f.srv));
	CHECK_EQ(f.ps.failed_events, 0); /* a query is not a failure */
	teardown(&f);
}

static void test_pk_signed_good_key_succeeds(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	authmsg_pk_query(&m, "alice", &alice_key);
	CHECK_EQ(feed(&f, &m), WS_OK);
	authmsg_pk_signed(&m, "alice", &alice_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 2);
	CHECK_EQ(msgq_type(&f.out, 1), 52); /* USERAUTH_SUCCESS */
	CHECK_EQ(msgq_peek(&f.out, 1)->len, 1);
	CHECK(ws_auth_server_done(f.srv));
	CHECK(strcmp(ws_auth_server_user(f.srv), "alice") == 0);
	CHECK_EQ(f.ps.success_events, 1);
	CHECK(f.ps.success_entry == &f.ps.entry_alice);
	CHECK(strcmp(f.ps.success_user, "alice") == 0);
	/* RFC 4252 §5.1: requests after success are ignored */
	authmsg_none(&m, "alice");
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 2);
	teardown(&f);

	/* signing without the query first is fine too */
	setup(&f, NULL);
	authmsg_pk_signed(&m, "bob", &bob_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 52);
	teardown(&f);
}

static void test_pk_bad_signature_fails(void)
{
	struct fixture f;
	struct authmsg m;
	uint8_t other_sid[32];
	memcpy(other_sid, session_id, sizeof(other_sid));
	other_sid[31] ^= 1;
	setup(&f, NULL);
	/* signed over another session identifier (a replay from another connection) */
	authmsg_pk_signed(&m, "alice", &alice_key, other_sid, sizeof(other_sid));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	CHECK(!ws_auth_server_done(f.srv));
	CHECK_EQ(f.ps.failed_events, 1);
	CHECK(strcmp(f.ps.last_failed_method, "publickey") == 0);
	/* a flipped bit in the signature itself */
	authmsg_pk_signed(&m, "alice", &alice_key, session_id, sizeof(session_id));
	m.data[m.len - 1] ^= 0x80;
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 1), 51);
	CHECK_EQ(f.ps.success_events, 0);
	teardown(&f);
}

static void test_pk_wrong_user_key_fails(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	/* bob's key, validly signed, offered for alice: not in alice's authorized keys */
	authmsg_pk_query(&m, "alice", &bob_key);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	authmsg_pk_signed(&m, "alice", &bob_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 1), 51);
	authmsg_pk_signed(&m, "alice", &stranger_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 2), 51);
	CHECK(!ws_auth_server_done(f.srv));
	CHECK_EQ(f.ps.failed_events, 3);
	teardown(&f);
}

static void test_invalid_user_always_fails(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	authmsg_pk_query(&m, "mallory", &alice_key);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	CHECK(f.ps.last_invalid_user);
	CHECK_EQ(f.ps.pubkey_checks, 0); /* the policy is not even asked */
	teardown(&f);
}

static void test_max_auth_tries_disconnects(void)
{
	struct fixture f;
	struct authmsg m;
	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	cfg.max_tries = 3;
	setup(&f, &cfg);
	authmsg_none(&m, "alice"); /* the first none probe does not count */
	CHECK_EQ(feed(&f, &m), WS_OK);
	authmsg_pk_signed(&m, "alice", &stranger_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 3);	     /* three FAILUREs so far */
	CHECK_EQ(feed(&f, &m), WS_ERR_AUTH); /* third counted failure */
	struct ws_disconnect_info d = ws_auth_server_disconnect(f.srv);
	CHECK_EQ(d.reason, WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE);
	CHECK(d.message != NULL);
	CHECK_EQ(f.out.count, 3); /* no FAILURE for the last one: the transport disconnects */
	CHECK_EQ(f.ps.failed_events, 4);
	/* sticky: even a good key is refused now */
	authmsg_pk_signed(&m, "alice", &alice_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_ERR_AUTH);
	CHECK_EQ(f.ps.success_events, 0);
	teardown(&f);
}

static void test_password_via_callback(void)
{
	struct fixture f;
	struct authmsg m;
	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	cfg.allow_password = true;
	setup(&f, &cfg);
	authmsg_password(&m, "alice", "wrong", false);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	CHECK(strcmp(f.ps.last_failed_method, "password") == 0);
	/* a change request is not supported: FAILURE, even with the right old password */
	authmsg_password(&m, "alice", "correct horse", true);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 1), 51);
	authmsg_password(&m, "alice", "correct horse", false);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 2), 52);
	CHECK(ws_auth_server_done(f.srv));
	CHECK(f.ps.success_entry == NULL);
	teardown(&f);

	/* disabled: the right password fails */
	setup(&f, NULL);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	CHECK(!ws_auth_server_done(f.srv));
	teardown(&f);
}

static void test_banner_before_first_response(void)
{
	struct fixture f;
	struct authmsg m;
	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	cfg.banner = "Authorized use only.\r\n";
	setup(&f, &cfg);
	authmsg_pk_query(&m, "alice", &alice_key);
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 2);
	CHECK_EQ(msgq_type(&f.out, 0), 53); /* BANNER first */
	CHECK_EQ(msgq_type(&f.out, 1), 60); /* then PK_OK */
	const struct msg *b = msgq_peek(&f.out, 0);
	struct ws_buf rb;
	uint8_t type;
	struct ws_bytes text, lang;
	ws_buf_init_read(&rb, b->data, b->len);
	CHECK(ws_buf_get_u8(&rb, &type) == WS_OK);
	CHECK(ws_buf_get_string(&rb, &text, 1024) == WS_OK && ws_bytes_eq_str(text, cfg.banner));
	CHECK(ws_buf_get_string(&rb, &lang, 64) == WS_OK && lang.len == 0);
	authmsg_pk_signed(&m, "alice", &alice_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(f.out.count, 3); /* only once */
	CHECK_EQ(msgq_type(&f.out, 2), 52);
	teardown(&f);
}

static void test_identity_change_refused(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	authmsg_none(&m, "alice");
	CHECK_EQ(feed(&f, &m), WS_OK);
	authmsg_pk_signed(&m, "bob", &bob_key, session_id, sizeof(session_id));
	CHECK_EQ(feed(&f, &m), WS_ERR_PROTOCOL);
	CHECK_EQ(ws_auth_server_disconnect(f.srv).reason, WS_REASON_PROTOCOL_ERROR);
	CHECK_EQ(f.ps.success_events, 0);
	teardown(&f);

	setup(&f, NULL);
	authmsg_none(&m, "alice");
	CHECK_EQ(feed(&f, &m), WS_OK);
	authmsg_method(&m, "alice", "other-service", "none");
	CHECK_EQ(feed(&f, &m), WS_ERR_PROTOCOL);
	teardown(&f);

	/* the first request naming a service other than ssh-connection */
	setup(&f, NULL);
	authmsg_method(&m, "alice", "ssh-userauth", "none");
	CHECK(feed(&f, &m) < 0);
	CHECK_EQ(ws_auth_server_disconnect(f.srv).reason, WS_REASON_SERVICE_NOT_AVAILABLE);
	teardown(&f);
}

static void test_unknown_method_fails(void)
{
	struct fixture f;
	struct authmsg m;
	setup(&f, NULL);
	authmsg_method(&m, "alice", "ssh-connection", "keyboard-interactive");
	CHECK_EQ(feed(&f, &m), WS_OK);
	CHECK_EQ(msgq_type(&f.out, 0), 51);
	CHECK(strcmp(f.ps.last_failed_method, "keyboard-interactive") == 0);
	/* unknown method-specific message numbers: UNIMPLEMENTED, not fatal */
	static const uint8_t m61[] = {61};
	CHECK_EQ(ws_auth_server_handle(f.srv, m61, 1), WS_ERR_UNSUPPORTED);
	/* server-to-client messages from the client: fatal */
	static const uint8_t m52[] = {52};
	CHECK_EQ(ws_auth_server_handle(f.srv, m52, 1), WS_ERR_UNEXPECTED_MSG);
	teardown(&f);
}

/* Every prefix of a valid request is refused cleanly, never half-processed. */
static void test_truncations_refused(void)
{
	struct authmsg full, m;
	struct ws_auth_server_config cfg;
	ws_auth_server_config_default(&cfg);
	cfg.allow_password = true;
	const struct authmsg *which[3];
	struct authmsg pk, pw, q;
	authmsg_pk_signed(&pk, "alice", &alice_key, session_id, sizeof(session_id));
	authmsg_password(&pw, "alice", "correct horse", true);
	authmsg_pk_query(&q, "alice", &alice_key);
	which[0] = &pk;
	which[1] = &pw;
	which[2] = &q;
	for (int w = 0; w < 3; w++) {
		full = *which[w];
		for (size_t len = 0; len < full.len; len++) {
			struct fixture f;
			setup(&f, &cfg);
			memcpy(m.data, full.data, len);
			m.len = len;
			int rc = feed(&f, &m);
			CHECK(rc < 0);
			CHECK(!ws_auth_server_done(f.srv));
			CHECK_EQ(f.ps.success_events, 0);
			teardown(&f);
		}
	}
	/* trailing garbage after a valid request is refused too */
	struct fixture f;
	setup(&f, &cfg);
	m = pk;
	m.data[m.len++] = 0;
	CHECK(feed(&f, &m) < 0);
	CHECK(!ws_auth_server_done(f.srv));
	teardown(&f);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	REQUIRE(ws_key_generate(&alice_key) == WS_OK);
	REQUIRE(ws_key_generate(&bob_key) == WS_OK);
	REQUIRE(ws_key_generate(&stranger_key) == WS_OK);
	test_none_lists_methods();
	test_service_negotiation();
	test_service_already_accepted();
	test_pk_query_gets_pk_ok();
	test_pk_signed_good_key_succeeds();
	test_pk_bad_signature_fails();
	test_pk_wrong_user_key_fails();
	test_invalid_user_always_fails();
	test_max_auth_tries_disconnects();
	test_password_via_callback();
	test_banner_before_first_response();
	test_identity_change_refused();
	test_unknown_method_fails();
	test_truncations_refused();
	ws_key_wipe(&alice_key);
	ws_key_wipe(&bob_key);
	ws_key_wipe(&stranger_key);
	return check_done("test_auth_server");
}
