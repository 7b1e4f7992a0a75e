/* kex_curve25519.c — the curve25519-sha256 key exchange (RFC 8731, messages of RFC 5656 §4):
 * KEX_ECDH_INIT / KEX_ECDH_REPLY, the exchange hash H, the server's ssh-ed25519 signature over H
 * (RFC 8709) and the client's check of it. */
#include <string.h>

#include "engine/transport_int.h"

#define REPLY_MAX (1u + 4u + WS_KEY_BLOB_LEN + 4u + WS_X25519_LEN + 4u + WS_KEY_SIG_BLOB_LEN)

int ws_kex_parse_ecdh_init(struct ws_buf *msg, uint8_t q_c[WS_X25519_LEN])
{
	/* RFC 8731 §3.1: abort if the received public key is not the expected length */
	WS_TRY(ws_buf_get_fixed_string(msg, q_c, WS_X25519_LEN));
	WS_ENSURE(ws_buf_avail(msg) == 0, WS_ERR_FORMAT);
	return WS_OK;
}

int ws_kex_parse_ecdh_reply(struct ws_buf *msg, struct ws_bytes *k_s, uint8_t q_s[WS_X25519_LEN],
			    struct ws_bytes *sig)
{
	sig->ptr = NULL;
	sig->len = 0;
	WS_TRY(ws_buf_get_string(msg, k_s, 4096));
	WS_TRY(ws_buf_get_fixed_string(msg, q_s, WS_X25519_LEN));
	WS_TRY(ws_buf_get_string(msg, sig, 4096));
	WS_ENSURE(ws_buf_avail(msg) == 0, WS_ERR_FORMAT);
	return WS_OK;
}

int ws_kex_ecdh_send_init(struct ws_transport *t)
{
	uint8_t msg[1 + 4 + WS_X25519_LEN];
	struct ws_buf w;
	WS_TRY(ws_x25519_generate(&t->kex.eph));
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_KEX_ECDH_INIT));
	WS_TRY(ws_buf_put_string(&w, t->kex.eph.pub, WS_X25519_LEN));
	return ws_transport_queue_msg(t, msg, w.wpos);
}

/* H = HASH(V_C || V_S || I_C || I_S || K_S || Q_C || Q_S || K); the first H is the session id. */
static int finish_hash(struct ws_transport *t, const uint8_t *k_s, size_t k_s_len,
		       const uint8_t q_c[WS_X25519_LEN], const uint8_t q_s[WS_X25519_LEN],
		       const uint8_t peer_pub[WS_X25519_LEN])
{
	struct ws_kex *k = &t->kex;
	int rc = ws_x25519_shared_mpint(&k->eph, peer_pub, k->k, &k->k_len);
	if (rc != WS_OK)
		return ws_transport_fail(t, rc, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "invalid curve25519 public key from peer");
	ws_kex_hash_string(&k->hash, k_s, k_s_len);
	ws_kex_hash_string(&k->hash, q_c, WS_X25519_LEN);
	ws_kex_hash_string(&k->hash, q_s, WS_X25519_LEN);
	ws_kex_hash_raw(&k->hash, k->k, k->k_len);
	ws_kex_hash_final(&k->hash, k->h);
	if (t->kex_count == 0) {
		memcpy(t->session_id, k->h, WS_KEX_HASH_LEN);
		t->session_id_len = WS_KEX_HASH_LEN;
	}
	k->ecdh_done = true;
	return ws_newkeys_derive(t);
}

static int send_reply(struct ws_transport *t, const uint8_t *k_s, size_t k_s_len)
{
	uint8_t msg[REPLY_MAX];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_KEX_ECDH_REPLY));
	WS_TRY(ws_buf_put_string(&w, k_s, k_s_len));
	WS_TRY(ws_buf_put_string(&w, t->kex.eph.pub, WS_X25519_LEN));
	/* the signature blob is a string holding string "ssh-ed25519" || string sig */
	WS_TRY(ws_buf_put_u32(&w, WS_KEY_SIG_BLOB_LEN));
	WS_TRY(ws_key_sign(&t->host_key, t->kex.h, WS_KEX_HASH_LEN, &w));
	return ws_transport_queue_msg(t, msg, w.wpos);
}

int ws_kex_on_ecdh_init(struct ws_transport *t, struct ws_buf *msg)
{
	uint8_t q_c[WS_X25519_LEN], k_s[WS_KEY_BLOB_LEN];
	struct ws_buf kw;
	if (t->role != WS_ROLE_SERVER || t->kex.ecdh_done)
		return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
					 "unexpected KEX_ECDH_INIT");
	if (ws_kex_parse_ecdh_init(msg, q_c) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "malformed KEX_ECDH_INIT");
	ws_buf_init_write(&kw, k_s, sizeof(k_s));
	WS_TRY(ws_key_put_blob(&t->host_key, &kw));
	WS_TRY(ws_x25519_generate(&t->kex.eph));
	WS_TRY(finish_hash(t, k_s, kw.wpos, q_c, t->kex.eph.pub, q_c));
	WS_TRY(send_reply(t, k_s, kw.wpos));
	return ws_newkeys_send(t);
}

/* Client: the signature over H by the key in K_S must verify before anything is trusted. */
static int check_reply_key(struct ws_transport *t, const struct ws_key *key, struct ws_bytes sig)
{
	if (ws_key_verify(key, t->kex.h, WS_KEX_HASH_LEN, sig.ptr, sig.len) != WS_OK)
		return ws_transport_fail(t, WS_ERR_SIGNATURE, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "server's signature over the exchange hash did not verify");
	if (t->kex_count == 0) {
		t->host_key = *key;
		t->have_host_key = true;
		t->kex.awaiting_verdict = true;
		t->pending |= WS_PEND_HOST_KEY;
		return WS_OK;
	}
	/* A re-exchange must present the same host key as the first one. */
	if (!ws_key_equal_public(key, &t->host_key))
		return ws_transport_fail(t, WS_ERR_HOSTKEY, WS_DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
					 "server host key changed during re-exchange");
	return ws_newkeys_send(t);
}

int ws_kex_on_ecdh_reply(struct ws_transport *t, struct ws_buf *msg)
{
	struct ws_bytes k_s, sig;
	uint8_t q_s[WS_X25519_LEN];
	struct ws_key key;
	if (t->role != WS_ROLE_CLIENT || t->kex.ecdh_done)
		return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
					 "unexpected KEX_ECDH_REPLY");
	if (ws_kex_parse_ecdh_reply(msg, &k_s, q_s, &sig) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "malformed KEX_ECDH_REPLY");
	int rc = ws_key_from_blob(&key, k_s.ptr, k_s.len);
	if (rc != WS_OK)
		return ws_transport_fail(t, rc, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "server host key is not a valid ssh-ed25519 key");
	WS_TRY(finish_hash(t, k_s.ptr, k_s.len, t->kex.eph.pub, q_s, q_s));
	return check_reply_key(t, &key, sig);
}
