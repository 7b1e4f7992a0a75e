/* test_conn_channels.c — client and server connection modules back to back: session with exec
 * and its reply, 64 MiB each way through the windows with random chunking (sha256-checked),
 * several channels at once, EOF/exit-status/CLOSE ordering, request reply order, global
 * requests, refused opens, channel table cap, pending-output cap and WINDOW_SPACE. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "check.h"
#include "connpair.h"
#include "warpssh/buf.h"

#define SRC_LEN (1u << 20)
static uint8_t src[SRC_LEN]; /* random bytes; data at stream offset o is src[o % SRC_LEN] */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t rnd_range(uint64_t lo, uint64_t hi) /* inclusive */
{
	return lo + rnd() % (hi - lo + 1);
}

/* One direction of one channel's data (or stderr) stream. */
struct flow {
	struct side *tx, *rx;
	uint32_t tx_id, rx_id;
	bool ext;
	uint64_t total, sent;
	crypto_hash_sha256_state sha;
};

static void flow_init(struct flow *f, struct side *tx, uint32_t tx_id, struct side *rx, uint32_t rx_id,
		      bool ext, uint64_t total)
{
	memset(f, 0, sizeof(*f));
	f->tx = tx;
	f->rx = rx;
	f->tx_id = tx_id;
	f->rx_id = rx_id;
	f->ext = ext;
	f->total = total;
	crypto_hash_sha256_init(&f->sha);
}

/* Offer one random-sized chunk; returns true if anything was taken. */
static bool flow_step(struct flow *f, uint64_t max_chunk)
{
	struct chan_rx *txs = &f->tx->ch[f->tx_id];
	if (f->sent == f->total || txs->blocked)
		return false;
	uint64_t off = f->sent % SRC_LEN;
	uint64_t n = rnd_range(1, max_chunk);
	if (n > f->total - f->sent)
		n = f->total - f->sent;
	if (n > SRC_LEN - off)
		n = SRC_LEN - off;
	size_t accepted = 0;
	int rc = f->ext ? ws_conn_send_extended(f->tx->conn, f->tx_id, WS_EXTENDED_DATA_STDERR, src + off, n,
						&accepted)
			: ws_conn_send_data(f->tx->conn, f->tx_id, src + off, n, &accepted);
	CHECK(rc == WS_OK || rc == WS_ERR_LIMIT);
	CHECK(accepted <= n);
	crypto_hash_sha256_update(&f->sha, src + off, accepted);
	f->sent += accepted;
	if (accepted < n)
		txs->blocked = true; /* until WINDOW_SPACE */
	return accepted > 0;
}

static bool flow_done(const struct flow *f)
{
	const struct chan_rx *r = &f->rx->ch[f->rx_id];
	return f->sent == f->total && (f->ext ? r->ext_bytes : r->bytes) == f->total;
}

static void flow_check_hash(struct flow *f)
{
	uint8_t a[32], b[32];
	struct chan_rx *r = &f->rx->ch[f->rx_id];
	crypto_hash_sha256_final(&f->sha, a);
	crypto_hash_sha256_final(f->ext ? &r->sha_ext : &r->sha, b);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
}

/* The test's own sinks consume a random part of what is pending on every channel. */
static bool consume_some(struct side *s)
{
	bool any = false;
	for (uint32_t id = 0; id < PAIR_MAX_CH; id++) {
		uint64_t pending = s->ch[id].to_consume;
		if (pending == 0)
			continue;
		uint64_t n = (rnd() & 1) ? pending : rnd_range(1, pending);
		CHECK_EQ(side_consume(s, id, n), WS_OK);
		any = true;
	}
	return any;
}

