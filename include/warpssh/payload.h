/* payload.h — the hand-off between the sans-I/O protocol modules above the transport (user
 * authentication, connection protocol) and the transport: whole SSH message payloads, message
 * number byte first, plus the disconnect a module asks the transport to send when it fails. */
#ifndef WARPSSH_PAYLOAD_H
#define WARPSSH_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"

/* Where a module sends its outgoing payloads. One call = one SSH message whose payload is the
 * concatenation of parts[0..nparts) (nparts <= 2: a small header and a borrowed body, so bulk
 * channel data is never copied twice). The parts are valid only during the call; the transport
 * copies them into its packet buffer. A negative return fails the calling module (sticky). */
struct ws_payload_sink {
	int (*send)(void *arg, const struct ws_bytes *parts, size_t nparts);
	void *arg;
};

/* Send one contiguous payload through a sink. */
static inline int ws_sink_send1(const struct ws_payload_sink *sink, const void *payload, size_t len)
{
	struct ws_bytes part = {payload, len};
	return sink->send(sink->arg, &part, 1);
}

/* Disconnect reason codes the modules report (RFC 4253 §11.1). */
#define WS_REASON_PROTOCOL_ERROR 2u
#define WS_REASON_SERVICE_NOT_AVAILABLE 7u
#define WS_REASON_BY_APPLICATION 11u
#define WS_REASON_NO_MORE_AUTH_METHODS_AVAILABLE 14u

/* Why a module failed: what the transport glue puts in SSH_MSG_DISCONNECT. reason is 0 while
 * the module has not failed. message is a static string, safe to log (it holds no peer data). */
struct ws_disconnect_info {
	uint32_t reason;
	const char *message;
};

#endif
