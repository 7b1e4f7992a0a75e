/* sock.h — kernel TCP sockets for the runtime: listening (IPv4/IPv6), connecting with a timeout,
 * tuning for bulk transfer (non-blocking, TCP_NODELAY, large buffers), and printable addresses. */
#ifndef WARPSSH_SOCK_H
#define WARPSSH_SOCK_H

#include <stdint.h>

#include "warpssh/err.h"

#define WS_ADDR_STRLEN 64 /* "[v6addr]" or "v4addr", no port */

struct ws_sock_peer {
	char addr[WS_ADDR_STRLEN]; /* numeric address without brackets */
	uint16_t port;
};

/* Listen on host (numeric or name; NULL or "" = all addresses, both families) and port (0 = any;
 * the bound port is written back). Non-blocking, close-on-exec, SO_REUSEADDR. */
WS_MUST_USE int ws_sock_listen(const char *host, uint16_t *port, int backlog, int *fd);
/* Accept one connection, non-blocking and tuned; WS_ERR_AGAIN when none is pending. */
WS_MUST_USE int ws_sock_accept(int lfd, int *fd, struct ws_sock_peer *peer);
/* Blocking connect with a timeout (0 = none) to host:port, trying every address; the socket is
 * returned non-blocking and tuned. Errors: WS_ERR_TIMEOUT, WS_ERR_NOT_FOUND (name), WS_ERR_IO. */
WS_MUST_USE int ws_sock_connect(const char *host, uint16_t port, int timeout_ms, int *fd);
/* Non-blocking + TCP_NODELAY + send/receive buffers of bufsize bytes (0 = leave as is). */
void ws_sock_tune(int fd, int bufsize);
WS_MUST_USE int ws_sock_local(int fd, struct ws_sock_peer *local);
WS_MUST_USE int ws_sock_remote(int fd, struct ws_sock_peer *remote);

#endif
