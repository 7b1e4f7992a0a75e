/* wsnet_impl.h — private structures of the userspace TCP/IP stack: the stack, its ARP cache,
 * connections with their send queue, receive ring and loss-recovery scoreboard. */
#ifndef WSNET_IMPL_H
#define WSNET_IMPL_H

#include <rte_mbuf.h>

#include "warpssh/net.h"

#define WSNET_TX_BATCH 64
#define WSNET_MAX_LISTENERS 16
#define WSNET_ARP_SLOTS 64
#define WSNET_ARP_PENDING 32    /* frames held per unresolved address */
#define WSNET_MAX_OOO 128       /* out-of-order intervals kept by the receiver */
#define WSNET_MAX_SACK 128      /* SACKed intervals kept by the sender */
#define WSNET_TIMER_TICK_US 500 /* timer scan granularity */
#define WSNET_MAX_SEGS_PER_OUTPUT 64
#define WSNET_TCP_HDR_MAX 60
#define WSNET_HDR_ROOM (14 + 20 + WSNET_TCP_HDR_MAX)

/* RFC 9293 §3.4 modulo-2^32 sequence comparisons. */
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

enum wsnet_tcp_state {
	TCPS_CLOSED,
	TCPS_SYN_SENT,
	TCPS_SYN_RCVD,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT_1,
	TCPS_FIN_WAIT_2,
	TCPS_CLOSE_WAIT,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_TIME_WAIT,
};

/* A parsed TCP segment (RFC 9293 §3.1) with its options (RFC 7323, RFC 2018). */
struct wsnet_seg {
	uint32_t sip, dip; /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint16_t mss;      /* 0 if absent */
	int8_t wscale;     /* -1 if absent */
	bool sack_ok;
	bool has_ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
	struct rte_mbuf *m; /* frame holding the payload */
	uint32_t data_off; /* payload offset in m */
	uint32_t len;      /* payload bytes */
};

/* Options a segment we build carries. */
struct wsnet_tx_opts {
	uint16_t mss;
	int8_t wscale; /* -1: absent */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
};

struct wsnet_arp_entry {
	uint32_t ip;
	uint8_t mac[6];
	bool valid;
	uint8_t tries;
	uint64_t expires_us;   /* valid: when to forget; resolving: when to ask again */
	uint8_t npending;
	struct rte_mbuf *pending[WSNET_ARP_PENDING];
};

/* Bytes queued for sending: direct single-segment mbufs in sequence order. */
struct wsnet_sndq {
	struct rte_mbuf **ring;
	uint32_t cap, head, count;
	uint32_t head_seq;     /* sequence number of the head mbuf's first byte */
	uint32_t bytes;        /* bytes from head_seq to the end (incl. acked part of head) */
	uint32_t cur_idx;      /* lookup cache: an entry index ... */
	uint32_t cur_seq;      /* ... and the sequence number of its first byte */
};

/* Received bytes: in-order bytes [rd, wr) plus out-of-order intervals above wr. */
struct wsnet_rcvring {
	uint8_t *mem;
	uint32_t size;
	uint64_t rd, wr;
};

struct wsnet_interval {
	uint32_t start, end; /* sequence numbers, [start, end) */
};

struct wsnet_cubic {
	double w_max;        /* segments */
	double w_est;
	double k;            /* seconds */
	uint64_t epoch_us;   /* 0: no epoch */
	double cwnd_frac;    /* fractional segment growth carried between ACKs */
};

struct wsnet_listener {
	struct wsnet_stack *st;
	bool used;
	uint16_t port;
	uint32_t backlog, syn_backlog;
	uint32_t n_syn, n_ready;
	struct wsnet_conn *ready_head, *ready_tail;
};

struct wsnet_conn {
	struct wsnet_stack *st;
	enum wsnet_tcp_state state;
	bool in_use, app_owned, app_closed, on_dirty;
	uint32_t lip, rip;
	uint16_t lport, rport;
	struct wsnet_conn *hnext;            /* hash chain */
	struct wsnet_conn *anext, *aprev;    /* active list (timer scan) */
	struct wsnet_conn *dnext;            /* needs output at end of burst */
	struct wsnet_conn *qnext;            /* listener ready queue */
	struct wsnet_conn *enext;            /* application event list */
	bool on_events;
	struct wsnet_listener *listener;     /* passive open, until accepted */
	void *user;
	int err;

	/* send side */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	uint8_t snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok, sack_ok;
	uint16_t mss;         /* payload bytes per segment we send (options excluded) */
	uint16_t peer_mss;
	struct wsnet_sndq sq;
	bool fin_queued, fin_acked;
	uint32_t fin_seq;     /* sequence number our FIN occupies (valid once fin_queued) */
	bool established_once;

