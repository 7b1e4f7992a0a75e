/* test_transport.c — client and server engines back to back: handshake and data for every cipher
 * x MAC combination, payloads identical and in order (sha256 of the stream), many rekeys under data
 * started by either side by bytes or by time, and clean disconnects both ways. */
#include <string.h>

#include "check.h"
#include "pair.h"

/* Send `count` payloads each way with sizes cycling through small and large, pumping as we go. */
static void exchange_data(struct pair *p, unsigned count, size_t max_len)
{
	static const size_t sizes[] = {5, 6, 17, 100, 1000, 4096, 32768, 32768 + 100, 65536};
	for (unsigned i = 0; i < count; i++) {
		size_t len = sizes[i % (sizeof(sizes) / sizeof(sizes[0]))];
		len = len > max_len ? max_len : len;
		for (unsigned tries = 0; tries < 100; tries++) {
			int rc = pair_send_data(&p->c, len);
			if (rc == WS_OK)
				break;
			CHECK_EQ(rc, WS_ERR_AGAIN);
			pair_pump(p, 10);
		}
		for (unsigned tries = 0; tries < 100; tries++) {
			int rc = pair_send_data(&p->s, len);
			if (rc == WS_OK)
				break;
			CHECK_EQ(rc, WS_ERR_AGAIN);
			pair_pump(p, 10);
		}
		if (i % 8 == 0)
			pair_pump(p, 2);
	}
	pair_pump(p, 1000);
}

static void check_suite(const char *cipher, const char *mac)
{
	struct ws_transport_config c, s;
	struct pair p;
	pair_default_configs(&c, &s);
	c.ciphers = s.ciphers = cipher;
	c.macs = s.macs = mac;
	pair_init(&p, &c, &s);
	CHECK(pair_handshake(&p));
	CHECK(p.c.host_key_seen);
	const struct ws_transport_algs *a = ws_transport_algs(p.c.t);
	CHECK(strcmp(a->cipher_c2s, cipher) == 0 && strcmp(a->cipher_s2c, cipher) == 0);
	if (mac != NULL && !ws_cipher_by_name(cipher, strlen(cipher))->aead)
		CHECK(strcmp(a->mac_c2s, mac) == 0 && strcmp(a->mac_s2c, mac) == 0);
	CHECK(a->strict_kex);
	const uint8_t *sid_c, *sid_s;
	size_t lc, ls;
	CHECK(ws_transport_session_id(p.c.t, &sid_c, &lc) == WS_OK);
	CHECK(ws_transport_session_id(p.s.t, &sid_s, &ls) == WS_OK);
	CHECK(lc == 32 && ls == 32 && memcmp(sid_c, sid_s, 32) == 0);
	CHECK(strcmp(ws_transport_server_sig_algs(p.c.t), "ssh-ed25519") == 0);
	exchange_data(&p, 40, WS_TRANSPORT_MAX_PAYLOAD);
	CHECK(pair_stream_ok(&p.c, &p.s));
	CHECK(pair_stream_ok(&p.s, &p.c));
	CHECK_EQ(p.c.err, 0);
	CHECK_EQ(p.s.err, 0);
	if (!pair_stream_ok(&p.c, &p.s) || p.c.err || p.s.err)
		fprintf(stderr, "suite %s / %s failed: %s | %s\n", cipher, mac ? mac : "-",
			ws_transport_error_message(p.c.t), ws_transport_error_message(p.s.t));
	pair_free(&p);
}

static void test_every_suite(void)
{
	static const char *const ciphers[] = {"aes128-ctr", "aes192-ctr", "aes256-ctr"};
	static const char *const macs[] = {"hmac-sha2-256", "hmac-sha2-512",
					   "hmac-sha2-256-etm@openssh.com",
					   "hmac-sha2-512-etm@openssh.com"};
	static const char *const aead[] = {"chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com",
					   "aes256-gcm@openssh.com"};
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		for (size_t j = 0; j < sizeof(macs) / sizeof(macs[0]); j++)
			check_suite(ciphers[i], macs[j]);
	for (size_t i = 0; i < sizeof(aead) / sizeof(aead[0]); i++)
		check_suite(aead[i], NULL);
}

