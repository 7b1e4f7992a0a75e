/* connpair.c — a client and a server connection module back to back in memory: recording event
 * handlers, a pump that moves payloads between them, and a wire checker that follows windows
 * and maximum packet sizes from the messages alone (independent of the modules' own counts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connpair.h"
#include "warpssh/buf.h"

static void copy_view(char *out, size_t outsz, struct ws_bytes v)
{
	snprintf(out, outsz, "%.*s", (int)v.len, v.ptr != NULL ? (const char *)v.ptr : "");
}

static void log_letter(struct chan_rx *rx, char c)
{
	size_t n = strlen(rx->log);
	if (c == 'D' && n > 0 && rx->log[n - 1] == 'D')
		return;
	if (n + 1 < sizeof(rx->log)) {
		rx->log[n] = c;
		rx->log[n + 1] = '\0';
	}
}

void side_reset_channel(struct side *s, uint32_t id)
{
	struct chan_rx *rx = &s->ch[id];
	memset(rx, 0, sizeof(*rx));
	crypto_hash_sha256_init(&rx->sha);
	crypto_hash_sha256_init(&rx->sha_ext);
}

int side_consume(struct side *s, uint32_t id, uint64_t n)
{
	struct chan_rx *rx = &s->ch[id];
	if (n > rx->to_consume)
		n = rx->to_consume;
	rx->to_consume -= n;
	return ws_conn_consumed(s->conn, id, n);
}

static const char request_letter[] = {
    [WS_REQ_OTHER] = '?',	  [WS_REQ_PTY] = 'p',	 [WS_REQ_ENV] = 'e',
    [WS_REQ_EXEC] = 'x',	  [WS_REQ_SHELL] = 's',	 [WS_REQ_SUBSYSTEM] = 'u',
    [WS_REQ_WINDOW_CHANGE] = 'w', [WS_REQ_SIGNAL] = 'g', [WS_REQ_EXIT_STATUS] = 'X',
    [WS_REQ_EXIT_SIGNAL] = 'S'};

static void on_request(struct side *s, struct ws_conn_event *ev)
{
	struct chan_rx *rx = &s->ch[ev->channel];
	const struct ws_chan_request *r = &ev->u.request;
	log_letter(rx, request_letter[r->type]);
	if (r->type == WS_REQ_EXEC)
		copy_view(rx->last_command, sizeof(rx->last_command), r->u.exec.command);
	if (r->type == WS_REQ_PTY) {
		copy_view(rx->term, sizeof(rx->term), r->u.pty.term);
		rx->cols = r->u.pty.cols;
		rx->rows = r->u.pty.rows;
	}
	if (r->type == WS_REQ_EXIT_STATUS)
		rx->exit_status = r->u.exit_status.status;
	if (r->type == WS_REQ_EXIT_SIGNAL)
		copy_view(rx->exit_signal, sizeof(rx->exit_signal), r->u.exit_signal.name);
	ev->answer = s->request_answer;
	if (s->request_hook != NULL)
		s->request_hook(s, ev);
}

static void on_data(struct side *s, struct ws_conn_event *ev)
{
	struct chan_rx *rx = &s->ch[ev->channel];
	struct ws_bytes d = ev->u.data.data;
	if (ev->u.data.ext_type == 0) {
		crypto_hash_sha256_update(&rx->sha, d.ptr, d.len);
		rx->bytes += d.len;
	} else {
		crypto_hash_sha256_update(&rx->sha_ext, d.ptr, d.len);
		rx->ext_bytes += d.len;
	}
	log_letter(rx, 'D');
	rx->to_consume += d.len;
	if (s->auto_consume && side_consume(s, ev->channel, d.len) < 0)
		fprintf(stderr, "connpair: consume failed inside the event\n");
}

static void on_open_request(struct side *s, struct ws_conn_event *ev)
{
	s->open_requests++;
	s->last_peer_open = ev->channel;
	s->last_open_kind = ev->u.open;
	copy_view(s->last_open_host, sizeof(s->last_open_host), ev->u.open.host);
	s->last_open_kind.host.ptr = NULL;
	s->last_open_kind.orig_host.ptr = NULL;
	side_reset_channel(s, ev->channel);
	ev->answer = s->open_answer;
	ev->set_user = s;
}

static void on_global(struct side *s, struct ws_conn_event *ev)
{
	if (ev->type == WS_CONN_EV_GLOBAL_REQUEST) {
		s->global_requests++;
		ev->answer = s->global_answer;
		ev->bound_port = 4242;
		return;
	}
	s->global_replies++;
	if (ev->u.reply.ok)
		s->global_replies_ok++;
	if (ev->u.reply.data.len == 4)
		s->global_reply_port = ws_load_be32(ev->u.reply.data.ptr);
}

static void side_event(void *arg, struct ws_conn_event *ev)
{
	struct side *s = arg;
	struct chan_rx *rx = ev->channel < PAIR_MAX_CH ? &s->ch[ev->channel] : NULL;
	switch (ev->type) {
	case WS_CONN_EV_OPEN_REQUEST:
		on_open_request(s, ev);
		break;
	case WS_CONN_EV_OPEN_CONFIRMED:
		rx->confirmed = true;
		log_letter(rx, 'O');
		break;
	case WS_CONN_EV_OPEN_FAILED:
		rx->open_failed = true;
		rx->fail_reason = ev->u.open_failed.reason;
		break;
	case WS_CONN_EV_REQUEST:
		on_request(s, ev);
		break;
	case WS_CONN_EV_REQUEST_REPLY:
		log_letter(rx, ev->u.reply.ok ? 'Y' : 'N');
		break;
	case WS_CONN_EV_GLOBAL_REQUEST:
	case WS_CONN_EV_GLOBAL_REPLY:
		on_global(s, ev);
		break;
	case WS_CONN_EV_DATA:
		on_data(s, ev);
		break;
	case WS_CONN_EV_EOF:
		rx->eof = true;
		rx->bytes_at_eof = rx->bytes;
		log_letter(rx, 'E');
		break;
	case WS_CONN_EV_CLOSE:
		rx->closed = true;
		rx->to_consume = 0; /* the channel is gone after this event */
		log_letter(rx, 'C');
		if (s->close_hook != NULL)
			s->close_hook(s, ev->channel);
		break;
	case WS_CONN_EV_WINDOW_SPACE:
		rx->blocked = false;
		break;
	}
}

