/* test_conn_hardening.c — the connection protocol against a hostile or broken peer, scripted
 * byte for byte: unknown and unconfirmed channels, window overrun, data after EOF, replies
 * without requests, floods of deferred requests, every truncation of every message kind. Each
 * must end in a clean sticky error with disconnect reason PROTOCOL_ERROR, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "msgq.h"
#include "warpssh/buf.h"
#include "warpssh/conn.h"

/* ---- a module under test with a minimal embedder ---- */

struct harness {
	struct ws_conn *conn;
	struct msgq out;
	unsigned events[16];
	enum ws_conn_answer request_answer;
};

static void on_event(void *arg, struct ws_conn_event *ev)
{
	struct harness *h = arg;
	h->events[ev->type]++;
	if (ev->type == WS_CONN_EV_OPEN_REQUEST)
		ev->answer = WS_ANSWER_ACCEPT;
	if (ev->type == WS_CONN_EV_REQUEST)
		ev->answer = h->request_answer;
}

static void h_init(struct harness *h, bool is_server, uint32_t window)
{
	struct ws_conn_config cfg;
	memset(h, 0, sizeof(*h));
	ws_conn_config_default(&cfg);
	cfg.is_server = is_server;
	cfg.window = window;
	cfg.max_packet = window < 32768 ? window : 32768;
	msgq_init(&h->out);
	h->request_answer = WS_ANSWER_ACCEPT;
	struct ws_conn_handler hd = {on_event, h};
	struct ws_payload_sink sink = msgq_sink(&h->out);
	REQUIRE(ws_conn_new(&h->conn, &cfg, &hd, &sink) == WS_OK);
}

static void h_free(struct harness *h)
{
	ws_conn_free(h->conn);
	msgq_free(&h->out);
}

/* ---- raw messages ---- */

struct raw {
	uint8_t d[2048];
	struct ws_buf b;
};

static struct raw *raw_begin(struct raw *r, uint8_t type)
{
	ws_buf_init_write(&r->b, r->d, sizeof(r->d));
	REQUIRE(ws_buf_put_u8(&r->b, type) == WS_OK);
	return r;
}

static void raw_u32(struct raw *r, uint32_t v)
{
	REQUIRE(ws_buf_put_u32(&r->b, v) == WS_OK);
}

static void raw_bool(struct raw *r, bool v)
{
	REQUIRE(ws_buf_put_bool(&r->b, v) == WS_OK);
}

static void raw_str(struct raw *r, const char *s)
{
	REQUIRE(ws_buf_put_cstring(&r->b, s) == WS_OK);
}

static int feed(struct harness *h, const struct raw *r)
{
	return ws_conn_handle(h->conn, r->d, r->b.wpos);
}

#define PEER_ID 7u

static void open_from_peer(struct harness *h, const char *type, uint32_t window)
{
	struct raw r;
	raw_begin(&r, 90);
	raw_str(&r, type);
	raw_u32(&r, PEER_ID);
	raw_u32(&r, window);
	raw_u32(&r, 32768);
	REQUIRE(feed(h, &r) == WS_OK);
}

/* Server with channel 0 open to a peer whose id is PEER_ID. */
static void server_with_channel(struct harness *h, uint32_t window)
{
	h_init(h, true, window);
	open_from_peer(h, "session", 1u << 20);
	REQUIRE(h->events[WS_CONN_EV_OPEN_REQUEST] == 1);
	msgq_clear(&h->out);
}

/* Client that opened channel 0 (not yet confirmed). */
static void client_opening(struct harness *h)
{
	uint32_t id;
	h_init(h, false, 1u << 20);
	REQUIRE(ws_conn_open_session(h->conn, NULL, &id) == WS_OK && id == 0);
	msgq_clear(&h->out);
}

static void confirm(struct harness *h)
{
	struct raw r;
	raw_begin(&r, 91);
	raw_u32(&r, 0);
	raw_u32(&r, PEER_ID);
	raw_u32(&r, 1u << 20);
	raw_u32(&r, 32768);
	REQUIRE(feed(h, &r) == WS_OK);
}

static void client_with_channel(struct harness *h)
{
	client_opening(h);
	confirm(h);
}

/* ---- every truncation of every message kind ---- */

enum scenario { SRV_CHANNEL, CLI_OPENING, CLI_CHANNEL, CLI_CHANNEL_REQ_OUT, CLI_GLOBAL_OUT };

