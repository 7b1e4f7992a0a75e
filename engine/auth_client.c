/* auth_client.c — the client side of SSH user authentication (RFC 4252): SERVICE_REQUEST, then
 * none, publickey per offered key (query, then signed via the signer callback), then password. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine/auth_internal.h"
#include "engine/conn_msg.h"
#include "warpssh/log.h"

enum cli_state {
	CLI_INIT,
	CLI_WAIT_SERVICE,
	CLI_WAIT_NONE,
	CLI_WAIT_PK_OK,
	CLI_WAIT_PK_RESULT,
	CLI_WAIT_PASSWORD,
	CLI_DONE,
	CLI_FAILED,
};

struct ws_auth_client {
	struct ws_auth_client_config cfg;
	struct ws_auth_client_callbacks cb;
	struct ws_payload_sink sink;
	uint8_t session_id[WS_AUTH_SESSION_ID_MAX];
	size_t session_id_len;
	enum cli_state state;
	size_t key_idx;		 /* key being tried (publickey) */
	unsigned password_tries; /* passwords sent so far */
	bool can_publickey;	 /* from the server's last FAILURE list */
	bool can_password;
	int error;
	struct ws_disconnect_info disc;
};

int ws_auth_client_new(struct ws_auth_client **out, const struct ws_auth_client_config *cfg,
		       const struct ws_auth_client_callbacks *cb, const struct ws_payload_sink *sink,
		       const uint8_t *session_id, size_t session_id_len)
{
	*out = NULL;
	WS_ENSURE(cfg != NULL && cb != NULL && sink != NULL && sink->send != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->user != NULL && strlen(cfg->user) <= WS_AUTH_USER_MAX, WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->nkeys == 0 || cfg->keys != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(session_id != NULL && session_id_len > 0 && session_id_len <= WS_AUTH_SESSION_ID_MAX,
		  WS_ERR_INVALID_ARG);
	struct ws_auth_client *a = calloc(1, sizeof(*a));
	WS_ENSURE(a != NULL, WS_ERR_NO_MEMORY);
	a->cfg = *cfg;
	a->cb = *cb;
	a->sink = *sink;
	memcpy(a->session_id, session_id, session_id_len);
	a->session_id_len = session_id_len;
	*out = a;
	return WS_OK;
}

void ws_auth_client_free(struct ws_auth_client *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a, sizeof(*a));
	free(a);
}

bool ws_auth_client_done(const struct ws_auth_client *a)
{
	return a->state == CLI_DONE;
}

struct ws_disconnect_info ws_auth_client_disconnect(const struct ws_auth_client *a)
{
	return a->disc;
}

static int cli_fail(struct ws_auth_client *a, int err, uint32_t reason, const char *message)
{
	if (a->state == CLI_FAILED)
		return a->error;
	a->state = CLI_FAILED;
	a->error = err;
	a->disc.reason = reason;
	a->disc.message = message;
	ws_verbose("auth: %s (%s)", message, ws_strerror(err));
	return err;
}

static void cli_event(struct ws_auth_client *a, struct ws_auth_event *ev)
{
	ev->user = a->cfg.user;
	if (a->cb.event != NULL)
		a->cb.event(a->cb.arg, ev);
}

static int cli_send(struct ws_auth_client *a, const struct ws_buf *b)
{
	return ws_sink_send1(&a->sink, b->data, b->wpos);
}

static int send_none(struct ws_auth_client *a)
{
	uint8_t mem[64 + WS_AUTH_USER_MAX];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_auth_put_request_head(&b, a->cfg.user, WS_AUTH_SERVICE_CONNECTION, "none"));
	WS_TRY(cli_send(a, &b));
	a->state = CLI_WAIT_NONE;
	return WS_OK;
}

