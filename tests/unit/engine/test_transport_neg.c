/* test_transport_neg.c — the transport refusing bad input: tampered encrypted packets (MAC error
 * and DISCONNECT to the peer), truncated streams, bad lengths and padding, strict-kex violations
 * (incl. the Terrapin prefix injection), algorithm mismatch, host key rejection, SSH-1 and bad
 * version lines. Each case ends in a clean, sticky failure, never a crash or an event. */
#include <string.h>

#include "check.h"
#include "pair.h"

/* A plaintext packet (before NEWKEYS) with the given payload and padding length. */
static size_t plain_packet(uint8_t *out, const uint8_t *payload, size_t len, uint8_t padlen)
{
	uint32_t pl = (uint32_t)(1 + len + padlen);
	ws_store_be32(out, pl);
	out[4] = padlen;
	if (len > 0)
		memcpy(out + 5, payload, len);
	memset(out + 5 + len, 0, padlen);
	return 4 + pl;
}

static size_t ignore_packet(uint8_t *out)
{
	static const uint8_t ignore[] = {2, 0, 0, 0, 0};
	return plain_packet(out, ignore, sizeof(ignore), 6); /* 4+1+5+6 = 16 */
}

/* Feed raw bytes to a fresh transport of the given role and return its poll result. */
static int feed_fresh(enum ws_role role, const void *bytes, size_t len, struct pair *p)
{
	struct ws_transport_event ev;
	pair_init(p, NULL, NULL);
	struct ws_transport *t = role == WS_ROLE_CLIENT ? p->c.t : p->s.t;
	CHECK_EQ(ws_transport_input(t, bytes, len), (int)len);
	int rc = ws_transport_poll(t, &ev);
	CHECK_EQ(ev.type, WS_TEV_NONE);
	return rc;
}

static void test_versions(void)
{
	struct pair p;
	static const char ssh1[] = "SSH-1.5-OldServer\r\n";
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, ssh1, strlen(ssh1), &p), WS_ERR_VERSION);
	CHECK(strstr(ws_transport_error_message(p.c.t), "SSH-1") != NULL);
	CHECK_EQ(ws_transport_state(p.c.t), WS_TSTATE_FAILED);
	pair_free(&p);

	static const char other[] = "SSH-3.0-future\r\n";
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, other, strlen(other), &p), WS_ERR_VERSION);
	pair_free(&p);

	/* a server may send banner lines first; a client may not */
	static const char banner[] = "hello there\r\nsecond line\nSSH-1.99-Compat_1\r\n";
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, banner, strlen(banner), &p), 0);
	CHECK(strcmp(ws_transport_peer_version(p.c.t), "SSH-1.99-Compat_1") == 0);
	pair_free(&p);
	CHECK_EQ(feed_fresh(WS_ROLE_SERVER, banner, strlen(banner), &p), WS_ERR_VERSION);
	pair_free(&p);

	/* line over 255 bytes, too many lines, control characters */
	char longline[400];
	memset(longline, 'a', sizeof(longline));
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, longline, sizeof(longline), &p), WS_ERR_VERSION);
	pair_free(&p);
	static char many[1100 * 2];
	for (size_t i = 0; i < sizeof(many); i += 2)
		memcpy(many + i, "x\n", 2);
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, many, sizeof(many), &p), WS_ERR_VERSION);
	pair_free(&p);
	static const char ctl[] = "SSH-2.0-bad\x1b[31m\r\n";
	CHECK_EQ(feed_fresh(WS_ROLE_SERVER, ctl, strlen(ctl), &p), WS_ERR_VERSION);
	pair_free(&p);

	/* a partial version line is no event and no error; EOF then fails cleanly */
	static const char part[] = "SSH-2.0-Op";
	CHECK_EQ(feed_fresh(WS_ROLE_CLIENT, part, strlen(part), &p), 0);
	ws_transport_input_eof(p.c.t);
	struct ws_transport_event ev;
	CHECK_EQ(ws_transport_poll(p.c.t, &ev), WS_ERR_EOF);
	pair_free(&p);
}

/* Plaintext phase: the server gets a version line then one crafted packet. */
static int server_gets_packet(const uint8_t *pkt, size_t len, struct pair *p)
{
	static const char v[] = "SSH-2.0-test\r\n";
	uint8_t buf[512];
	memcpy(buf, v, strlen(v));
	memcpy(buf + strlen(v), pkt, len);
	return feed_fresh(WS_ROLE_SERVER, buf, strlen(v) + len, p);
}

