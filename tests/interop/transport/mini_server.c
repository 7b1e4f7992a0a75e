/* mini_server.c — a test SSH server on the transport engine: accepts connections on 127.0.0.1,
 * completes the key exchange, accepts the ssh-userauth service and answers every
 * USERAUTH_REQUEST with USERAUTH_FAILURE ("publickey"), so `ssh` ends with "Permission denied".
 * With MODE "rekey" it instead accepts "none" auth (USERAUTH_SUCCESS), starts a key re-exchange
 * (OpenSSH accepts one only after auth) and refuses the channel open that follows.
 * Usage: mini_server HOSTKEY_FILE PORT_FILE [MAX_CONNECTIONS [MODE]]. Writes the bound port to
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
#define USERAUTH_SUCCESS 52
#define CHANNEL_OPEN 90
#define CHANNEL_OPEN_FAILURE 92

static bool rekey_mode;

/* RFC 4254 §5.1: refuse with ADMINISTRATIVELY_PROHIBITED (1). */
static int refuse_channel(struct ws_transport *t, const struct ws_transport_event *ev)
{
	struct ws_buf r, w;
	struct ws_bytes type;
	uint32_t sender;
	uint8_t msg[64];
	ws_buf_init_read(&r, ev->payload, ev->len);
	r.rpos = 1;
	ws_buf_init_write(&w, msg, sizeof(msg));
	if (ws_buf_get_string(&r, &type, 64) || ws_buf_get_u32(&r, &sender) ||
	    ws_buf_put_u8(&w, CHANNEL_OPEN_FAILURE) || ws_buf_put_u32(&w, sender) ||
	    ws_buf_put_u32(&w, 1) || ws_buf_put_cstring(&w, "no channels here") ||
	    ws_buf_put_cstring(&w, ""))
		return -1;
	return ws_transport_send(t, msg, w.wpos) < 0 ? -1 : 0;
}

static int accept_and_rekey(struct ws_transport *t)
{
	static const uint8_t success[] = {USERAUTH_SUCCESS};
	if (ws_transport_send(t, success, sizeof(success)) < 0)
		return -1;
	return ws_transport_rekey(t) == WS_OK ? 0 : -1;
}

static int on_event(struct ws_transport *t, const struct ws_transport_event *ev, void *arg)
{
	(void)arg;
	if (ev->type == WS_TEV_HANDSHAKE_DONE)
		mini_print_algs(t);
	if (ev->type != WS_TEV_PAYLOAD)
		return 0;
	if (rekey_mode && ev->payload[0] == USERAUTH_REQUEST)
		return accept_and_rekey(t);
	if (rekey_mode && ev->payload[0] == CHANNEL_OPEN)
		return refuse_channel(t, ev);
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
	printf("kex-count=%u\n", ws_transport_kex_count(t));
	fflush(stdout);
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
	rekey_mode = argc > 4 && strcmp(argv[4], "rekey") == 0;
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
