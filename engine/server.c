/* server.c — warpsshd's per-connection machine (sans-I/O): transport events routed to user
 * authentication until it succeeds, then to the connection protocol; the payload sink both modules
 * send through, with an ordered backlog for payloads the transport has no room for or that are held
 * after a failed attempt; module failures turned into DISCONNECTs. */
#include <stdlib.h>
#include <string.h>

#include "engine/msg.h"
#include "warpssh/log.h"
#include "warpssh/server.h"

#define BACKLOG_MIN (64u * 1024u)

/* Payloads waiting for the transport: records of uint32 length || payload, oldest first. */
struct backlog {
	uint8_t *mem;
	size_t cap, r, w;
};

struct ws_server_conn {
	struct ws_server_conn_config cfg;
	struct ws_auth_policy policy;      /* the embedder's */
	struct ws_conn_handler handler;    /* the embedder's, given to the connection protocol */
	struct ws_transport *t;
	struct ws_auth_server *auth;
	struct ws_conn *conn;
	struct ws_payload_sink sink;
	struct backlog backlog;
	bool held;
	bool service_accepted;             /* the transport accepted "ssh-userauth" */
	int error;
};

void ws_server_conn_config_default(struct ws_server_conn_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	ws_auth_server_config_default(&cfg->auth);
	ws_conn_config_default(&cfg->conn);
	cfg->conn.is_server = true;
	cfg->hold_after_failure = true;
}

/* ---------------------------------------------------------------- backlog */

static int backlog_reserve(struct backlog *q, size_t need)
{
	if (q->cap - q->w >= need)
		return WS_OK;
	if (q->r > 0) { /* compact first */
		memmove(q->mem, q->mem + q->r, q->w - q->r);
		q->w -= q->r;
		q->r = 0;
		if (q->cap - q->w >= need)
			return WS_OK;
	}
	size_t cap = q->cap ? q->cap : BACKLOG_MIN;
	while (cap - q->w < need)
		cap *= 2;
	uint8_t *mem = realloc(q->mem, cap);
	WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
	q->mem = mem;
	q->cap = cap;
	return WS_OK;
}

static int backlog_push(struct backlog *q, const struct ws_bytes *parts, size_t nparts, size_t total)
{
	WS_TRY(backlog_reserve(q, 4u + total));
	ws_store_be32(q->mem + q->w, (uint32_t)total);
	q->w += 4;
	for (size_t i = 0; i < nparts; i++) {
		if (parts[i].len > 0)
			memcpy(q->mem + q->w, parts[i].ptr, parts[i].len);
		q->w += parts[i].len;
	}
	return WS_OK;
}

static size_t backlog_bytes(const struct backlog *q)
{
	return q->w - q->r;
}

/* ---------------------------------------------------------------- errors */

static int fail(struct ws_server_conn *m, int err, uint32_t reason, const char *message)
{
	if (m->error < 0)
		return m->error;
	m->error = err;
	ws_verbose("server: %s (%s)", message, ws_strerror(err));
	if (ws_transport_state(m->t) != WS_TSTATE_FAILED && ws_transport_state(m->t) != WS_TSTATE_CLOSED &&
	    ws_transport_disconnect(m->t, reason, message) != WS_OK)
		ws_debug("server: could not queue DISCONNECT");
	return err;
}

static int fail_module(struct ws_server_conn *m, int err, struct ws_disconnect_info info)
{
	uint32_t reason = info.reason != 0 ? info.reason : WS_REASON_PROTOCOL_ERROR;
	return fail(m, err, reason, info.message != NULL ? info.message : ws_strerror(err));
}

int ws_server_conn_error(const struct ws_server_conn *m)
{
	return m->error;
}

/* ---------------------------------------------------------------- the sink */

/* The sink of both modules: straight to the transport unless something waits ahead or the
 * transport is full (WS_ERR_AGAIN), then into the backlog so order is kept. */
static int sink_send(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	struct ws_server_conn *m = arg;
	size_t total = 0;
	WS_ENSURE(m->error == 0, WS_ERR_CLOSED);
	for (size_t i = 0; i < nparts; i++)
		total += parts[i].len;
	WS_ENSURE(total >= 1 && total <= WS_TRANSPORT_MAX_PAYLOAD, WS_ERR_INVALID_ARG);
	if (!m->held && backlog_bytes(&m->backlog) == 0) {
		int rc = ws_transport_sendv(m->t, parts, nparts);
		if (rc != WS_ERR_AGAIN)
			return rc;
	}
	return backlog_push(&m->backlog, parts, nparts, total);
}