/* Run all flows to completion with random chunks, random delivery and random consumption. */
static void run_flows(struct pair *p, struct flow *flows, size_t nflows, uint64_t max_chunk)
{
	for (unsigned iter = 0; iter < 2000000; iter++) {
		bool all_done = true, progress = false;
		for (size_t i = 0; i < nflows; i++) {
			progress |= flow_step(&flows[i], max_chunk);
			all_done &= flow_done(&flows[i]);
		}
		if (all_done)
			break;
		unsigned moved = 0;
		int rc = pair_pump_some(p, (unsigned)rnd_range(1, 64), &moved);
		REQUIRE(rc == WS_OK);
		progress |= moved > 0;
		if ((rnd() & 3) == 0 || !progress)
			progress |= consume_some(&p->cli) | consume_some(&p->srv);
		REQUIRE(progress);
	}
	for (size_t i = 0; i < nflows; i++) {
		CHECK(flow_done(&flows[i]));
		flow_check_hash(&flows[i]);
	}
	CHECK_EQ(p->checker_failures, 0);
}

static void test_session_exec_with_reply(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	CHECK_EQ(p.srv.last_open_kind.type, WS_CHAN_SESSION);
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 1);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 1);

	struct ws_chan_request pty = {.type = WS_REQ_PTY, .want_reply = true};
	pty.u.pty.term = ws_conn_str("xterm-256color");
	pty.u.pty.cols = 132;
	pty.u.pty.rows = 43;
	pty.u.pty.modes = ws_conn_str(""); /* TTY_OP_END only would be "\0"; empty is legal */
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &pty), WS_OK);
	struct ws_chan_request env = {.type = WS_REQ_ENV, .want_reply = false};
	env.u.env.name = ws_conn_str("LANG");
	env.u.env.value = ws_conn_str("C.UTF-8");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &env), WS_OK);
	struct ws_chan_request exec = {.type = WS_REQ_EXEC, .want_reply = true};
	exec.u.exec.command = ws_conn_str("echo hello");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &exec), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.srv.ch[sid].log, "pex") == 0);
	CHECK(strcmp(p.srv.ch[sid].last_command, "echo hello") == 0);
	CHECK(strcmp(p.srv.ch[sid].term, "xterm-256color") == 0);
	CHECK_EQ(p.srv.ch[sid].cols, 132);
	CHECK_EQ(p.srv.ch[sid].rows, 43);
	CHECK(strcmp(p.cli.ch[cid].log, "OYY") == 0); /* two replies: pty-req and exec */

	/* the command's output, stderr, exit status, EOF, CLOSE */
	size_t acc;
	CHECK_EQ(ws_conn_send_data(p.srv.conn, sid, "hello\n", 6, &acc), WS_OK);
	CHECK_EQ(acc, 6);
	CHECK_EQ(ws_conn_send_extended(p.srv.conn, sid, WS_EXTENDED_DATA_STDERR, "warn\n", 5, &acc), WS_OK);
	CHECK_EQ(ws_conn_send_eof(p.srv.conn, sid), WS_OK);
	struct ws_chan_request st = {.type = WS_REQ_EXIT_STATUS};
	st.u.exit_status.status = 3;
	CHECK_EQ(ws_conn_send_request(p.srv.conn, sid, &st), WS_OK);
	CHECK_EQ(ws_conn_close(p.srv.conn, sid), WS_OK);
	/* nothing may be sent after EOF / CLOSE */
	CHECK_EQ(ws_conn_send_data(p.srv.conn, sid, "x", 1, &acc), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_close(p.srv.conn, sid), WS_ERR_INVALID_ARG);
	CHECK_EQ(pair_pump(&p), WS_OK);
	struct chan_rx *rx = &p.cli.ch[cid];
	CHECK(strcmp(rx->log, "OYYDEXC") == 0);
	CHECK_EQ(rx->bytes, 6);
	CHECK_EQ(rx->ext_bytes, 5);
	CHECK_EQ(rx->exit_status, 3);
	CHECK(rx->closed);
	/* both CLOSEs seen: both sides freed the channel */
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	CHECK(p.srv.ch[sid].closed);
	CHECK_EQ(p.checker_failures, 0);
	pair_free(&p);
}

