/* dispatch.c — routing of received messages (RFC 4253 §7.1 and §11): the handler table for
 * message numbers 1..49, which messages each phase allows (key exchange, strict kex), the generic
 * messages (DISCONNECT, IGNORE, UNIMPLEMENTED, DEBUG) and hand-off of payloads >= 50. */
#include <stdio.h>
#include <string.h>

#include "engine/transport_int.h"
#include "warpssh/log.h"

enum msg_class {
	MC_NONE,    /* no handler: answered with UNIMPLEMENTED */
	MC_GENERIC, /* allowed at any time (§7.1: 1..19 except service messages) */
	MC_SERVICE, /* only after the first exchange and outside re-exchanges */
	MC_KEX,     /* only inside a key exchange */
};

typedef int (*msg_handler)(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			   struct ws_transport_event *ev);

/* Copy text a peer sent, replacing anything but printable ASCII (no terminal escapes). */
static void sanitize(char *out, size_t outsz, struct ws_bytes in)
{
	size_t n = in.len < outsz - 1 ? in.len : outsz - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = (in.ptr[i] >= 0x20 && in.ptr[i] < 0x7f) ? (char)in.ptr[i] : '?';
	out[n] = '\0';
}

int ws_disconnect_parse(struct ws_buf *msg, uint32_t *reason, char *desc, size_t descsz)
{
	struct ws_bytes text, lang;
	desc[0] = '\0';
	WS_TRY(ws_buf_get_u32(msg, reason));
	WS_TRY(ws_buf_get_string(msg, &text, WS_BUF_MAX_STRING));
	sanitize(desc, descsz, text);
	/* language tag: tolerated if missing (some implementations omit it) */
	if (ws_buf_avail(msg) > 0)
		WS_TRY(ws_buf_get_string(msg, &lang, WS_BUF_MAX_STRING));
	return WS_OK;
}

static int on_disconnect(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			 struct ws_transport_event *ev)
{
	(void)seqnr;
	if (ws_disconnect_parse(msg, &t->disc_reason, t->disc_msg, sizeof(t->disc_msg)) != WS_OK)
		snprintf(t->disc_msg, sizeof(t->disc_msg), "(malformed DISCONNECT)");
	t->state = WS_TSTATE_CLOSED;
	t->error = WS_ERR_PEER_DISCONNECT;
	snprintf(t->errmsg, sizeof(t->errmsg), "peer disconnected (%s): %s",
		 ws_disconnect_reason_name(t->disc_reason), t->disc_msg);
	ws_verbose("transport: %s", t->errmsg);
	ev->type = WS_TEV_DISCONNECTED;
	ev->reason = t->disc_reason;
	ev->message = t->disc_msg;
	return 1;
}

static int on_ignore(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
		     struct ws_transport_event *ev)
{
	(void)t, (void)msg, (void)seqnr, (void)ev;
	return 0; /* §11.2: MUST be ignored */
}

static int on_unimplemented(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			    struct ws_transport_event *ev)
{
	uint32_t rejected;
	(void)seqnr, (void)ev;
	if (ws_buf_get_u32(msg, &rejected) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_PROTOCOL_ERROR,
					 "malformed UNIMPLEMENTED");
	/* e.g. OpenSSH before user auth completes: waiting for its KEXINIT would hang forever */
	if (t->kex.running && !t->kex.got_kexinit && rejected == t->kex.kexinit_seqnr)
		return ws_transport_fail(t, WS_ERR_PROTOCOL, WS_DISCONNECT_PROTOCOL_ERROR,
					 "peer refused our key re-exchange (UNIMPLEMENTED for KEXINIT)");
	ws_verbose("transport: peer did not implement our packet %u", rejected);
	return 0;
}

static int on_debug(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
		    struct ws_transport_event *ev)
{
	bool always;
	struct ws_bytes text;
	char shown[WS_TRANSPORT_MSG_MAX];
	(void)seqnr, (void)ev;
	if (ws_buf_get_bool(msg, &always) != WS_OK ||
	    ws_buf_get_string(msg, &text, WS_BUF_MAX_STRING) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_PROTOCOL_ERROR,
					 "malformed DEBUG");
	sanitize(shown, sizeof(shown), text);
	ws_log(always ? WS_LOG_INFO : WS_LOG_DEBUG, "transport: peer debug: %s", shown);
	return 0;
}

static int on_service_request(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			      struct ws_transport_event *ev)
{
	(void)seqnr, (void)ev;
	return ws_service_on_request(t, msg);
}

static int on_service_accept(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			     struct ws_transport_event *ev)
{
	(void)seqnr, (void)ev;
	return ws_service_on_accept(t, msg);
}

static int on_ext_info(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
		       struct ws_transport_event *ev)
{
	(void)seqnr, (void)ev;
	return ws_ext_info_on_receive(t, msg);
}

static int on_kexinit(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
		      struct ws_transport_event *ev)
{
	(void)ev;
	/* the handler wants the whole payload (it is hashed): step back over the type byte */
	return ws_kex_on_kexinit(t, msg->data, msg->wpos, seqnr);
}