static void setup(struct harness *h, enum scenario s)
{
	switch (s) {
	case SRV_CHANNEL:
		server_with_channel(h, 1u << 20);
		break;
	case CLI_OPENING:
		client_opening(h);
		break;
	case CLI_CHANNEL:
		client_with_channel(h);
		break;
	case CLI_CHANNEL_REQ_OUT: {
		client_with_channel(h);
		struct ws_chan_request shell = {.type = WS_REQ_SHELL, .want_reply = true};
		REQUIRE(ws_conn_send_request(h->conn, 0, &shell) == WS_OK);
		break;
	}
	case CLI_GLOBAL_OUT:
		h_init(h, false, 1u << 20);
		REQUIRE(ws_conn_send_global_request(h->conn, "x@example.com", true, NULL, 0) == WS_OK);
		break;
	}
}

struct case_msg {
	enum scenario s;
	struct raw r;
	size_t also_valid_len; /* a shorter length that is a valid message too (0: none) */
	bool rest_unparsed;    /* the rest is free-form (unknown global request, global reply) */
};

static size_t build_cases(struct case_msg *c)
{
	size_t n = 0;
	struct raw *r;
	r = raw_begin(&c[n].r, 80);
	c[n].s = SRV_CHANNEL;
	raw_str(r, "tcpip-forward");
	raw_bool(r, true);
	raw_str(r, "127.0.0.1");
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 80);
	c[n].s = SRV_CHANNEL;
	raw_str(r, "keepalive@openssh.com");
	raw_bool(r, true);
	c[n].rest_unparsed = true;
	n++;
	r = raw_begin(&c[n].r, 90);
	c[n].s = SRV_CHANNEL;
	raw_str(r, "direct-tcpip");
	raw_u32(r, 8);
	raw_u32(r, 65536);
	raw_u32(r, 32768);
	raw_str(r, "example.com");
	raw_u32(r, 80);
	raw_str(r, "10.0.0.1");
	raw_u32(r, 5555);
	n++;
	r = raw_begin(&c[n].r, 90);
	c[n].s = SRV_CHANNEL;
	raw_str(r, "session");
	raw_u32(r, 8);
	raw_u32(r, 65536);
	raw_u32(r, 32768);
	n++;
	r = raw_begin(&c[n].r, 93);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_u32(r, 1000);
	n++;
	r = raw_begin(&c[n].r, 94);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "hello");
	n++;
	r = raw_begin(&c[n].r, 95);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_u32(r, 1);
	raw_str(r, "err");
	n++;
	r = raw_begin(&c[n].r, 96);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 97);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "pty-req");
	raw_bool(r, true);
	raw_str(r, "vt100");
	raw_u32(r, 80);
	raw_u32(r, 24);
	raw_u32(r, 640);
	raw_u32(r, 480);
	raw_str(r, "\x35");
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "exec");
	raw_bool(r, true);
	raw_str(r, "ls -l");
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "env");
	raw_bool(r, false);
	raw_str(r, "LANG");
	raw_str(r, "C");
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "window-change");
	raw_bool(r, false);
	raw_u32(r, 100);
	raw_u32(r, 30);
	raw_u32(r, 0);
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "signal");
	raw_bool(r, false);
	raw_str(r, "INT");
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = SRV_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "subsystem");
	raw_bool(r, true);
	raw_str(r, "sftp");
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = CLI_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "exit-status");
	raw_bool(r, false);
	raw_u32(r, 1);
	n++;
	r = raw_begin(&c[n].r, 98);
	c[n].s = CLI_CHANNEL;
	raw_u32(r, 0);
	raw_str(r, "exit-signal");
	raw_bool(r, false);
	raw_str(r, "KILL");
	raw_bool(r, true);
	raw_str(r, "killed");
	raw_str(r, "");
	n++;
	r = raw_begin(&c[n].r, 91);
	c[n].s = CLI_OPENING;
	raw_u32(r, 0);
	raw_u32(r, 9);
	raw_u32(r, 65536);
	raw_u32(r, 32768);
	n++;
	r = raw_begin(&c[n].r, 92);
	c[n].s = CLI_OPENING;
	raw_u32(r, 0);
	raw_u32(r, 2);
	raw_str(r, "no route");
	raw_str(r, "");
	c[n].also_valid_len = c[n].r.b.wpos - 4; /* the language tag may be missing */
	n++;
	r = raw_begin(&c[n].r, 99);
	c[n].s = CLI_CHANNEL_REQ_OUT;
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 100);
	c[n].s = CLI_CHANNEL_REQ_OUT;
	raw_u32(r, 0);
	n++;
	r = raw_begin(&c[n].r, 82);
	c[n].s = CLI_GLOBAL_OUT;
	c[n].rest_unparsed = true;
	n++;
	return n;
}

