/* conn.h — the SSH connection protocol (RFC 4254), one implementation for both sides, sans-I/O:
 * channels (session, direct-tcpip) with flow control, channel requests parsed into typed events,
 * global requests. It takes received payloads (message numbers 80..127) and sends through a
 * ws_payload_sink; the embedder sees events and answers with calls. No syscalls, no threads. */
#ifndef WARPSSH_CONN_H
#define WARPSSH_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"
#include "warpssh/payload.h"

#define WS_CONN_DEFAULT_MAX_CHANNELS 64u
#define WS_CONN_DEFAULT_WINDOW (16u * 1024u * 1024u)
#define WS_CONN_DEFAULT_MAX_PACKET 32768u /* data bytes per CHANNEL_DATA, as OpenSSH */
/* Largest data per message we send or advertise: 256 KiB transport packets minus headers,
 * padding and MAC (RFC 4253 §6.1 lets implementations go past 32 KiB; OpenSSH takes 256 KiB). */
#define WS_CONN_MAX_PACKET_CAP (256u * 1024u - 1024u)
#define WS_CONN_DEFAULT_MAX_PENDING (256u * 1024u)
#define WS_CONN_MAX_PENDING_REPLIES 32u /* deferred answers owed per channel / for global requests */

/* Route a received payload here once authentication is done (RFC 4250 §4.1.2). */
static inline bool ws_conn_owns_msg(uint8_t msg)
{
	return msg >= 80 && msg <= 127;
}

/* CHANNEL_OPEN_FAILURE reason codes (RFC 4254 §5.1). */
#define WS_OPEN_ADMINISTRATIVELY_PROHIBITED 1u
#define WS_OPEN_CONNECT_FAILED 2u
#define WS_OPEN_UNKNOWN_CHANNEL_TYPE 3u
#define WS_OPEN_RESOURCE_SHORTAGE 4u

#define WS_EXTENDED_DATA_STDERR 1u /* RFC 4254 §5.2 */

struct ws_conn_config {
	bool is_server;		  /* which requests and channel types the peer may send */
	uint32_t max_channels;	  /* open channels at once; extra opens: RESOURCE_SHORTAGE */
	uint32_t window;	  /* initial window we grant per channel (>= max_packet) */
	uint32_t max_packet;	  /* largest data per message we accept (<= MAX_PACKET_CAP) */
	uint32_t max_send_packet; /* cap on data per message we send (<= MAX_PACKET_CAP) */
	size_t max_pending;	  /* per channel bytes queued beyond the peer's window; 0: none */
	bool allow_tcpip_forward; /* server: pass tcpip-forward requests to the embedder */
};
/* Defaults above; is_server false; tcpip-forward refused. */
void ws_conn_config_default(struct ws_conn_config *cfg);

enum ws_chan_type { WS_CHAN_SESSION, WS_CHAN_DIRECT_TCPIP };

/* Channel request types (RFC 4254 §6, OpenSSH PROTOCOL). Server side receives the session
 * requests (pty-req .. signal), client side exit-status and exit-signal; anything else, or
 * anything on a direct-tcpip channel, is answered FAILURE (if want_reply) with no event. */
enum ws_chan_req_type {
	WS_REQ_OTHER,	      /* send only: name + raw type-specific bytes */
	WS_REQ_PTY,	      /* "pty-req" */
	WS_REQ_ENV,	      /* "env" */
	WS_REQ_EXEC,	      /* "exec" */
	WS_REQ_SHELL,	      /* "shell" */
	WS_REQ_SUBSYSTEM,     /* "subsystem" */
	WS_REQ_WINDOW_CHANGE, /* "window-change" */
	WS_REQ_SIGNAL,	      /* "signal" */
	WS_REQ_EXIT_STATUS,   /* "exit-status" */
	WS_REQ_EXIT_SIGNAL,   /* "exit-signal" */
};

/* A channel request with its typed fields; views point into the payload (received) or at the
 * caller's memory (sent). */