int ws_auth_client_start(struct ws_auth_client *a)
{
	uint8_t mem[32];
	struct ws_buf b;
	WS_ENSURE(a->state == CLI_INIT, WS_ERR_INVALID_ARG);
	if (a->cfg.service_accepted)
		return send_none(a);
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_SERVICE_REQUEST));
	WS_TRY(ws_buf_put_cstring(&b, WS_AUTH_SERVICE_USERAUTH));
	WS_TRY(cli_send(a, &b));
	a->state = CLI_WAIT_SERVICE;
	return WS_OK;
}

static const struct ws_key *current_key(const struct ws_auth_client *a)
{
	return &a->cfg.keys[a->key_idx];
}

/* A key is worth offering only if something can sign with it. */
static bool key_usable(const struct ws_auth_client *a, const struct ws_key *key)
{
	return a->cb.sign != NULL || key->has_private;
}

/* RFC 4252 §7: the query is the request with bool FALSE and no signature. */
static int send_pubkey_query(struct ws_auth_client *a)
{
	uint8_t mem[64 + WS_AUTH_USER_MAX + 2 * WS_AUTH_NAME_MAX + WS_KEY_BLOB_LEN];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_auth_put_request_head(&b, a->cfg.user, WS_AUTH_SERVICE_CONNECTION, "publickey"));
	WS_TRY(ws_buf_put_bool(&b, false));
	WS_TRY(ws_buf_put_cstring(&b, WS_AUTH_ALG_ED25519));
	WS_TRY(ws_buf_put_u32(&b, WS_KEY_BLOB_LEN)); /* string public key blob */
	WS_TRY(ws_key_put_blob(current_key(a), &b));
	WS_TRY(cli_send(a, &b));
	a->state = CLI_WAIT_PK_OK;
	return WS_OK;
}

static int sign_data(struct ws_auth_client *a, const uint8_t *data, size_t len, struct ws_buf *sig)
{
	if (a->cb.sign != NULL)
		return a->cb.sign(a->cb.arg, current_key(a), data, len, sig);
	return ws_key_sign(current_key(a), data, len, sig);
}

/* The signed request is the signed data without its leading string session_id, then the
 * signature: build the data once, sign it, append the signature. An error skips the key. */
static int build_signed_request(struct ws_auth_client *a, struct ws_buf *b)
{
	uint8_t blob_mem[WS_KEY_BLOB_LEN], sig_mem[WS_KEY_SIG_BLOB_LEN + 64];
	struct ws_buf blob, sig;
	int rc = WS_OK;
	ws_buf_init_write(&blob, blob_mem, sizeof(blob_mem));
	ws_buf_init_write(&sig, sig_mem, sizeof(sig_mem));
	WS_TRY(ws_key_put_blob(current_key(a), &blob));
	WS_TRY(ws_auth_pubkey_signed_data(b, a->session_id, a->session_id_len, a->cfg.user,
					  WS_AUTH_SERVICE_CONNECTION, blob.data, blob.wpos));
	WS_TRY_OUT(sign_data(a, b->data, b->wpos, &sig));
	WS_ENSURE_OUT(sig.wpos > 0, WS_ERR_SIGNATURE);
	WS_TRY_OUT(ws_buf_put_string(b, sig.data, sig.wpos));
	b->rpos = 4 + a->session_id_len; /* readable part = the request */
out:
	sodium_memzero(sig_mem, sizeof(sig_mem));
	return rc;
}

static int send_password(struct ws_auth_client *a, const char *password)
{
	uint8_t mem[64 + WS_AUTH_USER_MAX + WS_AUTH_PASSWORD_MAX];
	struct ws_buf b;
	int rc;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY_OUT(ws_auth_put_request_head(&b, a->cfg.user, WS_AUTH_SERVICE_CONNECTION, "password"));
	WS_TRY_OUT(ws_buf_put_bool(&b, false));
	WS_TRY_OUT(ws_buf_put_cstring(&b, password));
	WS_TRY_OUT(cli_send(a, &b));
	a->state = CLI_WAIT_PASSWORD;
out:
	sodium_memzero(mem, sizeof(mem));
	return rc;
}