static void test_both_kex_names(void)
{
	static const char *const kex[] = {"curve25519-sha256", "curve25519-sha256@libssh.org"};
	for (size_t i = 0; i < 2; i++) {
		struct ws_transport_config c, s;
		struct pair p;
		pair_default_configs(&c, &s);
		c.kex_algorithms = kex[i];
		pair_init(&p, &c, &s);
		CHECK(pair_handshake(&p));
		CHECK(strcmp(ws_transport_algs(p.s.t)->kex, kex[i]) == 0);
		pair_free(&p);
	}
}

/* Rekey by bytes with a tiny limit on one side while data flows both ways. */
static void rekey_by_bytes(bool server_initiates, const char *cipher)
{
	struct ws_transport_config c, s;
	struct pair p;
	pair_default_configs(&c, &s);
	c.ciphers = s.ciphers = cipher;
	if (server_initiates)
		s.rekey_bytes = 200 * 1024;
	else
		c.rekey_bytes = 200 * 1024;
	pair_init(&p, &c, &s);
	REQUIRE(pair_handshake(&p));
	exchange_data(&p, 400, 40000);
	CHECK(pair_stream_ok(&p.c, &p.s));
	CHECK(pair_stream_ok(&p.s, &p.c));
	CHECK(ws_transport_kex_count(p.c.t) >= 20);
	CHECK_EQ(ws_transport_kex_count(p.c.t), ws_transport_kex_count(p.s.t));
	CHECK_EQ(p.c.err, 0);
	CHECK_EQ(p.s.err, 0);
	pair_free(&p);
}

/* Rekey by time: the client's interval is 1 s of tick time; each round advances 250 ms. */
static void test_rekey_by_time(void)
{
	struct ws_transport_config c, s;
	struct pair p;
	pair_default_configs(&c, &s);
	c.rekey_interval_ms = 1000;
	pair_init(&p, &c, &s);
	REQUIRE(pair_handshake(&p));
	uint64_t now = 5000;
	for (unsigned round = 0; round < 80; round++) {
		now += 250;
		CHECK_EQ(ws_transport_tick(p.c.t, now), WS_OK);
		CHECK_EQ(ws_transport_tick(p.s.t, now), WS_OK);
		for (unsigned k = 0; k < 3; k++) {
			CHECK_EQ(pair_send_data(&p.c, 3000), WS_OK);
			CHECK_EQ(pair_send_data(&p.s, 2000), WS_OK);
		}
		pair_pump(&p, 4);
	}
	pair_pump(&p, 100);
	CHECK(pair_stream_ok(&p.c, &p.s));
	CHECK(pair_stream_ok(&p.s, &p.c));
	/* 20 s of tick time at a 1 s interval: about 20 re-exchanges */
	CHECK(ws_transport_kex_count(p.c.t) >= 15);
	CHECK(ws_transport_kex_count(p.c.t) <= 22);
	pair_free(&p);
}

/* Both sides start a re-exchange at the same moment (their KEXINITs cross). */
static void test_simultaneous_rekey(void)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	REQUIRE(pair_handshake(&p));
	for (unsigned i = 0; i < 10; i++) {
		CHECK_EQ(ws_transport_rekey(p.c.t), WS_OK);
		CHECK_EQ(ws_transport_rekey(p.s.t), WS_OK);
		CHECK_EQ(pair_send_data(&p.c, 1000), WS_OK); /* held until NEWKEYS */
		CHECK_EQ(pair_send_data(&p.s, 1000), WS_OK);
		pair_pump(&p, 100);
	}
	CHECK_EQ(ws_transport_kex_count(p.c.t), 11);
	CHECK(pair_stream_ok(&p.c, &p.s));
	CHECK(pair_stream_ok(&p.s, &p.c));
	pair_free(&p);
}

