/* server_client.c — one accepted connection of warpsshd: its transport, session_io pump and
 * server machine; LoginGraceTime, the delayed answer after a failed attempt, the backlog retry;
 * connection protocol events dispatched to channels; logging of how the connection ended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/server_int.h"
#include "warpssh/log.h"

#define RETRY_MS 1u

/* ---------------------------------------------------------------- channels */

static bool session_allowed(struct srv_client *cl)
{
	return cl->nsessions < cl->srv->cfg->max_sessions;
}

static void open_session(struct srv_client *cl, struct ws_conn_event *ev)
{
	struct srv_chan *ch;
	if (!session_allowed(cl)) {
		ws_info("refusing session channel for %s: MaxSessions (%u) reached", cl->user,
			cl->srv->cfg->max_sessions);
		ev->answer = WS_ANSWER_REFUSE;
		ev->refuse_reason = WS_OPEN_ADMINISTRATIVELY_PROHIBITED;
		return;
	}
	if (srv_chan_new(cl, SRV_SESSION, ev->channel, &ch) != WS_OK) {
		ev->answer = WS_ANSWER_REFUSE;
		ev->refuse_reason = WS_OPEN_RESOURCE_SHORTAGE;
		return;
	}
	cl->nsessions++;
	ev->answer = WS_ANSWER_ACCEPT;
	ev->set_user = ch;
}

static void on_conn_event(void *arg, struct ws_conn_event *ev)
{
	struct srv_client *cl = arg;
	if (cl->closed)
		return;
	if (ev->type == WS_CONN_EV_OPEN_REQUEST) {
		if (ev->u.open.type == WS_CHAN_SESSION)
			open_session(cl, ev);
		else
			srv_forward_open(cl, ev);
		return;
	}
	if (ev->type == WS_CONN_EV_GLOBAL_REQUEST) {
		ev->answer = WS_ANSWER_REFUSE; /* tcpip-forward: remote forwarding is not offered */
		return;
	}
	if (ev->user != NULL)
		srv_chan_event(ev->user, ev);
}

/* ---------------------------------------------------------------- flow */

static void arm(struct srv_client *cl, struct ws_timer *t, uint64_t ms)
{
	if (!ws_timer_armed(t) && ws_timer_arm(cl->srv->loop, t, ms) != WS_OK)
		ws_error("cannot arm a connection timer");
}

void srv_client_fatal(struct srv_client *cl)
{
	if (cl->closed)
		return;
	if (ws_server_conn_check(cl->m) == WS_OK)
		ws_server_conn_disconnect(cl->m, WS_DISCONNECT_BY_APPLICATION, "internal error");
	ws_session_io_close_after_flush(cl->io, SRV_CLOSE_LINGER_MS);
}

/* Stop reading the client while answers are held or too much output waits in the backlog (a
 * client that sends requests but reads no replies must not grow our memory); reading resumes
 * from a timer callback, outside the transport's event delivery. */
static bool input_should_pause(const struct srv_client *cl)
{
	return ws_server_conn_held(cl->m) || ws_server_conn_backlog(cl->m) > SRV_BACKLOG_PAUSE;
}

static void pause_if_needed(struct srv_client *cl)
{
	if (!cl->closed && !cl->input_paused && input_should_pause(cl)) {
		cl->input_paused = true;
		ws_session_io_pause_input(cl->io, true);
	}
}

static void resume_if_possible(struct srv_client *cl)
{
	if (!cl->closed && cl->input_paused && !input_should_pause(cl)) {
		cl->input_paused = false;
		ws_session_io_pause_input(cl->io, false);
	}
}

void srv_client_flush(struct srv_client *cl)
{
	if (cl->closed)
		return;
	pause_if_needed(cl);
	if (ws_server_conn_backlog(cl->m) > 0 && !ws_server_conn_held(cl->m))
		arm(cl, &cl->retry, RETRY_MS); /* the transport was full: try again shortly */
	ws_session_io_flush(cl->io);
}

void srv_client_kick(struct srv_client *cl)
{
	if (cl->closed)
		return;
	if (ws_server_conn_flush(cl->m) != WS_OK || ws_server_conn_check(cl->m) != WS_OK) {
		srv_client_fatal(cl);
		return;
	}
	for (struct srv_chan *ch = cl->chans; ch != NULL && !cl->closed; ch = ch->next)
		srv_chan_progress(ch);
	srv_client_flush(cl);
}

