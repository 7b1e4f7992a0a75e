/* authmsg.h — builders for the user-authentication messages a client sends (RFC 4252), so the
 * server tests can script a peer byte for byte, including wrong and truncated ones. */
#ifndef WS_TEST_AUTHMSG_H
#define WS_TEST_AUTHMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/keys.h"

#define AUTHMSG_MAX 2048

struct authmsg {
	uint8_t data[AUTHMSG_MAX];
	size_t len;
};

void authmsg_service_request(struct authmsg *m, const char *service);
void authmsg_none(struct authmsg *m, const char *user);
void authmsg_method(struct authmsg *m, const char *user, const char *service, const char *method);
void authmsg_pk_query(struct authmsg *m, const char *user, const struct ws_key *key);
/* Signed publickey request; the signature covers sign_session_id (pass another id to forge). */
void authmsg_pk_signed(struct authmsg *m, const char *user, const struct ws_key *key,
		       const uint8_t *sign_session_id, size_t sid_len);
void authmsg_password(struct authmsg *m, const char *user, const char *password, bool change);

#endif