/* 64 MiB each way with random chunks; different windows and packet sizes each way; one side
 * consumes inside the event, the other later in random amounts (backpressure). */
static void test_bulk_64mib_both_ways(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	cc.window = 256 * 1024;	    /* the client grants a small window ... */
	cc.max_packet = 16384;	    /* ... and small packets */
	cc.max_pending = 0;	    /* and queues nothing: pure backpressure */
	sc.max_send_packet = 32768; /* the server caps what it sends below the client's grant */
	pair_init(&p, &cc, &sc);
	p.srv.auto_consume = true;
	pair_open_session(&p, &cid, &sid);
	struct flow flows[2];
	const uint64_t total = 64ull << 20;
	flow_init(&flows[0], &p.cli, cid, &p.srv, sid, false, total);
	flow_init(&flows[1], &p.srv, sid, &p.cli, cid, false, total);
	run_flows(&p, flows, 2, 300 * 1024);
	/* WINDOW_ADJUST only after half the window was consumed */
	CHECK(p.cli.window_adjusts_sent <= total / (cc.window / 2) + 1);
	CHECK(p.cli.window_adjusts_sent >= total / cc.window);
	CHECK(p.srv.window_adjusts_sent <= total / (sc.window / 2) + 1);
	CHECK_EQ(p.cli.out.max_parts, 2);
	pair_free(&p);
}

static void test_several_channels_concurrently(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	enum { N = 5 };
	uint32_t cid[N], sid[N];
	struct flow flows[3 * N];
	pair_config_default(&cc, &sc);
	cc.window = 128 * 1024;
	sc.window = 96 * 1024;
	sc.max_packet = 8192;
	sc.max_pending = 40000;
	pair_init(&p, &cc, &sc);
	for (int i = 0; i < N; i++)
		pair_open_session(&p, &cid[i], &sid[i]);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), N);
	for (int i = 0; i < N; i++) {
		uint64_t total = (uint64_t)(i + 1) << 20;
		flow_init(&flows[3 * i], &p.cli, cid[i], &p.srv, sid[i], false, total);
		flow_init(&flows[3 * i + 1], &p.srv, sid[i], &p.cli, cid[i], false, total + 17);
		flow_init(&flows[3 * i + 2], &p.srv, sid[i], &p.cli, cid[i], true, total / 3);
	}
	run_flows(&p, flows, 3 * N, 100 * 1024);
	/* close them all at once, in both directions */
	for (int i = 0; i < N; i++) {
		CHECK_EQ(ws_conn_close(p.cli.conn, cid[i]), WS_OK);
		if (i % 2 == 0)
			CHECK_EQ(ws_conn_close(p.srv.conn, sid[i]), WS_OK); /* simultaneous close */
	}
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	pair_free(&p);
}

