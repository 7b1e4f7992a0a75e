/* auth_common.c — what both sides of user authentication build the same way: the publickey
 * signed data (RFC 4252 §7), the USERAUTH_REQUEST header, name-list lookup. */
#include <string.h>

#include "engine/auth_internal.h"
#include "engine/conn_msg.h"

int ws_buf_expect_end(const struct ws_buf *b)
{
	return ws_buf_avail(b) == 0 ? WS_OK : WS_ERR_FORMAT;
}

bool ws_namelist_has(struct ws_bytes list, const char *name)
{
	size_t want = strlen(name);
	size_t start = 0;
	for (size_t i = 0; i <= list.len; i++) {
		if (i < list.len && list.ptr[i] != ',')
			continue;
		if (i - start == want && memcmp(list.ptr + start, name, want) == 0)
			return true;
		start = i + 1;
	}
	return false;
}

int ws_auth_put_request_head(struct ws_buf *b, const char *user, const char *service, const char *method)
{
	WS_TRY(ws_buf_put_u8(b, WS_MSG_USERAUTH_REQUEST));
	WS_TRY(ws_buf_put_cstring(b, user));
	WS_TRY(ws_buf_put_cstring(b, service));
	return ws_buf_put_cstring(b, method);
}

int ws_auth_pubkey_signed_data(struct ws_buf *out, const uint8_t *session_id, size_t session_id_len,
			       const char *user, const char *service, const uint8_t *key_blob,
			       size_t key_blob_len)
{
	WS_ENSURE(session_id_len > 0 && session_id_len <= WS_AUTH_SESSION_ID_MAX, WS_ERR_INVALID_ARG);
	/* RFC 4252 §7: the signature is over string session_id followed by the request fields */
	WS_TRY(ws_buf_put_string(out, session_id, session_id_len));
	WS_TRY(ws_auth_put_request_head(out, user, service, "publickey"));
	WS_TRY(ws_buf_put_bool(out, true));
	WS_TRY(ws_buf_put_cstring(out, WS_AUTH_ALG_ED25519));
	return ws_buf_put_string(out, key_blob, key_blob_len);
}
