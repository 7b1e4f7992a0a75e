/* client_session.c — the client machine's connection protocol part (RFC 4254): the session
 * channel and its requests (pty-req, env, exec/shell/subsystem, window-change), exit-status and
 * exit-signal, direct-tcpip channels for -L, local data in and out, and keepalives. */
#include <stdio.h>
#include <string.h>

#include "engine/client_internal.h"
#include "warpssh/log.h"

static const char *command_kind(const struct ws_client *c)
{
	if (c->cfg.subsystem)
		return "subsystem";
	return c->cfg.command != NULL ? "exec" : "shell";
}

/* Finish once the session channel is gone: DISCONNECT by application, then the runtime closes. */
static void finish_session(struct ws_client *c)
{
	if (c->phase != WS_CPH_CONNECTED)
		return;
	c->phase = WS_CPH_FINISHED;
	if (ws_transport_disconnect(c->t, WS_DISCONNECT_BY_APPLICATION, "disconnected by user") != WS_OK)
		ws_verbose("client: could not queue DISCONNECT");
	struct ws_client_event ev = {.type = WS_CLIENT_EV_FINISHED, .channel = WS_CLIENT_NO_CHANNEL};
	ws_client_emit(c, &ev);
}

static void on_request(struct ws_client *c, struct ws_conn_event *cev)
{
	const struct ws_chan_request *r = &cev->u.request;
	if (cev->channel != c->session)
		return; /* default answer: FAILURE */
	if (r->type == WS_REQ_EXIT_STATUS) {
		c->has_exit_status = true;
		c->exit_status = r->u.exit_status.status;
		cev->answer = WS_ANSWER_ACCEPT;
	} else if (r->type == WS_REQ_EXIT_SIGNAL) {
		snprintf(c->exit_signal, sizeof(c->exit_signal), "%.*s", (int)r->u.exit_signal.name.len,
			 (const char *)r->u.exit_signal.name.ptr);
		ws_verbose("remote command killed by signal %s%s", c->exit_signal,
			   r->u.exit_signal.core_dumped ? " (core dumped)" : "");
		cev->answer = WS_ANSWER_ACCEPT;
	}
}

static void on_request_reply(struct ws_client *c, const struct ws_conn_event *cev)
{
	if (cev->channel != c->session || c->nreqs == 0)
		return;
	enum ws_client_req kind = c->reqs[0];
	memmove(c->reqs, c->reqs + 1, (c->nreqs - 1) * sizeof(c->reqs[0]));
	c->nreqs--;
	if (cev->u.reply.ok)
		return;
	if (kind == WS_CREQ_PTY) {
		ws_info("PTY allocation request failed on channel %u", cev->channel);
		return;
	}
	if (kind == WS_CREQ_COMMAND) {
		ws_error("%s request failed on channel %u", command_kind(c), cev->channel);
		if (ws_conn_close(c->conn, cev->channel) != WS_OK)
			ws_verbose("client: cannot close channel %u", cev->channel);
	}
}

static void emit_channel(struct ws_client *c, enum ws_client_event_type type, const struct ws_conn_event *cev)
{
	struct ws_client_event ev = {.type = type, .channel = cev->channel, .user = cev->user,
				     .is_session = cev->channel == c->session};
	if (type == WS_CLIENT_EV_DATA) {
		ev.ext = cev->u.data.ext_type;
		ev.data = cev->u.data.data;
	}
	ws_client_emit(c, &ev);
}

static void on_open_failed(struct ws_client *c, const struct ws_conn_event *cev)
{
	char msg[160];
	snprintf(msg, sizeof(msg), "channel %u: open failed: reason %u: %.*s", cev->channel,
		 cev->u.open_failed.reason, (int)cev->u.open_failed.description.len,
		 (const char *)cev->u.open_failed.description.ptr);
	struct ws_client_event ev = {.type = WS_CLIENT_EV_CLOSED, .channel = cev->channel, .user = cev->user,
				     .is_session = cev->channel == c->session, .message = msg};
	ws_client_emit(c, &ev);
	if (cev->channel == c->session) {
		ws_error("%s", msg);
		c->session_closed = true;
	}
}

