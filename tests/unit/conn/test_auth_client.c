/* test_auth_client.c — the client side of user authentication: against our server in memory
 * (publickey with several keys, an agent-style signer, password fallback, banner, giving up),
 * and against scripted server messages that are wrong or truncated. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "msgq.h"
#include "warpssh/auth.h"
#include "warpssh/buf.h"

static const uint8_t session_id[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static struct ws_key alice_key, stranger_key;

/* ---- the server side's policy ---- */

struct srv_state {
	unsigned successes, failures;
	void *entry;
	int entry_alice;
};

static bool srv_user_exists(void *arg, const char *user)
{
	(void)arg;
	return strcmp(user, "alice") == 0;
}

static bool srv_pubkey(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	struct srv_state *s = arg;
	*entry = &s->entry_alice;
	return strcmp(user, "alice") == 0 && ws_key_equal_public(key, &alice_key);
}

static bool srv_password(void *arg, const char *user, const char *password)
{
	(void)arg;
	return strcmp(user, "alice") == 0 && strcmp(password, "s3cret") == 0;
}

static void srv_event(void *arg, const struct ws_auth_event *ev)
{
	struct srv_state *s = arg;
	if (ev->type == WS_AUTH_EV_SUCCESS) {
		s->successes++;
		s->entry = ev->entry;
	} else if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT) {
		s->failures++;
	}
}

/* ---- the client side's callbacks ---- */

struct cli_state {
	char log[64]; /* one letter per event: B banner, F failure, S success */
	char success_method[32];
	char banner[128];
	unsigned sign_calls, password_calls;
	int refuse_sign_calls; /* the first n sign calls fail */
	const char *passwords[4];
};

static void log_event(struct cli_state *c, char letter)
{
	size_t n = strlen(c->log);
	if (n + 1 < sizeof(c->log)) {
		c->log[n] = letter;
		c->log[n + 1] = '\0';
	}
}

static void cli_event(void *arg, const struct ws_auth_event *ev)
{
	struct cli_state *c = arg;
	if (ev->type == WS_AUTH_EV_BANNER) {
		log_event(c, 'B');
		snprintf(c->banner, sizeof(c->banner), "%.*s", (int)ev->text.len, (const char *)ev->text.ptr);
	} else if (ev->type == WS_AUTH_EV_FAILURE) {
		log_event(c, 'F');
	} else if (ev->type == WS_AUTH_EV_SUCCESS) {
		log_event(c, 'S');
		snprintf(c->success_method, sizeof(c->success_method), "%s", ev->method);
	}
}

/* An "agent": signs with alice's private key though the client only holds the public part. */
static int agent_sign(void *arg, const struct ws_key *key, const uint8_t *data, size_t len,
		      struct ws_buf *sig)
{
	struct cli_state *c = arg;
	c->sign_calls++;
	if (c->refuse_sign_calls > 0) {
		c->refuse_sign_calls--;
		return WS_ERR_NOT_FOUND;
	}
	if (ws_key_equal_public(key, &alice_key))
		return ws_key_sign(&alice_key, data, len, sig);
	if (ws_key_equal_public(key, &stranger_key))
		return ws_key_sign(&stranger_key, data, len, sig);
	return WS_ERR_NOT_FOUND;
}

static int cli_password(void *arg, const char *user, char *out, size_t outsz)
{
	struct cli_state *c = arg;
	(void)user;
	if (c->password_calls >= 4 || c->passwords[c->password_calls] == NULL)
		return WS_ERR_NOT_FOUND;
	snprintf(out, outsz, "%s", c->passwords[c->password_calls++]);
	return WS_OK;
}

/* ---- the pair ---- */

struct pair {
	struct ws_auth_server *srv;
	struct ws_auth_client *cli;
	struct msgq to_srv, to_cli;
	struct srv_state ss;
	struct cli_state cs;
	unsigned cli_msgs;
};

static void pair_setup(struct pair *p, const struct ws_auth_server_config *scfg,
		       const struct ws_auth_client_config *ccfg, bool use_signer)
{
	memset(p, 0, sizeof(*p));
	msgq_init(&p->to_srv);
	msgq_init(&p->to_cli);
	struct ws_auth_policy policy = {&p->ss, srv_user_exists, srv_pubkey, srv_password, srv_event};
	struct ws_payload_sink ssink = msgq_sink(&p->to_cli), csink = msgq_sink(&p->to_srv);
	REQUIRE(ws_auth_server_new(&p->srv, scfg, &policy, &ssink, session_id, sizeof(session_id)) == WS_OK);
	struct ws_auth_client_callbacks cb = {&p->cs, use_signer ? agent_sign : NULL, cli_password,
					      cli_event};
	REQUIRE(ws_auth_client_new(&p->cli, ccfg, &cb, &csink, session_id, sizeof(session_id)) == WS_OK);
}

