/* hssh.c — the hostile tool's SSH client: one blocking connection driving a client ws_transport
 * through the handshake and publickey authentication (ws_auth_client), after which the mode owns
 * the connection protocol. It can write raw bytes between the engine's output (IGNORE injection)
 * and can stop reading at any point. Host keys are accepted blindly: loopback test servers only. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"
#include "warpssh/sock.h"

#define MSG_IGNORE 2
#define SEND_RETRIES 100000u

struct hssh {
	const struct hopts *o;
	int fd;
	struct ws_crypto_engine *eng;
	struct ws_transport *t;
	struct ws_auth_client *auth;
	struct ws_payload_sink sink;
	struct ws_key key;
	bool want_auth; /* run publickey auth once the transport accepted the service */
	bool handshake, service, authed, eof, failed, disconnected;
	uint32_t disc_reason;
	char end[160];
	hssh_payload_fn on_payload;
	void *arg;
	uint8_t *scratch; /* one payload assembled from sink parts */
};

bool hssh_handshake_done(const struct hssh *h)
{
	return h->handshake;
}
bool hssh_authenticated(const struct hssh *h)
{
	return h->authed;
}
bool hssh_service_accepted(const struct hssh *h)
{
	return h->service;
}
bool hssh_ended(const struct hssh *h)
{
	return h->eof || h->failed || h->disconnected;
}
bool hssh_strict(const struct hssh *h)
{
	return ws_transport_algs(h->t)->strict_kex;
}

const char *hssh_end_reason(const struct hssh *h)
{
	return hssh_ended(h) ? h->end : "open";
}

static void set_end(struct hssh *h, const char *fmt, const char *detail)
{
	if (h->end[0] == '\0')
		snprintf(h->end, sizeof(h->end), fmt, detail);
}

/* Write what the transport has due without blocking; false on a socket error. */
static bool write_due(struct hssh *h)
{
	for (unsigned guard = 0; guard < SEND_RETRIES; guard++) {
		const uint8_t *d;
		size_t len;
		if (ws_transport_output(h->t, &d, &len) != WS_OK || len == 0)
			return true;
		ssize_t n = write(h->fd, d, len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (ws_transport_output_consume(h->t, (size_t)n) != WS_OK)
			return false;
	}
	return true;
}

int hssh_flush(struct hssh *h, int64_t deadline_ms)
{
	while (ws_transport_output_pending(h->t)) {
		if (!write_due(h))
			return WS_ERR_IO;
		if (!ws_transport_output_pending(h->t))
			break;
		struct pollfd pf = {h->fd, POLLOUT, 0};
		int wait = h_left_ms(deadline_ms, 100);
		if (wait == 0)
			return WS_ERR_TIMEOUT;
		poll(&pf, 1, wait);
	}
	return WS_OK;
}

int hssh_send(struct hssh *h, const uint8_t *payload, size_t len, int64_t deadline_ms)
{
	for (;;) {
		int rc = ws_transport_send(h->t, payload, len);
		if (rc != WS_ERR_AGAIN)
			return rc;
		/* full: write (never read) until the transport has room again */
		struct pollfd pf = {h->fd, POLLOUT, 0};
		if (!write_due(h))
			return WS_ERR_IO;
		int wait = h_left_ms(deadline_ms, 100);
		if (wait == 0)
			return WS_ERR_TIMEOUT;
		poll(&pf, 1, wait);
	}
}

/* ---------------------------------------------------------------- authentication */

static int sink_send(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	struct hssh *h = arg;
	size_t len = 0;
	for (size_t i = 0; i < nparts; i++) {
		WS_ENSURE(parts[i].len <= WS_TRANSPORT_MAX_PAYLOAD - len, WS_ERR_TOO_LONG);
		if (parts[i].len > 0)
			memcpy(h->scratch + len, parts[i].ptr, parts[i].len);
		len += parts[i].len;
	}
	return hssh_send(h, h->scratch, len, h_deadline());
}

static void auth_event(void *arg, const struct ws_auth_event *ev)
{
	struct hssh *h = arg;
	if (ev->type == WS_AUTH_EV_SUCCESS)
		h->authed = true;
}

static int start_auth(struct hssh *h)
{
	const uint8_t *sid;
	size_t sid_len;
	struct ws_auth_client_config acfg = {
	    .user = h->o->user, .keys = &h->key, .nkeys = 1, .service_accepted = true};
	struct ws_auth_client_callbacks cb = {.arg = h, .event = auth_event};
	WS_TRY(ws_transport_session_id(h->t, &sid, &sid_len));
	WS_TRY(ws_auth_client_new(&h->auth, &acfg, &cb, &h->sink, sid, sid_len));
	return ws_auth_client_start(h->auth);
}

/* ---------------------------------------------------------------- events */

static int on_payload(struct hssh *h, const struct ws_transport_event *ev)
{
	if (!h->authed && h->auth != NULL && ws_auth_owns_msg(ev->payload[0])) {
		int rc = ws_auth_client_handle(h->auth, ev->payload, ev->len);
		if (rc < 0)
			set_end(h, "error:auth-%s", ws_strerror(rc));
		return rc;
	}
	if (h->authed && h->on_payload != NULL)
		h->on_payload(h, ev->payload, ev->len, h->arg);
	return WS_OK;
}

static int on_event(struct hssh *h, const struct ws_transport_event *ev)
{
	char reason[16];
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		return ws_transport_host_key_verdict(h->t, true);
	case WS_TEV_HANDSHAKE_DONE:
		h->handshake = true;
		return WS_OK;
	case WS_TEV_SERVICE_ACCEPTED:
		h->service = true;
		return h->want_auth ? start_auth(h) : WS_OK;
	case WS_TEV_PAYLOAD:
		return ev->len > 0 ? on_payload(h, ev) : WS_OK;
	case WS_TEV_DISCONNECTED:
		h->disconnected = true;
		h->disc_reason = ev->reason;
		snprintf(reason, sizeof(reason), "%u", ev->reason);
		set_end(h, "disconnect:%s", reason);
		return WS_OK;
	default:
		return WS_OK;
	}
}