static void conn_event(void *arg, struct ws_conn_event *cev)
{
	struct ws_client *c = arg;
	switch (cev->type) {
	case WS_CONN_EV_OPEN_CONFIRMED:
		emit_channel(c, WS_CLIENT_EV_CHANNEL_OPEN, cev);
		break;
	case WS_CONN_EV_OPEN_FAILED:
		on_open_failed(c, cev);
		break;
	case WS_CONN_EV_REQUEST:
		on_request(c, cev);
		break;
	case WS_CONN_EV_REQUEST_REPLY:
		on_request_reply(c, cev);
		break;
	case WS_CONN_EV_DATA:
		emit_channel(c, WS_CLIENT_EV_DATA, cev);
		break;
	case WS_CONN_EV_EOF:
		emit_channel(c, WS_CLIENT_EV_EOF, cev);
		break;
	case WS_CONN_EV_CLOSE:
		emit_channel(c, WS_CLIENT_EV_CLOSED, cev);
		if (cev->channel == c->session)
			c->session_closed = true;
		break;
	case WS_CONN_EV_WINDOW_SPACE:
		emit_channel(c, WS_CLIENT_EV_WINDOW_SPACE, cev);
		break;
	default:
		break; /* opens by the server and global requests keep their default refusal */
	}
}

static int push_req(struct ws_client *c, enum ws_client_req kind)
{
	WS_ENSURE(c->nreqs < WS_CLIENT_MAX_SESSION_REQS, WS_ERR_LIMIT);
	c->reqs[c->nreqs++] = kind;
	return WS_OK;
}

static int send_pty_req(struct ws_client *c)
{
	const char *term = c->cfg.term != NULL && c->cfg.term[0] != '\0' ? c->cfg.term : "dumb";
	static const uint8_t no_modes[1] = {0}; /* TTY_OP_END */
	struct ws_chan_request r = {.type = WS_REQ_PTY, .want_reply = true};
	r.u.pty.term = ws_conn_str(term);
	r.u.pty.cols = c->cfg.cols;
	r.u.pty.rows = c->cfg.rows;
	r.u.pty.width_px = c->cfg.width_px;
	r.u.pty.height_px = c->cfg.height_px;
	r.u.pty.modes = c->cfg.modes != NULL ? (struct ws_bytes){c->cfg.modes, c->cfg.modes_len}
					     : (struct ws_bytes){no_modes, sizeof(no_modes)};
	WS_TRY(ws_conn_send_request(c->conn, c->session, &r));
	return push_req(c, WS_CREQ_PTY);
}

static int send_env(struct ws_client *c, const struct ws_client_env *e)
{
	struct ws_chan_request r = {.type = WS_REQ_ENV, .want_reply = false};
	r.u.env.name = ws_conn_str(e->name);
	r.u.env.value = ws_conn_str(e->value);
	return ws_conn_send_request(c->conn, c->session, &r);
}

static int send_command(struct ws_client *c)
{
	struct ws_chan_request r = {.want_reply = true};
	if (c->cfg.subsystem) {
		r.type = WS_REQ_SUBSYSTEM;
		r.u.subsystem.name = ws_conn_str(c->cfg.command);
	} else if (c->cfg.command != NULL) {
		r.type = WS_REQ_EXEC;
		r.u.exec.command = ws_conn_str(c->cfg.command);
	} else {
		r.type = WS_REQ_SHELL;
	}
	WS_TRY(ws_conn_send_request(c->conn, c->session, &r));
	return push_req(c, WS_CREQ_COMMAND);
}

/* Requests go out at once: the connection protocol queues them until the open is confirmed. */
static int start_session(struct ws_client *c)
{
	WS_ENSURE(!c->cfg.subsystem || c->cfg.command != NULL, WS_ERR_INVALID_ARG);
	WS_TRY(ws_conn_open_session(c->conn, NULL, &c->session));
	if (c->cfg.want_pty)
		WS_TRY(send_pty_req(c));
	for (size_t i = 0; i < c->cfg.nenv; i++)
		WS_TRY(send_env(c, &c->cfg.env[i]));
	return send_command(c);
}

