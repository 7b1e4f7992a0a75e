/* auth_server.c — the server side of SSH user authentication (RFC 4252): SERVICE_REQUEST,
 * USERAUTH_REQUEST for none / publickey (ssh-ed25519) / password, banner, MaxAuthTries, success. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine/auth_internal.h"
#include "engine/conn_msg.h"
#include "warpssh/log.h"

enum srv_state { SRV_WAIT_SERVICE, SRV_WAIT_REQUEST, SRV_DONE, SRV_FAILED };

/* What one method decided about one request. */
enum srv_result { RES_FAILURE, RES_SUCCESS, RES_PK_OK };

struct ws_auth_server {
	struct ws_auth_server_config cfg;
	struct ws_auth_policy policy;
	struct ws_payload_sink sink;
	uint8_t session_id[WS_AUTH_SESSION_ID_MAX];
	size_t session_id_len;
	enum srv_state state;
	char user[WS_AUTH_USER_MAX + 1];
	char service[WS_AUTH_NAME_MAX + 1];
	bool have_user;
	bool user_valid;
	bool banner_sent;
	unsigned requests;
	unsigned failures;
	int error;
	struct ws_disconnect_info disc;
};

/* The fields every USERAUTH_REQUEST starts with; b reads the method-specific rest. */
struct srv_request {
	char user[WS_AUTH_USER_MAX + 1];
	char service[WS_AUTH_NAME_MAX + 1];
	char method[WS_AUTH_NAME_MAX + 1];
	struct ws_buf *b;
	void *entry; /* publickey: the policy's authorizing entry */
};

void ws_auth_server_config_default(struct ws_auth_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_tries = WS_AUTH_DEFAULT_MAX_TRIES;
	cfg->allow_publickey = true;
}

int ws_auth_server_new(struct ws_auth_server **out, const struct ws_auth_server_config *cfg,
		       const struct ws_auth_policy *policy, const struct ws_payload_sink *sink,
		       const uint8_t *session_id, size_t session_id_len)
{
	*out = NULL;
	WS_ENSURE(cfg != NULL && policy != NULL && sink != NULL && sink->send != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(session_id != NULL && session_id_len > 0 && session_id_len <= WS_AUTH_SESSION_ID_MAX,
		  WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->max_tries > 0, WS_ERR_CONFIG);
	struct ws_auth_server *a = calloc(1, sizeof(*a));
	WS_ENSURE(a != NULL, WS_ERR_NO_MEMORY);
	a->cfg = *cfg;
	a->policy = *policy;
	a->sink = *sink;
	memcpy(a->session_id, session_id, session_id_len);
	a->session_id_len = session_id_len;
	a->state = cfg->service_accepted ? SRV_WAIT_REQUEST : SRV_WAIT_SERVICE;
	*out = a;
	return WS_OK;
}

void ws_auth_server_free(struct ws_auth_server *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a, sizeof(*a));
	free(a);
}

bool ws_auth_server_done(const struct ws_auth_server *a)
{
	return a->state == SRV_DONE;
}

const char *ws_auth_server_user(const struct ws_auth_server *a)
{
	return a->state == SRV_DONE ? a->user : "";
}

struct ws_disconnect_info ws_auth_server_disconnect(const struct ws_auth_server *a)
{
	return a->disc;
}

static int srv_fail(struct ws_auth_server *a, int err, uint32_t reason, const char *message)
{
	if (a->state == SRV_FAILED)
		return a->error;
	a->state = SRV_FAILED;
	a->error = err;
	a->disc.reason = reason;
	a->disc.message = message;
	ws_verbose("auth: %s (%s)", message, ws_strerror(err));
	return err;
}

static void srv_event(struct ws_auth_server *a, struct ws_auth_event *ev)
{
	if (a->policy.event != NULL)
		a->policy.event(a->policy.arg, ev);
}

static int srv_send(struct ws_auth_server *a, const struct ws_buf *b)
{
	return ws_sink_send1(&a->sink, b->data, b->wpos);
}

