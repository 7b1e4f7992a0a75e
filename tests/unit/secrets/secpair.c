/* secpair.c — the transport pair with authentication of secpair.h. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "secpair.h"

#define PUMP_ROUNDS 200u
#define SECPAIR_USER "alice"

/* ---------------------------------------------------------------- sinks and policy */

static int send_parts(struct secpair *sp, struct ws_transport *t, const struct ws_bytes *parts, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		WS_ENSURE(parts[i].len <= sizeof(sp->scratch) - len, WS_ERR_TOO_LONG);
		if (parts[i].len > 0)
			memcpy(sp->scratch + len, parts[i].ptr, parts[i].len);
		len += parts[i].len;
	}
	return ws_transport_send(t, sp->scratch, len);
}

static int server_send(void *arg, const struct ws_bytes *parts, size_t n)
{
	struct secpair *sp = arg;
	return send_parts(sp, sp->p.s.t, parts, n);
}

static int client_send(void *arg, const struct ws_bytes *parts, size_t n)
{
	struct secpair *sp = arg;
	return send_parts(sp, sp->p.c.t, parts, n);
}

static bool user_exists(void *arg, const char *user)
{
	(void)arg;
	return strcmp(user, SECPAIR_USER) == 0;
}

static bool pubkey_refused(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	(void)arg, (void)user, (void)key, (void)entry;
	return false; /* so the client goes on to passwords */
}

static bool password_ok(void *arg, const char *user, const char *password)
{
	struct secpair *sp = arg;
	(void)user;
	return strcmp(password, sp->password) == 0;
}

static void server_event(void *arg, const struct ws_auth_event *ev)
{
	struct secpair *sp = arg;
	if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT)
		sp->failed_attempts++;
}

static int next_password(void *arg, const char *user, char *out, size_t outsz)
{
	struct secpair *sp = arg;
	(void)user;
	WS_ENSURE(sp->tried < sp->ntries, WS_ERR_NOT_FOUND);
	snprintf(out, outsz, "%s", sp->tries[sp->tried++]);
	return WS_OK;
}

/* ---------------------------------------------------------------- auth modules */

static int start_server_auth(struct secpair *sp)
{
	const uint8_t *sid;
	size_t sid_len;
	struct ws_auth_server_config cfg;
	struct ws_auth_policy policy = {.arg = sp,
					.user_exists = user_exists,
					.pubkey_authorized = pubkey_refused,
					.password_ok = password_ok,
					.event = server_event};
	ws_auth_server_config_default(&cfg);
	cfg.allow_password = true;
	cfg.service_accepted = true;
	WS_TRY(ws_transport_session_id(sp->p.s.t, &sid, &sid_len));
	return ws_auth_server_new(&sp->as, &cfg, &policy, &sp->ssink, sid, sid_len);
}

static int start_client_auth(struct secpair *sp)
{
	const uint8_t *sid;
	size_t sid_len;
	struct ws_auth_client_config cfg = {.user = SECPAIR_USER,
					    .keys = &sp->user_key,
					    .nkeys = 1,
					    .password_attempts = sp->ntries,
					    .service_accepted = true};
	struct ws_auth_client_callbacks cb = {.arg = sp, .password = next_password};
	WS_TRY(ws_transport_session_id(sp->p.c.t, &sid, &sid_len));
	WS_TRY(ws_auth_client_new(&sp->ac, &cfg, &cb, &sp->csink, sid, sid_len));
	return ws_auth_client_start(sp->ac);
}

/* ---------------------------------------------------------------- events */

static void on_payload(struct secpair *sp, bool server, const struct ws_transport_event *ev)
{
	if (ev->len > 0 && ev->payload[0] == PAIR_DATA_MSG) {
		sp->data_rx++;
		return;
	}
	if (ev->len == 0 || !ws_auth_owns_msg(ev->payload[0]))
		return;
	int rc = WS_OK;
	if (server && sp->as != NULL && !ws_auth_server_done(sp->as))
		rc = ws_auth_server_handle(sp->as, ev->payload, ev->len);
	if (!server && sp->ac != NULL && !ws_auth_client_done(sp->ac))
		rc = ws_auth_client_handle(sp->ac, ev->payload, ev->len);
	if (rc < 0 && sp->auth_error == WS_OK)
		sp->auth_error = rc;
}

