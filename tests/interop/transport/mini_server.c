/* mini_server.c — a test SSH server on the transport engine: accepts connections on 127.0.0.1,
 * completes the key exchange, accepts the ssh-userauth service and answers every
 * USERAUTH_REQUEST with USERAUTH_FAILURE ("publickey"), so `ssh` ends with "Permission denied".
 * Usage: mini_server HOSTKEY_FILE PORT_FILE [MAX_CONNECTIONS]. Writes the bound port to
 * PORT_FILE, and the host key fingerprint to stdout first. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mini_io.h"
#include "warpssh/sock.h"

#define USERAUTH_REQUEST 50
#define USERAUTH_FAILURE 51

static int on_event(struct ws_transport *t, const struct ws_transport_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == WS_TEV_HANDSHAKE_DONE)
		mini_print_algs(t);
	if (ev->type != WS_TEV_PAYLOAD)
		return 0;
	if (ev->payload[0] != USERAUTH_REQUEST)
		return ws_transport_send_unimplemented(t, ev->seqnr) < 0 ? -1 : 0;
	/* RFC 4252 §5.1: byte 51, name-list methods that can continue, boolean partial success */
	static const uint8_t failure[] = {USERAUTH_FAILURE, 0, 0, 0, 9, 'p', 'u', 'b', 'l', 'i',
					  'c', 'k', 'e', 'y', 0};
	return ws_transport_send(t, failure, sizeof(failure)) < 0 ? -1 : 0;
}

static int load_host_key(const char *path, struct ws_key *key)
{
	size_t len;
	char *text = mini_read_file(path, &len);
	if (text == NULL)
		return WS_ERR_IO;
	int rc = ws_key_parse_private(key, text, len);
	free(text);
	return rc;
}

static void serve_one(int fd, const struct ws_key *key, struct ws_crypto_engine *eng)
{
	struct ws_transport_config cfg = {.role = WS_ROLE_SERVER, .host_key = key,
					  .service = "ssh-userauth"};
	struct ws_transport *t;
	if (ws_transport_new(&t, &cfg, eng) != WS_OK)
		return;
	int rc = mini_run(fd, t, on_event, NULL, 20000);
	fprintf(stderr, "mini_server: connection ended (%d): %s\n", rc,
		ws_transport_error_message(t));
	ws_transport_free(t);
}

int main(int argc, char **argv)
{
	struct ws_key key;
	struct ws_crypto_engine *eng;
	char fp[WS_FINGERPRINT_MAX];
	uint16_t port = 0;
	int lfd;
	signal(SIGPIPE, SIG_IGN); /* a peer closing early must not kill us */
	if (argc < 3) {
		fprintf(stderr, "usage: mini_server HOSTKEY PORT_FILE [MAX_CONNECTIONS]\n");
		return 2;
	}
	long max = argc > 3 ? atol(argv[3]) : 1000;
	if (load_host_key(argv[1], &key) != WS_OK || ws_crypto_engine_new(&eng) != WS_OK ||
	    ws_sock_listen("127.0.0.1", &port, 16, &lfd) != WS_OK)
		return 1;
	ws_key_fingerprint(&key, fp);
	printf("fingerprint=%s\n", fp);
	fflush(stdout);
	FILE *pf = fopen(argv[2], "w");
	if (pf == NULL)
		return 1;
	fprintf(pf, "%u\n", port);
	fclose(pf);
	for (long served = 0; served < max;) {
		struct ws_sock_peer peer;
		struct pollfd pfd = {lfd, POLLIN, 0};
		int fd;
		if (poll(&pfd, 1, 60000) <= 0)
			break; /* idle for a minute: the test is over */
		int rc = ws_sock_accept(lfd, &fd, &peer);
		if (rc == WS_ERR_AGAIN)
			continue;
		if (rc != WS_OK)
			return 1;
		serve_one(fd, &key, eng);
		close(fd);
		served++;
	}
	ws_crypto_engine_free(eng);
	ws_key_wipe(&key);
	return 0;
}
