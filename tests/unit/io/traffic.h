/* traffic.h — one end of a test connection driven by session_io: sends `total` bytes of seeded
 * pseudo-random payload messages (resuming on backpressure), hashes what it sent and received,
 * and records handshake, disconnect and close. Shared by the session_io and burst-group tests. */
#ifndef WS_TEST_TRAFFIC_H
#define WS_TEST_TRAFFIC_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#include "warpssh/crypto.h"
#include "warpssh/keys.h"
#include "warpssh/session_io.h"

struct traffic_side {
	struct ws_session_io *io;
	size_t total, chunk;
	bool ready, closed, got_disconnect;
	int close_err;
	size_t sent, received;
	crypto_hash_sha256_state tx_hash, rx_hash;
	uint32_t rng;
};

/* Create a transport (role, host key, cipher), wrap fd in a session_io on loop, join group if any. */
void traffic_start(struct traffic_side *s, struct ws_loop *loop, struct ws_burst_group *group, int fd,
		   enum ws_role role, const struct ws_key *hk, struct ws_crypto_engine *eng,
		   const char *cipher, uint32_t seed, size_t total, size_t chunk);
/* Queue as much of the remaining data as the transport takes now. */
void traffic_send_more(struct traffic_side *s);
/* Both directions of a pair arrived complete and with matching hashes (finalizes the hashes). */
bool traffic_pair_intact(struct traffic_side *a, struct traffic_side *b);
/* What every test connection needs: a crypto engine, a host key, a loop, a loopback listener. */
struct traffic_env {
	struct ws_crypto_engine *eng;
	struct ws_key host_key;
	struct ws_loop *loop;
	int lfd;
	uint16_t port;
};
void traffic_env_init(struct traffic_env *env);
void traffic_env_free(struct traffic_env *env);
/* Connect to the listener and accept: *cfd the client end, *sfd the server end. */
void traffic_connect(struct traffic_env *env, int *cfd, int *sfd);

#endif