static void test_every_truncation(void)
{
	static struct case_msg cases[32];
	size_t n = build_cases(cases);
	for (size_t i = 0; i < n; i++) {
		struct harness h;
		const struct raw *full = &cases[i].r;
		setup(&h, cases[i].s);
		CHECK_EQ(ws_conn_handle(h.conn, full->d, full->b.wpos), WS_OK); /* the scenario is right */
		h_free(&h);
		for (size_t len = 0; len < full->b.wpos; len++) {
			if (len == cases[i].also_valid_len && len != 0)
				continue;
			setup(&h, cases[i].s);
			int rc = ws_conn_handle(h.conn, full->d, len);
			CHECK(rc < 0);
			if (rc >= 0)
				fprintf(stderr, "case %zu (type %u): prefix %zu accepted\n", i, full->d[0],
					len);
			CHECK_EQ(ws_conn_disconnect(h.conn).reason, WS_REASON_PROTOCOL_ERROR);
			/* sticky: the full message is refused too, and API calls fail */
			CHECK(ws_conn_handle(h.conn, full->d, full->b.wpos) < 0);
			size_t acc;
			CHECK_EQ(ws_conn_send_data(h.conn, 0, "x", 1, &acc), WS_ERR_CLOSED);
			h_free(&h);
		}
		/* one trailing byte too many is refused as well (except for free-form remainders) */
		if (cases[i].rest_unparsed)
			continue;
		setup(&h, cases[i].s);
		struct raw longer = *full;
		raw_u32(&longer, 0);
		longer.b.wpos -= 3;
		CHECK(ws_conn_handle(h.conn, longer.d, longer.b.wpos) < 0);
		h_free(&h);
	}
}

/* ---- specific violations ---- */

static void expect_protocol_error(struct harness *h, const struct raw *r)
{
	int rc = feed(h, r);
	CHECK(rc == WS_ERR_CHANNEL || rc == WS_ERR_PROTOCOL);
	CHECK_EQ(ws_conn_disconnect(h->conn).reason, WS_REASON_PROTOCOL_ERROR);
	CHECK(ws_conn_disconnect(h->conn).message != NULL);
}

static void test_data_on_unknown_channel(void)
{
	struct harness h;
	struct raw r;
	server_with_channel(&h, 1u << 20);
	raw_begin(&r, 94);
	raw_u32(&r, 5);
	raw_str(&r, "boo");
	expect_protocol_error(&h, &r);
	CHECK_EQ(h.events[WS_CONN_EV_DATA], 0);
	h_free(&h);

	server_with_channel(&h, 1u << 20);
	raw_begin(&r, 94);
	raw_u32(&r, 0xffffffffu);
	raw_str(&r, "boo");
	expect_protocol_error(&h, &r);
	h_free(&h);
}

static void test_window_overrun(void)
{
	struct harness h;
	struct raw r;
	static char chunk[1025];
	memset(chunk, 'a', sizeof(chunk) - 1);
	server_with_channel(&h, 1024);
	raw_begin(&r, 94);
	raw_u32(&r, 0);
	raw_str(&r, chunk); /* 1024 bytes: exactly the window */
	CHECK_EQ(feed(&h, &r), WS_OK);
	raw_begin(&r, 94);
	raw_u32(&r, 0);
	raw_str(&r, "a"); /* one more byte than granted */
	expect_protocol_error(&h, &r);
	h_free(&h);

	/* in one go */
	server_with_channel(&h, 1000);
	raw_begin(&r, 95);
	raw_u32(&r, 0);
	raw_u32(&r, 1);
	raw_str(&r, chunk);
	expect_protocol_error(&h, &r);
	CHECK_EQ(h.events[WS_CONN_EV_DATA], 0);
	h_free(&h);
}

