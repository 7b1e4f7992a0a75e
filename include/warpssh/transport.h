/* transport.h — the SSH transport layer (RFC 4253) as a sans-I/O engine: version exchange, binary
 * packets, key exchange (curve25519-sha256, ssh-ed25519, strict kex), rekeying, and a payload API.
 *
 * The engine never reads, writes, sleeps or allocates on the data path. The runtime:
 *   1. feeds received bytes:     ws_transport_input() (or input_space() + input_commit()),
 *   2. takes events:             ws_transport_poll() until it returns 0 (PAYLOAD views stay valid
 *                                until the next poll/input call on that transport),
 *   3. sends upper-layer data:   ws_transport_send() (queued during a key exchange),
 *   4. writes what is due:       ws_transport_output() / output_segments() + output_consume(),
 *   5. passes time:              ws_transport_tick() (time-based rekey).
 * Packet protection runs through the crypto burst API (crypto.h). A simple runtime lets the
 * engine run it per connection (ws_transport_process_crypto(), also done implicitly by poll and
 * output); a burst runtime gathers packets of many connections with collect_seal/collect_open,
 * runs ws_crypto_seal_burst/open_burst once, and hands results back with complete_seal/open.
 * Between a collect_* and its complete_* no other call may be made on that transport.
 *
 * Errors are sticky: the first failure is recorded (ws_transport_error()), a DISCONNECT with the
 * matching reason code is queued for output when the protocol allows one, the state becomes
 * FAILED, and later calls return WS_ERR_CLOSED (output/consume keep working to flush it). */
#ifndef WARPSSH_TRANSPORT_H
#define WARPSSH_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/crypto.h"
#include "warpssh/err.h"
#include "warpssh/keys.h"

/* RFC 4253 §6.1: implementations MUST handle 35000-byte packets; like OpenSSH we accept up to
 * 256 KiB of packet_length and refuse anything larger. */
#define WS_TRANSPORT_MAX_PACKET (256u * 1024u)
/* Largest payload ws_transport_send() takes (packet_length minus padding_length byte and 255
 * bytes of worst-case padding). */
#define WS_TRANSPORT_MAX_PAYLOAD (WS_TRANSPORT_MAX_PACKET - 1u - 255u)
#define WS_TRANSPORT_SESSION_ID_MAX 64u
#define WS_TRANSPORT_MSG_MAX 256u      /* disconnect / error messages kept (truncated) */
#define WS_TRANSPORT_DEFAULT_REKEY_BYTES (1ull << 30)

/* Disconnect reason codes, RFC 4253 §11.1. */
enum ws_disconnect_reason {
	WS_DISCONNECT_HOST_NOT_ALLOWED_TO_CONNECT = 1,
	WS_DISCONNECT_PROTOCOL_ERROR = 2,
	WS_DISCONNECT_KEY_EXCHANGE_FAILED = 3,
	WS_DISCONNECT_RESERVED = 4,
	WS_DISCONNECT_MAC_ERROR = 5,
	WS_DISCONNECT_COMPRESSION_ERROR = 6,
	WS_DISCONNECT_SERVICE_NOT_AVAILABLE = 7,
	WS_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED = 8,
	WS_DISCONNECT_HOST_KEY_NOT_VERIFIABLE = 9,
	WS_DISCONNECT_CONNECTION_LOST = 10,
	WS_DISCONNECT_BY_APPLICATION = 11,
	WS_DISCONNECT_TOO_MANY_CONNECTIONS = 12,
	WS_DISCONNECT_AUTH_CANCELLED_BY_USER = 13,
	WS_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE = 14,
	WS_DISCONNECT_ILLEGAL_USER_NAME = 15,
};

enum ws_role { WS_ROLE_CLIENT, WS_ROLE_SERVER };

struct ws_transport_config {
	enum ws_role role;
	/* Server: the host key (must have the private half); copied at ws_transport_new(). */
	const struct ws_key *host_key;
	/* Comma-separated preference lists; NULL = defaults (ws_transport_default_kex_list(),
	 * ws_cipher_default_list(), ws_mac_default_list()). Unknown names are refused. */
	const char *kex_algorithms;
	const char *ciphers;
	const char *macs;
	/* Server: the one service it accepts ("ssh-userauth"); client: the service it requests after
	 * the first key exchange. NULL = none (server refuses requests, client requests nothing). */
	const char *service;
	/* Rekey after this many bytes in either direction under one set of keys (0 = default 1 GiB),
	 * and after this many ms of ws_transport_tick() time (0 = never by time). */
	uint64_t rekey_bytes;
	uint64_t rekey_interval_ms;
	bool disable_strict_kex; /* do not offer kex-strict-*-v00@openssh.com (tests) */
	bool disable_ext_info;   /* client: do not offer ext-info-c; server: do not send EXT_INFO */
	/* Buffer sizes in bytes (0 = defaults); each is allocated once at ws_transport_new(). */
	size_t rx_buffer_size; /* received, not yet framed bytes (>= one max packet) */
	size_t tx_buffer_size; /* framed outgoing packets until written */
};

