/* hnet.c — the hostile tool's plumbing: monotonic time and deadlines, the loopback-only address
 * check, non-blocking sockets with bounded waits, the SIGUSR1-ended hold and the result line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

static int64_t g_deadline_ms;
static volatile sig_atomic_t g_interrupted;

int64_t h_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void h_set_deadline(int64_t deadline_ms)
{
	g_deadline_ms = deadline_ms;
}
int64_t h_deadline(void)
{
	return g_deadline_ms;
}

int h_left_ms(int64_t deadline_ms, int cap_ms)
{
	int64_t left = deadline_ms - h_now_ms();
	if (left <= 0)
		return 0;
	return left < cap_ms ? (int)left : cap_ms;
}

bool h_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	return false; /* names are refused: only numeric loopback addresses */
}

/* Fill a sockaddr for a numeric loopback host; false otherwise. */
static bool make_addr(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (!h_is_loopback(host))
		return false;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return true;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	*len = sizeof(*s6);
	return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1;
}

int h_connect_start(const char *host, uint16_t port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	*fd = -1;
	WS_ENSURE(make_addr(host, port, &ss, &len), WS_ERR_INVALID_ARG);
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	WS_ENSURE(s >= 0, WS_ERR_IO);
	if (connect(s, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
		close(s);
		return WS_ERR_IO;
	}
	*fd = s;
	return WS_OK;
}

int h_connect_wait(int fd, int64_t deadline_ms)
{
	struct pollfd p = {fd, POLLOUT, 0};
	int err = 0;
	socklen_t elen = sizeof(err);
	for (;;) {
		int n = poll(&p, 1, h_left_ms(deadline_ms, 1000));
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR)
			return WS_ERR_IO;
		if (h_left_ms(deadline_ms, 1) == 0)
			return WS_ERR_TIMEOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
		return WS_ERR_IO;
	return WS_OK;
}

int h_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd)
{
	WS_TRY(h_connect_start(host, port, fd));
	int rc = h_connect_wait(*fd, deadline_ms);
	if (rc != WS_OK) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

int h_write_all(int fd, const void *data, size_t len, int64_t deadline_ms)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return WS_ERR_IO;
		struct pollfd pf = {fd, POLLOUT, 0};
		int wait = h_left_ms(deadline_ms, 1000);
		if (wait == 0)
			return WS_ERR_TIMEOUT;
		if (poll(&pf, 1, wait) < 0 && errno != EINTR)
			return WS_ERR_IO;
	}
	return WS_OK;
}

int h_read_some(int fd, void *buf, size_t len, int wait_ms)
{
	struct pollfd pf = {fd, POLLIN, 0};
	int n = poll(&pf, 1, wait_ms);
	if (n < 0 && errno != EINTR)
		return WS_ERR_IO;
	if (n <= 0)
		return WS_ERR_AGAIN;
	ssize_t r = read(fd, buf, len);
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? WS_ERR_AGAIN : WS_ERR_IO;
	return (int)r;
}

int h_listen(const char *host, uint16_t *port, int *fd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	*fd = -1;
	WS_ENSURE(make_addr(host, *port, &ss, &len), WS_ERR_INVALID_ARG);
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	WS_ENSURE(s >= 0, WS_ERR_IO);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, 4) != 0 ||
	    getsockname(s, (struct sockaddr *)&ss, &len) != 0) {
		close(s);
		return WS_ERR_IO;
	}
	*port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					      : ((struct sockaddr_in6 *)&ss)->sin6_port);
	*fd = s;
	return WS_OK;
}

static void on_usr1(int sig)
{
	(void)sig;
	g_interrupted = 1;
}

void h_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART: a poll in progress returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

bool h_hold_interrupted(void)
{
	return g_interrupted != 0;
}

int64_t h_hold(unsigned hold_s)
{
	int64_t start = h_now_ms();
	int64_t end = start + (int64_t)hold_s * 1000;
	if (end > g_deadline_ms)
		end = g_deadline_ms;
	while (!g_interrupted && h_now_ms() < end)
		poll(NULL, 0, h_left_ms(end, 100));
	return h_now_ms() - start;
}

void h_result(const char *mode, const char *fmt, ...)
{
	va_list ap;
	printf("hostile mode=%s ", mode);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}
