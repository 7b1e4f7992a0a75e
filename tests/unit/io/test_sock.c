/* test_sock.c — listen on an ephemeral loopback port, connect, accept, exchange bytes, and
 * report both ends' addresses; a refused port and an unknown name give distinct errors. */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "warpssh/sock.h"

int main(void)
{
	int lfd, cfd, sfd = -1;
	uint16_t port = 0;
	REQUIRE(ws_sock_listen("127.0.0.1", &port, 16, &lfd) == WS_OK);
	CHECK(port != 0);
	REQUIRE(ws_sock_connect("127.0.0.1", port, 2000, &cfd) == WS_OK);
	struct ws_sock_peer peer = {0};
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	CHECK_EQ(poll(&p, 1, 2000), 1);
	CHECK_EQ(ws_sock_accept(lfd, &sfd, &peer), WS_OK);
	CHECK(strcmp(peer.addr, "127.0.0.1") == 0);
	struct ws_sock_peer local = {0}, remote = {0};
	CHECK_EQ(ws_sock_local(cfd, &local), WS_OK);
	CHECK_EQ(ws_sock_remote(cfd, &remote), WS_OK);
	CHECK_EQ(local.port, peer.port);
	CHECK_EQ(remote.port, port);
	CHECK_EQ(write(cfd, "ping", 4), 4);
	struct pollfd q = {.fd = sfd, .events = POLLIN};
	CHECK_EQ(poll(&q, 1, 2000), 1);
	char buf[8] = {0};
	CHECK_EQ(read(sfd, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	int none;
	CHECK_EQ(ws_sock_accept(lfd, &none, &peer), WS_ERR_AGAIN);
	close(sfd);
	close(cfd);
	close(lfd);
	/* the port is closed now: connection refused */
	CHECK_EQ(ws_sock_connect("127.0.0.1", port, 2000, &cfd), WS_ERR_IO);
	CHECK_EQ(ws_sock_connect("no-such-host.invalid", 22, 2000, &cfd), WS_ERR_NOT_FOUND);
	return check_done("test_sock");
}