void pair_config_default(struct ws_conn_config *cli, struct ws_conn_config *srv)
{
	ws_conn_config_default(cli);
	ws_conn_config_default(srv);
	srv->is_server = true;
}

static void side_init(struct side *s, const struct ws_conn_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	msgq_init(&s->out);
	s->open_answer = WS_ANSWER_ACCEPT;
	s->request_answer = WS_ANSWER_ACCEPT;
	s->global_answer = WS_ANSWER_ACCEPT;
	for (uint32_t i = 0; i < PAIR_MAX_CH; i++)
		side_reset_channel(s, i);
	struct ws_conn_handler h = {side_event, s};
	struct ws_payload_sink sink = msgq_sink(&s->out);
	if (ws_conn_new(&s->conn, cfg, &h, &sink) != WS_OK) {
		fprintf(stderr, "connpair: ws_conn_new failed\n");
		exit(1);
	}
}

void pair_init(struct pair *p, const struct ws_conn_config *cli, const struct ws_conn_config *srv)
{
	memset(p, 0, sizeof(*p));
	side_init(&p->cli, cli);
	side_init(&p->srv, srv);
}

void pair_free(struct pair *p)
{
	ws_conn_free(p->cli.conn);
	ws_conn_free(p->srv.conn);
	msgq_free(&p->cli.out);
	msgq_free(&p->srv.out);
}

static void checker_fail(struct pair *p, const char *what)
{
	p->checker_failures++;
	fprintf(stderr, "connpair checker: %s\n", what);
}

static bool id_ok(uint32_t id)
{
	return id < PAIR_MAX_CH;
}

/* Watch one payload going from `from` to `to`. */
static void check_wire(struct pair *p, struct side *from, struct side *to, const struct msg *m)
{
	struct ws_buf b;
	uint8_t type;
	uint32_t a = 0, c = 0, d = 0, e = 0;
	struct ws_bytes s;
	ws_buf_init_read(&b, m->data, m->len);
	if (ws_buf_get_u8(&b, &type) < 0)
		return;
	if (type == 90 && ws_buf_get_string(&b, &s, 64) == 0 && ws_buf_get_u32(&b, &a) == 0 &&
	    ws_buf_get_u32(&b, &c) == 0 && id_ok(a)) {
		from->granted[a] = c; /* the opener grants its window */
		from->received[a] = 0;
	} else if (type == 91 && ws_buf_get_u32(&b, &a) == 0 && ws_buf_get_u32(&b, &c) == 0 &&
		   ws_buf_get_u32(&b, &d) == 0 && id_ok(a) && id_ok(c)) {
		from->granted[c] = d;
		from->received[c] = 0;
		from->map_from_peer[a] = c;
		to->map_from_peer[c] = a;
	} else if (type == 93 && ws_buf_get_u32(&b, &a) == 0 && ws_buf_get_u32(&b, &c) == 0 && id_ok(a)) {
		from->granted[from->map_from_peer[a]] += c;
		from->window_adjusts_sent++;
	} else if ((type == 94 || type == 95) && ws_buf_get_u32(&b, &a) == 0 && id_ok(a)) {
		if (type == 95 && ws_buf_get_u32(&b, &e) < 0)
			return;
		if (ws_buf_get_u32(&b, &d) < 0)
			return;
		if (d > to->cfg.max_packet || d > from->cfg.max_send_packet)
			checker_fail(p, "data message larger than the maximum packet size");
		to->received[a] += d;
		if (to->received[a] > to->granted[a])
			checker_fail(p, "data beyond the receiver's window");
	}
}

static int deliver(struct pair *p, struct side *from, struct side *to)
{
	struct msg m;
	if (!msgq_pop(&from->out, &m))
		return 1;
	check_wire(p, from, to, &m);
	int rc = ws_conn_handle(to->conn, m.data, m.len);
	free(m.data);
	p->delivered++;
	return rc;
}

int pair_pump_some(struct pair *p, unsigned max, unsigned *moved)
{
	*moved = 0;
	while (*moved < max) {
		int a = deliver(p, &p->cli, &p->srv);
		if (a < 0)
			return a;
		int b = deliver(p, &p->srv, &p->cli);
		if (b < 0)
			return b;
		if (a == 1 && b == 1)
			break;
		*moved += (a == 0) + (b == 0);
	}
	return WS_OK;
}

int pair_pump(struct pair *p)
{
	unsigned moved;
	return pair_pump_some(p, 50u * 1000u * 1000u, &moved);
}

void pair_open_session(struct pair *p, uint32_t *cli_id, uint32_t *srv_id)
{
	if (ws_conn_open_session(p->cli.conn, NULL, cli_id) != WS_OK) {
		fprintf(stderr, "connpair: open failed\n");
		exit(1);
	}
	side_reset_channel(&p->cli, *cli_id);
	unsigned before = p->srv.open_requests;
	if (pair_pump(p) != WS_OK || p->srv.open_requests != before + 1 || !p->cli.ch[*cli_id].confirmed) {
		fprintf(stderr, "connpair: session did not open\n");
		exit(1);
	}
	*srv_id = p->srv.last_peer_open;
}