/* The failing side queued a DISCONNECT with this reason: deliver it to the other side. */
static void check_disconnect_sent(struct pair *p, struct side *failed, uint32_t reason)
{
	struct side *other = failed == &p->s ? &p->c : &p->s;
	pair_move(failed->t, other->t);
	pair_drain(other);
	CHECK(other->disconnected);
	CHECK_EQ(other->disc_reason, reason);
}

static void test_bad_lengths_and_padding(void)
{
	struct pair p;
	uint8_t pkt[64];
	/* packet_length over 256 KiB */
	ws_store_be32(pkt, 300000);
	CHECK_EQ(server_gets_packet(pkt, 16, &p), WS_ERR_PACKET_SIZE);
	check_disconnect_sent(&p, &p.s, WS_DISCONNECT_PROTOCOL_ERROR);
	pair_free(&p);
	/* too small */
	ws_store_be32(pkt, 2);
	CHECK_EQ(server_gets_packet(pkt, 16, &p), WS_ERR_PACKET_SIZE);
	pair_free(&p);
	/* not a multiple of the block size (4 + 13 = 17) */
	static const uint8_t ign[] = {2, 0, 0, 0, 0};
	size_t n = plain_packet(pkt, ign, sizeof(ign), 7);
	CHECK_EQ(server_gets_packet(pkt, n, &p), WS_ERR_PADDING);
	pair_free(&p);
	/* padding shorter than 4 bytes (aligned: 4 + 1 + 8 + 3 = 16) */
	static const uint8_t ign8[] = {2, 0, 0, 0, 3, 'a', 'b', 'c'};
	n = plain_packet(pkt, ign8, sizeof(ign8), 3);
	CHECK_EQ(server_gets_packet(pkt, n, &p), WS_ERR_PADDING);
	pair_free(&p);
	/* padding covering the whole packet (no message number left) */
	n = plain_packet(pkt, NULL, 0, 11);
	CHECK_EQ(server_gets_packet(pkt, n, &p), WS_ERR_PADDING);
	pair_free(&p);
	/* truncated packet: no event, no error until EOF */
	n = ignore_packet(pkt);
	CHECK_EQ(server_gets_packet(pkt, n - 1, &p), 0);
	CHECK_EQ(ws_transport_state(p.s.t), WS_TSTATE_HANDSHAKE);
	ws_transport_input_eof(p.s.t);
	struct ws_transport_event ev;
	CHECK_EQ(ws_transport_poll(p.s.t, &ev), WS_ERR_EOF);
	CHECK(strstr(ws_transport_error_message(p.s.t), "inside a packet") != NULL);
	pair_free(&p);
}

/* Take exactly one packet that `from` has ready (output segments are per packet). */
static size_t take_one_packet(struct ws_transport *from, uint8_t *out, size_t cap)
{
	const uint8_t *d;
	size_t len;
	REQUIRE(ws_transport_output(from, &d, &len) == WS_OK && len > 0 && len <= cap);
	memcpy(out, d, len);
	REQUIRE(ws_transport_output_consume(from, len) == WS_OK);
	return len;
}

/* Flip one byte of an encrypted data packet: the receiver fails with a MAC error and tells the
 * sender with DISCONNECT(MAC_ERROR). */
static void tamper_at(const char *cipher, const char *mac, size_t pos, size_t *pkt_len)
{
	struct ws_transport_config c, s;
	struct pair p;
	static uint8_t pkt[2048];
	pair_default_configs(&c, &s);
	c.ciphers = s.ciphers = cipher;
	c.macs = s.macs = mac;
	pair_init(&p, &c, &s);
	REQUIRE(pair_handshake(&p));
	CHECK_EQ(pair_send_data(&p.c, 200), WS_OK);
	size_t n = take_one_packet(p.c.t, pkt, sizeof(pkt));
	*pkt_len = n;
	if (pos < n) {
		pkt[pos] ^= 0x01;
		CHECK_EQ(ws_transport_input(p.s.t, pkt, n), (int)n);
		pair_drain(&p.s);
		CHECK_EQ(p.s.err, WS_ERR_MAC);
		CHECK_EQ(p.s.rx_msgs, 0);
		CHECK_EQ(ws_transport_error(p.s.t), WS_ERR_MAC);
		check_disconnect_sent(&p, &p.s, WS_DISCONNECT_MAC_ERROR);
	}
	pair_free(&p);
}

static void test_tamper_every_byte(void)
{
	static const char *const suites[][2] = {
		{"aes128-gcm@openssh.com", NULL}, {"chacha20-poly1305@openssh.com", NULL},
		{"aes256-ctr", "hmac-sha2-256"}, {"aes128-ctr", "hmac-sha2-512-etm@openssh.com"}};
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		size_t len = 1;
		/* the first 4 bytes are the length: changing it is a framing error, tested apart */
		for (size_t pos = 4; pos < len; pos++)
			tamper_at(suites[i][0], suites[i][1], pos, &len);
		if (len == 1)
			tamper_at(suites[i][0], suites[i][1], 4, &len);
		CHECK(len > 200);
		for (size_t pos = 5; pos < len; pos++)
			tamper_at(suites[i][0], suites[i][1], pos, &len);
	}
}

