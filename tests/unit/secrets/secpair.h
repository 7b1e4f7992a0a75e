/* secpair.h — a client/server transport pair (tests/unit/engine/pair.h) with user authentication on
 * top: publickey offered and refused, then passwords tried in order. The secrets tests drive it
 * through handshake, auth, traffic, rekey, tampering and disconnect. */
#ifndef WS_TEST_SECPAIR_H
#define WS_TEST_SECPAIR_H

#include "../engine/pair.h"
#include "warpssh/auth.h"

#define SECPAIR_MAX_TRIES 4u

struct secpair {
	struct pair p;
	struct ws_auth_server *as;
	struct ws_auth_client *ac;
	struct ws_payload_sink ssink, csink;
	struct ws_key user_key;
	const char *password;		      /* the one the server takes */
	const char *tries[SECPAIR_MAX_TRIES]; /* what the client offers, in order */
	unsigned ntries, tried;
	unsigned failed_attempts;
	bool authenticated;
	int auth_error;	  /* first error of an auth module */
	uint32_t data_rx; /* data payloads received (both sides) */
	uint8_t scratch[WS_TRANSPORT_MAX_PAYLOAD];
};

/* cipher / mac / rekey_bytes: transport settings for both sides (NULL / 0: defaults). */
void secpair_init(struct secpair *sp, const char *cipher, const char *mac, uint64_t rekey_bytes,
		  const char *password, const char *const *tries, unsigned ntries);
/* Handshake and authentication; true once the client is authenticated. */
bool secpair_connect(struct secpair *sp);
/* Move bytes and events until quiet (bounded). */
void secpair_pump(struct secpair *sp);
/* n data payloads of len bytes each way. */
void secpair_traffic(struct secpair *sp, unsigned n, size_t len);
/* Client-initiated key re-exchange; true once both sides completed it. */
bool secpair_rekey(struct secpair *sp);
/* Flip one byte of the client's next packet on the wire (the server must fail with MAC). */
void secpair_tamper_next(struct secpair *sp);
void secpair_free(struct secpair *sp);

#endif