	/* receive side */
	uint32_t irs, rcv_nxt, rcv_adv, last_ack_sent;
	struct wsnet_rcvring rr;
	struct wsnet_interval ooo[WSNET_MAX_OOO];
	uint8_t nooo;
	bool fin_rcvd;        /* FIN consumed (rcv_nxt advanced past it) */
	bool ooo_fin;         /* FIN seen above rcv_nxt */
	uint32_t ooo_fin_seq;
	uint32_t ts_recent;
	uint32_t unacked_segs;
	bool ack_now;
	uint32_t sack_recent[4];  /* a sequence number inside each most recently changed block, newest first */
	uint8_t nsack_recent;
	uint32_t ts_offset;

	/* timers (0 = off) */
	uint64_t rto_at, delack_at, persist_at, tw_at, tlp_at;
	uint8_t backoff, persist_backoff;
	uint32_t retries;

	/* RTT (RFC 6298) */
	uint32_t srtt_us, rttvar_us, rto_us;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start_us;

	/* loss recovery (RFC 6675 / RFC 6582) */
	struct wsnet_interval sacked[WSNET_MAX_SACK];
	uint8_t nsacked;
	bool in_recovery;
	uint32_t recover;     /* RecoveryPoint */
	uint32_t rexmit_nxt;  /* next hole byte to retransmit */
	uint32_t dupacks;
	uint64_t loss_since_us;   /* when the duplicate-ACK threshold was first met (RACK-style wait) */
	uint64_t rexmit_pass_us;  /* when the current pass over the holes started */
	/* undo of a spurious recovery (RFC 2883 D-SACK, RFC 3708 idea): state before the reduction */
	bool undo_armed;
	int32_t undo_retrans;     /* retransmissions of the episode not yet reported as duplicates */
	uint32_t undo_marker, undo_cwnd, undo_ssthresh;
	uint32_t dsacks;
	struct wsnet_cubic undo_cubic;

	/* congestion control (RFC 5681 + RFC 9438 CUBIC) */
	uint32_t cwnd, ssthresh;
	struct wsnet_cubic cubic;

	struct wsnet_conn_stats stats;
};

struct wsnet_stack {
	struct wsnet_config cfg;
	uint64_t now_us;
	uint64_t last_tick_us;
	uint32_t iss_secret;
	uint16_t ip_id;
	uint16_t next_port;
	struct wsnet_arp_entry arp[WSNET_ARP_SLOTS];
	struct wsnet_listener listeners[WSNET_MAX_LISTENERS];
	struct wsnet_conn *conns;
	struct wsnet_conn *free_head;
	struct wsnet_conn **hash;
	uint32_t hash_mask;
	struct wsnet_conn *active_head;
	struct wsnet_conn *dirty_head;
	struct wsnet_conn *event_head, *event_tail;
	struct rte_mbuf *txq[WSNET_TX_BATCH];
	uint16_t ntx;
	bool tx_blocked; /* the port refused frames: TCP output pauses */
	struct wsnet_stack_stats stats;
};

/* pkt.c: header parsing/building */
WS_MUST_USE int wsnet_parse_tcp_options(const uint8_t *opt, size_t len, struct wsnet_seg *seg);
size_t wsnet_build_tcp_options(uint8_t *out, size_t room, const struct wsnet_tx_opts *o);
uint16_t wsnet_cksum_fold(uint32_t sum);

/* stack.c: output plumbing */
void wsnet_tx_frame(struct wsnet_stack *st, struct rte_mbuf *m);
void wsnet_flush(struct wsnet_stack *st);
struct rte_mbuf *wsnet_alloc(struct wsnet_stack *st);

/* eth_arp.c */
void wsnet_arp_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t off);
/* Prepend Ethernet for ip_dst (host order) and transmit, or hold the frame while ARP resolves. */
void wsnet_eth_output_ip(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t ip_dst);
void wsnet_arp_tick(struct wsnet_stack *st);
void wsnet_arp_flush_all(struct wsnet_stack *st);

/* ipv4.c */
void wsnet_ipv4_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t off);
/* m holds an L4 payload at its data start with room for IP+Ethernet before it. */
void wsnet_ipv4_output(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t dst, uint8_t proto, bool l4_cksum_offload);
uint32_t wsnet_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len);

/* tcp_input.c */
void wsnet_tcp_input(struct wsnet_stack *st, struct rte_mbuf *m, uint32_t l4_off, uint32_t l4_len,
	uint32_t sip, uint32_t dip);

/* tcp_output.c */
void wsnet_tcp_output(struct wsnet_conn *c);
void wsnet_tcp_send_ctl(struct wsnet_conn *c, uint8_t flags, uint32_t seq);
void wsnet_tcp_send_rst_reply(struct wsnet_stack *st, const struct wsnet_seg *seg);
void wsnet_tcp_send_syn(struct wsnet_conn *c);
uint32_t wsnet_rcv_window(const struct wsnet_conn *c);
void wsnet_tcp_retransmit_timeout(struct wsnet_conn *c);
void wsnet_tcp_persist_timeout(struct wsnet_conn *c);