static void read_input(struct hssh *h)
{
	uint8_t *space;
	size_t room;
	if (ws_transport_input_space(h->t, &space, &room) != WS_OK || room == 0)
		return;
	ssize_t n = read(h->fd, space, room);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		h->eof = true;
		set_end(h, "%s", n == 0 ? "eof" : "reset");
		ws_transport_input_eof(h->t);
	} else if (n > 0 && ws_transport_input_commit(h->t, (size_t)n) != WS_OK) {
		h->failed = true;
	}
}

static void drain_events(struct hssh *h)
{
	struct ws_transport_event ev;
	int rc;
	for (unsigned guard = 0; guard < 1000000; guard++) {
		rc = ws_transport_poll(h->t, &ev);
		if (rc <= 0)
			break;
		if (on_event(h, &ev) < 0 && !h->failed) {
			h->failed = true;
			set_end(h, "error:%s", "event");
		}
	}
	if (rc < 0 && rc != WS_ERR_CLOSED && !h->failed && !h->eof) {
		h->failed = true;
		set_end(h, "error:%s", ws_transport_error_message(h->t));
	}
}

int hssh_step(struct hssh *h, int wait_ms, bool do_read)
{
	if (hssh_ended(h))
		return WS_ERR_CLOSED;
	if (!write_due(h)) {
		h->eof = true;
		set_end(h, "%s", "write-failed");
		return WS_ERR_IO;
	}
	short events = (short)((do_read ? POLLIN : 0) | (ws_transport_output_pending(h->t) ? POLLOUT : 0));
	struct pollfd pf = {h->fd, events, 0};
	if (poll(&pf, 1, wait_ms) > 0 && do_read && (pf.revents & (POLLIN | POLLHUP | POLLERR)))
		read_input(h);
	if (do_read)
		drain_events(h);
	return WS_OK;
}

bool hssh_wait(struct hssh *h, bool (*cond)(const struct hssh *h), int64_t deadline_ms)
{
	while (!cond(h) && !hssh_ended(h) && h_left_ms(deadline_ms, 1) > 0)
		hssh_step(h, h_left_ms(deadline_ms, 100), true);
	return cond(h);
}

/* ---------------------------------------------------------------- open and close */

/* A plaintext SSH_MSG_IGNORE packet as it looks before the first NEWKEYS (RFC 4253 §6): 4-byte
 * length, padding length 6, type 2, string "", padding to a multiple of 8. */
static int inject_ignore(struct hssh *h)
{
	uint8_t pkt[16] = {0};
	ws_store_be32(pkt, 12);
	pkt[4] = 6;
	pkt[5] = MSG_IGNORE;
	WS_TRY(hssh_flush(h, h_deadline())); /* version line and KEXINIT first */
	return h_write_all(h->fd, pkt, sizeof(pkt), h_deadline());
}

static int load_key(struct hssh *h)
{
	if (h->o->key_file == NULL)
		return WS_OK;
	return ws_key_load_private_file_ex(&h->key, h->o->key_file, WS_KEYFILE_ALLOW_OPEN_MODES);
}

int hssh_open(struct hssh **out, const struct hssh_config *cfg)
{
	struct ws_transport_config tc = {.role = WS_ROLE_CLIENT,
					 .service = "ssh-userauth",
					 .disable_strict_kex = !cfg->strict,
					 .ciphers = cfg->ciphers};
	struct hssh *h = calloc(1, sizeof(*h));
	*out = NULL;
	WS_ENSURE(h != NULL, WS_ERR_NO_MEMORY);
	*out = h;
	h->o = cfg->o;
	h->fd = -1;
	h->on_payload = cfg->on_payload;
	h->arg = cfg->arg;
	h->sink = (struct ws_payload_sink){sink_send, h};
	h->want_auth = cfg->authenticate;
	WS_ENSURE((h->scratch = malloc(WS_TRANSPORT_MAX_PAYLOAD)) != NULL, WS_ERR_NO_MEMORY);
	WS_TRY(load_key(h));
	WS_TRY(h_connect(cfg->o->host, cfg->o->port, h_deadline(), &h->fd));
	WS_TRY(ws_crypto_engine_new(&h->eng));
	WS_TRY(ws_transport_new(&h->t, &tc, h->eng));
	if (cfg->inject_ignore)
		WS_TRY(inject_ignore(h));
	return WS_OK;
}

void hssh_close(struct hssh *h)
{
	if (h == NULL)
		return;
	if (h->fd >= 0)
		close(h->fd);
	ws_auth_client_free(h->auth);
	ws_transport_free(h->t);
	ws_crypto_engine_free(h->eng);
	ws_key_wipe(&h->key);
	free(h->scratch);
	free(h);
}
