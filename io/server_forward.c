/* server_forward.c — direct-tcpip channels of warpsshd (RFC 4254 §7.2, `ssh -L`): the key's
 * no-port-forwarding / restrict / permitopen options, a non-blocking connect through the loop with
 * a timeout, then the socket pumped both ways; EOF passed on in each direction, CLOSE when both
 * directions ended. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/server_int.h"
#include "warpssh/log.h"

#define HOST_MAX 256u

static const struct ws_authkeys_entry *key_options(const struct srv_client *cl)
{
	return cl->key_entry_used ? cl->key_entry : NULL;
}

/* permitopen="host:port" (port may be "*"; host may be [v6]) */
static bool permitopen_matches(const char *entry, const char *host, uint32_t port)
{
	const char *colon = strrchr(entry, ':');
	if (colon == NULL)
		return false;
	size_t hlen = (size_t)(colon - entry);
	const char *h = entry;
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (strlen(host) != hlen || strncasecmp(h, host, hlen) != 0)
		return false;
	if (strcmp(colon + 1, "*") == 0)
		return true;
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	return *end == '\0' && p == port;
}

static bool forward_permitted(const struct srv_client *cl, const char *host, uint32_t port)
{
	const struct ws_authkeys_entry *opt = key_options(cl);
	if (opt == NULL)
		return true;
	if (!opt->allow_port_forwarding)
		return false;
	if (opt->npermitopen == 0)
		return true;
	for (unsigned i = 0; i < opt->npermitopen; i++)
		if (permitopen_matches(opt->permitopen[i], host, port))
			return true;
	return false;
}

/* ---------------------------------------------------------------- connecting */

/* Start a non-blocking connect to the first address of host:port; the socket or -1. */
static int connect_start(const char *host, uint32_t port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	/* names are resolved synchronously (numeric addresses and /etc/hosts answer at once) */
	if (getaddrinfo(host, portstr, &hints, &res) != 0 || res == NULL)
		return -1;
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		ws_sock_tune(fd, 0);
	return fd;
}

static void fail_connect(struct srv_chan *ch, const char *why)
{
	struct srv_client *cl = ch->cl;
	ws_info("connect for direct-tcpip channel %u from %s port %u failed: %s", ch->id, cl->peer.addr,
		cl->peer.port, why);
	int rc = ws_conn_refuse_open(srv_chan_conn(ch), ch->id, WS_OPEN_CONNECT_FAILED);
	srv_chan_destroy(ch);
	if (rc != WS_OK)
		srv_client_fatal(cl);
	else
		srv_client_kick(cl);
}

static void on_connect_timeout(struct ws_loop *loop, void *arg)
{
	(void)loop;
	fail_connect(arg, "timed out");
}

void srv_forward_connect_done(struct srv_chan *ch)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(ch->out.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		fail_connect(ch, strerror(err));
		return;
	}
	ch->connecting = false;
	ws_timer_cancel(ch->cl->srv->loop, &ch->connect_timer);
	if (ws_conn_accept_open(srv_chan_conn(ch), ch->id, ch) != WS_OK) {
		srv_client_fatal(ch->cl);
		return;
	}
	srv_client_kick(ch->cl);
}

/* ---------------------------------------------------------------- open */

static char *host_text(struct ws_bytes b)
{
	if (b.len == 0 || b.len >= HOST_MAX || memchr(b.ptr, '\0', b.len) != NULL)
		return NULL;
	char *s = malloc(b.len + 1);
	if (s != NULL) {
		memcpy(s, b.ptr, b.len);
		s[b.len] = '\0';
	}
	return s;
}

static uint32_t begin_forward(struct srv_client *cl, struct ws_conn_event *ev, const char *host)
{
	uint32_t port = ev->u.open.port;
	struct srv_chan *ch = NULL;
	if (port == 0 || port > 65535)
		return WS_OPEN_CONNECT_FAILED;
	if (!forward_permitted(cl, host, port)) {
		ws_info("refused local port forward to %s port %u for %s: not permitted by the key's options",
			host, port, cl->user);
		return WS_OPEN_ADMINISTRATIVELY_PROHIBITED;
	}
	int fd = connect_start(host, port);
	if (fd < 0) {
		ws_info("connect to %s port %u failed for %s", host, port, cl->user);
		return WS_OPEN_CONNECT_FAILED;
	}
	if (srv_chan_new(cl, SRV_FORWARD, ev->channel, &ch) != WS_OK ||
	    srv_reader_init(&ch->out, fd, 0, SRV_READ_CHUNK) != WS_OK) {
		if (ch != NULL)
			srv_chan_destroy(ch);
		close(fd);
		return WS_OPEN_RESOURCE_SHORTAGE;
	}
	ch->in.fd = fd;
	ch->connecting = true;
	ws_timer_init(&ch->connect_timer, on_connect_timeout, ch);
	if (ws_timer_arm(cl->srv->loop, &ch->connect_timer, SRV_CONNECT_TIMEOUT_MS) != WS_OK)
		ws_error("cannot arm the connect timer");
	ws_verbose("direct-tcpip channel %u: %s port %u for %s", ch->id, host, port, cl->user);
	ev->answer = WS_ANSWER_DEFER;
	srv_chan_progress(ch); /* watch the socket for the connect's completion */
	return 0;
}

void srv_forward_open(struct srv_client *cl, struct ws_conn_event *ev)
{
	char *host = host_text(ev->u.open.host);
	uint32_t refuse = host != NULL ? begin_forward(cl, ev, host) : WS_OPEN_CONNECT_FAILED;
	free(host);
	if (refuse != 0) {
		ev->answer = WS_ANSWER_REFUSE;
		ev->refuse_reason = refuse;
	}
}

/* ---------------------------------------------------------------- the end */

void srv_forward_maybe_finish(struct srv_chan *ch)
{
	if (ch->connecting || ch->closing)
		return;
	if (ch->out.eof && ch->out.len == 0 && !ch->eof_sent) {
		ch->eof_sent = true;
		if (ws_conn_send_eof(srv_chan_conn(ch), ch->id) != WS_OK &&
		    ws_server_conn_check(ch->cl->m) != WS_OK) {
			srv_client_fatal(ch->cl);
			return;
		}
		srv_client_flush(ch->cl);
	}
	if (ch->eof_sent && ch->in.done) {
		srv_chan_close(ch);
		srv_chan_close_fd(ch, ch->out.fd);
		srv_client_flush(ch->cl);
	}
}

void srv_forward_release(struct srv_chan *ch)
{
	if (ch->connect_timer.cb != NULL)
		ws_timer_cancel(ch->cl->srv->loop, &ch->connect_timer);
}
