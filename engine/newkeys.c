/* newkeys.c — taking keys into use (RFC 4253 §7.2 and §7.3): deriving IVs, cipher and MAC keys
 * A..F, creating the per-direction cipher contexts, switching each direction at its NEWKEYS, the
 * strict-kex sequence number reset, and finishing an exchange. */
#include <sodium.h>
#include <string.h>

#include "engine/transport_int.h"

void ws_kex_wipe(struct ws_kex *kex)
{
	ws_cipher_ctx_free(kex->next_tx);
	ws_cipher_ctx_free(kex->next_rx);
	sodium_memzero(kex, sizeof(*kex));
}

/* One direction's context from letters (IV, key, MAC key): 'A','C','E' c2s or 'B','D','F' s2c. */
static int derive_dir(struct ws_transport *t, int dir, enum ws_dir use, struct ws_cipher_ctx **out)
{
	const struct ws_cipher_info *ci = t->kex.neg.cipher[dir];
	const struct ws_mac_info *mi = t->kex.neg.mac[dir];
	uint8_t iv[WS_CRYPTO_MAX_IV], key[WS_CRYPTO_MAX_KEY], mac_key[WS_CRYPTO_MAX_KEY];
	const uint8_t *k = t->kex.k, *h = t->kex.h;
	size_t kl = t->kex.k_len, sl = t->session_id_len;
	char base = dir == WS_C2S ? 'A' : 'B';
	int rc;
	memset(mac_key, 0, sizeof(mac_key));
	WS_TRY_OUT(ws_kdf_derive(k, kl, h, base, t->session_id, sl, iv, ci->iv_len));
	WS_TRY_OUT(ws_kdf_derive(k, kl, h, (char)(base + 2), t->session_id, sl, key, ci->key_len));
	if (mi != NULL)
		WS_TRY_OUT(ws_kdf_derive(k, kl, h, (char)(base + 4), t->session_id, sl, mac_key,
					 mi->key_len));
	rc = ws_cipher_ctx_new(out, ci, mi, use, key, iv, mac_key);
out:
	sodium_memzero(iv, sizeof(iv));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(mac_key, sizeof(mac_key));
	return rc;
}

int ws_newkeys_derive(struct ws_transport *t)
{
	int tx_dir = t->role == WS_ROLE_CLIENT ? WS_C2S : WS_S2C;
	int rc = derive_dir(t, tx_dir, WS_DIR_SEAL, &t->kex.next_tx);
	if (rc == WS_OK)
		rc = derive_dir(t, 1 - tx_dir, WS_DIR_OPEN, &t->kex.next_rx);
	sodium_memzero(t->kex.k, sizeof(t->kex.k));
	sodium_memzero(t->kex.eph.priv, sizeof(t->kex.eph.priv));
	if (rc != WS_OK)
		return ws_transport_fail(t, rc, WS_DISCONNECT_KEY_EXCHANGE_FAILED,
					 "cannot set up the negotiated cipher: %s", ws_strerror(rc));
	return WS_OK;
}

static int kex_finish(struct ws_transport *t)
{
	ws_kex_wipe(&t->kex);
	t->kex_count++;
	t->last_kex_ms = t->now_ms;
	if (t->kex_count == 1) {
		t->state = WS_TSTATE_OPEN;
		t->pending |= WS_PEND_HANDSHAKE_DONE;
	}
	return ws_deferred_flush(t);
}

/* First-exchange messages that go out right after our first NEWKEYS. */
static int after_first_newkeys(struct ws_transport *t)
{
	if (t->role == WS_ROLE_SERVER && t->peer_ext_info_c && t->ext_info)
		WS_TRY(ws_ext_info_send(t)); /* RFC 8308 §2.4: the next packet after NEWKEYS */
	if (t->role == WS_ROLE_CLIENT && t->service[0] != '\0')
		WS_TRY(ws_service_send_request(t));
	return WS_OK;
}

int ws_newkeys_send(struct ws_transport *t)
{
	static const uint8_t newkeys[1] = {WS_MSG_NEWKEYS};
	WS_TRY(ws_transport_queue_msg(t, newkeys, sizeof(newkeys)));
	/* Everything framed so far is sealed under the old keys before they are dropped. */
	WS_TRY(ws_packet_seal_all(t));
	ws_cipher_ctx_free(t->tx_ctx);
	t->tx_ctx = t->kex.next_tx;
	t->kex.next_tx = NULL;
	/* OpenSSH PROTOCOL §1.10: with strict kex the sequence number is reset after NEWKEYS */
	if (t->strict_kex)
		t->tx_seqnr = 0;
	t->tx_bytes = 0;
	t->tx_packets = 0;
	t->kex.sent_newkeys = true;
	if (t->kex_count == 0)
		WS_TRY(after_first_newkeys(t));
	if (t->kex.got_newkeys)
		return kex_finish(t);
	return ws_deferred_flush(t);
}

int ws_newkeys_on_receive(struct ws_transport *t)
{
	/* §7.3: NEWKEYS ends the exchange; it is only valid once the kex messages are done */
	if (!t->kex.ecdh_done || t->kex.got_newkeys || t->kex.awaiting_verdict)
		return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
					 "unexpected NEWKEYS");
	ws_cipher_ctx_free(t->rx_ctx);
	t->rx_ctx = t->kex.next_rx;
	t->kex.next_rx = NULL;
	if (t->strict_kex)
		t->rx_seqnr = 0;
	t->rx_bytes = 0;
	t->rx_packets = 0;
	t->kex.got_newkeys = true;
	if (t->kex.sent_newkeys)
		return kex_finish(t);
	return WS_OK;
}