static void test_window_reopens_only_after_consumption(void)
{
	struct harness h;
	struct raw r;
	static char chunk[1025];
	memset(chunk, 'a', sizeof(chunk) - 1);
	server_with_channel(&h, 1024);
	raw_begin(&r, 94);
	raw_u32(&r, 0);
	raw_str(&r, chunk);
	CHECK_EQ(feed(&h, &r), WS_OK);
	CHECK_EQ(h.out.count, 0);
	CHECK_EQ(ws_conn_consumed(h.conn, 0, 1025), WS_ERR_INVALID_ARG); /* more than delivered */
	CHECK_EQ(ws_conn_consumed(h.conn, 0, 511), WS_OK);
	CHECK_EQ(h.out.count, 0); /* below half the window: no adjust yet */
	CHECK_EQ(ws_conn_consumed(h.conn, 0, 1), WS_OK);
	REQUIRE(h.out.count == 1);
	const struct msg *m = msgq_peek(&h.out, 0);
	static const uint8_t want[] = {93, 0, 0, 0, PEER_ID, 0, 0, 2, 0};
	CHECK(m->len == sizeof(want) && memcmp(m->data, want, sizeof(want)) == 0);
	h_free(&h);
}

static void test_data_after_eof(void)
{
	struct harness h;
	struct raw r, eof;
	server_with_channel(&h, 1u << 20);
	raw_begin(&eof, 96);
	raw_u32(&eof, 0);
	CHECK_EQ(feed(&h, &eof), WS_OK);
	raw_begin(&r, 94);
	raw_u32(&r, 0);
	raw_str(&r, "late");
	expect_protocol_error(&h, &r);
	h_free(&h);

	server_with_channel(&h, 1u << 20);
	CHECK_EQ(feed(&h, &eof), WS_OK);
	expect_protocol_error(&h, &eof); /* a second EOF */
	h_free(&h);
}

static void test_unconfirmed_channel(void)
{
	struct harness h;
	struct raw r;
	client_opening(&h);
	raw_begin(&r, 94);
	raw_u32(&r, 0);
	raw_str(&r, "too early");
	expect_protocol_error(&h, &r);
	h_free(&h);

	client_opening(&h);
	raw_begin(&r, 98);
	raw_u32(&r, 0);
	raw_str(&r, "exit-status");
	raw_bool(&r, false);
	raw_u32(&r, 0);
	expect_protocol_error(&h, &r);
	h_free(&h);

	/* a confirmation for a channel we never opened, or twice */
	h_init(&h, false, 1u << 20);
	raw_begin(&r, 91);
	raw_u32(&r, 0);
	raw_u32(&r, 1);
	raw_u32(&r, 100);
	raw_u32(&r, 100);
	expect_protocol_error(&h, &r);
	h_free(&h);
	client_with_channel(&h);
	expect_protocol_error(&h, &r);
	h_free(&h);

	/* a confirmation with maximum packet 0 */
	client_opening(&h);
	raw_begin(&r, 91);
	raw_u32(&r, 0);
	raw_u32(&r, 1);
	raw_u32(&r, 100);
	raw_u32(&r, 0);
	expect_protocol_error(&h, &r);
	h_free(&h);
}

static void test_replies_without_requests(void)
{
	struct harness h;
	struct raw r;
	client_with_channel(&h);
	raw_begin(&r, 99);
	raw_u32(&r, 0);
	expect_protocol_error(&h, &r);
	h_free(&h);

	h_init(&h, false, 1u << 20);
	raw_begin(&r, 81);
	expect_protocol_error(&h, &r);
	h_free(&h);
}

static void test_extended_data_type_zero(void)
{
	struct harness h;
	struct raw r;
	server_with_channel(&h, 1u << 20);
	raw_begin(&r, 95);
	raw_u32(&r, 0);
	raw_u32(&r, 0);
	raw_str(&r, "x");
	expect_protocol_error(&h, &r);
	h_free(&h);
}

static void test_deferred_request_flood(void)
{
	struct harness h;
	struct raw r;
	server_with_channel(&h, 1u << 20);
	h.request_answer = WS_ANSWER_DEFER;
	raw_begin(&r, 98);
	raw_u32(&r, 0);
	raw_str(&r, "shell");
	raw_bool(&r, true);
	for (unsigned i = 0; i < WS_CONN_MAX_PENDING_REPLIES; i++)
		CHECK_EQ(feed(&h, &r), WS_OK);
	CHECK_EQ(feed(&h, &r), WS_ERR_LIMIT);
	CHECK_EQ(ws_conn_disconnect(h.conn).reason, WS_REASON_PROTOCOL_ERROR);
	h_free(&h);
}

