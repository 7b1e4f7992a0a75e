/* transport_int.h — engine-internal layout of struct ws_transport and the functions the transport
 * files share (packet rings, version lines, KEXINIT, curve25519 kex, NEWKEYS, message handlers). */
#ifndef WARPSSH_ENGINE_TRANSPORT_INT_H
#define WARPSSH_ENGINE_TRANSPORT_INT_H

#include "crypto/kex.h"
#include "engine/msg.h"
#include "warpssh/transport.h"

#define WS_TX_DESC_MAX 2048u /* power of two */
#define WS_RX_DESC_MAX 512u  /* power of two */
#define WS_PKT_ALIGN 16u     /* packets start 16-byte aligned, headroom in the gap before */
#define WS_PKT_GAP 16u       /* >= WS_CRYPTO_HEADROOM, keeps neighbours out of each other's scratch */
#define WS_VERSION_MAX 255u  /* RFC 4253 §4.2: at most 255 characters including CR LF */
#define WS_BANNER_MAX_LINES 1024u
#define WS_BANNER_MAX_BYTES (64u * 1024u)
#define WS_KEXINIT_MAX 2048u /* our own KEXINIT, kept for the exchange hash */
#define WS_KEXINIT_LISTS 10u
#define WS_TX_RESERVE (8u * 1024u) /* tx room upper layers leave for transport messages */
#define WS_TX_RESERVE_DESC 16u
#define WS_DEFERRED_MAX (64u * 1024u * 1024u)
#define WS_ERRMSG_MAX 512u
#define WS_REKEY_PACKETS (1u << 31) /* RFC 4344 §3.1: rekey after 2^31 packets */

/* --- packet rings (engine/packet.c) --- */

enum ws_txd_state { WS_TXD_UNSEALED, WS_TXD_IN_FLIGHT, WS_TXD_SEALED };

/* One outgoing unit: a packet, or the raw version line. */
struct ws_tx_desc {
	uint32_t alloc_off, alloc_end; /* region of tx mem this unit holds */
	uint32_t off;                  /* first byte to write (packet_length field) */
	uint32_t pkt_len;              /* 4 + packet_length (crypto len); 0 for raw bytes */
	uint32_t out_len;              /* bytes to write, tag included */
	uint32_t seqnr;
	uint8_t state;
	struct ws_cipher_ctx *ctx;
};

struct ws_tx_ring {
	uint8_t *mem;
	size_t cap;
	struct ws_tx_desc desc[WS_TX_DESC_MAX];
	uint32_t head;  /* oldest not fully written */
	uint32_t seal;  /* oldest not yet handed to sealing */
	uint32_t tail;  /* next free */
	size_t head_written; /* bytes of desc[head] already consumed */
};

enum ws_rxd_state { WS_RXD_FRAMED, WS_RXD_IN_FLIGHT, WS_RXD_OPENED };

/* One received packet copied out of the byte stream into the packet area. */
struct ws_rx_desc {
	uint32_t alloc_off, alloc_end;
	uint32_t off;     /* packet_length field */
	uint32_t pkt_len; /* 4 + packet_length */
	uint32_t seqnr;
	uint8_t state;
	int status;
	struct ws_cipher_ctx *ctx;
};

struct ws_rx_ring {
	uint8_t *raw; /* bytes as received, not yet framed: [raw_r, raw_w) */
	size_t raw_cap, raw_r, raw_w;
	uint8_t *mem; /* framed packets, each with headroom before it */
	size_t cap;
	struct ws_rx_desc desc[WS_RX_DESC_MAX];
	uint32_t head; /* next to dispatch */
	uint32_t open; /* next to hand out for opening */
	uint32_t tail;
	bool view_held; /* desc[head]'s payload is out as an event view */
	bool eof;
};

/* Upper-layer payloads held while a key exchange runs: records of uint32 len || payload. */
struct ws_deferred {
	uint8_t *mem;
	size_t cap, r, w;
};

/* --- key exchange state (engine/kexinit.c, kex_curve25519.c, newkeys.c) --- */

/* A parsed KEXINIT (RFC 4253 §7.1); lists are views into the payload. */
struct ws_kexinit {
	uint8_t cookie[16];
	struct ws_bytes lists[WS_KEXINIT_LISTS];
	bool first_kex_follows;
};

enum ws_kexinit_list {
	WS_KL_KEX, WS_KL_HOSTKEY, WS_KL_CIPHER_C2S, WS_KL_CIPHER_S2C, WS_KL_MAC_C2S, WS_KL_MAC_S2C,
	WS_KL_COMP_C2S, WS_KL_COMP_S2C, WS_KL_LANG_C2S, WS_KL_LANG_S2C,
};

enum { WS_C2S = 0, WS_S2C = 1 };