static int on_newkeys(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
		      struct ws_transport_event *ev)
{
	(void)msg, (void)seqnr, (void)ev;
	return ws_newkeys_on_receive(t);
}

static int on_ecdh_init(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			struct ws_transport_event *ev)
{
	(void)seqnr, (void)ev;
	return ws_kex_on_ecdh_init(t, msg);
}

static int on_ecdh_reply(struct ws_transport *t, struct ws_buf *msg, uint32_t seqnr,
			 struct ws_transport_event *ev)
{
	(void)seqnr, (void)ev;
	return ws_kex_on_ecdh_reply(t, msg);
}

static const struct {
	msg_handler fn;
	enum msg_class cls;
} handlers[WS_MSG_TRANSPORT_LAST + 1] = {
	[WS_MSG_DISCONNECT] = {on_disconnect, MC_GENERIC},
	[WS_MSG_IGNORE] = {on_ignore, MC_GENERIC},
	[WS_MSG_UNIMPLEMENTED] = {on_unimplemented, MC_GENERIC},
	[WS_MSG_DEBUG] = {on_debug, MC_GENERIC},
	[WS_MSG_SERVICE_REQUEST] = {on_service_request, MC_SERVICE},
	[WS_MSG_SERVICE_ACCEPT] = {on_service_accept, MC_SERVICE},
	[WS_MSG_EXT_INFO] = {on_ext_info, MC_SERVICE},
	[WS_MSG_KEXINIT] = {on_kexinit, MC_KEX},
	[WS_MSG_NEWKEYS] = {on_newkeys, MC_KEX},
	[WS_MSG_KEX_ECDH_INIT] = {on_ecdh_init, MC_KEX},
	[WS_MSG_KEX_ECDH_REPLY] = {on_ecdh_reply, MC_KEX},
};

/* The peer is inside an exchange: it sent KEXINIT and not yet NEWKEYS. */
static bool peer_in_kex(const struct ws_transport *t)
{
	return t->kex.running && t->kex.got_kexinit && !t->kex.got_newkeys;
}

static int unexpected(struct ws_transport *t, uint8_t type, const char *when)
{
	return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
				 "unexpected message %u %s", type, when);
}

static int send_unimplemented(struct ws_transport *t, uint32_t seqnr)
{
	uint8_t msg[5] = {WS_MSG_UNIMPLEMENTED};
	ws_store_be32(msg + 1, seqnr);
	return ws_transport_queue_msg(t, msg, sizeof(msg));
}

/* Phase rules of §7.1 and OpenSSH PROTOCOL §1.10 (strict kex); 1 = drop silently. */
static int check_phase(struct ws_transport *t, uint8_t type, enum msg_class cls)
{
	bool strict_initial = t->strict_kex && t->kex_count == 0 && t->kex.got_kexinit;
	if (type == WS_MSG_DISCONNECT)
		return WS_OK;
	if (strict_initial && cls != MC_KEX)
		return unexpected(t, type, "during the initial key exchange (strict KEX)");
	if (cls == MC_SERVICE && (t->kex_count == 0 || peer_in_kex(t)))
		return unexpected(t, type, "during key exchange");
	if (cls == MC_KEX && type != WS_MSG_KEXINIT && !t->kex.got_kexinit)
		return unexpected(t, type, "outside a key exchange");
	if (type >= WS_MSG_KEX_FIRST && type <= WS_MSG_KEX_LAST && t->kex.ignore_next_kex_packet) {
		t->kex.ignore_next_kex_packet = false; /* §7: the peer's wrong guess is ignored */
		return 1;
	}
	return WS_OK;
}

static int dispatch_payload(struct ws_transport *t, struct ws_bytes payload, uint32_t seqnr,
			    struct ws_transport_event *ev)
{
	uint8_t type = payload.ptr[0];
	if (t->kex_count == 0)
		return unexpected(t, type, "before the key exchange completed");
	if (peer_in_kex(t))
		return unexpected(t, type, "during key exchange");
	ev->type = WS_TEV_PAYLOAD;
	ev->payload = payload.ptr;
	ev->len = payload.len;
	ev->seqnr = seqnr;
	return 1;
}

int ws_dispatch(struct ws_transport *t, struct ws_bytes payload, uint32_t seqnr,
		struct ws_transport_event *ev)
{
	struct ws_buf msg;
	uint8_t type = payload.ptr[0];
	if (type > WS_MSG_TRANSPORT_LAST)
		return dispatch_payload(t, payload, seqnr, ev);
	enum msg_class cls = handlers[type].cls;
	int rc = check_phase(t, type, cls);
	if (rc != WS_OK)
		return rc < 0 ? rc : 0;
	if (handlers[type].fn == NULL) {
		if (t->kex.running && t->kex.got_kexinit && type >= WS_MSG_KEX_FIRST)
			return unexpected(t, type, "for the negotiated key exchange");
		return send_unimplemented(t, seqnr); /* §11.4 */
	}
	ws_buf_init_read(&msg, payload.ptr, payload.len);
	msg.rpos = 1;
	return handlers[type].fn(t, &msg, seqnr, ev);
}