static int send_service_accept(struct ws_auth_server *a, const char *service)
{
	uint8_t mem[8 + WS_AUTH_NAME_MAX];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_SERVICE_ACCEPT));
	WS_TRY(ws_buf_put_cstring(&b, service));
	return srv_send(a, &b);
}

static int on_service_request(struct ws_auth_server *a, struct ws_buf *b)
{
	char service[WS_AUTH_NAME_MAX + 1];
	if (a->state != SRV_WAIT_SERVICE)
		return srv_fail(a, WS_ERR_UNEXPECTED_MSG, WS_REASON_PROTOCOL_ERROR,
				"unexpected SERVICE_REQUEST");
	WS_TRY(ws_buf_get_cstring(b, service, sizeof(service)));
	WS_TRY(ws_buf_expect_end(b));
	/* RFC 4253 §10: refuse a service we do not offer by disconnecting */
	if (strcmp(service, WS_AUTH_SERVICE_USERAUTH) != 0)
		return srv_fail(a, WS_ERR_PROTOCOL, WS_REASON_SERVICE_NOT_AVAILABLE, "service not available");
	WS_TRY(send_service_accept(a, service));
	a->state = SRV_WAIT_REQUEST;
	return WS_OK;
}

static int send_banner_once(struct ws_auth_server *a)
{
	if (a->banner_sent || a->cfg.banner == NULL)
		return WS_OK;
	size_t len = strlen(a->cfg.banner);
	WS_ENSURE(len <= WS_BUF_MAX_STRING, WS_ERR_CONFIG);
	uint8_t *mem = malloc(len + 16);
	WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
	struct ws_buf b;
	int rc;
	ws_buf_init_write(&b, mem, len + 16);
	WS_TRY_OUT(ws_buf_put_u8(&b, WS_MSG_USERAUTH_BANNER));
	WS_TRY_OUT(ws_buf_put_string(&b, a->cfg.banner, len));
	WS_TRY_OUT(ws_buf_put_cstring(&b, "")); /* language tag */
	WS_TRY_OUT(srv_send(a, &b));
	a->banner_sent = true;
out:
	free(mem);
	return rc;
}

/* The first request fixes user and service; later ones must repeat them (OpenSSH refuses a
 * change though RFC 4252 §5 would allow it). */
static int check_identity(struct ws_auth_server *a, const struct srv_request *r)
{
	if (a->have_user) {
		if (strcmp(a->user, r->user) != 0 || strcmp(a->service, r->service) != 0)
			return srv_fail(a, WS_ERR_PROTOCOL, WS_REASON_PROTOCOL_ERROR,
					"change of user or service during authentication");
		return WS_OK;
	}
	/* RFC 4252 §5: if the requested service is not available, the server MAY disconnect */
	if (strcmp(r->service, WS_AUTH_SERVICE_CONNECTION) != 0)
		return srv_fail(a, WS_ERR_PROTOCOL, WS_REASON_SERVICE_NOT_AVAILABLE, "service not available");
	memcpy(a->user, r->user, sizeof(a->user));
	memcpy(a->service, r->service, sizeof(a->service));
	a->have_user = true;
	a->user_valid = a->policy.user_exists == NULL || a->policy.user_exists(a->policy.arg, a->user);
	return WS_OK;
}

static int send_pk_ok(struct ws_auth_server *a, struct ws_bytes alg, struct ws_bytes blob)
{
	uint8_t mem[16 + WS_AUTH_NAME_MAX + WS_KEY_BLOB_LEN];
	struct ws_buf b;
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_USERAUTH_PK_OK));
	WS_TRY(ws_buf_put_string(&b, alg.ptr, alg.len));
	WS_TRY(ws_buf_put_string(&b, blob.ptr, blob.len));
	return srv_send(a, &b);
}

static bool pubkey_signature_ok(struct ws_auth_server *a, const struct srv_request *r,
				const struct ws_key *key, struct ws_bytes blob, struct ws_bytes sig)
{
	uint8_t mem[64 + WS_AUTH_SESSION_ID_MAX + WS_AUTH_USER_MAX + 2 * WS_AUTH_NAME_MAX + WS_KEY_BLOB_LEN];
	struct ws_buf data;
	ws_buf_init_write(&data, mem, sizeof(mem));
	if (ws_auth_pubkey_signed_data(&data, a->session_id, a->session_id_len, r->user, r->service, blob.ptr,
				       blob.len) < 0)
		return false;
	return ws_key_verify(key, data.data, data.wpos, sig.ptr, sig.len) == WS_OK;
}