struct ws_negotiated {
	const char *kex;
	const char *host_key;
	const struct ws_cipher_info *cipher[2];
	const struct ws_mac_info *mac[2]; /* NULL for AEAD */
	bool peer_first_guess_wrong;
};

struct ws_kex {
	bool running;
	bool sent_kexinit, got_kexinit, ecdh_done, sent_newkeys, got_newkeys;
	bool ignore_next_kex_packet; /* peer's first_kex_packet_follows guessed wrong (§7) */
	bool awaiting_verdict;
	uint32_t kexinit_seqnr; /* our KEXINIT's sequence number (to match UNIMPLEMENTED) */
	uint8_t our_kexinit[WS_KEXINIT_MAX];
	size_t our_kexinit_len;
	struct ws_negotiated neg;
	struct ws_kex_hash hash;
	struct ws_x25519_keypair eph;
	uint8_t h[WS_KEX_HASH_LEN];
	uint8_t k[WS_KEX_SECRET_MPINT_MAX];
	size_t k_len;
	struct ws_cipher_ctx *next_tx, *next_rx;
};

/* Pending events, delivered by poll before any further packet. */
enum {
	WS_PEND_HOST_KEY = 1u << 0,
	WS_PEND_HANDSHAKE_DONE = 1u << 1,
	WS_PEND_SERVICE_ACCEPTED = 1u << 2,
};

struct ws_transport {
	enum ws_role role;
	enum ws_transport_state state;
	struct ws_crypto_engine *eng;
	int error;
	char errmsg[WS_ERRMSG_MAX];

	/* configuration, copied */
	struct ws_key host_key;   /* server: ours; client: the server's from the first kex */
	bool have_host_key;
	char kex_list[256], cipher_list[256], mac_list[256];
	char service[64];
	uint64_t rekey_bytes, rekey_interval_ms;
	bool offer_strict, ext_info;

	/* version exchange */
	char our_version[WS_VERSION_MAX + 1];
	char peer_version[WS_VERSION_MAX + 1];
	bool version_done;
	size_t banner_lines, banner_bytes;

	/* packets */
	struct ws_tx_ring tx;
	struct ws_rx_ring rx;
	struct ws_deferred deferred;
	struct ws_cipher_ctx *tx_ctx, *rx_ctx;
	uint32_t tx_seqnr, rx_seqnr;
	uint64_t tx_bytes, rx_bytes;     /* under the current keys */
	uint32_t tx_packets, rx_packets; /* under the current keys */

	/* key exchange */
	struct ws_kex kex;
	unsigned kex_count;
	bool strict_kex;          /* negotiated in the first exchange */
	bool peer_ext_info_c;     /* server: client offered ext-info-c */
	uint8_t session_id[WS_TRANSPORT_SESSION_ID_MAX];
	size_t session_id_len;
	struct ws_transport_algs algs;
	char server_sig_algs[1024];

	/* events and time */
	unsigned pending;
	bool service_done;
	uint64_t now_ms, last_kex_ms;
	bool have_time;
	uint32_t disc_reason;
	char disc_msg[WS_TRANSPORT_MSG_MAX];
};

/* §7.1: between our KEXINIT and our NEWKEYS only transport messages may be sent. */
static inline bool ws_transport_tx_blocked(const struct ws_transport *t)
{
	return t->kex.running && !t->kex.sent_newkeys;
}

/* transport.c */
/* Record the first error, queue DISCONNECT(reason, message) when packets can still be sent, move
 * to FAILED; returns err. */
