/* transport.c — the transport's life cycle and public API: creation from a config, sticky failure
 * with DISCONNECT, the poll loop that turns packets into events, sending, rekey triggers (bytes and
 * time), output, and accessors. Message handling lives in dispatch.c and the kex files. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/transport_int.h"
#include "warpssh/log.h"

static const char default_kex[] = "curve25519-sha256,curve25519-sha256@libssh.org";

const char *ws_transport_default_kex_list(void)
{
	return default_kex;
}

const char *ws_disconnect_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		"none", "host not allowed to connect", "protocol error", "key exchange failed",
		"reserved", "MAC error", "compression error", "service not available",
		"protocol version not supported", "host key not verifiable", "connection lost",
		"by application", "too many connections", "auth cancelled by user",
		"no more auth methods available", "illegal user name"};
	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown reason";
}

/* ---------------------------------------------------------------- configuration */

typedef bool (*name_known_fn)(const char *name, size_t len);

static bool kex_known(const char *name, size_t len)
{
	return (len == 17 && strncmp(name, "curve25519-sha256", len) == 0) ||
	       (len == 28 && strncmp(name, "curve25519-sha256@libssh.org", len) == 0);
}

static bool cipher_known(const char *name, size_t len)
{
	return ws_cipher_by_name(name, len) != NULL;
}

static bool mac_known(const char *name, size_t len)
{
	return ws_mac_by_name(name, len) != NULL;
}

/* Copy a configured list after checking every name in it is one we implement. */
static int take_list(char *dst, size_t dstsz, const char *list, const char *def, name_known_fn known)
{
	const char *src = list ? list : def;
	size_t len = strlen(src);
	WS_ENSURE(len > 0 && len < dstsz, WS_ERR_CONFIG);
	for (const char *p = src; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		WS_ENSURE(n > 0 && known(p, n), WS_ERR_CONFIG);
		p += n + (comma ? 1 : 0);
	}
	memcpy(dst, src, len + 1);
	return WS_OK;
}

static int apply_config(struct ws_transport *t, const struct ws_transport_config *cfg)
{
	t->role = cfg->role;
	WS_ENSURE(cfg->role == WS_ROLE_CLIENT || cfg->role == WS_ROLE_SERVER, WS_ERR_CONFIG);
	if (cfg->role == WS_ROLE_SERVER) {
		WS_ENSURE(cfg->host_key != NULL && cfg->host_key->has_private, WS_ERR_CONFIG);
		t->host_key = *cfg->host_key;
		t->have_host_key = true;
	}
	WS_TRY(take_list(t->kex_list, sizeof(t->kex_list), cfg->kex_algorithms, default_kex,
			 kex_known));
	WS_TRY(take_list(t->cipher_list, sizeof(t->cipher_list), cfg->ciphers,
			 ws_cipher_default_list(), cipher_known));
	WS_TRY(take_list(t->mac_list, sizeof(t->mac_list), cfg->macs, ws_mac_default_list(),
			 mac_known));
	if (cfg->service != NULL) {
		WS_ENSURE(strlen(cfg->service) < sizeof(t->service), WS_ERR_CONFIG);
		strcpy(t->service, cfg->service);
	}
	t->rekey_bytes = cfg->rekey_bytes ? cfg->rekey_bytes : WS_TRANSPORT_DEFAULT_REKEY_BYTES;
	t->rekey_interval_ms = cfg->rekey_interval_ms;
	t->offer_strict = !cfg->disable_strict_kex;
	t->ext_info = !cfg->disable_ext_info;
	return WS_OK;
}

