/* mini_client.c — a test SSH client on the transport engine: connects to 127.0.0.1:PORT, checks
 * the server's host key against an expected public key file, requests ssh-userauth, sends a
 * USERAUTH_REQUEST "none" and succeeds once USERAUTH_FAILURE lists the methods.
 * Usage: mini_client PORT HOST_PUBKEY_FILE KEX CIPHER MAC ("-" = default). Prints the negotiated
 * algorithms and "userauth-failure methods=..." on stdout. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mini_io.h"
#include "warpssh/sock.h"

#define USERAUTH_REQUEST 50
#define USERAUTH_FAILURE 51

struct client_state {
	struct ws_key expected;
};

static int send_none_request(struct ws_transport *t)
{
	uint8_t msg[128];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	if (ws_buf_put_u8(&w, USERAUTH_REQUEST) || ws_buf_put_cstring(&w, "nobody") ||
	    ws_buf_put_cstring(&w, "ssh-connection") || ws_buf_put_cstring(&w, "none"))
		return -1;
	return ws_transport_send(t, msg, w.wpos) == WS_OK ? 0 : -1;
}

static int on_failure(const struct ws_transport_event *ev)
{
	struct ws_buf r;
	char methods[256];
	bool partial;
	ws_buf_init_read(&r, ev->payload, ev->len);
	r.rpos = 1;
	if (ws_buf_get_cstring(&r, methods, sizeof(methods)) || ws_buf_get_bool(&r, &partial))
		return -1;
	printf("userauth-failure methods=%s\n", methods);
	return 1;
}

static int on_event(struct ws_transport *t, const struct ws_transport_event *ev, void *arg)
{
	struct client_state *st = arg;
	switch (ev->type) {
	case WS_TEV_HOST_KEY: {
		bool ok = ws_key_equal_public(ev->host_key, &st->expected);
		printf("host-key %s\n", ok ? "matches" : "MISMATCH");
		return ws_transport_host_key_verdict(t, ok) == WS_OK ? 0 : -1;
	}
	case WS_TEV_HANDSHAKE_DONE:
		mini_print_algs(t);
		printf("server-version=%s\n", ws_transport_peer_version(t));
		return 0;
	case WS_TEV_SERVICE_ACCEPTED:
		printf("service-accepted %s\n", ev->message);
		return send_none_request(t);
	case WS_TEV_PAYLOAD:
		return ev->payload[0] == USERAUTH_FAILURE ? on_failure(ev) : 0;
	case WS_TEV_DISCONNECTED:
		printf("disconnected reason=%u: %s\n", ev->reason, ev->message);
		return -1;
	default:
		return 0;
	}
}

static const char *opt(const char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

int main(int argc, char **argv)
{
	struct client_state st;
	struct ws_crypto_engine *eng;
	struct ws_transport *t;
	size_t len;
	int fd;
	signal(SIGPIPE, SIG_IGN);
	if (argc != 6) {
		fprintf(stderr, "usage: mini_client PORT HOST_PUBKEY KEX CIPHER MAC\n");
		return 2;
	}
	char *pub = mini_read_file(argv[2], &len);
	if (pub == NULL || ws_key_parse_public(&st.expected, pub, len) != WS_OK)
		return 2;
	free(pub);
	struct ws_transport_config cfg = {.role = WS_ROLE_CLIENT, .service = "ssh-userauth",
					  .kex_algorithms = opt(argv[3]), .ciphers = opt(argv[4]),
					  .macs = opt(argv[5])};
	if (ws_crypto_engine_new(&eng) != WS_OK || ws_transport_new(&t, &cfg, eng) != WS_OK ||
	    ws_sock_connect("127.0.0.1", (uint16_t)atoi(argv[1]), 5000, &fd) != WS_OK)
		return 1;
	int rc = mini_run(fd, t, on_event, &st, 15000);
	if (rc != 1)
		fprintf(stderr, "mini_client: failed (%d): %s\n", rc, ws_transport_error_message(t));
	else if (ws_transport_disconnect(t, WS_DISCONNECT_BY_APPLICATION, "done") != WS_OK)
		rc = -1;
	const uint8_t *d;
	size_t n;
	if (ws_transport_output(t, &d, &n) == WS_OK && n > 0 && write(fd, d, n) < 0)
		rc = -1;
	close(fd);
	ws_transport_free(t);
	ws_crypto_engine_free(eng);
	return rc == 1 ? 0 : 1;
}
