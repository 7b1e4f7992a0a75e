/* net.h — the socket-like API of warpssh's userspace TCP/IP stack (dpdk/net/): one stack per lcore,
 * fed frames in bursts, with listen/accept/connect, byte or mbuf sends, buffer receives and counters.
 *
 * Threading: a stack and its connections belong to one lcore; no call locks. The stack never
 * reads a clock: every entry point takes now_us (any monotonic microsecond clock).
 * Frames reach the stack through wsnet_input() and leave through cfg.tx (the port adapter, or a
 * test's in-memory wire), so the protocol logic runs without a NIC. */
#ifndef WARPSSH_NET_H
#define WARPSSH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/buf.h"
#include "warpssh/err.h"

struct rte_mbuf;
struct rte_mempool;
struct wsnet_stack;
struct wsnet_conn;
struct wsnet_listener;

/* Transmit hook: hand n frames to the wire, return how many were taken (the rest are freed
 * and counted as tx drops by the stack). */
typedef uint16_t (*wsnet_tx_fn)(void *arg, struct rte_mbuf **pkts, uint16_t n);

/* Offloads the port offers (WSNET_OFF_*); the stack uses each one only if set. */
#define WSNET_OFF_IPV4_CKSUM (1u << 0) /* tx IPv4 header checksum */
#define WSNET_OFF_TCP_CKSUM (1u << 1)  /* tx TCP checksum */
#define WSNET_OFF_TSO (1u << 2)        /* tx TCP segmentation */
#define WSNET_OFF_MULTI_SEG (1u << 3)  /* tx mbuf chains (zero-copy payload) */
#define WSNET_OFF_RX_CKSUM (1u << 4)   /* rx checksum flags are trustworthy */

struct wsnet_config {
	uint32_t ip;          /* our IPv4 address, host byte order */
	uint32_t netmask;     /* host byte order */
	uint32_t gateway;     /* 0: on-link only */
	uint8_t mac[6];
	uint16_t mtu;         /* IP MTU, default 1500 */
	struct rte_mempool *pool; /* mbufs for everything the stack builds */
	wsnet_tx_fn tx;
	void *tx_arg;
	uint32_t offloads;    /* WSNET_OFF_* */
	uint32_t max_conns;   /* connection slots incl. half-open and TIME_WAIT (default 4096) */
	uint32_t sndbuf;      /* per-connection send buffer bytes (default 4 MiB) */
	uint32_t rcvbuf;      /* per-connection receive buffer bytes (default 4 MiB) */
	uint32_t min_rto_us;  /* RFC 6298 §2.4 SHOULD is 1 s; default 200 ms (datacenter) */
	uint32_t msl_ms;      /* TIME_WAIT lasts 2*MSL (default 30 s) */
	uint32_t delack_us;   /* delayed-ACK timer (default 20 ms) */
	uint32_t arp_ttl_ms;  /* ARP cache entry lifetime (default 60 s) */
	uint32_t max_syn_retries; /* default 6 */
	uint32_t max_retries; /* data retransmissions before abort (default 12) */
	uint32_t iss_secret;  /* RFC 6528 secret; 0 picks one from now_us */
};

/* Fill every field with its default (addresses zero). */
void wsnet_config_defaults(struct wsnet_config *cfg);

WS_MUST_USE int wsnet_stack_new(const struct wsnet_config *cfg, uint64_t now_us, struct wsnet_stack **out);
/* Frees every connection and listener (handles become invalid). */
void wsnet_stack_free(struct wsnet_stack *st);

/* Process a whole rx burst (the stack takes ownership of every mbuf), then flush output. */
void wsnet_input(struct wsnet_stack *st, struct rte_mbuf **pkts, uint16_t n, uint64_t now_us);
/* Run due timers and push pending output of every connection; call once per loop iteration. */
void wsnet_poll(struct wsnet_stack *st, uint64_t now_us);
/* Microseconds until the next timer is due (for idle sleeping); UINT64_MAX if none. */
uint64_t wsnet_next_timer_us(const struct wsnet_stack *st, uint64_t now_us);