static void on_retry(struct ws_loop *loop, void *arg)
{
	(void)loop;
	srv_client_kick(arg);
	resume_if_possible(arg);
}

/* The delayed answer after a failed attempt goes out now; requests are read again. */
static void on_hold(struct ws_loop *loop, void *arg)
{
	struct srv_client *cl = arg;
	(void)loop;
	if (cl->closed)
		return;
	if (ws_server_conn_release(cl->m) != WS_OK) {
		srv_client_fatal(cl);
		return;
	}
	srv_client_kick(cl);
	resume_if_possible(cl);
}

static void on_grace(struct ws_loop *loop, void *arg)
{
	struct srv_client *cl = arg;
	(void)loop;
	if (cl->closed || cl->authenticated)
		return;
	ws_info("Timeout before authentication for %s port %u", cl->peer.addr, cl->peer.port);
	ws_server_conn_disconnect(cl->m, WS_DISCONNECT_BY_APPLICATION, "Timeout before authentication");
	ws_session_io_close_after_flush(cl->io, SRV_CLOSE_LINGER_MS);
}

/* ---------------------------------------------------------------- session_io callbacks */

static void log_handshake(const struct srv_client *cl)
{
	const struct ws_transport_algs *a = ws_transport_algs(cl->t);
	ws_verbose("kex done for %s port %u: %s %s cipher %s/%s mac %s/%s%s; client \"%s\"", cl->peer.addr,
		   cl->peer.port, a->kex, a->host_key, a->cipher_c2s, a->cipher_s2c, a->mac_c2s, a->mac_s2c,
		   a->strict_kex ? " strict" : "", ws_transport_peer_version(cl->t));
}

static int on_event(void *arg, struct ws_session_io *io, const struct ws_transport_event *ev)
{
	struct srv_client *cl = arg;
	(void)io;
	if (ev->type == WS_TEV_HANDSHAKE_DONE)
		log_handshake(cl);
	int rc = ws_server_conn_on_event(cl->m, ev);
	if (rc == WS_OK && ws_server_conn_held(cl->m) && !ws_timer_armed(&cl->hold))
		arm(cl, &cl->hold, cl->srv->opt.auth_fail_delay_ms);
	if (rc == WS_OK)
		pause_if_needed(cl);
	if (rc == WS_OK && ws_server_conn_backlog(cl->m) > 0 && !ws_server_conn_held(cl->m))
		arm(cl, &cl->retry, RETRY_MS);
	return rc;
}

static void on_output_drained(void *arg, struct ws_session_io *io)
{
	struct srv_client *cl = arg;
	(void)io;
	srv_client_kick(cl);
	if (cl->input_paused && !input_should_pause(cl))
		arm(cl, &cl->retry, RETRY_MS); /* resume from the timer, not inside the writer */
}

/* Input may have opened windows (WINDOW_ADJUST without a cut-short send has no event of its
 * own) or ended channels: re-evaluate what each channel can read. */
static void after_input(void *arg, struct ws_session_io *io)
{
	struct srv_client *cl = arg;
	(void)io;
	for (struct srv_chan *ch = cl->chans; ch != NULL && !cl->closed; ch = ch->next)
		srv_chan_progress(ch);
}

static void log_close(const struct srv_client *cl, int err)
{
	const char *pre = cl->authenticated ? "" : " [preauth]";
	if (err == WS_OK && cl->authenticated)
		ws_info("Disconnected from user %s %s port %u", cl->user, cl->peer.addr, cl->peer.port);
	else if (err == WS_OK || err == WS_ERR_EOF)
		ws_info("Connection closed by %s port %u%s", cl->peer.addr, cl->peer.port, pre);
	else
		ws_info("Connection from %s port %u ended: %s%s", cl->peer.addr, cl->peer.port,
			ws_transport_error(cl->t) != WS_OK ? ws_transport_error_message(cl->t) : ws_strerror(err),
			pre);
}

static void on_closed(void *arg, struct ws_session_io *io, int err)
{
	struct srv_client *cl = arg;
	(void)io;
	log_close(cl, err);
	srv_client_shutdown(cl);
}

/* Stop everything of a connection; memory is freed by the daemon's reaper. */
void srv_client_shutdown(struct srv_client *cl)
{
	struct ws_loop *loop = cl->srv->loop;
	if (cl->closed)
		return;
	cl->closed = true;
	ws_timer_cancel(loop, &cl->grace);
	ws_timer_cancel(loop, &cl->hold);
	ws_timer_cancel(loop, &cl->retry);
	while (cl->chans != NULL)
		srv_chan_destroy(cl->chans);
	srv_client_dead(cl);
}