enum ws_transport_event_type {
	WS_TEV_NONE = 0,
	/* Client, first key exchange: the server's host key, signature already verified. Decide with
	 * ws_transport_host_key_verdict(); until then the engine processes no more input. */
	WS_TEV_HOST_KEY,
	WS_TEV_HANDSHAKE_DONE,    /* first key exchange finished; session id available */
	WS_TEV_SERVICE_ACCEPTED,  /* client: SERVICE_ACCEPT received; server: request accepted */
	WS_TEV_PAYLOAD,           /* a message for the upper layers (number >= 50) */
	WS_TEV_DISCONNECTED,      /* peer sent DISCONNECT (reason, message); state is CLOSED */
};

struct ws_transport_event {
	enum ws_transport_event_type type;
	/* PAYLOAD: the message bytes, starting with the message number; valid until the next
	 * ws_transport_poll() or ws_transport_input*() call. */
	const uint8_t *payload;
	size_t len;
	uint32_t seqnr;                /* PAYLOAD: receive sequence number (for UNIMPLEMENTED) */
	uint32_t reason;               /* DISCONNECTED: enum ws_disconnect_reason */
	const char *message;           /* DISCONNECTED: sanitized text; SERVICE_ACCEPTED: service */
	const struct ws_key *host_key; /* HOST_KEY: the server's key */
};

enum ws_transport_state {
	WS_TSTATE_HANDSHAKE, /* version exchange or first key exchange */
	WS_TSTATE_OPEN,      /* first key exchange done (rekeys happen inside this state) */
	WS_TSTATE_CLOSED,    /* disconnected cleanly (either side) */
	WS_TSTATE_FAILED,    /* a local error; see ws_transport_error() */
};

/* What was negotiated in the last key exchange (names are static strings). */
struct ws_transport_algs {
	const char *kex;
	const char *host_key;
	const char *cipher_c2s, *cipher_s2c;
	const char *mac_c2s, *mac_s2c; /* "<implicit>" for AEAD ciphers */
	bool strict_kex;
};

struct ws_transport;

/* Create a transport; it queues our version line and first KEXINIT for output at once.
 * eng is the calling thread's crypto engine (see ws_transport_set_engine to move threads). */
WS_MUST_USE int ws_transport_new(struct ws_transport **out, const struct ws_transport_config *cfg,
				 struct ws_crypto_engine *eng);
void ws_transport_free(struct ws_transport *t); /* wipes keys; NULL is fine */
void ws_transport_set_engine(struct ws_transport *t, struct ws_crypto_engine *eng);

/* --- bytes in --- */
/* Copy up to len received bytes in; returns how many were taken (>= 0; fewer when the buffer is
 * full: poll events first) or a negative error. */
int ws_transport_input(struct ws_transport *t, const void *data, size_t len);
/* Zero-copy variant: writable space for received bytes, then how many were written there. */
WS_MUST_USE int ws_transport_input_space(struct ws_transport *t, uint8_t **space, size_t *room);
WS_MUST_USE int ws_transport_input_commit(struct ws_transport *t, size_t n);
/* The peer closed its side of the byte stream: later polls report WS_ERR_EOF once buffered
 * packets are consumed (a truncated packet never yields an event). */
void ws_transport_input_eof(struct ws_transport *t);

/* --- events --- */
/* Next event: 1 with *ev filled, 0 when nothing more can happen without input/verdict, or a
 * negative error (sticky; see ws_transport_error()). */
int ws_transport_poll(struct ws_transport *t, struct ws_transport_event *ev);
/* Client: accept or reject the host key of a WS_TEV_HOST_KEY event; rejection disconnects with
 * HOST_KEY_NOT_VERIFIABLE and fails with WS_ERR_HOSTKEY. */
WS_MUST_USE int ws_transport_host_key_verdict(struct ws_transport *t, bool accept);