int ws_server_conn_flush(struct ws_server_conn *m)
{
	struct backlog *q = &m->backlog;
	WS_ENSURE(m->error == 0, m->error);
	while (!m->held && q->w - q->r >= 4u) {
		uint32_t len = ws_load_be32(q->mem + q->r);
		int rc = ws_transport_send(m->t, q->mem + q->r + 4, len);
		if (rc == WS_ERR_AGAIN)
			return WS_OK;
		if (rc < 0)
			return fail(m, rc, WS_DISCONNECT_BY_APPLICATION, "transport refused a payload");
		q->r += 4u + len;
	}
	if (q->r == q->w)
		q->r = q->w = 0;
	return WS_OK;
}

size_t ws_server_conn_backlog(const struct ws_server_conn *m)
{
	return backlog_bytes(&m->backlog);
}

bool ws_server_conn_held(const struct ws_server_conn *m)
{
	return m->held;
}

int ws_server_conn_release(struct ws_server_conn *m)
{
	m->held = false;
	return ws_server_conn_flush(m);
}

/* ---------------------------------------------------------------- auth policy wrapper */

static bool policy_user_exists(void *arg, const char *user)
{
	struct ws_server_conn *m = arg;
	return m->policy.user_exists != NULL && m->policy.user_exists(m->policy.arg, user);
}

static bool policy_pubkey(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	struct ws_server_conn *m = arg;
	return m->policy.pubkey_authorized != NULL &&
	       m->policy.pubkey_authorized(m->policy.arg, user, key, entry);
}

static bool policy_password(void *arg, const char *user, const char *password)
{
	struct ws_server_conn *m = arg;
	return m->policy.password_ok != NULL && m->policy.password_ok(m->policy.arg, user, password);
}

/* Success starts the connection protocol before the embedder hears of it. */
static void start_connection_protocol(struct ws_server_conn *m)
{
	struct ws_payload_sink sink = {sink_send, m};
	struct ws_conn_config cc = m->cfg.conn;
	if (m->cfg.openssh_window != 0 && strncmp(ws_transport_peer_version(m->t), "SSH-2.0-OpenSSH", 15) == 0 &&
	    m->cfg.openssh_window < cc.window)
		cc.window = m->cfg.openssh_window;
	int rc = ws_conn_new(&m->conn, &cc, &m->handler, &sink);
	if (rc != WS_OK)
		fail(m, rc, WS_DISCONNECT_BY_APPLICATION, "cannot start the connection protocol");
}

static void policy_event(void *arg, const struct ws_auth_event *ev)
{
	struct ws_server_conn *m = arg;
	if (ev->type == WS_AUTH_EV_SUCCESS)
		start_connection_protocol(m);
	/* RFC 4252 §4: the server SHOULD delay after failures to slow down key/password guessing;
	 * the first "none" probe is how clients learn the methods, so it is answered at once */
	if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT && m->cfg.hold_after_failure &&
	    strcmp(ev->method, "none") != 0)
		m->held = true;
	if (m->policy.event != NULL)
		m->policy.event(m->policy.arg, ev);
}

/* ---------------------------------------------------------------- lifecycle */

int ws_server_conn_new(struct ws_server_conn **out, const struct ws_server_conn_config *cfg,
		       struct ws_transport *t, const struct ws_auth_policy *policy,
		       const struct ws_conn_handler *handler)
{
	*out = NULL;
	WS_ENSURE(cfg != NULL && t != NULL && policy != NULL && handler != NULL, WS_ERR_INVALID_ARG);
	struct ws_server_conn *m = calloc(1, sizeof(*m));
	WS_ENSURE(m != NULL, WS_ERR_NO_MEMORY);
	m->cfg = *cfg;
	m->cfg.conn.is_server = true;
	m->cfg.auth.service_accepted = true; /* the transport answers SERVICE_REQUEST */
	m->policy = *policy;
	m->handler = *handler;
	m->t = t;
	m->sink = (struct ws_payload_sink){sink_send, m};
	*out = m;
	return WS_OK;
}

void ws_server_conn_free(struct ws_server_conn *m)
{
	if (m == NULL)
		return;
	ws_conn_free(m->conn);
	ws_auth_server_free(m->auth);
	free(m->backlog.mem);
	free(m);
}