/* Output queued behind a closed window still goes out before EOF, exit-status and CLOSE. */
static void test_eof_close_order_behind_queued_data(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	cc.window = 64 * 1024;
	sc.max_pending = 4u << 20;
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	static uint8_t big[3u << 20];
	memcpy(big, src, sizeof(big) < SRC_LEN ? sizeof(big) : SRC_LEN);
	size_t acc;
	CHECK_EQ(ws_conn_send_data(p.srv.conn, sid, big, sizeof(big), &acc), WS_OK);
	CHECK_EQ(acc, sizeof(big)); /* 64 KiB sent, the rest queued */
	struct ws_chan_info info;
	CHECK_EQ(ws_conn_channel_info(p.srv.conn, sid, &info), WS_OK);
	CHECK_EQ(info.remote_window, 0);
	CHECK(info.pending > sizeof(big) - 64 * 1024);
	CHECK_EQ(ws_conn_send_eof(p.srv.conn, sid), WS_OK);
	struct ws_chan_request sig = {.type = WS_REQ_EXIT_SIGNAL};
	sig.u.exit_signal.name = ws_conn_str("TERM");
	sig.u.exit_signal.message = ws_conn_str("");
	sig.u.exit_signal.lang = ws_conn_str("");
	CHECK_EQ(ws_conn_send_request(p.srv.conn, sid, &sig), WS_OK);
	CHECK_EQ(ws_conn_close(p.srv.conn, sid), WS_OK);
	for (int i = 0; i < 10000 && !p.cli.ch[cid].closed; i++) {
		CHECK_EQ(pair_pump(&p), WS_OK);
		consume_some(&p.cli);
	}
	struct chan_rx *rx = &p.cli.ch[cid];
	CHECK(rx->closed);
	CHECK(strcmp(rx->log, "ODESC") == 0);
	CHECK_EQ(rx->bytes_at_eof, sizeof(big)); /* all data before EOF */
	CHECK(strcmp(rx->exit_signal, "TERM") == 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	CHECK_EQ(p.checker_failures, 0);
	pair_free(&p);
}

/* A request too long for the stack buffer (a long command line) goes through intact. */
static void test_long_exec_command(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	static char cmd[256];
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	/* the test keeps 255 bytes of a command; send 20000 whose head is recognisable */
	static char longcmd[20001];
	memset(longcmd, 'z', sizeof(longcmd) - 1);
	memcpy(longcmd, "echo ", 5);
	struct ws_chan_request exec = {.type = WS_REQ_EXEC, .want_reply = true};
	exec.u.exec.command = ws_conn_str(longcmd);
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &exec), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	memcpy(cmd, longcmd, 255);
	CHECK(strcmp(p.srv.ch[sid].last_command, cmd) == 0);
	CHECK(strcmp(p.cli.ch[cid].log, "OY") == 0);
	/* and a long global request payload */
	static uint8_t blob[5000];
	CHECK_EQ(ws_conn_send_global_request(p.cli.conn, "blob@example.com", true, blob, sizeof(blob)),
		 WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(p.cli.global_replies, 1);
	pair_free(&p);
}

/* Requests and data sent before the peer confirmed go out, in order, once it does. */
static void test_sends_before_confirmation_are_queued(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	CHECK_EQ(ws_conn_open_session(p.cli.conn, NULL, &cid), WS_OK);
	side_reset_channel(&p.cli, cid);
	struct ws_chan_request exec = {.type = WS_REQ_EXEC, .want_reply = true};
	exec.u.exec.command = ws_conn_str("cat");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &exec), WS_OK);
	size_t acc;
	CHECK_EQ(ws_conn_send_data(p.cli.conn, cid, "abc", 3, &acc), WS_OK);
	CHECK_EQ(acc, 3);
	CHECK_EQ(ws_conn_send_eof(p.cli.conn, cid), WS_OK);
	CHECK_EQ(p.cli.out.count, 1); /* only the OPEN went out */
	CHECK_EQ(pair_pump(&p), WS_OK);
	uint32_t sid = p.srv.last_peer_open;
	CHECK(strcmp(p.srv.ch[sid].log, "xDE") == 0);
	CHECK_EQ(p.srv.ch[sid].bytes, 3);
	CHECK(strcmp(p.cli.ch[cid].log, "OY") == 0);
	pair_free(&p);
}

