/* mini_io.c — the blocking one-connection runtime of mini_io.h. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mini_io.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write what the transport has due; false on a socket error. */
static bool flush_out(int fd, struct ws_transport *t)
{
	for (unsigned guard = 0; guard < 100000; guard++) {
		const uint8_t *d;
		size_t len;
		if (ws_transport_output(t, &d, &len) != WS_OK || len == 0)
			return true;
		ssize_t n = write(fd, d, len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		if (ws_transport_output_consume(t, (size_t)n) != WS_OK)
			return false;
	}
	return true;
}

/* Read once; 1 = bytes in, 0 = EOF, < 0 error. */
static int read_in(int fd, struct ws_transport *t)
{
	uint8_t *space;
	size_t room;
	if (ws_transport_input_space(t, &space, &room) != WS_OK || room == 0)
		return -1;
	ssize_t n = read(fd, space, room);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	if (n == 0) {
		ws_transport_input_eof(t);
		return 0;
	}
	return ws_transport_input_commit(t, (size_t)n) == WS_OK ? 1 : -1;
}

static int drain_events(struct ws_transport *t, mini_event_fn fn, void *arg)
{
	struct ws_transport_event ev;
	int rc;
	while ((rc = ws_transport_poll(t, &ev)) > 0) {
		int r = fn(t, &ev, arg);
		if (r != 0)
			return r;
		if (ev.type == WS_TEV_DISCONNECTED)
			return 0;
	}
	return rc;
}

int mini_run(int fd, struct ws_transport *t, mini_event_fn fn, void *arg, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int result = WS_ERR_TIMEOUT;
	while (now_ms() < deadline) {
		if (!flush_out(fd, t)) {
			result = WS_ERR_IO;
			break;
		}
		struct pollfd pfd = {fd, POLLIN | (ws_transport_output_pending(t) ? POLLOUT : 0), 0};
		if (poll(&pfd, 1, (int)(deadline - now_ms())) < 0 && errno != EINTR) {
			result = WS_ERR_IO;
			break;
		}
		int r = (pfd.revents & (POLLIN | POLLHUP | POLLERR)) ? read_in(fd, t) : 1;
		int e = drain_events(t, fn, arg);
		if (e != 0 || r < 0 || ws_transport_state(t) >= WS_TSTATE_CLOSED) {
			result = e != 0 ? e : r < 0 ? WS_ERR_IO : 0;
			break;
		}
		if (r == 0) {
			result = 0;
			break;
		}
	}
	flush_out(fd, t);
	return result;
}

char *mini_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *buf = calloc(1, 65536);
	*len = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	return buf;
}

void mini_print_algs(const struct ws_transport *t)
{
	const struct ws_transport_algs *a = ws_transport_algs(t);
	printf("kex=%s hostkey=%s cipher_c2s=%s cipher_s2c=%s mac_c2s=%s mac_s2c=%s strict=%d\n",
	       a->kex, a->host_key, a->cipher_c2s, a->cipher_s2c, a->mac_c2s, a->mac_s2c,
	       a->strict_kex);
	fflush(stdout);
}