int ws_transport_new(struct ws_transport **out, const struct ws_transport_config *cfg,
		     struct ws_crypto_engine *eng)
{
	char line[WS_VERSION_MAX + 3];
	int rc;
	*out = NULL;
	WS_ENSURE(cfg != NULL, WS_ERR_INVALID_ARG);
	WS_ENSURE(sodium_init() >= 0, WS_ERR_CRYPTO);
	struct ws_transport *t = calloc(1, sizeof(*t));
	WS_ENSURE(t != NULL, WS_ERR_NO_MEMORY);
	t->eng = eng;
	WS_TRY_OUT(apply_config(t, cfg));
	WS_TRY_OUT(ws_packet_rings_init(t, cfg->rx_buffer_size, cfg->tx_buffer_size));
	/* §4.2: "SSH-protoversion-softwareversion SP comments CR LF" (we send no comment) */
	ws_version_make(t->our_version, sizeof(t->our_version));
	snprintf(line, sizeof(line), "%s\r\n", t->our_version);
	WS_TRY_OUT(ws_packet_queue_raw(t, line, strlen(line)));
	WS_TRY_OUT(ws_kex_start(t));
	*out = t;
	return WS_OK;
out:
	ws_transport_free(t);
	return rc;
}

void ws_transport_free(struct ws_transport *t)
{
	if (t == NULL)
		return;
	ws_kex_wipe(&t->kex);
	ws_cipher_ctx_free(t->tx_ctx);
	ws_cipher_ctx_free(t->rx_ctx);
	ws_packet_rings_free(t);
	sodium_memzero(t, sizeof(*t));
	free(t);
}

void ws_transport_set_engine(struct ws_transport *t, struct ws_crypto_engine *eng)
{
	t->eng = eng;
}

/* ---------------------------------------------------------------- failure and sending */

static int queue_disconnect(struct ws_transport *t, uint32_t reason, const char *text)
{
	uint8_t msg[16 + WS_ERRMSG_MAX];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_DISCONNECT));
	WS_TRY(ws_buf_put_u32(&w, reason));
	WS_TRY(ws_buf_put_cstring(&w, text));
	WS_TRY(ws_buf_put_cstring(&w, "")); /* language tag */
	return ws_packet_queue(t, msg, w.wpos);
}

int ws_transport_fail(struct ws_transport *t, int err, uint32_t reason, const char *fmt, ...)
{
	va_list ap;
	if (t->state == WS_TSTATE_FAILED || t->state == WS_TSTATE_CLOSED)
		return err;
	va_start(ap, fmt);
	vsnprintf(t->errmsg, sizeof(t->errmsg), fmt, ap);
	va_end(ap);
	t->error = err;
	t->state = WS_TSTATE_FAILED;
	ws_verbose("transport: %s (%s)", t->errmsg, ws_strerror(err));
	/* §11.1: tell the peer why, with the reason code, before closing */
	if (reason != 0 && queue_disconnect(t, reason, t->errmsg) != WS_OK)
		ws_verbose("transport: no room to queue DISCONNECT");
	return err;
}

bool ws_transport_initial_kex(const struct ws_transport *t)
{
	return t->kex_count == 0;
}

int ws_transport_queue_msg(struct ws_transport *t, const uint8_t *payload, size_t len)
{
	int rc = ws_packet_queue(t, payload, len);
	if (rc == WS_ERR_AGAIN)
		return ws_transport_fail(t, WS_ERR_NO_SPACE, 0, "output buffer full");
	return rc;
}

static bool usable(const struct ws_transport *t)
{
	return t->state == WS_TSTATE_HANDSHAKE || t->state == WS_TSTATE_OPEN;
}

static int maybe_rekey(struct ws_transport *t)
{
	if (t->state != WS_TSTATE_OPEN || t->kex.running)
		return WS_OK;
	bool by_bytes = t->tx_bytes >= t->rekey_bytes || t->rx_bytes >= t->rekey_bytes ||
			t->tx_packets >= WS_REKEY_PACKETS || t->rx_packets >= WS_REKEY_PACKETS;
	bool by_time = t->rekey_interval_ms != 0 && t->have_time &&
		       t->now_ms - t->last_kex_ms >= t->rekey_interval_ms;
	if (!by_bytes && !by_time)
		return WS_OK;
	ws_debug("transport: starting re-exchange (%s)", by_bytes ? "bytes" : "time");
	return ws_kex_start(t);
}

int ws_transport_send(struct ws_transport *t, const uint8_t *payload, size_t len)
{
	struct ws_bytes part = {payload, len};
	return ws_transport_sendv(t, &part, 1);
}