struct ws_conn *ws_server_conn_channels(struct ws_server_conn *m)
{
	return m->conn;
}

bool ws_server_conn_authenticated(const struct ws_server_conn *m)
{
	return m->auth != NULL && ws_auth_server_done(m->auth) && m->conn != NULL;
}

const char *ws_server_conn_user(const struct ws_server_conn *m)
{
	return m->auth != NULL ? ws_auth_server_user(m->auth) : "";
}

int ws_server_conn_check(struct ws_server_conn *m)
{
	if (m->error < 0)
		return m->error;
	if (m->conn != NULL && ws_conn_disconnect(m->conn).reason != 0)
		return fail_module(m, WS_ERR_CHANNEL, ws_conn_disconnect(m->conn));
	return WS_OK;
}

void ws_server_conn_disconnect(struct ws_server_conn *m, uint32_t reason, const char *message)
{
	m->held = false;
	(void)fail(m, WS_ERR_CLOSED, reason, message);
}

/* ---------------------------------------------------------------- routing */

static int start_auth(struct ws_server_conn *m)
{
	const uint8_t *sid;
	size_t sid_len;
	WS_TRY(ws_transport_session_id(m->t, &sid, &sid_len));
	struct ws_auth_policy wrapped = {m, policy_user_exists, policy_pubkey, policy_password, policy_event};
	return ws_auth_server_new(&m->auth, &m->cfg.auth, &wrapped, &m->sink, sid, sid_len);
}

static int route_to_auth(struct ws_server_conn *m, const struct ws_transport_event *ev)
{
	int rc = ws_auth_server_handle(m->auth, ev->payload, ev->len);
	if (rc == WS_ERR_UNSUPPORTED)
		return ws_transport_send_unimplemented(m->t, ev->seqnr);
	if (rc < 0)
		return fail_module(m, rc, ws_auth_server_disconnect(m->auth));
	return m->error; /* e.g. the connection protocol could not start */
}

static int route_to_conn(struct ws_server_conn *m, const struct ws_transport_event *ev)
{
	int rc = ws_conn_handle(m->conn, ev->payload, ev->len);
	if (rc == WS_ERR_UNSUPPORTED)
		return ws_transport_send_unimplemented(m->t, ev->seqnr);
	if (rc < 0)
		return fail_module(m, rc, ws_conn_disconnect(m->conn));
	return m->error;
}

static int on_payload(struct ws_server_conn *m, const struct ws_transport_event *ev)
{
	uint8_t type = ev->payload[0];
	if (m->auth == NULL)
		return fail(m, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR, "message before the handshake");
	if (ws_auth_owns_msg(type) && m->service_accepted)
		return route_to_auth(m, ev);
	if (ws_conn_owns_msg(type) && m->conn != NULL)
		return route_to_conn(m, ev);
	/* RFC 4253 §11.4: an unrecognized (or, before authentication, unserved) message MUST be
	 * answered with SSH_MSG_UNIMPLEMENTED */
	ws_debug("server: message %u not served here: UNIMPLEMENTED", type);
	return ws_transport_send_unimplemented(m->t, ev->seqnr);
}

int ws_server_conn_on_event(struct ws_server_conn *m, const struct ws_transport_event *ev)
{
	int rc = WS_OK;
	if (m->error < 0)
		return m->error;
	switch (ev->type) {
	case WS_TEV_HANDSHAKE_DONE:
		rc = m->auth == NULL ? start_auth(m) : WS_OK;
		break;
	case WS_TEV_SERVICE_ACCEPTED:
		m->service_accepted = true; /* auth starts at USERAUTH_REQUEST (cfg.service_accepted) */
		break;
	case WS_TEV_PAYLOAD:
		rc = ev->len > 0 ? on_payload(m, ev) : WS_ERR_SHORT;
		break;
	case WS_TEV_DISCONNECTED:
		ws_verbose("server: peer disconnected (%s): %s", ws_disconnect_reason_name(ev->reason),
			   ev->message != NULL ? ev->message : "");
		break;
	default:
		break;
	}
	if (rc < 0 && m->error == 0)
		return fail(m, rc, WS_DISCONNECT_BY_APPLICATION, ws_strerror(rc));
	return rc < 0 ? rc : ws_server_conn_flush(m);
}