/* Deferred answers keep request order; unknown requests are refused in their turn. */
static void test_request_replies_in_order(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	p.srv.request_answer = WS_ANSWER_DEFER;
	struct ws_chan_request exec = {.type = WS_REQ_EXEC, .want_reply = true};
	exec.u.exec.command = ws_conn_str("true");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &exec), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	p.srv.request_answer = WS_ANSWER_ACCEPT;
	struct ws_chan_request env = {.type = WS_REQ_ENV, .want_reply = true};
	env.u.env.name = ws_conn_str("A");
	env.u.env.value = ws_conn_str("B");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &env), WS_OK);
	struct ws_chan_request x11 = {.type = WS_REQ_OTHER, .want_reply = true};
	x11.name = ws_conn_str("x11-req");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &x11), WS_OK);
	struct ws_chan_request ka = {.type = WS_REQ_OTHER, .want_reply = true};
	ka.name = ws_conn_str("keepalive@openssh.com");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &ka), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.cli.ch[cid].log, "O") == 0);  /* all held behind the deferred exec */
	CHECK(strcmp(p.srv.ch[sid].log, "xe") == 0); /* unknown ones never reach the embedder */
	CHECK_EQ(ws_conn_reply_request(p.srv.conn, sid, false), WS_OK);
	CHECK_EQ(ws_conn_reply_request(p.srv.conn, sid, true), WS_ERR_INVALID_ARG); /* none owed */
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.cli.ch[cid].log, "ONYNN") == 0);
	/* client-side requests reach only the server: exit-status sent by the client is refused */
	struct ws_chan_request st = {.type = WS_REQ_EXIT_STATUS, .want_reply = true};
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &st), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.cli.ch[cid].log, "ONYNNN") == 0);
	pair_free(&p);
}