/* A clear-text length (GCM) changed to something huge: refused before any MAC work. */
static void test_encrypted_oversize_length(void)
{
	struct ws_transport_config c, s;
	struct pair p;
	uint8_t pkt[2048];
	pair_default_configs(&c, &s);
	c.ciphers = s.ciphers = "aes256-gcm@openssh.com";
	pair_init(&p, &c, &s);
	REQUIRE(pair_handshake(&p));
	CHECK_EQ(pair_send_data(&p.c, 100), WS_OK);
	size_t n = take_one_packet(p.c.t, pkt, sizeof(pkt));
	ws_store_be32(pkt, 0x00100000);
	CHECK_EQ(ws_transport_input(p.s.t, pkt, n), (int)n);
	pair_drain(&p.s);
	CHECK_EQ(p.s.err, WS_ERR_PACKET_SIZE);
	pair_free(&p);
}

/* Deliver the server's output (version line and KEXINIT) to the client, with `inject` placed
 * before (at_start) or after the KEXINIT. */
static void terrapin_case(bool strict, bool at_start, int want)
{
	struct ws_transport_config c, s;
	struct pair p;
	uint8_t buf[4096], ign[32];
	size_t len = 0, ilen = ignore_packet(ign);
	pair_default_configs(&c, &s);
	c.disable_strict_kex = !strict;
	pair_init(&p, &c, &s);
	len += take_one_packet(p.s.t, buf, sizeof(buf)); /* version line */
	if (at_start) {
		memcpy(buf + len, ign, ilen);
		len += ilen;
	}
	len += take_one_packet(p.s.t, buf + len, sizeof(buf) - len); /* KEXINIT */
	if (!at_start) {
		memcpy(buf + len, ign, ilen);
		len += ilen;
	}
	CHECK_EQ(ws_transport_input(p.c.t, buf, len), (int)len);
	pair_drain(&p.c);
	CHECK_EQ(p.c.err, want);
	if (want != 0)
		CHECK(strstr(ws_transport_error_message(p.c.t), "strict KEX") != NULL);
	pair_free(&p);
}

static void test_strict_kex(void)
{
	/* IGNORE after KEXINIT during the initial exchange (the Terrapin injection): fatal */
	terrapin_case(true, false, WS_ERR_UNEXPECTED_MSG);
	/* IGNORE before KEXINIT: KEXINIT is not the first packet: fatal */
	terrapin_case(true, true, WS_ERR_UNEXPECTED_MSG);
	/* without strict kex an IGNORE is legal there */
	terrapin_case(false, false, 0);
	terrapin_case(false, true, 0);

	/* a data message from the client during the strict initial kex */
	struct pair p;
	uint8_t buf[4096], pkt[64];
	static const uint8_t data[] = {94, 0, 0, 0, 0, 0, 0, 0};
	pair_init(&p, NULL, NULL);
	size_t len = take_one_packet(p.c.t, buf, sizeof(buf));
	len += take_one_packet(p.c.t, buf + len, sizeof(buf) - len);
	size_t n = plain_packet(pkt, data, sizeof(data), 11);
	memcpy(buf + len, pkt, n);
	len += n;
	CHECK_EQ(ws_transport_input(p.s.t, buf, len), (int)len);
	pair_drain(&p.s);
	CHECK_EQ(p.s.err, WS_ERR_UNEXPECTED_MSG);
	check_disconnect_sent(&p, &p.s, WS_DISCONNECT_PROTOCOL_ERROR);
	pair_free(&p);
}