/* RFC 4252 §7. The query (no signature) MUST be answered with PK_OK or FAILURE; the signed
 * request with SUCCESS or FAILURE. */
static int method_publickey(struct ws_auth_server *a, struct srv_request *r, enum srv_result *res)
{
	bool has_sig;
	struct ws_bytes alg, blob, sig = {NULL, 0};
	struct ws_key key;
	*res = RES_FAILURE;
	WS_TRY(ws_buf_get_bool(r->b, &has_sig));
	WS_TRY(ws_buf_get_string(r->b, &alg, WS_AUTH_NAME_MAX));
	WS_TRY(ws_buf_get_string(r->b, &blob, WS_BUF_MAX_STRING));
	if (has_sig)
		WS_TRY(ws_buf_get_string(r->b, &sig, WS_BUF_MAX_STRING));
	WS_TRY(ws_buf_expect_end(r->b));
	if (!a->cfg.allow_publickey || !a->user_valid || !ws_bytes_eq_str(alg, WS_AUTH_ALG_ED25519))
		return WS_OK;
	if (ws_key_from_blob(&key, blob.ptr, blob.len) < 0)
		return WS_OK;
	/* signature first, so the policy hands out an entry only for a proven key */
	if (has_sig && !pubkey_signature_ok(a, r, &key, blob, sig))
		return WS_OK;
	if (a->policy.pubkey_authorized == NULL ||
	    !a->policy.pubkey_authorized(a->policy.arg, r->user, &key, &r->entry))
		return WS_OK;
	if (!has_sig) {
		WS_TRY(send_pk_ok(a, alg, blob));
		*res = RES_PK_OK;
		return WS_OK;
	}
	*res = RES_SUCCESS;
	return WS_OK;
}

static bool password_verifies(struct ws_auth_server *a, const struct srv_request *r, struct ws_bytes pw)
{
	char copy[WS_AUTH_PASSWORD_MAX + 1];
	if (!a->user_valid || a->policy.password_ok == NULL || memchr(pw.ptr, '\0', pw.len) != NULL)
		return false;
	memcpy(copy, pw.ptr, pw.len);
	copy[pw.len] = '\0';
	bool ok = a->policy.password_ok(a->policy.arg, r->user, copy);
	sodium_memzero(copy, sizeof(copy));
	return ok;
}

/* RFC 4252 §8: bool FALSE || string password; bool TRUE || old || new asks for a change, which
 * we do not support: FAILURE. */
static int method_password(struct ws_auth_server *a, struct srv_request *r, enum srv_result *res)
{
	bool change;
	struct ws_bytes pw, new_pw;
	*res = RES_FAILURE;
	WS_TRY(ws_buf_get_bool(r->b, &change));
	WS_TRY(ws_buf_get_string(r->b, &pw, WS_AUTH_PASSWORD_MAX));
	if (change)
		WS_TRY(ws_buf_get_string(r->b, &new_pw, WS_AUTH_PASSWORD_MAX));
	WS_TRY(ws_buf_expect_end(r->b));
	if (!change && a->cfg.allow_password && password_verifies(a, r, pw))
		*res = RES_SUCCESS;
	return WS_OK;
}

static int send_failure(struct ws_auth_server *a)
{
	uint8_t mem[64];
	struct ws_buf b;
	const char *methods = a->cfg.allow_publickey
				  ? (a->cfg.allow_password ? "publickey,password" : "publickey")
				  : (a->cfg.allow_password ? "password" : "");
	ws_buf_init_write(&b, mem, sizeof(mem));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_USERAUTH_FAILURE));
	WS_TRY(ws_buf_put_cstring(&b, methods));
	WS_TRY(ws_buf_put_bool(&b, false)); /* partial success: we never need more than one method */
	return srv_send(a, &b);
}