struct ws_chan_request {
	enum ws_chan_req_type type;
	bool want_reply;
	struct ws_bytes name; /* WS_REQ_OTHER: the request name to send */
	union {
		struct {
			struct ws_bytes term;
			uint32_t cols, rows, width_px, height_px;
			struct ws_bytes modes;
		} pty;
		struct {
			struct ws_bytes name, value;
		} env;
		struct {
			struct ws_bytes command;
		} exec;
		struct {
			struct ws_bytes name;
		} subsystem;
		struct {
			uint32_t cols, rows, width_px, height_px;
		} window_change;
		struct {
			struct ws_bytes name;
		} signal; /* without "SIG" */
		struct {
			uint32_t status;
		} exit_status;
		struct {
			struct ws_bytes name;
			bool core_dumped;
			struct ws_bytes message, lang;
		} exit_signal;
		struct {
			struct ws_bytes data;
		} other;
	} u;
};

/* Global requests the embedder may see (RFC 4254 §7.1); others are handled inside. */
enum ws_global_req_type { WS_GREQ_TCPIP_FORWARD, WS_GREQ_CANCEL_TCPIP_FORWARD };

struct ws_global_request {
	enum ws_global_req_type type;
	bool want_reply;
	struct ws_bytes address;
	uint32_t port;
};

/* What the peer asked to open (RFC 4254 §6.1, §7.2). */
struct ws_chan_open {
	enum ws_chan_type type;
	struct ws_bytes host; /* direct-tcpip: host to connect */
	uint32_t port;
	struct ws_bytes orig_host; /* direct-tcpip: originator address */
	uint32_t orig_port;
};

enum ws_conn_event_type {
	WS_CONN_EV_OPEN_REQUEST,   /* peer opens a channel: set ev->answer (default REFUSE) */
	WS_CONN_EV_OPEN_CONFIRMED, /* our open was confirmed: the channel is usable */
	WS_CONN_EV_OPEN_FAILED,	   /* our open was refused; the channel id is free after the event */
	WS_CONN_EV_REQUEST,	   /* channel request: set ev->answer if want_reply (default FAILURE) */
	WS_CONN_EV_REQUEST_REPLY,  /* answer to our channel request with want_reply, in order */
	WS_CONN_EV_GLOBAL_REQUEST, /* tcpip-forward family (if allowed): set ev->answer */
	WS_CONN_EV_GLOBAL_REPLY,   /* answer to our global request with want_reply, in order */
	WS_CONN_EV_DATA,	   /* data or extended data: consume, then ws_conn_consumed() */
	WS_CONN_EV_EOF,		   /* the peer sends no more data on the channel */
	WS_CONN_EV_CLOSE,	   /* the peer closed: the channel is freed when the callback
				      returns (our CLOSE is sent then if not already) */
	WS_CONN_EV_WINDOW_SPACE,   /* a send that was cut short can go on now */
};

/* How the embedder answers a request or open inside the event callback. DEFER: answer later
 * with ws_conn_accept_open/refuse_open, ws_conn_reply_request or ws_conn_reply_global
 * (replies go out in request order, RFC 4254 §4 and §5.4). */
enum ws_conn_answer { WS_ANSWER_REFUSE, WS_ANSWER_ACCEPT, WS_ANSWER_DEFER };

struct ws_conn_event {
	enum ws_conn_event_type type;
	uint32_t channel; /* our channel id */
	void *user;	  /* the channel's user pointer */
	union {
		struct ws_chan_open open;
		struct {
			uint32_t reason;
			struct ws_bytes description;
		} open_failed;
		struct ws_chan_request request;
		struct ws_global_request global;
		struct {
			bool ok;
			struct ws_bytes data;
		} reply; /* data: global SUCCESS payload */
		struct {
			uint32_t ext_type;
			struct ws_bytes data;
		} data; /* ext_type 0: plain data */
	} u;
	/* Set by the callback (answers to OPEN_REQUEST, REQUEST, GLOBAL_REQUEST). */
	enum ws_conn_answer answer;
	uint32_t refuse_reason; /* OPEN_REQUEST refused: default ADMINISTRATIVELY_PROHIBITED */
	void *set_user;		/* OPEN_REQUEST accepted: the new channel's user pointer */
	uint32_t bound_port;	/* tcpip-forward with port 0 accepted: the port bound */
};

struct ws_conn_handler {
	void (*event)(void *arg, struct ws_conn_event *ev);
	void *arg;
};

/* State of one channel, for the embedder and tests. */
struct ws_chan_info {
	enum ws_chan_type type;
	bool open; /* confirmed both ways */
	bool eof_received, eof_sent, close_sent;
	uint32_t remote_window; /* bytes the peer still accepts */
	uint32_t remote_max_packet;
	uint32_t local_window; /* bytes we still accept */
	uint32_t unconsumed;   /* delivered in DATA events, not yet ws_conn_consumed() */
	size_t pending;	       /* bytes queued behind the peer's window (incl. record headers) */
};