/* Returns WS_OK with *sent false if the callback declined. */
static int try_password(struct ws_auth_client *a, bool *sent)
{
	char pw[WS_AUTH_PASSWORD_MAX + 1];
	*sent = false;
	int rc = a->cb.password(a->cb.arg, a->cfg.user, pw, sizeof(pw));
	pw[sizeof(pw) - 1] = '\0';
	if (rc == WS_OK) {
		a->password_tries++;
		rc = send_password(a, pw);
		*sent = rc == WS_OK;
	} else {
		a->password_tries = a->cfg.password_attempts; /* declined: stop asking */
		rc = WS_OK;
	}
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

/* Offer the next thing the server still accepts: keys in order, then passwords. */
static int next_method(struct ws_auth_client *a)
{
	while (a->can_publickey && a->key_idx < a->cfg.nkeys) {
		if (key_usable(a, current_key(a)))
			return send_pubkey_query(a);
		a->key_idx++;
	}
	if (a->can_password && a->cb.password != NULL && a->password_tries < a->cfg.password_attempts) {
		bool sent;
		WS_TRY(try_password(a, &sent));
		if (sent)
			return WS_OK;
	}
	return cli_fail(a, WS_ERR_AUTH, WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE,
			"no more authentication methods to try");
}

static bool awaiting_answer(const struct ws_auth_client *a)
{
	return a->state >= CLI_WAIT_NONE && a->state <= CLI_WAIT_PASSWORD;
}

static int on_service_accept(struct ws_auth_client *a, struct ws_buf *b)
{
	char service[WS_AUTH_NAME_MAX + 1];
	WS_ENSURE(a->state == CLI_WAIT_SERVICE, WS_ERR_UNEXPECTED_MSG);
	WS_TRY(ws_buf_get_cstring(b, service, sizeof(service)));
	WS_TRY(ws_buf_expect_end(b));
	WS_ENSURE(strcmp(service, WS_AUTH_SERVICE_USERAUTH) == 0, WS_ERR_PROTOCOL);
	return send_none(a);
}

static int on_failure(struct ws_auth_client *a, struct ws_buf *b)
{
	struct ws_bytes methods;
	bool partial;
	WS_ENSURE(awaiting_answer(a), WS_ERR_UNEXPECTED_MSG);
	WS_TRY(ws_buf_get_string(b, &methods, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_get_bool(b, &partial));
	WS_TRY(ws_buf_expect_end(b));
	a->can_publickey = ws_namelist_has(methods, "publickey");
	a->can_password = ws_namelist_has(methods, "password");
	if (a->state == CLI_WAIT_PK_OK || a->state == CLI_WAIT_PK_RESULT)
		a->key_idx++;
	struct ws_auth_event ev = {.type = WS_AUTH_EV_FAILURE, .text = methods};
	cli_event(a, &ev);
	return next_method(a);
}

static const char *state_method(enum cli_state s)
{
	if (s == CLI_WAIT_PK_RESULT)
		return "publickey";
	return s == CLI_WAIT_PASSWORD ? "password" : "none";
}

static int on_success(struct ws_auth_client *a, struct ws_buf *b)
{
	/* a query (CLI_WAIT_PK_OK) cannot succeed: RFC 4252 §7 allows only PK_OK or FAILURE */
	WS_ENSURE(awaiting_answer(a) && a->state != CLI_WAIT_PK_OK, WS_ERR_UNEXPECTED_MSG);
	WS_TRY(ws_buf_expect_end(b));
	struct ws_auth_event ev = {.type = WS_AUTH_EV_SUCCESS, .method = state_method(a->state)};
	a->state = CLI_DONE;
	cli_event(a, &ev);
	return WS_OK;
}

static int on_banner(struct ws_auth_client *a, struct ws_buf *b)
{
	struct ws_bytes text, lang;
	/* RFC 4252 §5.4: only after the service started and before success */
	WS_ENSURE(awaiting_answer(a), WS_ERR_UNEXPECTED_MSG);
	WS_TRY(ws_buf_get_string(b, &text, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_get_string(b, &lang, WS_AUTH_NAME_MAX));
	WS_TRY(ws_buf_expect_end(b));
	struct ws_auth_event ev = {.type = WS_AUTH_EV_BANNER, .text = text};
	cli_event(a, &ev);
	return WS_OK;
}

static int on_pk_ok(struct ws_auth_client *a, struct ws_buf *b)
{
	struct ws_bytes alg, blob;
	uint8_t want_mem[WS_KEY_BLOB_LEN];
	struct ws_buf want;
	WS_TRY(ws_buf_get_string(b, &alg, WS_AUTH_NAME_MAX));
	WS_TRY(ws_buf_get_string(b, &blob, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_expect_end(b));
	ws_buf_init_write(&want, want_mem, sizeof(want_mem));
	WS_TRY(ws_key_put_blob(current_key(a), &want));
	/* the server must echo the key we asked about */
	WS_ENSURE(ws_bytes_eq_str(alg, WS_AUTH_ALG_ED25519) && blob.len == want.wpos &&
		      memcmp(blob.ptr, want.data, want.wpos) == 0,
		  WS_ERR_PROTOCOL);
	uint8_t mem[128 + WS_AUTH_SESSION_ID_MAX + WS_AUTH_USER_MAX + 2 * WS_AUTH_NAME_MAX + WS_KEY_BLOB_LEN +
		    WS_KEY_SIG_BLOB_LEN];
	struct ws_buf req;
	ws_buf_init_write(&req, mem, sizeof(mem));
	if (build_signed_request(a, &req) < 0) {
		ws_verbose("auth: signing with key %zu failed, trying the next", a->key_idx);
		a->key_idx++;
		return next_method(a);
	}
	WS_TRY(ws_sink_send1(&a->sink, ws_buf_rptr(&req), ws_buf_avail(&req)));
	a->state = CLI_WAIT_PK_RESULT;
	return WS_OK;
}

/* 60 means PK_OK after a publickey query and PASSWD_CHANGEREQ after a password request. */
static int on_method_60(struct ws_auth_client *a, struct ws_buf *b)
{
	if (a->state == CLI_WAIT_PK_OK)
		return on_pk_ok(a, b);
	WS_ENSURE(a->state == CLI_WAIT_PASSWORD, WS_ERR_UNEXPECTED_MSG);
	a->password_tries = a->cfg.password_attempts; /* we cannot change passwords */
	return next_method(a);
}

int ws_auth_client_handle(struct ws_auth_client *a, const uint8_t *payload, size_t len)
{
	struct ws_buf b;
	uint8_t msg;
	int rc;
	if (a->state == CLI_FAILED)
		return a->error;
	ws_buf_init_read(&b, payload, len);
	rc = ws_buf_get_u8(&b, &msg);
	if (rc < 0)
		;
	else if (msg == WS_MSG_SERVICE_ACCEPT)
		rc = on_service_accept(a, &b);
	else if (msg == WS_MSG_USERAUTH_FAILURE)
		rc = on_failure(a, &b);
	else if (msg == WS_MSG_USERAUTH_SUCCESS)
		rc = on_success(a, &b);
	else if (msg == WS_MSG_USERAUTH_BANNER)
		rc = on_banner(a, &b);
	else if (msg == WS_MSG_USERAUTH_PK_OK)
		rc = on_method_60(a, &b);
	else if (msg > WS_MSG_USERAUTH_PK_OK && msg <= 79)
		return WS_ERR_UNSUPPORTED; /* unknown method-specific number: UNIMPLEMENTED */
	else
		rc = WS_ERR_UNEXPECTED_MSG;
	if (rc < 0)
		return cli_fail(a, rc, WS_REASON_PROTOCOL_ERROR,
				"malformed or unexpected authentication message");
	return WS_OK;
}