static void pair_teardown(struct pair *p)
{
	ws_auth_server_free(p->srv);
	ws_auth_client_free(p->cli);
	msgq_free(&p->to_srv);
	msgq_free(&p->to_cli);
}

/* Move payloads both ways until quiet; the first error of either side ends it. */
static int pair_run(struct pair *p, int *srv_rc)
{
	struct msg m;
	*srv_rc = WS_OK;
	int rc = ws_auth_client_start(p->cli);
	for (int round = 0; rc == WS_OK && round < 1000; round++) {
		if (msgq_pop(&p->to_srv, &m)) {
			p->cli_msgs++;
			*srv_rc = ws_auth_server_handle(p->srv, m.data, m.len);
			free(m.data);
			if (*srv_rc < 0)
				return *srv_rc;
		} else if (msgq_pop(&p->to_cli, &m)) {
			rc = ws_auth_client_handle(p->cli, m.data, m.len);
			free(m.data);
		} else {
			break;
		}
	}
	return rc;
}

static void default_configs(struct ws_auth_server_config *s, struct ws_auth_client_config *c)
{
	ws_auth_server_config_default(s);
	memset(c, 0, sizeof(*c));
	c->user = "alice";
}

static void test_publickey_second_key(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	struct ws_key keys[2] = {stranger_key, alice_key};
	default_configs(&scfg, &ccfg);
	ccfg.keys = keys;
	ccfg.nkeys = 2;
	pair_setup(&p, &scfg, &ccfg, false);
	CHECK_EQ(pair_run(&p, &srv_rc), WS_OK);
	CHECK_EQ(srv_rc, WS_OK);
	CHECK(ws_auth_client_done(p.cli));
	CHECK(ws_auth_server_done(p.srv));
	CHECK(strcmp(p.cs.log, "FFS") == 0); /* none refused, stranger refused, alice accepted */
	CHECK(strcmp(p.cs.success_method, "publickey") == 0);
	/* service request, none, query stranger, query alice, signed alice */
	CHECK_EQ(p.cli_msgs, 5);
	CHECK_EQ(p.ss.successes, 1);
	CHECK(p.ss.entry == &p.ss.entry_alice);
	pair_teardown(&p);
}

static void test_agent_signer(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	struct ws_key pub[2];
	memset(pub, 0, sizeof(pub));
	memcpy(pub[0].pk, stranger_key.pk, sizeof(pub[0].pk)); /* public parts only */
	memcpy(pub[1].pk, alice_key.pk, sizeof(pub[1].pk));
	default_configs(&scfg, &ccfg);
	ccfg.keys = pub;
	ccfg.nkeys = 2;
	pair_setup(&p, &scfg, &ccfg, true);
	CHECK_EQ(pair_run(&p, &srv_rc), WS_OK);
	CHECK(ws_auth_client_done(p.cli));
	CHECK_EQ(p.cs.sign_calls, 1); /* only the key the server accepted is signed with */
	pair_teardown(&p);

	/* without a signer, public-only keys are not offered at all */
	pair_setup(&p, &scfg, &ccfg, false);
	CHECK_EQ(pair_run(&p, &srv_rc), WS_ERR_AUTH);
	CHECK_EQ(p.cli_msgs, 2); /* service request, none */
	CHECK_EQ(ws_auth_client_disconnect(p.cli).reason, WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE);
	pair_teardown(&p);
}

static void test_signer_refusal_skips_key(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	struct ws_key keys[2] = {alice_key, alice_key};
	default_configs(&scfg, &ccfg);
	ccfg.keys = keys;
	ccfg.nkeys = 2;
	pair_setup(&p, &scfg, &ccfg, true);
	p.cs.refuse_sign_calls = 1; /* e.g. the agent's user declined a confirmation */
	CHECK_EQ(pair_run(&p, &srv_rc), WS_OK);
	CHECK(ws_auth_client_done(p.cli));
	CHECK_EQ(p.cs.sign_calls, 2);
	pair_teardown(&p);
}

static void test_password_fallback(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	struct ws_key keys[1] = {stranger_key};
	default_configs(&scfg, &ccfg);
	scfg.allow_password = true;
	ccfg.keys = keys;
	ccfg.nkeys = 1;
	ccfg.password_attempts = 3;
	pair_setup(&p, &scfg, &ccfg, false);
	p.cs.passwords[0] = "guess";
	p.cs.passwords[1] = "s3cret";
	CHECK_EQ(pair_run(&p, &srv_rc), WS_OK);
	CHECK(ws_auth_client_done(p.cli));
	CHECK(strcmp(p.cs.success_method, "password") == 0);
	CHECK_EQ(p.cs.password_calls, 2);
	CHECK(strcmp(p.cs.log, "FFFS") == 0); /* none, stranger key, first password, then success */
	pair_teardown(&p);
}