/* After our CLOSE, requests still in flight from the peer get no answer and use no slots. */
static void test_requests_after_our_close(void)
{
	struct harness h;
	struct raw r;
	server_with_channel(&h, 1u << 20);
	CHECK_EQ(ws_conn_close(h.conn, 0), WS_OK);
	raw_begin(&r, 98);
	raw_u32(&r, 0);
	raw_str(&r, "shell");
	raw_bool(&r, true);
	for (unsigned i = 0; i < 2 * WS_CONN_MAX_PENDING_REPLIES; i++)
		CHECK_EQ(feed(&h, &r), WS_OK);
	CHECK_EQ(h.out.count, 1); /* just our CLOSE */
	CHECK_EQ(msgq_type(&h.out, 0), 97);
	h_free(&h);
}

static void test_unknown_and_foreign_message_numbers(void)
{
	struct harness h;
	server_with_channel(&h, 1u << 20);
	static const uint8_t m110[] = {110, 1, 2, 3};
	CHECK_EQ(ws_conn_handle(h.conn, m110, sizeof(m110)), WS_ERR_UNSUPPORTED);
	CHECK_EQ(ws_conn_disconnect(h.conn).reason, 0); /* not fatal: UNIMPLEMENTED */
	static const uint8_t m50[] = {50};
	CHECK_EQ(ws_conn_handle(h.conn, m50, 1), WS_ERR_UNEXPECTED_MSG);
	CHECK_EQ(ws_conn_disconnect(h.conn).reason, WS_REASON_PROTOCOL_ERROR);
	h_free(&h);
}

static void test_sink_failure_is_sticky(void)
{
	struct harness h;
	struct raw r;
	server_with_channel(&h, 1u << 20);
	h.out.fail_rc = WS_ERR_IO;
	size_t acc;
	CHECK_EQ(ws_conn_send_data(h.conn, 0, "abc", 3, &acc), WS_ERR_IO);
	CHECK_EQ(ws_conn_disconnect(h.conn).reason, WS_REASON_BY_APPLICATION);
	CHECK_EQ(ws_conn_send_eof(h.conn, 0), WS_ERR_CLOSED);
	raw_begin(&r, 96);
	raw_u32(&r, 0);
	CHECK_EQ(feed(&h, &r), WS_ERR_IO);
	h_free(&h);
}

static void test_bad_api_use(void)
{
	struct harness h;
	struct ws_conn_config cfg;
	uint32_t id;
	size_t acc;
	server_with_channel(&h, 1u << 20);
	CHECK_EQ(ws_conn_send_data(h.conn, 9, "x", 1, &acc), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_send_extended(h.conn, 0, 0, "x", 1, &acc), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_reply_request(h.conn, 0, true), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_reply_global(h.conn, true, 0), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_accept_open(h.conn, 0, NULL), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_consumed(h.conn, 0, 1), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_open_direct_tcpip(h.conn, NULL, 1, "a", 1, NULL, &id), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_conn_disconnect(h.conn).reason, 0); /* misuse is not the peer's fault */
	h_free(&h);

	ws_conn_config_default(&cfg);
	struct ws_conn *c;
	struct msgq q;
	msgq_init(&q);
	struct ws_conn_handler hd = {NULL, NULL};
	struct ws_payload_sink sink = msgq_sink(&q);
	cfg.max_packet = WS_CONN_MAX_PACKET_CAP + 1;
	CHECK_EQ(ws_conn_new(&c, &cfg, &hd, &sink), WS_ERR_CONFIG);
	CHECK(c == NULL);
	ws_conn_config_default(&cfg);
	cfg.max_channels = 0;
	CHECK_EQ(ws_conn_new(&c, &cfg, &hd, &sink), WS_ERR_CONFIG);
	msgq_free(&q);
}

int main(void)
{
	test_every_truncation();
	test_data_on_unknown_channel();
	test_window_overrun();
	test_window_reopens_only_after_consumption();
	test_data_after_eof();
	test_unconfirmed_channel();
	test_replies_without_requests();
	test_extended_data_type_zero();
	test_deferred_request_flood();
	test_requests_after_our_close();
	test_unknown_and_foreign_message_numbers();
	test_sink_failure_is_sticky();
	test_bad_api_use();
	return check_done("test_conn_hardening");
}