/* Listening: backlog caps connections handshaken but not yet accepted; half-open connections
 * are capped at syn_backlog (SYNs over it are dropped and counted). */
WS_MUST_USE int wsnet_listen(struct wsnet_stack *st, uint16_t port, uint32_t backlog, uint32_t syn_backlog,
	struct wsnet_listener **out);
/* Next established connection or NULL. The caller then owns it (release with wsnet_close/abort). */
struct wsnet_conn *wsnet_accept(struct wsnet_listener *l);
void wsnet_listener_close(struct wsnet_listener *l);

/* Active open to ip:port (host order). Completes asynchronously: WSNET_EV_CONNECTED or ERROR. */
WS_MUST_USE int wsnet_connect(struct wsnet_stack *st, uint32_t ip, uint16_t port, struct wsnet_conn **out);

/* Queue bytes; returns bytes accepted (0..len, limited by send-buffer space) or a negative error. */
WS_MUST_USE int wsnet_send(struct wsnet_conn *c, const void *data, size_t len);
/* Zero-copy send: the stack takes the mbuf chain (on success and on failure). Fails with
 * WS_ERR_AGAIN if the chain does not fit in the send buffer. */
WS_MUST_USE int wsnet_send_mbuf(struct wsnet_conn *c, struct rte_mbuf *m);
/* Free send-buffer space in bytes. */
size_t wsnet_send_space(const struct wsnet_conn *c);

/* Copy up to len received bytes; returns bytes copied, 0 if none yet, WS_ERR_EOF once the peer's
 * FIN has been read past, WS_ERR_CLOSED after a reset or timeout. */
WS_MUST_USE int wsnet_recv(struct wsnet_conn *c, void *out, size_t len);
/* Zero-copy receive: up to two views of in-order bytes (the ring may wrap); returns the view
 * count. Views stay valid until wsnet_recv_consume(). */
int wsnet_recv_peek(struct wsnet_conn *c, struct ws_bytes views[2]);
void wsnet_recv_consume(struct wsnet_conn *c, size_t n);

/* Graceful close (FIN after queued data). The handle is released: do not use it afterwards. */
void wsnet_close(struct wsnet_conn *c);
/* Abortive close (RST). The handle is released. */
void wsnet_abort(struct wsnet_conn *c);

/* Level-triggered readiness. */
#define WSNET_EV_CONNECTED (1u << 0) /* handshake done */
#define WSNET_EV_READABLE (1u << 1)  /* bytes or EOF to read */
#define WSNET_EV_WRITABLE (1u << 2)  /* at least a quarter of the send buffer is free */
#define WSNET_EV_EOF (1u << 3)       /* peer sent FIN (bytes before it may remain) */
#define WSNET_EV_ERROR (1u << 4)     /* reset, refused or timed out: see wsnet_conn_error */
#define WSNET_EV_SENT_ALL (1u << 5)  /* every queued byte (and FIN if closing) acknowledged */
uint32_t wsnet_conn_events(const struct wsnet_conn *c);
/* Edge notification without scanning every connection: the next application-owned connection
 * whose readiness may have changed since it was last returned (data or EOF arrived, send space
 * freed, handshake done, error), with its current events; NULL when none is pending. */
struct wsnet_conn *wsnet_next_event(struct wsnet_stack *st, uint32_t *events);
/* First error of the connection (WS_OK while healthy): WS_ERR_CLOSED for a reset, WS_ERR_TIMEOUT. */
int wsnet_conn_error(const struct wsnet_conn *c);
void wsnet_conn_addrs(const struct wsnet_conn *c, uint32_t *lip, uint16_t *lport, uint32_t *rip, uint16_t *rport);
/* Opaque per-connection pointer for the application. */
void wsnet_conn_set_user(struct wsnet_conn *c, void *user);
void *wsnet_conn_get_user(const struct wsnet_conn *c);