int ws_client_start_connection(struct ws_client *c)
{
	struct ws_conn_config cc;
	ws_conn_config_default(&cc);
	cc.window = c->cfg.window;
	cc.max_packet = c->cfg.max_packet;
	struct ws_conn_handler h = {conn_event, c};
	WS_TRY(ws_conn_new(&c->conn, &cc, &h, &c->sink));
	return c->cfg.no_session ? WS_OK : start_session(c);
}

int ws_client_conn_payload(struct ws_client *c, const uint8_t *payload, size_t len, uint32_t seqnr)
{
	int rc = ws_conn_handle(c->conn, payload, len);
	if (rc == WS_ERR_UNSUPPORTED)
		return ws_transport_send_unimplemented(c->t, seqnr);
	if (rc < 0) {
		struct ws_disconnect_info d = ws_conn_disconnect(c->conn);
		return ws_client_fail(c, rc, d.reason ? d.reason : WS_DISCONNECT_PROTOCOL_ERROR, "%s",
				      d.message ? d.message : ws_strerror(rc));
	}
	/* after the conn callback returned: our CLOSE went out before the DISCONNECT */
	if (c->session_closed)
		finish_session(c);
	return WS_OK;
}

/* ---------------------------------------------------------------- calls from the runtime */

static int usable(const struct ws_client *c)
{
	if (c->phase == WS_CPH_FAILED)
		return c->error;
	return c->conn != NULL && c->phase == WS_CPH_CONNECTED ? WS_OK : WS_ERR_CLOSED;
}

uint32_t ws_client_session_channel(const struct ws_client *c)
{
	return c->session;
}

int ws_client_open_forward(struct ws_client *c, const char *host, uint32_t port, const char *orig_host,
			   uint32_t orig_port, void *user, uint32_t *id)
{
	WS_TRY(usable(c));
	WS_TRY(ws_conn_open_direct_tcpip(c->conn, host, port, orig_host, orig_port, user, id));
	return ws_client_flush(c);
}

int ws_client_send(struct ws_client *c, uint32_t id, const void *data, size_t len, size_t *accepted)
{
	*accepted = 0;
	WS_TRY(usable(c));
	int rc = ws_conn_send_data(c->conn, id, data, len, accepted);
	return rc == WS_ERR_LIMIT ? WS_OK : rc;
}

int ws_client_send_eof(struct ws_client *c, uint32_t id)
{
	WS_TRY(usable(c));
	return ws_conn_send_eof(c->conn, id);
}

int ws_client_close_channel(struct ws_client *c, uint32_t id)
{
	WS_TRY(usable(c));
	return ws_conn_close(c->conn, id);
}

int ws_client_consumed(struct ws_client *c, uint32_t id, size_t n)
{
	WS_TRY(usable(c));
	return ws_conn_consumed(c->conn, id, n);
}

int ws_client_window_change(struct ws_client *c, uint32_t cols, uint32_t rows, uint32_t width_px,
			    uint32_t height_px)
{
	WS_TRY(usable(c));
	if (!c->cfg.want_pty || c->session == WS_CLIENT_NO_CHANNEL || c->session_closed)
		return WS_OK;
	struct ws_chan_request r = {.type = WS_REQ_WINDOW_CHANGE, .want_reply = false};
	r.u.window_change.cols = cols;
	r.u.window_change.rows = rows;
	r.u.window_change.width_px = width_px;
	r.u.window_change.height_px = height_px;
	return ws_conn_send_request(c->conn, c->session, &r);
}

int ws_client_server_alive(struct ws_client *c)
{
	if (c->phase != WS_CPH_CONNECTED)
		return usable(c) == WS_ERR_CLOSED ? WS_OK : c->error;
	if (c->alive_outstanding >= c->cfg.server_alive_count_max)
		return ws_client_fail(c, WS_ERR_TIMEOUT, WS_DISCONNECT_BY_APPLICATION,
				      "Timeout, server not responding.");
	c->alive_outstanding++;
	/* OpenSSH's keepalive: a global request no server implements, sent with want_reply so
	 * that the REQUEST_FAILURE answer proves the peer alive. */
	return ws_conn_send_global_request(c->conn, "keepalive@openssh.com", true, NULL, 0);
}