struct ws_conn;

WS_MUST_USE int ws_conn_new(struct ws_conn **out, const struct ws_conn_config *cfg,
			    const struct ws_conn_handler *handler, const struct ws_payload_sink *sink);
void ws_conn_free(struct ws_conn *c); /* not from inside an event callback */

/* One received payload. Errors are sticky (send the DISCONNECT of ws_conn_disconnect()):
 * WS_ERR_PROTOCOL / WS_ERR_CHANNEL / WS_ERR_UNEXPECTED_MSG / parse errors for a misbehaving peer,
 * sink errors as returned. WS_ERR_UNSUPPORTED (not sticky): unknown message number 101..127,
 * answer with SSH_MSG_UNIMPLEMENTED. */
WS_MUST_USE int ws_conn_handle(struct ws_conn *c, const uint8_t *payload, size_t len);
struct ws_disconnect_info ws_conn_disconnect(const struct ws_conn *c);

/* Opening (client side usually). The id is usable at once: requests, data, EOF and CLOSE are
 * queued until the peer confirms (subject to max_pending). */
WS_MUST_USE int ws_conn_open_session(struct ws_conn *c, void *user, uint32_t *id);
WS_MUST_USE int ws_conn_open_direct_tcpip(struct ws_conn *c, const char *host, uint32_t port,
					  const char *orig_host, uint32_t orig_port, void *user,
					  uint32_t *id);
/* Answers to a deferred OPEN_REQUEST. */
WS_MUST_USE int ws_conn_accept_open(struct ws_conn *c, uint32_t id, void *user);
WS_MUST_USE int ws_conn_refuse_open(struct ws_conn *c, uint32_t id, uint32_t reason);

/* Data: sends what the peer's window and max packet allow (split into several messages), queues
 * the rest up to max_pending. *accepted = bytes taken (sent or queued); when less than len, a
 * WINDOW_SPACE event follows once there is room. WS_ERR_LIMIT: nothing could be taken. */
WS_MUST_USE int ws_conn_send_data(struct ws_conn *c, uint32_t id, const void *data, size_t len,
				  size_t *accepted);
WS_MUST_USE int ws_conn_send_extended(struct ws_conn *c, uint32_t id, uint32_t ext_type, const void *data,
				      size_t len, size_t *accepted);
/* EOF, CLOSE and requests keep their order behind queued data. */
WS_MUST_USE int ws_conn_send_eof(struct ws_conn *c, uint32_t id);
WS_MUST_USE int ws_conn_close(struct ws_conn *c, uint32_t id);
WS_MUST_USE int ws_conn_send_request(struct ws_conn *c, uint32_t id, const struct ws_chan_request *req);
/* Answer the oldest deferred request of the channel. */
WS_MUST_USE int ws_conn_reply_request(struct ws_conn *c, uint32_t id, bool ok);
/* The local sink took n more bytes of the data delivered in DATA events: the window re-opens
 * (WINDOW_ADJUST once half the window was consumed). */
WS_MUST_USE int ws_conn_consumed(struct ws_conn *c, uint32_t id, size_t n);

/* Global requests: name plus raw type-specific bytes. Answers come as GLOBAL_REPLY events. */
WS_MUST_USE int ws_conn_send_global_request(struct ws_conn *c, const char *name, bool want_reply,
					    const void *data, size_t len);
/* Answer the oldest deferred global request (bound_port: tcpip-forward with port 0). */
WS_MUST_USE int ws_conn_reply_global(struct ws_conn *c, bool ok, uint32_t bound_port);

WS_MUST_USE int ws_conn_channel_info(const struct ws_conn *c, uint32_t id, struct ws_chan_info *info);
void *ws_conn_channel_user(const struct ws_conn *c, uint32_t id);
uint32_t ws_conn_channel_count(const struct ws_conn *c);

/* A NUL-terminated string as a view, for filling ws_chan_request. */
static inline struct ws_bytes ws_conn_str(const char *s)
{
	struct ws_bytes b = {(const uint8_t *)s, s != NULL ? strlen(s) : 0};
	return b;
}

#endif