struct wsnet_conn_stats {
	uint64_t bytes_in, bytes_out;      /* payload delivered in order / first transmissions */
	uint64_t segs_in, segs_out;
	uint64_t retransmits;              /* segments sent again (any cause) */
	uint64_t fast_retransmits;         /* of which in loss recovery (SACK / NewReno) */
	uint64_t timeouts;                 /* RTO expiries */
	uint64_t ooo_segments;             /* arrived above rcv_nxt and were kept */
	uint64_t dup_segments;             /* entirely old data */
	uint64_t drops;                    /* unacceptable segments (window, PAWS, no room) */
	uint64_t zero_window_probes;
	uint64_t recoveries;               /* loss-recovery episodes */
	uint64_t undos;                    /* episodes found spurious by D-SACK; window restored */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t cwnd, ssthresh, snd_wnd;  /* bytes */
	uint16_t mss;
	bool sack, timestamps, wscale;     /* negotiated options */
};
void wsnet_conn_stats(const struct wsnet_conn *c, struct wsnet_conn_stats *out);

/* Per-stack (per port and lcore) counters. */
struct wsnet_stack_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t tx_drops;          /* the port refused them */
	uint64_t no_mbufs;          /* mempool exhausted */
	uint64_t eth_drops;         /* short, not for us, unknown ethertype */
	uint64_t arp_in, arp_out, arp_replies, arp_queue_drops;
	uint64_t ip_drops;          /* bad version/length/checksum, not our address */
	uint64_t ip_fragments;      /* fragments are dropped (no reassembly) */
	uint64_t icmp_echo;         /* echo requests answered */
	uint64_t tcp_bad;           /* bad checksum, header or options */
	uint64_t tcp_rst_sent, tcp_rst_rcvd;
	uint64_t tcp_no_conn;       /* segments for no connection (answered with RST) */
	uint64_t syn_backlog_drops; /* SYNs over a listener's half-open cap */
	uint64_t accept_drops;      /* handshakes completed into a full accept queue */
	uint64_t conn_slots_exhausted;
	uint64_t retransmits, timeouts, ooo_segments;
	uint64_t conns_active;      /* gauge: slots in use */
	uint64_t conns_opened, conns_closed;
};
void wsnet_stack_stats(const struct wsnet_stack *st, struct wsnet_stack_stats *out);
/* Write counters as one JSON object (for tests and benchmarks). */
void wsnet_stack_stats_json(const struct wsnet_stack *st, char *out, size_t outsz);

/* ---- DPDK port adapter (dpdk/port.c): one rx/tx queue pair per port, polled by one lcore. ---- */
struct wsnet_port;
/* An mbuf pool sized for a stack: n mbufs of 2 KiB data room on the caller's NUMA socket. */
struct rte_mempool *wsnet_pool_create(const char *name, unsigned n);
/* Configure and start port_id with nb_desc descriptors per ring; enables the offloads it has. */
WS_MUST_USE int wsnet_port_open(uint16_t port_id, uint16_t nb_desc, struct rte_mempool *pool, struct wsnet_port **out);
/* Copy the port's MAC, offloads, pool and tx hook into cfg. */
void wsnet_port_fill_config(struct wsnet_port *p, struct wsnet_config *cfg);
uint16_t wsnet_port_rx(struct wsnet_port *p, struct rte_mbuf **pkts, uint16_t n);
/* tx hook for cfg.tx (arg is the wsnet_port); retries briefly when the ring is full. */
uint16_t wsnet_port_tx(void *port, struct rte_mbuf **pkts, uint16_t n);
/* One loop iteration: rx burst -> wsnet_input -> wsnet_poll. Returns frames received. */
uint16_t wsnet_port_run_once(struct wsnet_port *p, struct wsnet_stack *st);
void wsnet_port_close(struct wsnet_port *p);
/* Monotonic microseconds from the TSC. */
uint64_t wsnet_now_us(void);

/* Parse "a.b.c.d" into host order. */
WS_MUST_USE int wsnet_parse_ip(const char *s, uint32_t *out);

#endif
