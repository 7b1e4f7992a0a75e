/* sock.c — kernel TCP socket set-up: listen, accept, connect with timeout, tuning, addresses. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "warpssh/log.h"
#include "warpssh/sock.h"

#define SOCK_DEFAULT_BUF (4 * 1024 * 1024)

void ws_sock_tune(int fd, int bufsize)
{
	int one = 1;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bufsize > 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	}
}

static void sockaddr_to_peer(const struct sockaddr_storage *ss, struct ws_sock_peer *p)
{
	char port[16];
	memset(p, 0, sizeof(*p));
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), p->addr, sizeof(p->addr), port,
			sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(p->addr, sizeof(p->addr), "unknown");
		return;
	}
	p->port = (uint16_t)atoi(port);
}

static int bound_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	WS_ENSURE(getsockname(fd, (struct sockaddr *)&ss, &len) == 0, WS_ERR_IO);
	struct ws_sock_peer p;
	sockaddr_to_peer(&ss, &p);
	*port = p.port;
	return WS_OK;
}

int ws_sock_listen(const char *host, uint16_t *port, int backlog, int *fd)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res = NULL;
	char portstr[8];
	*fd = -1;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)*port);
	if (host != NULL && host[0] == '\0')
		host = NULL;
	if (host == NULL)
		hints.ai_family = AF_INET6; /* dual-stack socket covers IPv4 too */
	int gai = getaddrinfo(host, portstr, &hints, &res);
	if (gai != 0) {
		ws_error("listen %s:%s: %s", host ? host : "*", portstr, gai_strerror(gai));
		return WS_ERR_NOT_FOUND;
	}
	int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;
	if (s >= 0) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (res->ai_family == AF_INET6 && host == NULL)
			setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (s < 0 || bind(s, res->ai_addr, res->ai_addrlen) != 0 || listen(s, backlog) != 0 ||
	    bound_port(s, port) != WS_OK) {
		ws_error("listen %s:%s: %s", host ? host : "*", portstr, strerror(errno));
		if (s >= 0)
			close(s);
		freeaddrinfo(res);
		return WS_ERR_IO;
	}
	freeaddrinfo(res);
	*fd = s;
	return WS_OK;
}

int ws_sock_accept(int lfd, int *fd, struct ws_sock_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	*fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (*fd < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? WS_ERR_AGAIN : WS_ERR_IO;
	ws_sock_tune(*fd, SOCK_DEFAULT_BUF);
	sockaddr_to_peer(&ss, peer);
	return WS_OK;
}

static int connect_one(const struct addrinfo *ai, int timeout_ms, int *fd)
{
	int s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	WS_ENSURE(s >= 0, WS_ERR_IO);
	ws_sock_tune(s, SOCK_DEFAULT_BUF);
	if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		close(s);
		return WS_ERR_IO;
	}
	struct pollfd p = {.fd = s, .events = POLLOUT};
	int n = poll(&p, 1, timeout_ms > 0 ? timeout_ms : -1);
	int err = 0;
	socklen_t elen = sizeof(err);
	if (n <= 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
		close(s);
		errno = err;
		return n == 0 ? WS_ERR_TIMEOUT : WS_ERR_IO;
	}
	*fd = s;
	return WS_OK;
}

int ws_sock_connect(const char *host, uint16_t port, int timeout_ms, int *fd)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV}, *res = NULL;
	char portstr[8];
	*fd = -1;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if (getaddrinfo(host, portstr, &hints, &res) != 0)
		return WS_ERR_NOT_FOUND;
	int rc = WS_ERR_IO;
	for (struct addrinfo *ai = res; ai != NULL && rc != WS_OK; ai = ai->ai_next)
		rc = connect_one(ai, timeout_ms, fd);
	freeaddrinfo(res);
	return rc;
}

int ws_sock_local(int fd, struct ws_sock_peer *local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	WS_ENSURE(getsockname(fd, (struct sockaddr *)&ss, &len) == 0, WS_ERR_IO);
	sockaddr_to_peer(&ss, local);
	return WS_OK;
}

int ws_sock_remote(int fd, struct ws_sock_peer *remote)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	WS_ENSURE(getpeername(fd, (struct sockaddr *)&ss, &len) == 0, WS_ERR_IO);
	sockaddr_to_peer(&ss, remote);
	return WS_OK;
}