/* --- payloads out --- */
/* Queue one message (payload starts with its message number; 1..WS_TRANSPORT_MAX_PAYLOAD bytes).
 * During a key exchange (or before the first completes) it is held and sent after our NEWKEYS in
 * order. WS_ERR_AGAIN: no room now, write output first. */
WS_MUST_USE int ws_transport_send(struct ws_transport *t, const uint8_t *payload, size_t len);
/* The same for a payload given as consecutive parts (e.g. a CHANNEL_DATA header and a borrowed
 * body), gathered straight into the packet so bulk data is copied once. parts[0] holds at least
 * the message number. */
WS_MUST_USE int ws_transport_sendv(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts);
/* SSH_MSG_UNIMPLEMENTED for a received packet (RFC 4253 §11.4), e.g. for an unknown type >= 50. */
WS_MUST_USE int ws_transport_send_unimplemented(struct ws_transport *t, uint32_t seqnr);
/* Queue SSH_MSG_IGNORE with len bytes of data (e.g. to mask traffic). */
WS_MUST_USE int ws_transport_send_ignore(struct ws_transport *t, const uint8_t *data, size_t len);
/* Send DISCONNECT (RFC 4253 §11.1) and close: state CLOSED, output still drains. */
WS_MUST_USE int ws_transport_disconnect(struct ws_transport *t, uint32_t reason, const char *message);
/* Start a key re-exchange now (no-op if one is running). */
WS_MUST_USE int ws_transport_rekey(struct ws_transport *t);
/* Pass the current time (monotonic ms) for time-based rekeying. */
WS_MUST_USE int ws_transport_tick(struct ws_transport *t, uint64_t now_ms);

/* --- bytes out --- */
/* The first contiguous run of bytes due for writing (*len 0 when none). Runs crypto if needed. */
WS_MUST_USE int ws_transport_output(struct ws_transport *t, const uint8_t **data, size_t *len);
/* Up to max runs, in order (for writev); returns how many. */
unsigned ws_transport_output_segments(struct ws_transport *t, struct ws_bytes *segs, unsigned max);
/* n bytes of the runs above were written. */
WS_MUST_USE int ws_transport_output_consume(struct ws_transport *t, size_t n);
bool ws_transport_output_pending(const struct ws_transport *t);

/* --- burst integration --- */
/* Hand out up to max framed outgoing packets still to be sealed; returns how many. */
unsigned ws_transport_collect_seal(struct ws_transport *t, struct ws_crypto_pkt *pkts, unsigned max);
/* After ws_crypto_seal_burst: the same n packets, in the same order. */
WS_MUST_USE int ws_transport_complete_seal(struct ws_transport *t, const struct ws_crypto_pkt *pkts,
					   unsigned n);
/* Frame up to max whole received packets (ws_crypto_peek_length) and hand them out to open.
 * During a key exchange at most one packet is handed out at a time (keys may change after it). */
unsigned ws_transport_collect_open(struct ws_transport *t, struct ws_crypto_pkt *pkts, unsigned max);
/* After ws_crypto_open_burst: a packet with status != WS_OK fails the connection (MAC_ERROR). */
WS_MUST_USE int ws_transport_complete_open(struct ws_transport *t, const struct ws_crypto_pkt *pkts,
					   unsigned n);
/* Run collect/burst/complete for this transport alone (both directions) with its own engine. */
WS_MUST_USE int ws_transport_process_crypto(struct ws_transport *t);

/* --- state --- */
enum ws_transport_state ws_transport_state(const struct ws_transport *t);
/* The first error (WS_OK if none) and a readable description of it. */
int ws_transport_error(const struct ws_transport *t);
const char *ws_transport_error_message(const struct ws_transport *t);
/* Session identifier (H of the first key exchange); WS_ERR_INVALID_ARG before HANDSHAKE_DONE. */
WS_MUST_USE int ws_transport_session_id(const struct ws_transport *t, const uint8_t **id, size_t *len);
const struct ws_transport_algs *ws_transport_algs(const struct ws_transport *t);
/* The peer's version line without CR LF ("" before it arrived). */
const char *ws_transport_peer_version(const struct ws_transport *t);
/* Client: server-sig-algs from the server's EXT_INFO (RFC 8308 §3.1), "" if none received. */
const char *ws_transport_server_sig_algs(const struct ws_transport *t);
/* Number of completed key exchanges (1 after the handshake). */
unsigned ws_transport_kex_count(const struct ws_transport *t);
/* Our default kex list (without the ext-info / strict pseudo-algorithms that are added). */
const char *ws_transport_default_kex_list(void);
const char *ws_disconnect_reason_name(uint32_t reason);

#endif
