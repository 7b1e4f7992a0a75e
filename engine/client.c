/* client.c — the client connection machine's core: transport events (host key verdict, service
 * accept, payload routing, peer disconnect), the in-order payload backlog behind the transport,
 * and the glue to the user authentication client (RFC 4252). Channels live in client_session.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "engine/client_internal.h"
#include "engine/conn_msg.h"
#include "warpssh/log.h"

#define BACKLOG_INITIAL (256u * 1024u)
#define BACKLOG_MAX (64u * 1024u * 1024u)

int ws_client_fail(struct ws_client *c, int err, uint32_t reason, const char *fmt, ...)
{
	va_list ap;
	if (c->phase == WS_CPH_FAILED)
		return c->error;
	c->phase = WS_CPH_FAILED;
	c->error = err;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	ws_verbose("client: %s (%s)", c->errmsg, ws_strerror(err));
	enum ws_transport_state st = ws_transport_state(c->t);
	if (reason != 0 && (st == WS_TSTATE_OPEN || st == WS_TSTATE_HANDSHAKE) &&
	    ws_transport_disconnect(c->t, reason, c->errmsg) != WS_OK)
		ws_verbose("client: could not queue DISCONNECT");
	return err;
}

void ws_client_emit(struct ws_client *c, struct ws_client_event *ev)
{
	if (c->cb.event != NULL)
		c->cb.event(c->cb.arg, ev);
}

/* ---------------------------------------------------------------- backlog */

static bool backlog_empty(const struct ws_client_backlog *q)
{
	return q->head == q->tail;
}

static int backlog_reserve(struct ws_client_backlog *q, size_t need)
{
	if (q->head > 0) {
		memmove(q->mem, q->mem + q->head, q->tail - q->head);
		q->tail -= q->head;
		q->head = 0;
	}
	if (q->cap - q->tail >= need)
		return WS_OK;
	size_t cap = q->cap ? q->cap : BACKLOG_INITIAL;
	while (cap - q->tail < need && cap < BACKLOG_MAX)
		cap *= 2;
	WS_ENSURE(cap - q->tail >= need, WS_ERR_LIMIT);
	uint8_t *mem = realloc(q->mem, cap);
	WS_ENSURE(mem != NULL, WS_ERR_NO_MEMORY);
	q->mem = mem;
	q->cap = cap;
	return WS_OK;
}

static int backlog_push(struct ws_client_backlog *q, const struct ws_bytes *parts, size_t n, size_t total)
{
	WS_TRY(backlog_reserve(q, 4u + total));
	ws_store_be32(q->mem + q->tail, (uint32_t)total);
	q->tail += 4u;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len > 0)
			memcpy(q->mem + q->tail, parts[i].ptr, parts[i].len);
		q->tail += parts[i].len;
	}
	return WS_OK;
}

int ws_client_flush(struct ws_client *c)
{
	struct ws_client_backlog *q = &c->backlog;
	if (c->phase == WS_CPH_FINISHED)
		q->head = q->tail = 0; /* our DISCONNECT is out: nothing else may follow it */
	while (!backlog_empty(q)) {
		uint32_t len = ws_load_be32(q->mem + q->head);
		int rc = ws_transport_send(c->t, q->mem + q->head + 4u, len);
		if (rc == WS_ERR_AGAIN)
			return WS_OK;
		if (rc < 0)
			return ws_client_fail(c, rc, 0, "cannot send: %s", ws_strerror(rc));
		q->head += 4u + len;
	}
	q->head = q->tail = 0;
	return WS_OK;
}

bool ws_client_can_send(const struct ws_client *c)
{
	return backlog_empty(&c->backlog) && c->phase == WS_CPH_CONNECTED;
}

/* The modules' sink: straight into the transport, or behind earlier payloads in the backlog. */
static int sink_send(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	struct ws_client *c = arg;
	size_t total = 0;
	if (c->swallow_next) {
		c->swallow_next = false;
		return WS_OK;
	}
	for (size_t i = 0; i < nparts; i++)
		total += parts[i].len;
	WS_ENSURE(total > 0 && total <= WS_TRANSPORT_MAX_PAYLOAD, WS_ERR_TOO_LONG);
	if (!backlog_empty(&c->backlog))
		return backlog_push(&c->backlog, parts, nparts, total);
	const uint8_t *p = parts[0].ptr;
	if (nparts > 1) {
		size_t off = 0;
		for (size_t i = 0; i < nparts; i++) {
			memcpy(c->scratch + off, parts[i].ptr, parts[i].len);
			off += parts[i].len;
		}
		p = c->scratch;
	}
	int rc = ws_transport_send(c->t, p, total);
	if (rc == WS_ERR_AGAIN)
		return backlog_push(&c->backlog, parts, nparts, total);
	return rc;
}

/* ---------------------------------------------------------------- authentication glue */

static int auth_sign(void *arg, const struct ws_key *key, const uint8_t *data, size_t len, struct ws_buf *sig)
{
	struct ws_client *c = arg;
	if (c->cb.sign != NULL)
		return c->cb.sign(c->cb.arg, key, data, len, sig);
	return ws_key_sign(key, data, len, sig);
}

