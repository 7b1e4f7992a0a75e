/* service.c — service requests (RFC 4253 §10: SERVICE_REQUEST / SERVICE_ACCEPT) and the
 * extension negotiation message (RFC 8308: the server's EXT_INFO with server-sig-algs). */
#include <stdio.h>
#include <string.h>

#include "engine/transport_int.h"

#define SERVICE_NAME_MAX 64u
#define EXT_INFO_MAX_EXTENSIONS 64u
#define EXT_NAME_MAX 256u
#define EXT_VALUE_MAX (64u * 1024u)

static int put_service_msg(struct ws_transport *t, uint8_t type)
{
	uint8_t msg[1 + 4 + SERVICE_NAME_MAX];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, type));
	WS_TRY(ws_buf_put_cstring(&w, t->service));
	return ws_transport_queue_msg(t, msg, w.wpos);
}

int ws_service_send_request(struct ws_transport *t)
{
	return put_service_msg(t, WS_MSG_SERVICE_REQUEST);
}

int ws_service_on_request(struct ws_transport *t, struct ws_buf *msg)
{
	char name[SERVICE_NAME_MAX];
	if (t->role != WS_ROLE_SERVER || ws_buf_get_cstring(msg, name, sizeof(name)) != WS_OK)
		return ws_transport_fail(t, WS_ERR_PROTOCOL, WS_DISCONNECT_PROTOCOL_ERROR,
					 "unexpected or malformed SERVICE_REQUEST");
	/* §10: "If the server rejects the service request, it SHOULD send an appropriate
	 * SSH_MSG_DISCONNECT message and MUST disconnect." */
	if (t->service_done || t->service[0] == '\0' || strcmp(name, t->service) != 0)
		return ws_transport_fail(t, WS_ERR_PROTOCOL, WS_DISCONNECT_SERVICE_NOT_AVAILABLE,
					 "service \"%.63s\" not available", name);
	WS_TRY(put_service_msg(t, WS_MSG_SERVICE_ACCEPT));
	t->service_done = true;
	t->pending |= WS_PEND_SERVICE_ACCEPTED;
	return WS_OK;
}

int ws_service_on_accept(struct ws_transport *t, struct ws_buf *msg)
{
	char name[SERVICE_NAME_MAX];
	if (t->role != WS_ROLE_CLIENT || t->service_done || t->service[0] == '\0' ||
	    ws_buf_get_cstring(msg, name, sizeof(name)) != WS_OK || strcmp(name, t->service) != 0)
		return ws_transport_fail(t, WS_ERR_PROTOCOL, WS_DISCONNECT_PROTOCOL_ERROR,
					 "unexpected SERVICE_ACCEPT");
	t->service_done = true;
	t->pending |= WS_PEND_SERVICE_ACCEPTED;
	return WS_OK;
}

/* RFC 8308 §2.3 and §3.1: one extension, server-sig-algs, listing what user auth can verify. */
int ws_ext_info_send(struct ws_transport *t)
{
	uint8_t msg[64];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_EXT_INFO));
	WS_TRY(ws_buf_put_u32(&w, 1));
	WS_TRY(ws_buf_put_cstring(&w, "server-sig-algs"));
	WS_TRY(ws_buf_put_cstring(&w, "ssh-ed25519"));
	return ws_transport_queue_msg(t, msg, w.wpos);
}

int ws_ext_info_parse(struct ws_buf *msg, char *sig_algs, size_t sig_algs_sz)
{
	uint32_t count;
	struct ws_bytes name, value;
	sig_algs[0] = '\0';
	WS_TRY(ws_buf_get_u32(msg, &count));
	WS_ENSURE(count <= EXT_INFO_MAX_EXTENSIONS, WS_ERR_TOO_LONG);
	for (uint32_t i = 0; i < count; i++) {
		WS_TRY(ws_buf_get_string(msg, &name, EXT_NAME_MAX));
		WS_TRY(ws_buf_get_string(msg, &value, EXT_VALUE_MAX));
		if (!ws_bytes_eq_str(name, "server-sig-algs"))
			continue; /* §2.5: unrecognized extensions are ignored */
		WS_ENSURE(memchr(value.ptr, '\0', value.len) == NULL, WS_ERR_FORMAT);
		snprintf(sig_algs, sig_algs_sz, "%.*s", (int)value.len, (const char *)value.ptr);
	}
	return WS_OK;
}

int ws_ext_info_on_receive(struct ws_transport *t, struct ws_buf *msg)
{
	char algs[sizeof(t->server_sig_algs)];
	if (ws_ext_info_parse(msg, algs, sizeof(algs)) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_PROTOCOL_ERROR,
					 "malformed EXT_INFO");
	/* We offer no ext-info-s, so a client's EXT_INFO has nothing for us: ignore it. */
	if (t->role == WS_ROLE_CLIENT)
		memcpy(t->server_sig_algs, algs, sizeof(algs));
	return WS_OK;
}
