/* authmsg.c — client-side user-authentication messages built independently of auth_client.c,
 * following RFC 4252 §5, §7, §8 field by field. Aborts on a builder error (a test bug). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authmsg.h"
#include "warpssh/buf.h"

static void must(int rc)
{
	if (rc < 0) {
		fprintf(stderr, "authmsg: builder failed: %s\n", ws_strerror(rc));
		exit(2);
	}
}

static void head(struct authmsg *m, struct ws_buf *b, const char *user, const char *service,
		 const char *method)
{
	ws_buf_init_write(b, m->data, sizeof(m->data));
	must(ws_buf_put_u8(b, 50));
	must(ws_buf_put_cstring(b, user));
	must(ws_buf_put_cstring(b, service));
	must(ws_buf_put_cstring(b, method));
}

void authmsg_service_request(struct authmsg *m, const char *service)
{
	struct ws_buf b;
	ws_buf_init_write(&b, m->data, sizeof(m->data));
	must(ws_buf_put_u8(&b, 5));
	must(ws_buf_put_cstring(&b, service));
	m->len = b.wpos;
}

void authmsg_method(struct authmsg *m, const char *user, const char *service, const char *method)
{
	struct ws_buf b;
	head(m, &b, user, service, method);
	m->len = b.wpos;
}

void authmsg_none(struct authmsg *m, const char *user)
{
	authmsg_method(m, user, "ssh-connection", "none");
}

void authmsg_pk_query(struct authmsg *m, const char *user, const struct ws_key *key)
{
	struct ws_buf b;
	head(m, &b, user, "ssh-connection", "publickey");
	must(ws_buf_put_bool(&b, false));
	must(ws_buf_put_cstring(&b, "ssh-ed25519"));
	must(ws_buf_put_u32(&b, WS_KEY_BLOB_LEN));
	must(ws_key_put_blob(key, &b));
	m->len = b.wpos;
}

void authmsg_pk_signed(struct authmsg *m, const char *user, const struct ws_key *key,
		       const uint8_t *sign_session_id, size_t sid_len)
{
	uint8_t tbs[1024], sig[256];
	struct ws_buf b, t, s;
	head(m, &b, user, "ssh-connection", "publickey");
	must(ws_buf_put_bool(&b, true));
	must(ws_buf_put_cstring(&b, "ssh-ed25519"));
	must(ws_buf_put_u32(&b, WS_KEY_BLOB_LEN));
	must(ws_key_put_blob(key, &b));
	/* RFC 4252 §7: string session identifier || the request so far */
	ws_buf_init_write(&t, tbs, sizeof(tbs));
	must(ws_buf_put_string(&t, sign_session_id, sid_len));
	must(ws_buf_put_bytes(&t, b.data, b.wpos));
	ws_buf_init_write(&s, sig, sizeof(sig));
	must(ws_key_sign(key, t.data, t.wpos, &s));
	must(ws_buf_put_string(&b, s.data, s.wpos));
	m->len = b.wpos;
}

void authmsg_password(struct authmsg *m, const char *user, const char *password, bool change)
{
	struct ws_buf b;
	head(m, &b, user, "ssh-connection", "password");
	must(ws_buf_put_bool(&b, change));
	must(ws_buf_put_cstring(&b, password));
	if (change)
		must(ws_buf_put_cstring(&b, "new-password"));
	m->len = b.wpos;
}