int ws_transport_sendv(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts)
{
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	WS_ENSURE(parts != NULL && nparts >= 1 && parts[0].ptr != NULL && parts[0].len >= 1,
		  WS_ERR_INVALID_ARG);
	size_t len = ws_parts_len(parts, nparts);
	WS_ENSURE(len <= WS_TRANSPORT_MAX_PAYLOAD, WS_ERR_INVALID_ARG);
	/* Key exchange messages and DISCONNECT belong to the transport itself. */
	uint8_t type = parts[0].ptr[0];
	WS_ENSURE(type != 0 && type != WS_MSG_DISCONNECT &&
			  !(type >= WS_MSG_KEXINIT && type <= WS_MSG_KEX_LAST),
		  WS_ERR_INVALID_ARG);
	if (ws_transport_tx_blocked(t) || t->deferred.w != t->deferred.r)
		return ws_deferred_push(t, parts, nparts);
	WS_ENSURE(ws_packet_room(t, len, true), WS_ERR_AGAIN);
	WS_TRY(ws_packet_queuev(t, parts, nparts));
	return maybe_rekey(t);
}

int ws_transport_send_unimplemented(struct ws_transport *t, uint32_t seqnr)
{
	uint8_t msg[5] = {WS_MSG_UNIMPLEMENTED};
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	ws_store_be32(msg + 1, seqnr);
	return ws_transport_queue_msg(t, msg, sizeof(msg));
}

int ws_transport_send_ignore(struct ws_transport *t, const uint8_t *data, size_t len)
{
	uint8_t msg[1 + 4 + 1024];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_ENSURE(len <= 1024, WS_ERR_INVALID_ARG);
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_IGNORE));
	WS_TRY(ws_buf_put_string(&w, data, len));
	return ws_transport_send(t, msg, w.wpos);
}

int ws_transport_disconnect(struct ws_transport *t, uint32_t reason, const char *message)
{
	char text[WS_ERRMSG_MAX];
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	snprintf(text, sizeof(text), "%s", message ? message : "");
	WS_TRY(queue_disconnect(t, reason, text));
	t->state = WS_TSTATE_CLOSED;
	return WS_OK;
}

int ws_transport_rekey(struct ws_transport *t)
{
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	WS_ENSURE(t->state == WS_TSTATE_OPEN, WS_ERR_INVALID_ARG);
	return ws_kex_start(t);
}

int ws_transport_tick(struct ws_transport *t, uint64_t now_ms)
{
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	t->now_ms = now_ms;
	if (!t->have_time) {
		t->have_time = true;
		t->last_kex_ms = now_ms;
	}
	return maybe_rekey(t);
}

int ws_transport_host_key_verdict(struct ws_transport *t, bool accept)
{
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	WS_ENSURE(t->kex.awaiting_verdict, WS_ERR_INVALID_ARG);
	t->kex.awaiting_verdict = false;
	if (!accept)
		return ws_transport_fail(t, WS_ERR_HOSTKEY, WS_DISCONNECT_HOST_KEY_NOT_VERIFIABLE,
					 "host key not accepted");
	return ws_newkeys_send(t);
}

/* ---------------------------------------------------------------- events */

static bool take_pending(struct ws_transport *t, struct ws_transport_event *ev)
{
	if (t->pending & WS_PEND_HOST_KEY) {
		t->pending &= ~(unsigned)WS_PEND_HOST_KEY;
		ev->type = WS_TEV_HOST_KEY;
		ev->host_key = &t->host_key;
	} else if (t->pending & WS_PEND_HANDSHAKE_DONE) {
		t->pending &= ~(unsigned)WS_PEND_HANDSHAKE_DONE;
		ev->type = WS_TEV_HANDSHAKE_DONE;
	} else if (t->pending & WS_PEND_SERVICE_ACCEPTED) {
		t->pending &= ~(unsigned)WS_PEND_SERVICE_ACCEPTED;
		ev->type = WS_TEV_SERVICE_ACCEPTED;
		ev->message = t->service;
	} else {
		return false;
	}
	return true;
}