static void test_no_algorithm_match(void)
{
	struct ws_transport_config c, s;
	struct pair p;
	pair_default_configs(&c, &s);
	c.ciphers = "aes128-ctr,aes192-ctr";
	s.ciphers = "aes256-gcm@openssh.com";
	pair_init(&p, &c, &s);
	pair_pump(&p, 20);
	CHECK_EQ(p.c.err, WS_ERR_NO_ALG_MATCH);
	CHECK_EQ(p.s.err, WS_ERR_NO_ALG_MATCH);
	const char *m = ws_transport_error_message(p.s.t);
	CHECK(strstr(m, "cipher (client->server)") != NULL);
	CHECK(strstr(m, "[aes128-ctr,aes192-ctr]") != NULL);
	CHECK(strstr(m, "[aes256-gcm@openssh.com]") != NULL);
	CHECK(!p.c.handshake && !p.s.handshake);
	pair_free(&p);

	pair_default_configs(&c, &s);
	c.macs = "hmac-sha2-512";
	s.macs = "hmac-sha2-256";
	c.ciphers = s.ciphers = "aes128-ctr";
	pair_init(&p, &c, &s);
	pair_pump(&p, 20);
	CHECK_EQ(p.s.err, WS_ERR_NO_ALG_MATCH);
	CHECK(strstr(ws_transport_error_message(p.s.t), "MAC (client->server)") != NULL);
	pair_free(&p);

	/* unknown names in a config are refused at creation */
	struct ws_transport *t = NULL;
	pair_default_configs(&c, &s);
	c.ciphers = "aes128-cbc";
	CHECK_EQ(ws_transport_new(&t, &c, NULL), WS_ERR_CONFIG);
	CHECK(t == NULL);
	c.ciphers = NULL;
	CHECK_EQ(ws_transport_new(&t, &s, NULL), WS_ERR_CONFIG); /* server without host key */
}

static void test_host_key_rejected(void)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	p.c.reject_host_key = true;
	pair_pump(&p, 20);
	CHECK(p.c.host_key_seen);
	CHECK_EQ(ws_transport_error(p.c.t), WS_ERR_HOSTKEY);
	CHECK(p.s.disconnected);
	CHECK_EQ(p.s.disc_reason, WS_DISCONNECT_HOST_KEY_NOT_VERIFIABLE);
	CHECK(!p.c.handshake);
	pair_free(&p);
}

static void test_sticky_errors(void)
{
	struct pair p;
	static const char ssh1[] = "SSH-1.5-x\r\n";
	feed_fresh(WS_ROLE_CLIENT, ssh1, strlen(ssh1), &p);
	struct ws_transport_event ev;
	static const uint8_t data[] = {94, 1};
	CHECK_EQ(ws_transport_poll(p.c.t, &ev), WS_ERR_CLOSED);
	CHECK_EQ(ws_transport_send(p.c.t, data, sizeof(data)), WS_ERR_CLOSED);
	CHECK_EQ(ws_transport_input(p.c.t, data, sizeof(data)), WS_ERR_CLOSED);
	CHECK_EQ(ws_transport_rekey(p.c.t), WS_ERR_CLOSED);
	CHECK_EQ(ws_transport_error(p.c.t), WS_ERR_VERSION); /* the first error stays */
	pair_free(&p);
}

static void test_send_rules(void)
{
	struct pair p;
	pair_init(&p, NULL, NULL);
	static const uint8_t kexinit[] = {20, 0};
	static const uint8_t disc[] = {1, 0};
	CHECK_EQ(ws_transport_send(p.c.t, kexinit, sizeof(kexinit)), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_transport_send(p.c.t, disc, sizeof(disc)), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_transport_send(p.c.t, disc, 0), WS_ERR_INVALID_ARG);
	/* payloads sent before the handshake wait and arrive after it, in order */
	CHECK_EQ(pair_send_data(&p.c, 10), WS_OK);
	CHECK_EQ(pair_send_data(&p.c, 20), WS_OK);
	REQUIRE(pair_handshake(&p));
	CHECK(pair_stream_ok(&p.c, &p.s));
	pair_free(&p);
}

/* A peer answering our re-exchange KEXINIT with UNIMPLEMENTED (OpenSSH does before user auth):
 * a clear failure instead of waiting forever. */
static void test_kexinit_refused(void)
{
	struct pair p;
	uint8_t pkt[4096];
	pair_init(&p, NULL, NULL);
	REQUIRE(pair_handshake(&p));
	CHECK_EQ(ws_transport_rekey(p.c.t), WS_OK);
	take_one_packet(p.c.t, pkt, sizeof(pkt)); /* the KEXINIT never reaches the server */
	/* after strict kex's reset the client sent SERVICE_REQUEST (0), then KEXINIT (1) */
	CHECK_EQ(ws_transport_send_unimplemented(p.s.t, 1), WS_OK);
	pair_move(p.s.t, p.c.t);
	pair_drain(&p.c);
	CHECK_EQ(p.c.err, WS_ERR_PROTOCOL);
	CHECK(strstr(ws_transport_error_message(p.c.t), "refused our key re-exchange") != NULL);
	pair_free(&p);
}

int main(void)
{
	test_kexinit_refused();
	test_versions();
	test_bad_lengths_and_padding();
	test_tamper_every_byte();
	test_encrypted_oversize_length();
	test_strict_kex();
	test_no_algorithm_match();
	test_host_key_rejected();
	test_sticky_errors();
	test_send_rules();
	return check_done("test_transport_neg");
}