static int auth_password(void *arg, const char *user, char *out, size_t outsz)
{
	struct ws_client *c = arg;
	return c->cb.password(c->cb.arg, user, out, outsz);
}

static void auth_event(void *arg, const struct ws_auth_event *aev)
{
	struct ws_client *c = arg;
	struct ws_client_event ev = {.channel = WS_CLIENT_NO_CHANNEL, .data = aev->text};
	switch (aev->type) {
	case WS_AUTH_EV_FAILURE:
		snprintf(c->methods, sizeof(c->methods), "%.*s", (int)aev->text.len, (const char *)aev->text.ptr);
		ev.type = WS_CLIENT_EV_AUTH_FAILURE;
		break;
	case WS_AUTH_EV_BANNER:
		ev.type = WS_CLIENT_EV_BANNER;
		break;
	case WS_AUTH_EV_SUCCESS:
		ev.type = WS_CLIENT_EV_AUTHENTICATED;
		ev.data = (struct ws_bytes){(const uint8_t *)aev->method, strlen(aev->method)};
		break;
	default:
		return;
	}
	ws_client_emit(c, &ev);
}

/* The transport already exchanged SERVICE_REQUEST/ACCEPT for "ssh-userauth" (it owns messages
 * 5 and 6); the auth module expects to do that itself, so its request is dropped and the accept
 * it waits for is handed to it. */
static int start_auth(struct ws_client *c)
{
	const uint8_t *sid;
	size_t sid_len;
	struct ws_auth_client_config acfg = {.user = c->cfg.user, .keys = c->cfg.keys, .nkeys = c->cfg.nkeys,
					     .password_attempts = c->cfg.password_attempts};
	struct ws_auth_client_callbacks acb = {.arg = c, .sign = auth_sign,
					       .password = c->cb.password != NULL ? auth_password : NULL,
					       .event = auth_event};
	WS_ENSURE(c->auth == NULL, WS_ERR_PROTOCOL);
	WS_TRY(ws_transport_session_id(c->t, &sid, &sid_len));
	WS_TRY(ws_auth_client_new(&c->auth, &acfg, &acb, &c->sink, sid, sid_len));
	c->swallow_next = true;
	int rc = ws_auth_client_start(c->auth);
	c->swallow_next = false;
	WS_TRY(rc);
	uint8_t accept[1 + 4 + 12];
	struct ws_buf b;
	ws_buf_init_write(&b, accept, sizeof(accept));
	WS_TRY(ws_buf_put_u8(&b, WS_MSG_SERVICE_ACCEPT));
	WS_TRY(ws_buf_put_cstring(&b, "ssh-userauth"));
	c->phase = WS_CPH_AUTH;
	return ws_auth_client_handle(c->auth, accept, b.wpos);
}

static int auth_payload(struct ws_client *c, const struct ws_transport_event *ev)
{
	int rc = ws_auth_client_handle(c->auth, ev->payload, ev->len);
	if (rc == WS_ERR_UNSUPPORTED)
		return ws_transport_send_unimplemented(c->t, ev->seqnr);
	if (rc == WS_ERR_AUTH)
		return ws_client_fail(c, rc, WS_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
				      "Permission denied (%s).", c->methods[0] ? c->methods : "none");
	if (rc < 0) {
		struct ws_disconnect_info d = ws_auth_client_disconnect(c->auth);
		return ws_client_fail(c, rc, d.reason ? d.reason : WS_DISCONNECT_PROTOCOL_ERROR,
				      "authentication failed: %s", d.message ? d.message : ws_strerror(rc));
	}
	if (!ws_auth_client_done(c->auth))
		return WS_OK;
	c->phase = WS_CPH_CONNECTED;
	rc = ws_client_start_connection(c);
	if (rc < 0)
		return ws_client_fail(c, rc, WS_DISCONNECT_BY_APPLICATION, "cannot start the session: %s",
				      ws_strerror(rc));
	return WS_OK;
}

/* ---------------------------------------------------------------- transport events */

static int on_host_key(struct ws_client *c, const struct ws_transport_event *ev)
{
	bool accept = c->cb.host_key != NULL && c->cb.host_key(c->cb.arg, ev->host_key);
	int rc = ws_transport_host_key_verdict(c->t, accept);
	/* refused: the transport already queued DISCONNECT (HOST_KEY_NOT_VERIFIABLE) */
	if (!accept)
		return ws_client_fail(c, WS_ERR_HOSTKEY, 0, "Host key verification failed.");
	return rc;
}

