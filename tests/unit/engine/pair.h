/* pair.h — two transports (client and server) wired back to back in memory for the engine tests:
 * pumping bytes both ways, draining events, and streams of numbered payloads checked by SHA-256. */
#ifndef WS_TEST_PAIR_H
#define WS_TEST_PAIR_H

#include <sodium.h>

#include "warpssh/transport.h"

#define PAIR_DATA_MSG 94 /* SSH_MSG_CHANNEL_DATA's number; any type >= 50 works */

struct side {
	struct ws_transport *t;
	crypto_hash_sha256_state sent_hash, rx_hash;
	uint64_t sent_bytes, rx_bytes;
	uint32_t sent_msgs, rx_msgs;
	bool order_broken;
	bool handshake, service, host_key_seen, disconnected;
	uint32_t disc_reason;
	char disc_msg[WS_TRANSPORT_MSG_MAX];
	int err;               /* first negative poll/API result */
	bool reject_host_key;  /* client: answer HOST_KEY with reject */
};

struct pair {
	struct ws_crypto_engine *eng;
	struct ws_key host_key;
	struct side c, s;
	uint64_t now_ms;
};

/* Default configs: service "ssh-userauth", everything else default. */
void pair_default_configs(struct ws_transport_config *c, struct ws_transport_config *s);
/* Create both sides (configs may be NULL for defaults); aborts the test on failure. */
void pair_init(struct pair *p, const struct ws_transport_config *c, const struct ws_transport_config *s);
void pair_free(struct pair *p);
/* Move bytes from one transport to the other (as much as fits); returns bytes moved. */
size_t pair_move(struct ws_transport *from, struct ws_transport *to);
/* Poll every event of one side; returns how many. */
unsigned pair_drain(struct side *sd);
/* Move and drain until nothing happens (at most max_rounds rounds); returns rounds used. */
unsigned pair_pump(struct pair *p, unsigned max_rounds);
/* Handshake until both report HANDSHAKE_DONE (and the client SERVICE_ACCEPTED); true on success. */
bool pair_handshake(struct pair *p);
/* Send one numbered data payload of len bytes (>= 5); returns ws_transport_send's result. */
int pair_send_data(struct side *sd, size_t len);
/* True if everything `from` sent arrived at `to`, in order, with equal hashes. */
bool pair_stream_ok(const struct side *from, const struct side *to);

#endif