static void disconnect_from(bool client)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	REQUIRE(pair_handshake(&p));
	struct side *from = client ? &p.c : &p.s, *to = client ? &p.s : &p.c;
	CHECK_EQ(pair_send_data(from, 100), WS_OK);
	CHECK_EQ(ws_transport_disconnect(from->t, WS_DISCONNECT_BY_APPLICATION, "bye now"), WS_OK);
	CHECK_EQ(ws_transport_state(from->t), WS_TSTATE_CLOSED);
	CHECK_EQ(pair_send_data(from, 100), WS_ERR_CLOSED);
	pair_pump(&p, 10);
	CHECK(to->disconnected);
	CHECK_EQ(to->disc_reason, WS_DISCONNECT_BY_APPLICATION);
	CHECK(strcmp(to->disc_msg, "bye now") == 0);
	CHECK_EQ(to->rx_msgs, 1); /* data sent before the DISCONNECT arrived first */
	CHECK_EQ(ws_transport_state(to->t), WS_TSTATE_CLOSED);
	CHECK_EQ(ws_transport_error(to->t), WS_ERR_PEER_DISCONNECT);
	struct ws_transport_event ev;
	CHECK_EQ(ws_transport_poll(to->t, &ev), WS_ERR_CLOSED);
	CHECK(!ws_transport_output_pending(from->t));
	pair_free(&p);
}

static void test_ignore_debug_unimplemented(void)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	REQUIRE(pair_handshake(&p));
	static const uint8_t debug[] = {4, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0};
	static const uint8_t unknown_transport[] = {19, 1, 2, 3};
	CHECK_EQ(ws_transport_send_ignore(p.c.t, (const uint8_t *)"xyz", 3), WS_OK);
	CHECK_EQ(ws_transport_send(p.c.t, debug, sizeof(debug)), WS_OK);
	CHECK_EQ(ws_transport_send(p.c.t, unknown_transport, sizeof(unknown_transport)), WS_OK);
	CHECK_EQ(pair_send_data(&p.c, 50), WS_OK);
	pair_pump(&p, 10);
	CHECK_EQ(p.s.rx_msgs, 1);
	CHECK(pair_stream_ok(&p.c, &p.s));
	CHECK_EQ(p.s.err, 0);
	CHECK_EQ(p.c.err, 0); /* the UNIMPLEMENTED answer is accepted */
	/* an upper layer answers an unknown payload type with UNIMPLEMENTED */
	CHECK_EQ(ws_transport_send_unimplemented(p.s.t, 3), WS_OK);
	pair_pump(&p, 10);
	CHECK_EQ(p.c.err, 0);
	pair_free(&p);
}

/* A burst runtime: gather packets of several connections into one seal burst and one open burst,
 * hand results back per connection, then poll. */
static void burst_round(struct side *sides[], unsigned n, struct ws_crypto_engine *eng)
{
	struct ws_crypto_pkt pkts[WS_CRYPTO_MAX_BURST];
	unsigned counts[8], total = 0;
	for (unsigned i = 0; i < n; i++) {
		counts[i] = ws_transport_collect_seal(sides[i]->t, pkts + total, 8);
		total += counts[i];
	}
	CHECK_EQ(ws_crypto_seal_burst(eng, pkts, total), total);
	for (unsigned i = 0, at = 0; i < n; at += counts[i], i++)
		CHECK_EQ(ws_transport_complete_seal(sides[i]->t, pkts + at, counts[i]), WS_OK);
	total = 0;
	for (unsigned i = 0; i < n; i++) {
		counts[i] = ws_transport_collect_open(sides[i]->t, pkts + total, 8);
		total += counts[i];
	}
	CHECK_EQ(ws_crypto_open_burst(eng, pkts, total), total);
	for (unsigned i = 0, at = 0; i < n; at += counts[i], i++)
		CHECK_EQ(ws_transport_complete_open(sides[i]->t, pkts + at, counts[i]), WS_OK);
}