int ws_transport_fail(struct ws_transport *t, int err, uint32_t reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool ws_transport_initial_kex(const struct ws_transport *t);
/* Queue a transport-layer message now (not deferred); it goes out with the current keys. */
WS_MUST_USE int ws_transport_queue_msg(struct ws_transport *t, const uint8_t *payload, size_t len);

/* dispatch.c: handle one received payload; 1 when ev was filled, 0 when handled silently. */
int ws_dispatch(struct ws_transport *t, struct ws_bytes payload, uint32_t seqnr,
		struct ws_transport_event *ev);
/* Parse SSH_MSG_DISCONNECT after its type byte; description sanitized into desc. */
WS_MUST_USE int ws_disconnect_parse(struct ws_buf *msg, uint32_t *reason, char *desc, size_t descsz);

/* version.c */
void ws_version_make(char *out, size_t outsz);
/* Consume the peer's lines from rx raw; 1 when the version line was read, 0 when more bytes are
 * needed, or an error (WS_ERR_VERSION with errmsg set). */
int ws_version_read(struct ws_transport *t);
/* Parse one line (without CR LF): 1 = a usable SSH-2 version, 0 = not a version line, < 0 = a
 * version line we refuse (SSH-1). */
int ws_version_classify(const char *line, size_t len);

/* packet.c */
WS_MUST_USE int ws_packet_rings_init(struct ws_transport *t, size_t rx_size, size_t tx_size);
void ws_packet_rings_free(struct ws_transport *t);
/* Frame payload as one packet with the current tx keys (RFC 4253 §6). */
WS_MUST_USE int ws_packet_queue(struct ws_transport *t, const uint8_t *payload, size_t len);
/* The same, for a payload given as consecutive parts (gathered into the packet in one copy). */
WS_MUST_USE int ws_packet_queuev(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts);
size_t ws_parts_len(const struct ws_bytes *parts, size_t nparts);
WS_MUST_USE int ws_packet_queue_raw(struct ws_transport *t, const void *bytes, size_t len);
/* Would a packet of this payload size fit, leaving `reserve` bytes/descriptors? */
bool ws_packet_room(const struct ws_transport *t, size_t payload_len, bool keep_reserve);
/* Seal every framed packet now with t->eng (before a key change, or for output). */
WS_MUST_USE int ws_packet_seal_all(struct ws_transport *t);
/* Frame what is whole in rx raw (one at most when `single`) and open it with t->eng. */
WS_MUST_USE int ws_packet_open_some(struct ws_transport *t);
/* The payload of desc[head] if opened: 1 and the view, 0 if none is ready, or an error. */
int ws_packet_next(struct ws_transport *t, struct ws_bytes *payload, uint32_t *seqnr);
void ws_packet_release(struct ws_transport *t);
bool ws_packet_rx_empty(const struct ws_transport *t);
/* Single-packet framing mode: set while keys may change after the next packet. */
bool ws_packet_rx_single(const struct ws_transport *t);

/* deferred queue (packet.c) */
WS_MUST_USE int ws_deferred_push(struct ws_transport *t, const struct ws_bytes *parts, size_t nparts);
WS_MUST_USE int ws_deferred_flush(struct ws_transport *t);

/* kexinit.c */
WS_MUST_USE int ws_kexinit_parse(struct ws_kexinit *k, const uint8_t *payload, size_t len);
WS_MUST_USE int ws_kexinit_build(struct ws_transport *t, uint8_t *out, size_t outsz, size_t *outlen);
bool ws_namelist_contains(struct ws_bytes list, const char *name);
/* First name of client's list that the server list also has (RFC 4253 §7.1); false if none. */
bool ws_namelist_first_match(struct ws_bytes client, struct ws_bytes server, struct ws_bytes *match);
/* Negotiate every category; on failure errmsg names the category and both lists. */
WS_MUST_USE int ws_kexinit_negotiate(const struct ws_kexinit *c, const struct ws_kexinit *s,
				     struct ws_negotiated *neg, char *errmsg, size_t errsz);
WS_MUST_USE int ws_kex_start(struct ws_transport *t);
WS_MUST_USE int ws_kex_on_kexinit(struct ws_transport *t, const uint8_t *payload, size_t len,
				  uint32_t seqnr);

/* kex_curve25519.c */
WS_MUST_USE int ws_kex_ecdh_send_init(struct ws_transport *t);
WS_MUST_USE int ws_kex_on_ecdh_init(struct ws_transport *t, struct ws_buf *msg);
WS_MUST_USE int ws_kex_on_ecdh_reply(struct ws_transport *t, struct ws_buf *msg);
/* Parsers, separate for tests and fuzzing. */
WS_MUST_USE int ws_kex_parse_ecdh_init(struct ws_buf *msg, uint8_t q_c[WS_X25519_LEN]);
WS_MUST_USE int ws_kex_parse_ecdh_reply(struct ws_buf *msg, struct ws_bytes *k_s,
					uint8_t q_s[WS_X25519_LEN], struct ws_bytes *sig);

/* newkeys.c */
WS_MUST_USE int ws_newkeys_derive(struct ws_transport *t);
WS_MUST_USE int ws_newkeys_send(struct ws_transport *t);
WS_MUST_USE int ws_newkeys_on_receive(struct ws_transport *t);
void ws_kex_wipe(struct ws_kex *kex);

/* service.c */
WS_MUST_USE int ws_service_on_request(struct ws_transport *t, struct ws_buf *msg);
WS_MUST_USE int ws_service_on_accept(struct ws_transport *t, struct ws_buf *msg);
WS_MUST_USE int ws_service_send_request(struct ws_transport *t);
WS_MUST_USE int ws_ext_info_send(struct ws_transport *t);
WS_MUST_USE int ws_ext_info_on_receive(struct ws_transport *t, struct ws_buf *msg);
WS_MUST_USE int ws_ext_info_parse(struct ws_buf *msg, char *sig_algs, size_t sig_algs_sz);

#endif