static void test_gives_up_when_all_refused(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	default_configs(&scfg, &ccfg);
	scfg.allow_password = true;
	ccfg.password_attempts = 2;
	pair_setup(&p, &scfg, &ccfg, false);
	p.cs.passwords[0] = "a";
	p.cs.passwords[1] = "b";
	p.cs.passwords[2] = "s3cret"; /* never asked: only two attempts */
	CHECK_EQ(pair_run(&p, &srv_rc), WS_ERR_AUTH);
	CHECK_EQ(p.cs.password_calls, 2);
	CHECK(!ws_auth_client_done(p.cli));
	CHECK_EQ(ws_auth_client_disconnect(p.cli).reason, WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE);
	CHECK_EQ(p.ss.successes, 0);
	pair_teardown(&p);
}

static void test_banner_delivered_first(void)
{
	struct ws_auth_server_config scfg;
	struct ws_auth_client_config ccfg;
	struct pair p;
	int srv_rc;
	struct ws_key keys[1] = {alice_key};
	default_configs(&scfg, &ccfg);
	scfg.banner = "welcome to warpssh";
	ccfg.keys = keys;
	ccfg.nkeys = 1;
	pair_setup(&p, &scfg, &ccfg, false);
	CHECK_EQ(pair_run(&p, &srv_rc), WS_OK);
	CHECK(strcmp(p.cs.log, "BFS") == 0);
	CHECK(strcmp(p.cs.banner, "welcome to warpssh") == 0);
	pair_teardown(&p);
}

/* ---- scripted server messages ---- */

struct solo {
	struct ws_auth_client *cli;
	struct msgq out;
	struct cli_state cs;
};

static void solo_setup(struct solo *s, const struct ws_key *keys, size_t nkeys, unsigned pw_attempts)
{
	struct ws_auth_client_config ccfg = {
	    .user = "alice", .keys = keys, .nkeys = nkeys, .password_attempts = pw_attempts};
	memset(s, 0, sizeof(*s));
	msgq_init(&s->out);
	struct ws_auth_client_callbacks cb = {&s->cs, NULL, cli_password, cli_event};
	struct ws_payload_sink sink = msgq_sink(&s->out);
	REQUIRE(ws_auth_client_new(&s->cli, &ccfg, &cb, &sink, session_id, sizeof(session_id)) == WS_OK);
	REQUIRE(ws_auth_client_start(s->cli) == WS_OK);
}

static void solo_teardown(struct solo *s)
{
	ws_auth_client_free(s->cli);
	msgq_free(&s->out);
}

static int feed_bytes(struct solo *s, const uint8_t *data, size_t len)
{
	return ws_auth_client_handle(s->cli, data, len);
}

static const uint8_t service_accept[] = {6,   0,   0,	0,   12,  's', 's', 'h', '-',
					 'u', 's', 'e', 'r', 'a', 'u', 't', 'h'};
static const uint8_t failure_pk_pw[] = {51,  0,	  0,   0,   18,	 'p', 'u', 'b', 'l', 'i', 'c', 'k',
					'e', 'y', ',', 'p', 'a', 's', 's', 'w', 'o', 'r', 'd', 0};

static void test_scripted_wrong_messages(void)
{
	struct solo s;
	struct ws_key keys[1] = {alice_key};
	static const uint8_t success[] = {52};

	/* SUCCESS before the service was even accepted */
	solo_setup(&s, keys, 1, 0);
	CHECK_EQ(feed_bytes(&s, success, 1), WS_ERR_UNEXPECTED_MSG);
	CHECK_EQ(ws_auth_client_disconnect(s.cli).reason, WS_REASON_PROTOCOL_ERROR);
	CHECK(!ws_auth_client_done(s.cli));
	solo_teardown(&s);

	/* SERVICE_ACCEPT naming another service */
	solo_setup(&s, keys, 1, 0);
	uint8_t wrong_service[sizeof(service_accept)];
	memcpy(wrong_service, service_accept, sizeof(wrong_service));
	wrong_service[5] = 'x';
	CHECK(feed_bytes(&s, wrong_service, sizeof(wrong_service)) < 0);
	solo_teardown(&s);

	/* PK_OK for a key we did not ask about */
	solo_setup(&s, keys, 1, 0);
	CHECK_EQ(feed_bytes(&s, service_accept, sizeof(service_accept)), WS_OK);
	CHECK_EQ(feed_bytes(&s, failure_pk_pw, sizeof(failure_pk_pw)), WS_OK);
	CHECK_EQ(msgq_type(&s.out, s.out.count - 1), 50); /* the query went out */
	uint8_t pk_ok[128];
	struct ws_buf b;
	ws_buf_init_write(&b, pk_ok, sizeof(pk_ok));
	REQUIRE(ws_buf_put_u8(&b, 60) == WS_OK && ws_buf_put_cstring(&b, "ssh-ed25519") == WS_OK);
	REQUIRE(ws_buf_put_u32(&b, WS_KEY_BLOB_LEN) == WS_OK && ws_key_put_blob(&stranger_key, &b) == WS_OK);
	CHECK_EQ(feed_bytes(&s, pk_ok, b.wpos), WS_ERR_PROTOCOL);
	solo_teardown(&s);

	/* SUCCESS in answer to a query is not allowed (RFC 4252 §7) */
	solo_setup(&s, keys, 1, 0);
	CHECK_EQ(feed_bytes(&s, service_accept, sizeof(service_accept)), WS_OK);
	CHECK_EQ(feed_bytes(&s, failure_pk_pw, sizeof(failure_pk_pw)), WS_OK);
	CHECK_EQ(feed_bytes(&s, success, 1), WS_ERR_UNEXPECTED_MSG);
	solo_teardown(&s);
}