static int finish_success(struct ws_auth_server *a, struct srv_request *r)
{
	uint8_t msg = WS_MSG_USERAUTH_SUCCESS;
	WS_TRY(ws_sink_send1(&a->sink, &msg, 1));
	a->state = SRV_DONE;
	struct ws_auth_event ev = {.type = WS_AUTH_EV_SUCCESS,
				   .user = a->user,
				   .method = r->method,
				   .failures = a->failures,
				   .entry = r->entry};
	srv_event(a, &ev);
	return WS_OK;
}

static int finish_failure(struct ws_auth_server *a, struct srv_request *r)
{
	/* like sshd, the first "none" probe does not count against MaxAuthTries */
	if (a->requests > 1 || strcmp(r->method, "none") != 0)
		a->failures++;
	struct ws_auth_event ev = {.type = WS_AUTH_EV_FAILED_ATTEMPT,
				   .user = a->user,
				   .method = r->method,
				   .invalid_user = !a->user_valid,
				   .failures = a->failures};
	srv_event(a, &ev);
	if (a->failures >= a->cfg.max_tries)
		return srv_fail(a, WS_ERR_AUTH, WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE,
				"too many authentication failures");
	return send_failure(a);
}

static int run_method(struct ws_auth_server *a, struct srv_request *r, enum srv_result *res)
{
	*res = RES_FAILURE;
	if (strcmp(r->method, "publickey") == 0)
		return method_publickey(a, r, res);
	if (strcmp(r->method, "password") == 0)
		return method_password(a, r, res);
	return WS_OK; /* "none" and methods we do not implement fail */
}

static int on_userauth_request(struct ws_auth_server *a, struct ws_buf *b)
{
	struct srv_request r = {.b = b};
	enum srv_result res;
	/* RFC 4252 §5.1: requests after SUCCESS SHOULD be silently ignored */
	if (a->state == SRV_DONE)
		return WS_OK;
	if (a->state != SRV_WAIT_REQUEST)
		return srv_fail(a, WS_ERR_UNEXPECTED_MSG, WS_REASON_PROTOCOL_ERROR,
				"USERAUTH_REQUEST before SERVICE_REQUEST");
	WS_TRY(ws_buf_get_cstring(b, r.user, sizeof(r.user)));
	WS_TRY(ws_buf_get_cstring(b, r.service, sizeof(r.service)));
	WS_TRY(ws_buf_get_cstring(b, r.method, sizeof(r.method)));
	WS_TRY(check_identity(a, &r));
	a->requests++;
	/* RFC 4252 §5.4: the banner goes out before authentication completes; we send it ahead
	 * of the first response, as sshd does */
	WS_TRY(send_banner_once(a));
	WS_TRY(run_method(a, &r, &res));
	if (res == RES_SUCCESS)
		return finish_success(a, &r);
	if (res == RES_FAILURE)
		return finish_failure(a, &r);
	return WS_OK;
}

int ws_auth_server_handle(struct ws_auth_server *a, const uint8_t *payload, size_t len)
{
	struct ws_buf b;
	uint8_t msg;
	int rc;
	if (a->state == SRV_FAILED)
		return a->error;
	ws_buf_init_read(&b, payload, len);
	rc = ws_buf_get_u8(&b, &msg);
	if (rc == WS_OK && msg == WS_MSG_SERVICE_REQUEST)
		rc = on_service_request(a, &b);
	else if (rc == WS_OK && msg == WS_MSG_USERAUTH_REQUEST)
		rc = on_userauth_request(a, &b);
	else if (rc == WS_OK && msg > WS_MSG_USERAUTH_PK_OK && msg <= 79)
		return WS_ERR_UNSUPPORTED; /* unknown method-specific number: UNIMPLEMENTED */
	else if (rc == WS_OK)
		rc = WS_ERR_UNEXPECTED_MSG;
	if (rc < 0)
		return srv_fail(a, rc, WS_REASON_PROTOCOL_ERROR,
				"malformed or unexpected authentication message");
	return WS_OK;
}
