/* auth_internal.h — helpers shared by the server and client halves of user authentication
 * (engine/auth_*.c), private to engine/. */
#ifndef WARPSSH_ENGINE_AUTH_INTERNAL_H
#define WARPSSH_ENGINE_AUTH_INTERNAL_H

#include <stdbool.h>

#include "warpssh/auth.h"
#include "warpssh/buf.h"

#define WS_AUTH_SERVICE_USERAUTH "ssh-userauth"
#define WS_AUTH_SERVICE_CONNECTION "ssh-connection"
#define WS_AUTH_ALG_ED25519 "ssh-ed25519"
#define WS_AUTH_NAME_MAX 64u /* service, method and algorithm names */

/* True if the comma-separated name-list contains name exactly (RFC 4251 §5). */
bool ws_namelist_has(struct ws_bytes list, const char *name);
/* byte USERAUTH_REQUEST || string user || string service || string method. */
WS_MUST_USE int ws_auth_put_request_head(struct ws_buf *b, const char *user, const char *service,
					 const char *method);
/* Fail with WS_ERR_FORMAT unless every byte of b was consumed. */
WS_MUST_USE int ws_buf_expect_end(const struct ws_buf *b);

#endif