static void test_global_requests(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint8_t fwd[64];
	struct ws_buf b;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	/* keepalive: FAILURE, as OpenSSH answers */
	CHECK_EQ(ws_conn_send_global_request(p.cli.conn, "keepalive@openssh.com", true, NULL, 0), WS_OK);
	/* tcpip-forward: refused unless the embedder allows it */
	ws_buf_init_write(&b, fwd, sizeof(fwd));
	REQUIRE(ws_buf_put_cstring(&b, "127.0.0.1") == WS_OK && ws_buf_put_u32(&b, 0) == WS_OK);
	CHECK_EQ(ws_conn_send_global_request(p.cli.conn, "tcpip-forward", true, fwd, b.wpos), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(p.cli.global_replies, 2);
	CHECK_EQ(p.cli.global_replies_ok, 0);
	CHECK_EQ(p.srv.global_requests, 0); /* not even shown to the embedder */
	pair_free(&p);

	sc.allow_tcpip_forward = true;
	pair_init(&p, &cc, &sc);
	CHECK_EQ(ws_conn_send_global_request(p.cli.conn, "tcpip-forward", true, fwd, b.wpos), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(p.srv.global_requests, 1);
	CHECK_EQ(p.cli.global_replies_ok, 1);
	CHECK_EQ(p.cli.global_reply_port, 4242); /* port 0 asked: the bound port comes back */
	/* a server's reply without a request is a protocol error on the client */
	static const uint8_t stray[] = {81};
	CHECK_EQ(ws_conn_handle(p.cli.conn, stray, 1), WS_ERR_PROTOCOL);
	pair_free(&p);

	/* no-more-sessions@openssh.com: later session opens are refused */
	sc.allow_tcpip_forward = false;
	pair_init(&p, &cc, &sc);
	uint32_t cid, sid, cid2;
	pair_open_session(&p, &cid, &sid);
	CHECK_EQ(ws_conn_send_global_request(p.cli.conn, "no-more-sessions@openssh.com", false, NULL, 0),
		 WS_OK);
	CHECK_EQ(ws_conn_open_session(p.cli.conn, NULL, &cid2), WS_OK);
	side_reset_channel(&p.cli, cid2);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(p.cli.ch[cid2].open_failed);
	CHECK_EQ(p.cli.ch[cid2].fail_reason, WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 1);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 1);
	pair_free(&p);
}

/* Build a CHANNEL_OPEN of any type as a peer would send it. */
static size_t raw_open(uint8_t *mem, size_t cap, const char *type, uint32_t sender, uint32_t max_packet)
{
	struct ws_buf b;
	ws_buf_init_write(&b, mem, cap);
	REQUIRE(ws_buf_put_u8(&b, 90) == WS_OK && ws_buf_put_cstring(&b, type) == WS_OK);
	REQUIRE(ws_buf_put_u32(&b, sender) == WS_OK && ws_buf_put_u32(&b, 65536) == WS_OK);
	REQUIRE(ws_buf_put_u32(&b, max_packet) == WS_OK);
	return b.wpos;
}

/* The reason code of the OPEN_FAILURE the side just sent (or 0). */
static uint32_t last_open_failure(struct side *s)
{
	struct msg m;
	uint32_t reason = 0;
	while (msgq_pop(&s->out, &m)) {
		struct ws_buf b;
		uint8_t type;
		uint32_t recipient;
		ws_buf_init_read(&b, m.data, m.len);
		uint32_t r;
		if (ws_buf_get_u8(&b, &type) == WS_OK && type == 92 &&
		    ws_buf_get_u32(&b, &recipient) == WS_OK && recipient == 77 &&
		    ws_buf_get_u32(&b, &r) == WS_OK)
			reason = r;
		free(m.data);
	}
	return reason;
}

static void test_refused_opens(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint8_t mem[128];
	size_t n;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	n = raw_open(mem, sizeof(mem), "x11", 77, 32768);
	CHECK_EQ(ws_conn_handle(p.srv.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.srv), WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	n = raw_open(mem, sizeof(mem), "forwarded-tcpip", 77, 32768);
	CHECK_EQ(ws_conn_handle(p.srv.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.srv), WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	n = raw_open(mem, sizeof(mem), "tun@openssh.com", 77, 32768);
	CHECK_EQ(ws_conn_handle(p.srv.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.srv), WS_OPEN_UNKNOWN_CHANNEL_TYPE);
	n = raw_open(mem, sizeof(mem), "session", 77, 0); /* could never carry data */
	CHECK_EQ(ws_conn_handle(p.srv.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.srv), WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	/* a client does not accept sessions from the server */
	n = raw_open(mem, sizeof(mem), "session", 77, 32768);
	CHECK_EQ(ws_conn_handle(p.cli.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.cli), WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	CHECK_EQ(p.srv.open_requests + p.cli.open_requests, 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	/* the embedder refuses: its reason goes out */
	p.srv.open_answer = WS_ANSWER_REFUSE;
	n = raw_open(mem, sizeof(mem), "session", 77, 32768);
	CHECK_EQ(ws_conn_handle(p.srv.conn, mem, n), WS_OK);
	CHECK_EQ(last_open_failure(&p.srv), WS_OPEN_ADMINISTRATIVELY_PROHIBITED);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	pair_free(&p);
}

static void test_direct_tcpip_and_deferred_open(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	p.srv.open_answer = WS_ANSWER_DEFER; /* e.g. connect first, then confirm */
	CHECK_EQ(ws_conn_open_direct_tcpip(p.cli.conn, "db.internal", 5432, "127.0.0.1", 40000, NULL, &cid),
		 WS_OK);
	side_reset_channel(&p.cli, cid);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(p.srv.open_requests, 1);
	CHECK_EQ(p.srv.last_open_kind.type, WS_CHAN_DIRECT_TCPIP);
	CHECK_EQ(p.srv.last_open_kind.port, 5432);
	CHECK_EQ(p.srv.last_open_kind.orig_port, 40000);
	CHECK(strcmp(p.srv.last_open_host, "db.internal") == 0);
	CHECK(!p.cli.ch[cid].confirmed);
	uint32_t sid = p.srv.last_peer_open;
	int marker;
	CHECK_EQ(ws_conn_accept_open(p.srv.conn, sid, &marker), WS_OK);
	CHECK(ws_conn_channel_user(p.srv.conn, sid) == &marker);
	CHECK_EQ(ws_conn_accept_open(p.srv.conn, sid, NULL), WS_ERR_INVALID_ARG); /* already open */
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(p.cli.ch[cid].confirmed);
	/* session requests make no sense on direct-tcpip: refused without an event */
	struct ws_chan_request shell = {.type = WS_REQ_SHELL, .want_reply = true};
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &shell), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.cli.ch[cid].log, "ON") == 0);
	CHECK(strcmp(p.srv.ch[sid].log, "") == 0);
	/* a deferred open refused later */
	uint32_t cid2;
	CHECK_EQ(ws_conn_open_direct_tcpip(p.cli.conn, "nowhere", 1, "127.0.0.1", 1, NULL, &cid2), WS_OK);
	side_reset_channel(&p.cli, cid2);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(ws_conn_refuse_open(p.srv.conn, p.srv.last_peer_open, WS_OPEN_CONNECT_FAILED), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(p.cli.ch[cid2].open_failed);
	CHECK_EQ(p.cli.ch[cid2].fail_reason, WS_OPEN_CONNECT_FAILED);
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 1);
	pair_free(&p);
}

static void test_channel_table_cap(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t ids[3];
	pair_config_default(&cc, &sc);
	sc.max_channels = 2;
	pair_init(&p, &cc, &sc);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(ws_conn_open_session(p.cli.conn, NULL, &ids[i]), WS_OK);
		side_reset_channel(&p.cli, ids[i]);
	}
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(p.cli.ch[ids[0]].confirmed && p.cli.ch[ids[1]].confirmed);
	CHECK(p.cli.ch[ids[2]].open_failed);
	CHECK_EQ(p.cli.ch[ids[2]].fail_reason, WS_OPEN_RESOURCE_SHORTAGE);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 2);
	pair_free(&p);

	/* our own cap: the open call itself fails */
	cc.max_channels = 1;
	pair_init(&p, &cc, &sc);
	CHECK_EQ(ws_conn_open_session(p.cli.conn, NULL, &ids[0]), WS_OK);
	CHECK_EQ(ws_conn_open_session(p.cli.conn, NULL, &ids[1]), WS_ERR_LIMIT);
	pair_free(&p);
}

static void test_pending_cap_and_window_space(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	static uint8_t buf[1u << 20];
	pair_config_default(&cc, &sc);
	sc.window = 32 * 1024;
	cc.max_pending = 64 * 1024;
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	size_t acc;
	CHECK_EQ(ws_conn_send_data(p.cli.conn, cid, buf, sizeof(buf), &acc), WS_OK);
	CHECK_EQ(acc, 32 * 1024 + 64 * 1024 - 12); /* window + queue minus one record header */
	CHECK_EQ(ws_conn_send_data(p.cli.conn, cid, buf, 10, &acc), WS_ERR_LIMIT);
	CHECK_EQ(acc, 0);
	p.cli.ch[cid].blocked = true;
	/* the server consumes; the window re-opens; WINDOW_SPACE comes once the queue halved */
	for (int i = 0; i < 100 && p.cli.ch[cid].blocked; i++) {
		CHECK_EQ(pair_pump(&p), WS_OK);
		consume_some(&p.srv);
	}
	CHECK(!p.cli.ch[cid].blocked);
	struct ws_chan_info info;
	CHECK_EQ(ws_conn_channel_info(p.cli.conn, cid, &info), WS_OK);
	CHECK(info.pending <= 32 * 1024);
	CHECK_EQ(p.checker_failures, 0);
	pair_free(&p);
}

/* A WINDOW_ADJUST may take the peer's window up to 2^32-1 and no further. */
static void test_window_adjust_caps(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	uint8_t adj[9] = {93};
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	pair_open_session(&p, &cid, &sid);
	ws_store_be32(adj + 1, sid);
	ws_store_be32(adj + 5, 0xffffffffu);
	CHECK_EQ(ws_conn_handle(p.srv.conn, adj, sizeof(adj)), WS_OK);
	CHECK_EQ(ws_conn_handle(p.srv.conn, adj, sizeof(adj)), WS_OK);
	struct ws_chan_info info;
	CHECK_EQ(ws_conn_channel_info(p.srv.conn, sid, &info), WS_OK);
	CHECK_EQ(info.remote_window, 0xffffffffu);
	pair_free(&p);
}

/* The peer closes first: we answer CLOSE after the event, and may still send exit-status in it. */
static int close_hook_rc = 1;

static void send_exit_in_close_event(struct side *s, uint32_t id)
{
	struct ws_chan_request st = {.type = WS_REQ_EXIT_STATUS};
	size_t acc;
	st.u.exit_status.status = 0;
	close_hook_rc = ws_conn_send_request(s->conn, id, &st);
	/* data makes no sense any more: the peer closed */
	if (ws_conn_send_data(s->conn, id, "x", 1, &acc) != WS_ERR_CLOSED)
		close_hook_rc = -100;
}

static void test_peer_closes_first(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	p.srv.close_hook = send_exit_in_close_event;
	pair_open_session(&p, &cid, &sid);
	size_t acc;
	CHECK_EQ(ws_conn_close(p.cli.conn, cid), WS_OK);
	CHECK_EQ(ws_conn_send_data(p.cli.conn, cid, "x", 1, &acc), WS_ERR_INVALID_ARG);
	/* data the server sends before it sees our CLOSE is dropped, not delivered */
	CHECK_EQ(ws_conn_send_data(p.srv.conn, sid, "late", 4, &acc), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK_EQ(close_hook_rc, WS_OK);
	CHECK_EQ(p.cli.ch[cid].bytes, 0);
	CHECK(p.srv.ch[sid].closed);
	CHECK(strcmp(p.cli.ch[cid].log, "OXC") == 0); /* exit-status, then the answering CLOSE */
	CHECK_EQ(ws_conn_channel_count(p.cli.conn), 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	pair_free(&p);
}

/* An embedder that starts the command inside the exec event: its answer goes out before the
 * output, EOF and CLOSE it sends from there. */
static void run_command_in_event(struct side *s, struct ws_conn_event *ev)
{
	size_t acc;
	if (ev->u.request.type != WS_REQ_EXEC)
		return;
	ev->answer = WS_ANSWER_ACCEPT;
	if (ws_conn_send_data(s->conn, ev->channel, "out", 3, &acc) != WS_OK ||
	    ws_conn_send_eof(s->conn, ev->channel) != WS_OK || ws_conn_close(s->conn, ev->channel) != WS_OK)
		s->ch[ev->channel].log[0] = '!';
}

static void test_reply_precedes_sends_from_the_event(void)
{
	struct ws_conn_config cc, sc;
	struct pair p;
	uint32_t cid, sid;
	pair_config_default(&cc, &sc);
	pair_init(&p, &cc, &sc);
	p.srv.request_hook = run_command_in_event;
	pair_open_session(&p, &cid, &sid);
	struct ws_chan_request exec = {.type = WS_REQ_EXEC, .want_reply = true};
	exec.u.exec.command = ws_conn_str("true");
	CHECK_EQ(ws_conn_send_request(p.cli.conn, cid, &exec), WS_OK);
	CHECK_EQ(pair_pump(&p), WS_OK);
	CHECK(strcmp(p.cli.ch[cid].log, "OYDEC") == 0);
	CHECK(strcmp(p.srv.ch[sid].log, "xC") == 0);
	CHECK_EQ(ws_conn_channel_count(p.srv.conn), 0);
	pair_free(&p);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	randombytes_buf(src, sizeof(src));
	test_session_exec_with_reply();
	test_bulk_64mib_both_ways();
	test_several_channels_concurrently();
	test_eof_close_order_behind_queued_data();
	test_sends_before_confirmation_are_queued();
	test_long_exec_command();
	test_request_replies_in_order();
	test_global_requests();
	test_refused_opens();
	test_direct_tcpip_and_deferred_open();
	test_channel_table_cap();
	test_pending_cap_and_window_space();
	test_window_adjust_caps();
	test_peer_closes_first();
	test_reply_precedes_sends_from_the_event();
	return check_done("test_conn_channels");
}