static void test_burst_across_connections(void)
{
	struct ws_transport_config c, s;
	struct pair a, b;
	pair_default_configs(&c, &s);
	c.ciphers = "aes128-ctr,aes256-gcm@openssh.com"; /* pair a: CTR+HMAC */
	c.rekey_bytes = 100 * 1024;
	pair_init(&a, &c, &s);
	c.ciphers = "chacha20-poly1305@openssh.com"; /* pair b: chacha20-poly1305 */
	pair_init(&b, &c, &s);
	REQUIRE(pair_handshake(&a) && pair_handshake(&b));
	struct side *all[4] = {&a.c, &a.s, &b.c, &b.s};
	unsigned bursts = 0;
	for (unsigned round = 0; round < 200; round++) {
		for (unsigned i = 0; i < 4; i++)
			for (unsigned k = 0; k < 3; k++)
				CHECK_EQ(pair_send_data(all[i], 1000 + 700 * k + round), WS_OK);
		burst_round(all, 4, a.eng);
		bursts++;
		pair_move(a.c.t, a.s.t), pair_move(a.s.t, a.c.t);
		pair_move(b.c.t, b.s.t), pair_move(b.s.t, b.c.t);
		burst_round(all, 4, a.eng);
		for (unsigned i = 0; i < 4; i++)
			pair_drain(all[i]);
	}
	pair_pump(&a, 100);
	pair_pump(&b, 100);
	CHECK(pair_stream_ok(&a.c, &a.s) && pair_stream_ok(&a.s, &a.c));
	CHECK(pair_stream_ok(&b.c, &b.s) && pair_stream_ok(&b.s, &b.c));
	CHECK(ws_transport_kex_count(a.c.t) >= 5); /* rekeys happened between bursts */
	CHECK(strcmp(ws_transport_algs(a.c.t)->cipher_c2s, "aes128-ctr") == 0);
	CHECK_EQ(bursts, 200);
	pair_free(&a);
	pair_free(&b);
}

/* sendv refuses what send refuses: an empty first part, transport-owned message numbers, and
 * payloads over the maximum; a gathered payload arrives as one message. */
static void test_sendv_arguments(void)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	REQUIRE(pair_handshake(&p));
	static const uint8_t kexinit[] = {20, 0}, data[] = {94, 1, 2, 3};
	struct ws_bytes empty_first[2] = {{data, 0}, {data, 4}};
	CHECK_EQ(ws_transport_sendv(p.c.t, empty_first, 2), WS_ERR_INVALID_ARG);
	struct ws_bytes kex[1] = {{kexinit, 2}};
	CHECK_EQ(ws_transport_sendv(p.c.t, kex, 1), WS_ERR_INVALID_ARG);
	static uint8_t big[WS_TRANSPORT_MAX_PAYLOAD];
	struct ws_bytes over[2] = {{data, 4}, {big, sizeof(big)}};
	CHECK_EQ(ws_transport_sendv(p.c.t, over, 2), WS_ERR_INVALID_ARG);
	CHECK_EQ(pair_send_data(&p.c, 4096), WS_OK);
	pair_pump(&p, 100);
	CHECK_EQ(p.s.rx_msgs, 1);
	CHECK(pair_stream_ok(&p.c, &p.s));
	pair_free(&p);
}

int main(void)
{
	test_sendv_arguments();
	test_burst_across_connections();
	test_every_suite();
	test_both_kex_names();
	rekey_by_bytes(false, "aes128-gcm@openssh.com");
	rekey_by_bytes(true, "chacha20-poly1305@openssh.com");
	rekey_by_bytes(true, "aes256-ctr");
	test_rekey_by_time();
	test_simultaneous_rekey();
	disconnect_from(true);
	disconnect_from(false);
	test_ignore_debug_unimplemented();
	return check_done("test_transport");
}
