/* connpair.h — two connection-protocol modules (client and server) wired back to back in
 * memory, with a recording event handler per side and an independent checker on the wire:
 * every CHANNEL_DATA must fit the receiver's advertised window and maximum packet size. */
#ifndef WS_TEST_CONNPAIR_H
#define WS_TEST_CONNPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <sodium.h>

#include "msgq.h"
#include "warpssh/conn.h"

#define PAIR_MAX_CH 64

/* What one side saw on one of its channels (indexed by its own channel id). */
struct chan_rx {
	crypto_hash_sha256_state sha, sha_ext;
	uint64_t bytes, ext_bytes;
	uint64_t bytes_at_eof;
	uint64_t to_consume; /* delivered but not yet ws_conn_consumed() by the test */
	bool confirmed, open_failed, eof, closed, blocked;
	uint32_t fail_reason;
	uint32_t exit_status;
	char exit_signal[16];
	char log[128]; /* event letters in order (D collapsed) */
	char last_command[256];
	char term[32];
	uint32_t cols, rows;
};

struct side {
	struct ws_conn *conn;
	struct ws_conn_config cfg;
	struct msgq out;
	struct chan_rx ch[PAIR_MAX_CH];
	bool auto_consume; /* consume inside the DATA event */
	enum ws_conn_answer open_answer, request_answer, global_answer;
	unsigned open_requests, global_requests, global_replies, global_replies_ok;
	uint32_t global_reply_port;	    /* from a SUCCESS carrying a port */
	uint32_t last_peer_open;	    /* channel id of the last OPEN_REQUEST */
	struct ws_chan_open last_open_kind; /* copied scalars only */
	char last_open_host[64];
	unsigned window_adjusts_sent;
	void (*close_hook)(struct side *s, uint32_t id);		/* runs inside the CLOSE event */
	void (*request_hook)(struct side *s, struct ws_conn_event *ev); /* inside REQUEST events */
	/* wire checker: what this side granted per channel id */
	uint64_t granted[PAIR_MAX_CH], received[PAIR_MAX_CH];
	uint32_t map_from_peer[PAIR_MAX_CH]; /* peer channel id -> our id */
};

struct pair {
	struct side cli, srv;
	unsigned delivered;
	int checker_failures;
};

void pair_config_default(struct ws_conn_config *cli, struct ws_conn_config *srv);
void pair_init(struct pair *p, const struct ws_conn_config *cli, const struct ws_conn_config *srv);
void pair_free(struct pair *p);
/* Deliver up to max payloads (alternating sides); returns the first handle() error. */
int pair_pump_some(struct pair *p, unsigned max, unsigned *moved);
/* Deliver until both queues are empty (bounded). */
int pair_pump(struct pair *p);
/* Client opens a session the server accepts; returns both ids. */
void pair_open_session(struct pair *p, uint32_t *cli_id, uint32_t *srv_id);
/* The test's sink consumed n bytes on side s, channel id. */
int side_consume(struct side *s, uint32_t id, uint64_t n);
void side_reset_channel(struct side *s, uint32_t id);

#endif