/* The transport did the service exchange: start sends "none", a SERVICE_ACCEPT is unexpected. */
static void test_service_already_accepted(void)
{
	struct ws_auth_client *cli;
	struct msgq out;
	struct cli_state cs;
	struct ws_auth_client_config ccfg = {
	    .user = "alice", .password_attempts = 1, .service_accepted = true};
	struct ws_auth_client_callbacks cb = {&cs, NULL, cli_password, cli_event};
	memset(&cs, 0, sizeof(cs));
	cs.passwords[0] = "pw";
	msgq_init(&out);
	struct ws_payload_sink sink = msgq_sink(&out);
	REQUIRE(ws_auth_client_new(&cli, &ccfg, &cb, &sink, session_id, sizeof(session_id)) == WS_OK);
	CHECK_EQ(ws_auth_client_start(cli), WS_OK);
	CHECK_EQ(out.count, 1);
	CHECK_EQ(msgq_type(&out, 0), 50);
	CHECK_EQ(ws_auth_client_handle(cli, failure_pk_pw, sizeof(failure_pk_pw)), WS_OK);
	CHECK_EQ(msgq_type(&out, 1), 50); /* the password request */
	CHECK_EQ(cs.password_calls, 1);
	CHECK_EQ(ws_auth_client_handle(cli, service_accept, sizeof(service_accept)), WS_ERR_UNEXPECTED_MSG);
	ws_auth_client_free(cli);
	msgq_free(&out);
}

static void test_passwd_changereq_moves_on(void)
{
	struct solo s;
	solo_setup(&s, NULL, 0, 3);
	s.cs.passwords[0] = "old";
	s.cs.passwords[1] = "old2";
	CHECK_EQ(feed_bytes(&s, service_accept, sizeof(service_accept)), WS_OK);
	CHECK_EQ(feed_bytes(&s, failure_pk_pw, sizeof(failure_pk_pw)), WS_OK);
	CHECK_EQ(s.cs.password_calls, 1);
	/* PASSWD_CHANGEREQ: we cannot change passwords, so the method is over: nothing left */
	static const uint8_t changereq[] = {60, 0, 0, 0, 0, 0, 0, 0, 0};
	CHECK_EQ(feed_bytes(&s, changereq, sizeof(changereq)), WS_ERR_AUTH);
	CHECK_EQ(s.cs.password_calls, 1);
	solo_teardown(&s);
}

static void test_scripted_truncations(void)
{
	static const uint8_t banner[] = {53, 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0};
	const struct {
		const uint8_t *p;
		size_t n;
	} msgs[] = {{failure_pk_pw, sizeof(failure_pk_pw)}, {banner, sizeof(banner)}};
	for (size_t k = 0; k < 2; k++) {
		for (size_t len = 0; len < msgs[k].n; len++) {
			struct solo s;
			solo_setup(&s, NULL, 0, 1);
			CHECK_EQ(feed_bytes(&s, service_accept, sizeof(service_accept)), WS_OK);
			CHECK(feed_bytes(&s, msgs[k].p, len) < 0);
			CHECK_EQ(s.cs.password_calls, 0);
			solo_teardown(&s);
		}
	}
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	REQUIRE(ws_key_generate(&alice_key) == WS_OK);
	REQUIRE(ws_key_generate(&stranger_key) == WS_OK);
	test_publickey_second_key();
	test_agent_signer();
	test_signer_refusal_skips_key();
	test_password_fallback();
	test_gives_up_when_all_refused();
	test_banner_delivered_first();
	test_scripted_wrong_messages();
	test_service_already_accepted();
	test_passwd_changereq_moves_on();
	test_scripted_truncations();
	ws_key_wipe(&alice_key);
	ws_key_wipe(&stranger_key);
	return check_done("test_auth_client");
}