/* tcp_conn.c: table, lifecycle, timers */
struct wsnet_conn *wsnet_conn_lookup(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
struct wsnet_conn *wsnet_conn_alloc(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
void wsnet_conn_release(struct wsnet_conn *c);
void wsnet_conn_set_state(struct wsnet_conn *c, enum wsnet_tcp_state s);
void wsnet_conn_fail(struct wsnet_conn *c, int err);
void wsnet_conn_mark_dirty(struct wsnet_conn *c);
/* Queue c for wsnet_next_event (application-owned connections only). */
void wsnet_conn_notify(struct wsnet_conn *c);
void wsnet_conn_timers(struct wsnet_stack *st);
WS_MUST_USE int wsnet_conn_alloc_buffers(struct wsnet_conn *c);
uint32_t wsnet_iss(struct wsnet_stack *st, uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
struct wsnet_listener *wsnet_listener_find(struct wsnet_stack *st, uint16_t port);
void wsnet_listener_ready(struct wsnet_conn *c);
void wsnet_rtt_sample(struct wsnet_conn *c, uint32_t rtt_us);
void wsnet_rto_arm(struct wsnet_conn *c);

/* tcp_buf.c: send queue and receive ring */
WS_MUST_USE int wsnet_sndq_init(struct wsnet_sndq *q, uint32_t entries);
void wsnet_sndq_free(struct wsnet_sndq *q);
/* Drop acknowledged bytes before seq. */
void wsnet_sndq_ack(struct wsnet_sndq *q, uint32_t seq);
WS_MUST_USE int wsnet_sndq_append_mbuf(struct wsnet_sndq *q, struct rte_mbuf *m);
size_t wsnet_sndq_append_bytes(struct wsnet_sndq *q, struct rte_mempool *pool, const uint8_t *p, size_t len);
/* Chain indirect mbufs covering [seq, seq+len) onto hdr (or copy into hdr if !chain). */
WS_MUST_USE int wsnet_sndq_attach(struct wsnet_sndq *q, struct rte_mempool *pool, struct rte_mbuf *hdr,
	uint32_t seq, uint32_t len, bool chain);
WS_MUST_USE int wsnet_rcvring_init(struct wsnet_rcvring *r, uint32_t size);
void wsnet_rcvring_free(struct wsnet_rcvring *r);
uint32_t wsnet_rcvring_used(const struct wsnet_rcvring *r);
/* Copy len bytes of m at off to ring position wr + ahead. Caller checked room. */
void wsnet_rcvring_put(struct wsnet_rcvring *r, uint32_t ahead, const struct rte_mbuf *m, uint32_t off, uint32_t len);
size_t wsnet_rcvring_get(struct wsnet_rcvring *r, uint8_t *out, size_t len);
int wsnet_rcvring_peek(const struct wsnet_rcvring *r, struct ws_bytes views[2]);
/* Interval sets, sorted, merged; returns false if full. */
bool wsnet_intervals_add(struct wsnet_interval *set, uint8_t *n, uint8_t cap, uint32_t start, uint32_t end);
/* Remove everything below seq. */
void wsnet_intervals_trim(struct wsnet_interval *set, uint8_t *n, uint32_t seq);

/* tcp_cc.c: CUBIC */
void wsnet_cc_init(struct wsnet_conn *c);
void wsnet_cc_on_ack(struct wsnet_conn *c, uint32_t acked);
void wsnet_cc_on_loss(struct wsnet_conn *c);
void wsnet_cc_on_timeout(struct wsnet_conn *c);

/* tcp_sack.c: sender scoreboard (RFC 6675) */
void wsnet_sack_update(struct wsnet_conn *c, const struct wsnet_seg *seg);
uint32_t wsnet_sack_pipe(const struct wsnet_conn *c);
/* Next hole to retransmit at or after rexmit_nxt: returns false if none. */
bool wsnet_sack_next_hole(const struct wsnet_conn *c, uint32_t *start, uint32_t *len);
uint32_t wsnet_sacked_bytes(const struct wsnet_conn *c);
uint32_t wsnet_sack_high(const struct wsnet_conn *c);
/* Loss detection after an ACK or on a timer tick: enter recovery once the duplicate threshold has
 * held for a reordering window, and resend holes whose retransmission looks lost. */
void wsnet_loss_detect(struct wsnet_conn *c);
/* D-SACK (RFC 2883 §4) bookkeeping on an ACK; undoes the episode's window reduction once every
 * retransmission of it was reported as a duplicate. */
void wsnet_dsack_check(struct wsnet_conn *c, const struct wsnet_seg *seg);
void wsnet_tlp_arm(struct wsnet_conn *c);
void wsnet_tcp_tlp_timeout(struct wsnet_conn *c);

#endif
