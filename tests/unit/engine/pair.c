/* pair.c — the in-memory client/server harness of pair.h. */
#include <string.h>

#include "check.h"
#include "pair.h"

void pair_default_configs(struct ws_transport_config *c, struct ws_transport_config *s)
{
	memset(c, 0, sizeof(*c));
	memset(s, 0, sizeof(*s));
	c->role = WS_ROLE_CLIENT;
	c->service = "ssh-userauth";
	s->role = WS_ROLE_SERVER;
	s->service = "ssh-userauth";
}

static void side_init(struct side *sd)
{
	memset(sd, 0, sizeof(*sd));
	crypto_hash_sha256_init(&sd->sent_hash);
	crypto_hash_sha256_init(&sd->rx_hash);
}

void pair_init(struct pair *p, const struct ws_transport_config *c, const struct ws_transport_config *s)
{
	struct ws_transport_config dc, ds;
	memset(p, 0, sizeof(*p));
	pair_default_configs(&dc, &ds);
	REQUIRE(ws_crypto_engine_new(&p->eng) == WS_OK);
	REQUIRE(ws_key_generate(&p->host_key) == WS_OK);
	side_init(&p->c);
	side_init(&p->s);
	ds = s ? *s : ds;
	ds.host_key = &p->host_key;
	REQUIRE(ws_transport_new(&p->c.t, c ? c : &dc, p->eng) == WS_OK);
	REQUIRE(ws_transport_new(&p->s.t, &ds, p->eng) == WS_OK);
}

void pair_free(struct pair *p)
{
	ws_transport_free(p->c.t);
	ws_transport_free(p->s.t);
	ws_crypto_engine_free(p->eng);
	ws_key_wipe(&p->host_key);
}

size_t pair_move(struct ws_transport *from, struct ws_transport *to)
{
	size_t total = 0;
	for (unsigned guard = 0; guard < 100000; guard++) {
		const uint8_t *d;
		size_t len;
		if (ws_transport_output(from, &d, &len) != WS_OK || len == 0)
			break;
		int n = ws_transport_input(to, d, len);
		if (n == WS_ERR_CLOSED)
			n = (int)len; /* the receiver is gone: the bytes are dropped */
		if (n <= 0)
			break;
		if (ws_transport_output_consume(from, (size_t)n) != WS_OK)
			break;
		total += (size_t)n;
	}
	return total;
}

static void on_payload(struct side *sd, const struct ws_transport_event *ev)
{
	uint32_t counter = ev->len >= 5 ? ws_load_be32(ev->payload + 1) : UINT32_MAX;
	if (ev->payload[0] != PAIR_DATA_MSG || counter != sd->rx_msgs)
		sd->order_broken = true;
	crypto_hash_sha256_update(&sd->rx_hash, ev->payload, ev->len);
	sd->rx_bytes += ev->len;
	sd->rx_msgs++;
}

static void on_event(struct side *sd, const struct ws_transport_event *ev)
{
	switch (ev->type) {
	case WS_TEV_HOST_KEY:
		sd->host_key_seen = true;
		CHECK(ws_transport_host_key_verdict(sd->t, !sd->reject_host_key) ==
		      (sd->reject_host_key ? WS_ERR_HOSTKEY : WS_OK));
		break;
	case WS_TEV_HANDSHAKE_DONE: sd->handshake = true; break;
	case WS_TEV_SERVICE_ACCEPTED: sd->service = true; break;
	case WS_TEV_PAYLOAD: on_payload(sd, ev); break;
	case WS_TEV_DISCONNECTED:
		sd->disconnected = true;
		sd->disc_reason = ev->reason;
		snprintf(sd->disc_msg, sizeof(sd->disc_msg), "%s", ev->message);
		break;
	default: break;
	}
}

unsigned pair_drain(struct side *sd)
{
	struct ws_transport_event ev;
	unsigned n = 0;
	int rc;
	for (unsigned guard = 0; guard < 1000000; guard++) {
		rc = ws_transport_poll(sd->t, &ev);
		if (rc <= 0)
			break;
		on_event(sd, &ev);
		n++;
	}
	if (rc < 0 && sd->err == 0 && rc != WS_ERR_CLOSED)
		sd->err = rc;
	return n;
}

unsigned pair_pump(struct pair *p, unsigned max_rounds)
{
	unsigned r;
	for (r = 0; r < max_rounds; r++) {
		size_t moved = pair_move(p->c.t, p->s.t) + pair_move(p->s.t, p->c.t);
		unsigned evs = pair_drain(&p->c) + pair_drain(&p->s);
		if (moved == 0 && evs == 0)
			break;
	}
	return r;
}

bool pair_handshake(struct pair *p)
{
	pair_pump(p, 100);
	return p->c.handshake && p->s.handshake && p->c.service && p->s.service;
}

int pair_send_data(struct side *sd, size_t len)
{
	static uint8_t buf[WS_TRANSPORT_MAX_PAYLOAD];
	if (len < 5 || len > sizeof(buf))
		return WS_ERR_INVALID_ARG;
	buf[0] = PAIR_DATA_MSG;
	ws_store_be32(buf + 1, sd->sent_msgs);
	for (size_t i = 5; i < len; i++)
		buf[i] = (uint8_t)(i * 31u + sd->sent_msgs);
	/* sent as three parts (header, two body halves) so every test also covers the gather path */
	size_t half = 5 + (len - 5) / 2;
	struct ws_bytes parts[3] = {{buf, 5}, {buf + 5, half - 5}, {buf + half, len - half}};
	int rc = ws_transport_sendv(sd->t, parts, 3);
	if (rc == WS_OK) {
		crypto_hash_sha256_update(&sd->sent_hash, buf, len);
		sd->sent_bytes += len;
		sd->sent_msgs++;
	}
	return rc;
}

bool pair_stream_ok(const struct side *from, const struct side *to)
{
	crypto_hash_sha256_state a = from->sent_hash, b = to->rx_hash;
	uint8_t ha[32], hb[32];
	crypto_hash_sha256_final(&a, ha);
	crypto_hash_sha256_final(&b, hb);
	return !to->order_broken && from->sent_msgs == to->rx_msgs &&
	       from->sent_bytes == to->rx_bytes && memcmp(ha, hb, 32) == 0;
}