enum { STEP_HANDLED = 0, STEP_EVENT = 1, STEP_IDLE = 2 };

/* Dispatch the next opened packet: STEP_EVENT (ev filled), STEP_HANDLED, STEP_IDLE (none ready)
 * or an error. A PAYLOAD keeps its packet until the next poll (the view points into it). */
static int step_packet(struct ws_transport *t, struct ws_transport_event *ev)
{
	struct ws_bytes payload;
	uint32_t seqnr = 0;
	int rc = ws_packet_next(t, &payload, &seqnr);
	if (rc <= 0)
		return rc < 0 ? rc : STEP_IDLE;
	rc = ws_dispatch(t, payload, seqnr, ev);
	if (rc < 0)
		return rc;
	if (rc == 1 && ev->type == WS_TEV_PAYLOAD) {
		t->rx.view_held = true;
		return STEP_EVENT;
	}
	ws_packet_release(t);
	if (rc == 1)
		return STEP_EVENT;
	WS_TRY(maybe_rekey(t));
	return STEP_HANDLED;
}

static int end_of_input(struct ws_transport *t)
{
	bool partial = t->rx.raw_w != t->rx.raw_r || !ws_packet_rx_empty(t);
	return ws_transport_fail(t, WS_ERR_EOF, 0, "%s",
				 partial ? "connection closed inside a packet"
					 : "connection closed by peer");
}

int ws_transport_poll(struct ws_transport *t, struct ws_transport_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (t->rx.view_held)
		ws_packet_release(t);
	WS_ENSURE(usable(t), WS_ERR_CLOSED);
	for (;;) {
		if (take_pending(t, ev))
			return 1;
		if (t->kex.awaiting_verdict)
			return 0;
		if (!t->version_done) {
			int rc = ws_version_read(t);
			if (rc <= 0)
				return rc < 0 ? rc : t->rx.eof ? end_of_input(t) : 0;
		}
		int rc = step_packet(t, ev);
		if (rc < 0 || rc == STEP_EVENT)
			return rc;
		if (rc == STEP_HANDLED)
			continue;
		uint32_t before = t->rx.tail;
		WS_TRY(ws_packet_open_some(t));
		if (t->rx.tail == before)
			break;
	}
	return t->rx.eof ? end_of_input(t) : 0;
}

/* ---------------------------------------------------------------- output and crypto */

int ws_transport_output(struct ws_transport *t, const uint8_t **data, size_t *len)
{
	struct ws_bytes seg;
	*data = NULL;
	*len = 0;
	WS_TRY(ws_packet_seal_all(t));
	if (ws_transport_output_segments(t, &seg, 1) == 1) {
		*data = seg.ptr;
		*len = seg.len;
	}
	return WS_OK;
}

int ws_transport_process_crypto(struct ws_transport *t)
{
	WS_TRY(ws_packet_seal_all(t));
	if (!usable(t))
		return WS_OK;
	return ws_packet_open_some(t);
}

/* ---------------------------------------------------------------- accessors */

enum ws_transport_state ws_transport_state(const struct ws_transport *t)
{
	return t->state;
}

int ws_transport_error(const struct ws_transport *t)
{
	return t->error;
}

const char *ws_transport_error_message(const struct ws_transport *t)
{
	return t->errmsg;
}

int ws_transport_session_id(const struct ws_transport *t, const uint8_t **id, size_t *len)
{
	*id = NULL;
	*len = 0;
	WS_ENSURE(t->kex_count > 0, WS_ERR_INVALID_ARG);
	*id = t->session_id;
	*len = t->session_id_len;
	return WS_OK;
}

const struct ws_transport_algs *ws_transport_algs(const struct ws_transport *t)
{
	return &t->algs;
}

const char *ws_transport_peer_version(const struct ws_transport *t)
{
	return t->peer_version;
}

const char *ws_transport_server_sig_algs(const struct ws_transport *t)
{
	return t->server_sig_algs;
}

unsigned ws_transport_kex_count(const struct ws_transport *t)
{
	return t->kex_count;
}