static void on_event(struct secpair *sp, bool server, const struct ws_transport_event *ev)
{
	struct ws_transport *t = server ? sp->p.s.t : sp->p.c.t;
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		CHECK(ws_transport_host_key_verdict(t, true) == WS_OK);
		break;
	case WS_TEV_SERVICE_ACCEPTED:
		CHECK((server ? start_server_auth(sp) : start_client_auth(sp)) == WS_OK);
		break;
	case WS_TEV_PAYLOAD:
		on_payload(sp, server, ev);
		break;
	default:
		break;
	}
}

static unsigned drain(struct secpair *sp, bool server)
{
	struct ws_transport_event ev;
	unsigned n = 0;
	while (n < 100000 && ws_transport_poll(server ? sp->p.s.t : sp->p.c.t, &ev) > 0) {
		on_event(sp, server, &ev);
		n++;
	}
	return n;
}

void secpair_pump(struct secpair *sp)
{
	for (unsigned r = 0; r < PUMP_ROUNDS; r++) {
		size_t moved = pair_move(sp->p.c.t, sp->p.s.t) + pair_move(sp->p.s.t, sp->p.c.t);
		unsigned evs = drain(sp, false) + drain(sp, true);
		if (moved == 0 && evs == 0)
			return;
	}
}

/* ---------------------------------------------------------------- lifecycle */

void secpair_init(struct secpair *sp, const char *cipher, const char *mac, uint64_t rekey_bytes,
		  const char *password, const char *const *tries, unsigned ntries)
{
	struct ws_transport_config c, s;
	memset(sp, 0, sizeof(*sp));
	pair_default_configs(&c, &s);
	c.ciphers = s.ciphers = cipher;
	c.macs = s.macs = mac;
	c.rekey_bytes = s.rekey_bytes = rekey_bytes;
	sp->ssink = (struct ws_payload_sink){server_send, sp};
	sp->csink = (struct ws_payload_sink){client_send, sp};
	sp->password = password;
	sp->ntries = ntries < SECPAIR_MAX_TRIES ? ntries : SECPAIR_MAX_TRIES;
	for (unsigned i = 0; i < sp->ntries; i++)
		sp->tries[i] = tries[i];
	REQUIRE(ws_key_generate(&sp->user_key) == WS_OK);
	pair_init(&sp->p, &c, &s);
}

bool secpair_connect(struct secpair *sp)
{
	secpair_pump(sp);
	sp->authenticated =
	    sp->ac != NULL && sp->as != NULL && ws_auth_client_done(sp->ac) && ws_auth_server_done(sp->as);
	return sp->authenticated;
}

void secpair_traffic(struct secpair *sp, unsigned n, size_t len)
{
	for (unsigned i = 0; i < n; i++) {
		CHECK(pair_send_data(&sp->p.c, len) == WS_OK);
		CHECK(pair_send_data(&sp->p.s, len) == WS_OK);
		secpair_pump(sp);
	}
}

bool secpair_rekey(struct secpair *sp)
{
	unsigned before_c = ws_transport_kex_count(sp->p.c.t), before_s = ws_transport_kex_count(sp->p.s.t);
	CHECK(ws_transport_rekey(sp->p.c.t) == WS_OK);
	secpair_pump(sp);
	return ws_transport_kex_count(sp->p.c.t) == before_c + 1 &&
	       ws_transport_kex_count(sp->p.s.t) == before_s + 1;
}

void secpair_tamper_next(struct secpair *sp)
{
	const uint8_t *d;
	size_t len = 0;
	CHECK(pair_send_data(&sp->p.c, 64) == WS_OK);
	CHECK(ws_transport_output(sp->p.c.t, &d, &len) == WS_OK);
	REQUIRE(len > 0 && len <= sizeof(sp->scratch));
	memcpy(sp->scratch, d, len);
	sp->scratch[len - 1] ^= 0x01; /* the last byte of the MAC / tag */
	CHECK(ws_transport_input(sp->p.s.t, sp->scratch, len) >= 0);
	CHECK(ws_transport_output_consume(sp->p.c.t, len) == WS_OK);
	secpair_pump(sp);
}

void secpair_free(struct secpair *sp)
{
	ws_auth_client_free(sp->ac);
	ws_auth_server_free(sp->as);
	pair_free(&sp->p);
	ws_key_wipe(&sp->user_key);
	sp->ac = NULL;
	sp->as = NULL;
}
