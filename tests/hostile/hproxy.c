/* hproxy.c — macflip: a one-connection TCP proxy between a real SSH client and the server that
 * flips one bit of the client-to-server stream at a chosen offset (inside an encrypted packet
 * once the transfer runs), then watches who closes: the server MUST refuse the packet
 * (RFC 4253 §6.4 MAC, RFC 5647 / PROTOCOL.chacha20poly1305 tag). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostile.h"

#define RELAY_CHUNK 65536u
#define ACCEPT_WAIT_MS 30000
#define AFTER_CLIENT_EOF_MS 3000

struct relay {
	int client, server;
	uint64_t c2s, s2c; /* bytes relayed each way */
	uint64_t flip_at;
	bool flipped;
	int64_t t_flip;
	bool client_eof, server_eof;
	int64_t t_server_eof;
	int64_t t_first_eof;	 /* when either side ended its stream */
	uint64_t s2c_after_flip; /* e.g. the server's DISCONNECT */
	const char *closed_by;	 /* who ended the stream first */
};

static int accept_one(int lfd, int64_t deadline, int *fd)
{
	struct pollfd pf = {lfd, POLLIN, 0};
	*fd = -1;
	while (h_left_ms(deadline, 1) > 0 && !h_hold_interrupted()) {
		if (poll(&pf, 1, h_left_ms(deadline, 100)) > 0) {
			*fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			return *fd >= 0 ? WS_OK : WS_ERR_IO;
		}
	}
	return WS_ERR_TIMEOUT;
}

/* Flip the byte at r->flip_at if it falls in this chunk of the client's stream. */
static void maybe_flip(struct relay *r, uint8_t *buf, size_t n)
{
	if (r->flipped || r->flip_at < r->c2s || r->flip_at >= r->c2s + n)
		return;
	buf[r->flip_at - r->c2s] ^= 0x01;
	r->flipped = true;
	r->t_flip = h_now_ms();
}

/* Move one chunk from one side to the other; false once the source ended. */
static bool pass(struct relay *r, bool from_client)
{
	static uint8_t buf[RELAY_CHUNK];
	int src = from_client ? r->client : r->server, dst = from_client ? r->server : r->client;
	ssize_t n = read(src, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		if (r->closed_by == NULL) {
			r->closed_by = from_client ? "client" : "server";
			r->t_first_eof = h_now_ms();
		}
		shutdown(dst, SHUT_WR);
		return false;
	}
	if (from_client)
		maybe_flip(r, buf, (size_t)n);
	if (h_write_all(dst, buf, (size_t)n, h_deadline()) != WS_OK)
		return false;
	*(from_client ? &r->c2s : &r->s2c) += (uint64_t)n;
	if (!from_client && r->flipped)
		r->s2c_after_flip += (uint64_t)n;
	return true;
}

static void relay_run(struct relay *r)
{
	int64_t end = h_deadline();
	while (!r->server_eof && h_left_ms(end, 1) > 0) {
		struct pollfd pf[2] = {{r->client, r->client_eof ? 0 : POLLIN, 0}, {r->server, POLLIN, 0}};
		if (poll(pf, 2, h_left_ms(end, 100)) <= 0)
			continue;
		if (pf[0].revents != 0 && !r->client_eof && !pass(r, true)) {
			r->client_eof = true;
			end = h_now_ms() + AFTER_CLIENT_EOF_MS < end ? h_now_ms() + AFTER_CLIENT_EOF_MS : end;
		}
		if (pf[1].revents != 0 && !pass(r, false)) {
			r->server_eof = true;
			r->t_server_eof = h_now_ms();
		}
	}
}

int h_mode_macflip(const struct hopts *o)
{
	struct relay r = {.client = -1, .server = -1, .flip_at = o->flip_offset};
	uint16_t port = o->listen_port;
	int lfd;
	if (h_listen(o->host, &port, &lfd) != WS_OK) {
		h_result("macflip", "phase=done error=listen");
		return H_EXIT_FAILED;
	}
	h_result("macflip", "phase=listening port=%u", port);
	int64_t accept_end = h_now_ms() + ACCEPT_WAIT_MS;
	int rc = accept_one(lfd, accept_end < h_deadline() ? accept_end : h_deadline(), &r.client);
	if (rc == WS_OK)
		rc = h_connect(o->host, o->port, h_deadline(), &r.server);
	if (rc == WS_OK)
		relay_run(&r);
	h_result("macflip",
		 "phase=done proxied=%d flipped=%d offset=%llu c2s=%llu s2c=%llu "
		 "s2c_after_flip=%llu closed_by=%s server_closed=%d end_after_flip_ms=%lld "
		 "server_close_after_flip_ms=%lld",
		 rc == WS_OK, r.flipped, (unsigned long long)r.flip_at, (unsigned long long)r.c2s,
		 (unsigned long long)r.s2c, (unsigned long long)r.s2c_after_flip,
		 r.closed_by != NULL ? r.closed_by : "none", r.server_eof,
		 (long long)(r.flipped && r.closed_by != NULL ? r.t_first_eof - r.t_flip : -1),
		 (long long)(r.flipped && r.server_eof ? r.t_server_eof - r.t_flip : -1));
	close(lfd);
	if (r.client >= 0)
		close(r.client);
	if (r.server >= 0)
		close(r.server);
	return r.flipped ? H_EXIT_DONE : H_EXIT_FAILED;
}
