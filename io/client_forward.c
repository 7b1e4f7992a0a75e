/* client_forward.c — local port forwarding (ssh -L [bind:]port:host:hostport): listeners on the
 * bind address (loopback unless "*" or an address is given) and, per accepted connection, a
 * direct-tcpip channel (RFC 4254 §7.2) pumped by a socket stream. */
#include <string.h>
#include <unistd.h>

#include "io/client_internal.h"
#include "warpssh/log.h"
#include "warpssh/sock.h"

static void accept_one(struct cli_listener *l, int fd, const struct ws_sock_peer *peer)
{
	struct cli_rt *rt = l->rt;
	struct cli_stream *s;
	if (cli_stream_new(rt, fd, fd, -1, true, &s) != WS_OK) {
		close(fd);
		return;
	}
	int rc = ws_client_open_forward(rt->client, l->spec->host, l->spec->host_port, peer->addr, peer->port, s,
					&s->chan);
	if (rc != WS_OK) {
		ws_error("channel open for %s:%u failed: %s", l->spec->host, l->spec->host_port, ws_strerror(rc));
		cli_stream_free(s);
		return;
	}
	ws_verbose("Connection to port %u forwarding to %s port %u requested.", l->spec->port, l->spec->host,
		   l->spec->host_port);
	s->next = rt->streams;
	rt->streams = s;
	ws_session_io_flush(rt->io);
}

static void on_listener(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct cli_listener *l = arg;
	for (int i = 0; i < 16; i++) {
		int cfd;
		struct ws_sock_peer peer;
		if (ws_sock_accept(fd, &cfd, &peer) != WS_OK)
			return;
		accept_one(l, cfd, &peer);
	}
}

static const char *bind_host(const struct ws_client_forward *f)
{
	if (f->bind[0] == '\0' || strcmp(f->bind, "localhost") == 0)
		return "127.0.0.1";
	return strcmp(f->bind, "*") == 0 ? "" : f->bind;
}

int cli_forwards_listen(struct cli_rt *rt)
{
	for (unsigned i = 0; i < rt->opt->nforwards; i++) {
		const struct ws_client_forward *f = &rt->opt->forwards[i];
		struct cli_listener *l = &rt->listeners[rt->nlisteners];
		uint16_t port = f->port;
		int rc = ws_sock_listen(bind_host(f), &port, 64, &l->fd);
		if (rc == WS_OK && (rc = ws_loop_add(rt->loop, l->fd, WS_EV_READ, on_listener, l)) != WS_OK)
			close(l->fd);
		if (rc != WS_OK) {
			ws_error("bind [%s]:%u: %s\nCould not request local forwarding.", bind_host(f), f->port,
				 ws_strerror(rc));
			continue;
		}
		l->rt = rt;
		l->spec = f;
		rt->nlisteners++;
		ws_verbose("Local forwarding listening on %s port %u.", bind_host(f), port);
	}
	return WS_OK;
}

void cli_forwards_close(struct cli_rt *rt)
{
	for (unsigned i = 0; i < rt->nlisteners; i++) {
		ws_loop_del(rt->loop, rt->listeners[i].fd);
		close(rt->listeners[i].fd);
	}
	rt->nlisteners = 0;
}