/* ---------------------------------------------------------------- start */

static void transport_config(const struct ws_server *s, struct ws_transport_config *tc)
{
	const struct ws_sshd_config *c = s->cfg;
	memset(tc, 0, sizeof(*tc));
	tc->role = WS_ROLE_SERVER;
	tc->host_key = s->opt.host_key;
	tc->kex_algorithms = c->kex_algorithms[0] ? c->kex_algorithms : NULL;
	tc->ciphers = c->ciphers[0] ? c->ciphers : NULL;
	tc->macs = c->macs[0] ? c->macs : NULL;
	tc->service = "ssh-userauth";
	tc->rekey_bytes = c->rekey_limit.bytes;
	tc->rekey_interval_ms = (uint64_t)c->rekey_limit.seconds * 1000u;
	tc->rx_buffer_size = SRV_RX_BUFFER;
	tc->tx_buffer_size = SRV_TX_BUFFER;
}

static void machine_config(const struct ws_server *s, struct ws_server_conn_config *mc)
{
	const struct ws_sshd_config *c = s->cfg;
	ws_server_conn_config_default(mc);
	mc->auth.banner = s->opt.banner_text;
	mc->auth.max_tries = c->max_auth_tries;
	mc->auth.allow_publickey = c->pubkey_authentication;
	mc->auth.allow_password = s->opt.password_authentication;
	mc->conn.window = c->channel_window_size;
	mc->conn.max_pending = 0; /* data waits in our readers, never in the protocol's queue */
	mc->hold_after_failure = true;
	mc->openssh_window = s->opt.openssh_window;
}

/* A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; logs and from= want a.b.c.d. */
static void unmap_v4(struct ws_sock_peer *p)
{
	static const char prefix[] = "::ffff:";
	if (strncmp(p->addr, prefix, sizeof(prefix) - 1) == 0 && strchr(p->addr + sizeof(prefix) - 1, '.'))
		memmove(p->addr, p->addr + sizeof(prefix) - 1, strlen(p->addr) - sizeof(prefix) + 2);
}

static int client_machine(struct ws_server *s, struct srv_client *cl)
{
	struct ws_transport_config tc;
	struct ws_server_conn_config mc;
	struct ws_auth_policy policy;
	struct ws_conn_handler handler = {on_conn_event, cl};
	transport_config(s, &tc);
	machine_config(s, &mc);
	srv_auth_policy(cl, &policy);
	WS_TRY(ws_transport_new(&cl->t, &tc, s->eng));
	return ws_server_conn_new(&cl->m, &mc, cl->t, &policy, &handler);
}

static void link_client(struct ws_server *s, struct srv_client *cl)
{
	cl->next = s->clients;
	if (s->clients != NULL)
		s->clients->prev = cl;
	s->clients = cl;
	s->nclients++;
	s->nunauth++;
}

int srv_client_start(struct ws_server *s, int fd, const struct ws_sock_peer *peer)
{
	static const struct ws_session_io_ops ops = {on_event, after_input, on_output_drained, on_closed};
	struct srv_client *cl = calloc(1, sizeof(*cl));
	if (cl == NULL) {
		close(fd);
		return WS_ERR_NO_MEMORY;
	}
	cl->srv = s;
	cl->peer = *peer;
	unmap_v4(&cl->peer);
	if (ws_sock_local(fd, &cl->local) == WS_OK)
		unmap_v4(&cl->local);
	ws_timer_init(&cl->grace, on_grace, cl);
	ws_timer_init(&cl->hold, on_hold, cl);
	ws_timer_init(&cl->retry, on_retry, cl);
	int rc = client_machine(s, cl);
	if (rc == WS_OK)
		rc = ws_session_io_new(&cl->io, s->loop, fd, cl->t, &ops, cl);
	if (rc != WS_OK) {
		ws_server_conn_free(cl->m);
		ws_transport_free(cl->t);
		close(fd);
		free(cl);
		return rc;
	}
	if (s->group != NULL)
		ws_session_io_join(cl->io, s->group);
	link_client(s, cl);
	ws_verbose("Connection from %s port %u on %s port %u", cl->peer.addr, cl->peer.port, cl->local.addr,
		   cl->local.port);
	if (s->cfg->login_grace_time > 0)
		arm(cl, &cl->grace, (uint64_t)s->cfg->login_grace_time * 1000u);
	return WS_OK;
}