static int on_payload(struct ws_client *c, const struct ws_transport_event *ev)
{
	uint8_t msg = ev->payload[0];
	c->alive_outstanding = 0;
	if (c->phase == WS_CPH_AUTH && ws_auth_owns_msg(msg))
		return auth_payload(c, ev);
	if (c->phase == WS_CPH_CONNECTED && ws_conn_owns_msg(msg))
		return ws_client_conn_payload(c, ev->payload, ev->len, ev->seqnr);
	if (c->phase >= WS_CPH_FINISHED)
		return WS_OK; /* late messages after our DISCONNECT */
	/* RFC 4253 §11.4: An implementation MUST respond to all unrecognized messages with an
	 * SSH_MSG_UNIMPLEMENTED message in the order in which the messages were received. */
	return ws_transport_send_unimplemented(c->t, ev->seqnr);
}

static int on_disconnected(struct ws_client *c, const struct ws_transport_event *ev)
{
	if (c->phase == WS_CPH_FINISHED)
		return WS_OK;
	return ws_client_fail(c, WS_ERR_PEER_DISCONNECT, 0, "Received disconnect: %u: %s", ev->reason,
			      ev->message != NULL ? ev->message : "");
}

int ws_client_on_transport_event(struct ws_client *c, const struct ws_transport_event *ev)
{
	int rc = WS_OK;
	if (c->phase == WS_CPH_FAILED)
		return c->error;
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		rc = on_host_key(c, ev);
		break;
	case WS_TEV_SERVICE_ACCEPTED:
		rc = start_auth(c);
		break;
	case WS_TEV_PAYLOAD:
		if (ev->len == 0)
			return ws_client_fail(c, WS_ERR_PROTOCOL, WS_DISCONNECT_PROTOCOL_ERROR, "empty payload");
		rc = on_payload(c, ev);
		break;
	case WS_TEV_DISCONNECTED:
		return on_disconnected(c, ev);
	default:
		break;
	}
	if (rc < 0)
		return ws_client_fail(c, rc, WS_DISCONNECT_PROTOCOL_ERROR, "%s", ws_strerror(rc));
	return c->phase == WS_CPH_FAILED ? c->error : ws_client_flush(c);
}

/* ---------------------------------------------------------------- lifetime and outcome */

int ws_client_new(struct ws_client **out, const struct ws_client_config *cfg,
		  const struct ws_client_callbacks *cb, struct ws_transport *t)
{
	*out = NULL;
	WS_ENSURE(cfg != NULL && cb != NULL && t != NULL && cfg->user != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->nkeys == 0 || cfg->keys != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(cfg->nenv == 0 || cfg->env != NULL, WS_ERR_INVALID_ARG);
	struct ws_client *c = calloc(1, sizeof(*c));
	WS_ENSURE(c != NULL, WS_ERR_NO_MEMORY);
	c->scratch = malloc(WS_TRANSPORT_MAX_PAYLOAD);
	if (c->scratch == NULL) {
		free(c);
		return WS_ERR_NO_MEMORY;
	}
	c->cfg = *cfg;
	if (c->cfg.window == 0)
		c->cfg.window = WS_CLIENT_DEFAULT_WINDOW;
	if (c->cfg.max_packet == 0)
		c->cfg.max_packet = WS_CLIENT_DEFAULT_MAX_PACKET;
	if (c->cfg.server_alive_count_max == 0)
		c->cfg.server_alive_count_max = 3;
	c->cb = *cb;
	c->t = t;
	c->sink = (struct ws_payload_sink){sink_send, c};
	c->session = WS_CLIENT_NO_CHANNEL;
	*out = c;
	return WS_OK;
}

void ws_client_free(struct ws_client *c)
{
	if (c == NULL)
		return;
	ws_auth_client_free(c->auth);
	ws_conn_free(c->conn);
	if (c->backlog.mem != NULL)
		sodium_memzero(c->backlog.mem, c->backlog.cap); /* may hold a password request */
	free(c->backlog.mem);
	free(c->scratch);
	free(c);
}

bool ws_client_authenticated(const struct ws_client *c)
{
	return c->conn != NULL;
}

bool ws_client_finished(const struct ws_client *c)
{
	return c->phase == WS_CPH_FINISHED;
}

int ws_client_error(const struct ws_client *c)
{
	return c->phase == WS_CPH_FAILED ? c->error : WS_OK;
}

const char *ws_client_error_message(const struct ws_client *c)
{
	return c->phase == WS_CPH_FAILED ? c->errmsg : "";
}

int ws_client_exit_code(const struct ws_client *c)
{
	if (c->phase == WS_CPH_FAILED || !c->has_exit_status)
		return WS_CLIENT_EXIT_FAILURE;
	return (int)(c->exit_status & 0xffu);
}

const char *ws_client_exit_signal(const struct ws_client *c)
{
	return c->exit_signal[0] != '\0' ? c->exit_signal : NULL;
}

unsigned ws_client_alive_outstanding(const struct ws_client *c)
{
	return c->alive_outstanding;
}

int ws_client_disconnect(struct ws_client *c, const char *why)
{
	if (c->phase >= WS_CPH_FINISHED)
		return WS_OK;
	c->phase = WS_CPH_FINISHED;
	return ws_transport_disconnect(c->t, WS_DISCONNECT_BY_APPLICATION, why);
}
