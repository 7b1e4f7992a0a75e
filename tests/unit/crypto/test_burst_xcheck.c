/* test_burst_xcheck.c — the burst API against an independent OpenSSL implementation, for every
 * cipher x MAC: both directions, sequences and mixed bursts (IV/counter advance), counter and
 * sequence-number wrap, peek_length, and tampering of every byte class. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "oracle.h"
#include "warpssh/buf.h"
#include "warpssh/crypto.h"

#define MAX_SUITES 16
#define NSIZES 16

struct suite {
	const struct ws_cipher_info *cipher;
	const struct ws_mac_info *mac;
};

/* One direction of one connection: our ctx and the OpenSSL peer with the same keys. */
struct conn {
	struct suite s;
	struct ws_cipher_ctx *ours;
	struct oracle_dir ref;
	uint32_t seqnr;
	uint64_t ahead; /* bytes framed but not opened yet (peek) */
};

enum iv_mode { IV_RANDOM, IV_WRAP32, IV_WRAP_ALL };

static struct ws_crypto_engine *eng;
static struct suite suites[MAX_SUITES];
static unsigned nsuites;

/* Payload sizes: minimal packets up to the 256 KiB OpenSSH maximum. */
static const size_t sizes[NSIZES] = {0, 1, 7, 15, 16, 31, 64, 100, 255, 1000, 1460, 4095, 16384,
				     32768, 65536, 262144};

static void list_suites(void)
{
	for (unsigned c = 0; c < WS_CIPHER_COUNT; c++) {
		const struct ws_cipher_info *ci = ws_cipher_info(c);
		if (ci->aead) {
			suites[nsuites++] = (struct suite){ci, NULL};
			continue;
		}
		for (unsigned m = 0; m < WS_MAC_COUNT; m++)
			suites[nsuites++] = (struct suite){ci, ws_mac_info(m)};
	}
}

static const char *suite_name(const struct suite *s)
{
	static char name[96];
	snprintf(name, sizeof(name), "%s+%s", s->cipher->name, s->mac ? s->mac->name : "aead");
	return name;
}

static void set_iv(uint8_t *iv, const struct ws_cipher_info *c, enum iv_mode mode)
{
	test_rand_bytes(iv, WS_CRYPTO_MAX_IV);
	if (mode == IV_RANDOM || c->iv_len == 0)
		return;
	unsigned end = c->iv_len;
	unsigned from = mode == IV_WRAP32 ? end - 4 : (c->aead ? 4 : 0);
	memset(iv + from, 0xff, end - from);
	iv[end - 1] = 0xfd; /* the counter wraps inside the second packet of a sequence */
}

static void conn_init(struct conn *c, struct suite s, enum ws_dir ours_dir, enum iv_mode mode,
		      uint32_t seqnr)
{
	uint8_t key[WS_CRYPTO_MAX_KEY], iv[WS_CRYPTO_MAX_IV], mac_key[WS_CRYPTO_MAX_KEY];
	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(mac_key, sizeof(mac_key));
	set_iv(iv, s.cipher, mode);
	c->s = s;
	c->seqnr = seqnr;
	c->ahead = 0;
	REQUIRE(ws_cipher_ctx_new(&c->ours, s.cipher, s.mac, ours_dir, key, iv, mac_key) == WS_OK);
	REQUIRE(oracle_init(&c->ref, s.cipher, s.mac, ours_dir == WS_DIR_OPEN, key, iv, mac_key) == 0);
}

static void conn_free(struct conn *c)
{
	ws_cipher_ctx_free(c->ours);
	oracle_free(&c->ref);
}

static void make_for(struct test_pkt *p, const struct conn *c, size_t payload)
{
	test_pkt_make(p, payload, ws_cipher_ctx_block_size(c->ours), ws_cipher_ctx_aad_len(c->ours));
}

static struct ws_crypto_pkt burst_entry(struct conn *c, struct test_pkt *p)
{
	return (struct ws_crypto_pkt){.ctx = c->ours, .buf = p->buf, .len = p->len, .seqnr = c->seqnr++,
				      .status = 1};
}

/* Ours seals a sequence in one burst; OpenSSL opens each packet in order. */
static void seal_ours_open_ref(struct suite s, enum iv_mode mode, uint32_t seqnr0)
{
	struct conn c;
	struct test_pkt plain[NSIZES], wire[NSIZES];
	struct ws_crypto_pkt pk[NSIZES];
	conn_init(&c, s, WS_DIR_SEAL, mode, seqnr0);
	for (unsigned i = 0; i < NSIZES; i++) {
		make_for(&plain[i], &c, sizes[(i * 7) % NSIZES]);
		test_pkt_copy(&wire[i], &plain[i]);
		pk[i] = burst_entry(&c, &wire[i]);
	}
	CHECK_EQ(ws_crypto_seal_burst(eng, pk, NSIZES), NSIZES);
	for (unsigned i = 0; i < NSIZES; i++) {
		CHECK_EQ(pk[i].status, WS_OK);
		int ok = oracle_open(&c.ref, pk[i].seqnr, wire[i].buf, wire[i].len) == 0;
		ok = ok && memcmp(wire[i].buf, plain[i].buf, plain[i].len) == 0;
		if (!ok)
			fprintf(stderr, "seal->ref %s mode %d pkt %u len %u\n", suite_name(&s), mode, i,
				wire[i].len);
		CHECK(ok);
		test_pkt_free(&plain[i]);
		test_pkt_free(&wire[i]);
	}
	conn_free(&c);
}

/* Frame a packet as a receiver would: peek its length (twice: no state consumed). */
static void check_peek(struct conn *c, const struct test_pkt *w, uint32_t seqnr)
{
	uint32_t got1 = 0, got2 = 0;
	CHECK_EQ(ws_crypto_peek_length_ahead(eng, c->ours, seqnr, c->ahead, w->buf, 16, &got1), WS_OK);
	CHECK_EQ(ws_crypto_peek_length_ahead(eng, c->ours, seqnr, c->ahead, w->buf, 16, &got2), WS_OK);
	CHECK_EQ(got1, w->len - 4);
	CHECK_EQ(got2, w->len - 4);
	if (c->ahead == 0) {
		CHECK_EQ(ws_crypto_peek_length(eng, c->ours, seqnr, w->buf, 16, &got1), WS_OK);
		CHECK_EQ(got1, w->len - 4);
	}
	c->ahead += w->len;
}

/* OpenSSL seals a sequence; ours frames every packet with peek, then opens all in one burst. */
static void seal_ref_open_ours(struct suite s, enum iv_mode mode, uint32_t seqnr0)
{
	struct conn c;
	struct test_pkt plain[NSIZES], wire[NSIZES];
	struct ws_crypto_pkt pk[NSIZES];
	conn_init(&c, s, WS_DIR_OPEN, mode, seqnr0);
	for (unsigned i = 0; i < NSIZES; i++) {
		make_for(&plain[i], &c, sizes[(i * 5 + 3) % NSIZES]);
		test_pkt_copy(&wire[i], &plain[i]);
		REQUIRE(oracle_seal(&c.ref, c.seqnr, wire[i].buf, wire[i].len) == 0);
		check_peek(&c, &wire[i], c.seqnr);
		pk[i] = burst_entry(&c, &wire[i]);
	}
	CHECK_EQ(ws_crypto_open_burst(eng, pk, NSIZES), NSIZES);
	for (unsigned i = 0; i < NSIZES; i++) {
		int ok = pk[i].status == WS_OK && memcmp(wire[i].buf, plain[i].buf, plain[i].len) == 0;
		if (!ok)
			fprintf(stderr, "ref->open %s mode %d pkt %u len %u status %d\n", suite_name(&s),
				mode, i, wire[i].len, pk[i].status);
		CHECK(ok);
		test_pkt_free(&plain[i]);
		test_pkt_free(&wire[i]);
	}
	conn_free(&c);
}

static void test_every_suite_both_directions(void)
{
	for (unsigned i = 0; i < nsuites; i++) {
		seal_ours_open_ref(suites[i], IV_RANDOM, (uint32_t)test_rand());
		seal_ref_open_ours(suites[i], IV_RANDOM, (uint32_t)test_rand());
		/* seqnr wraps mod 2^32 mid-sequence (RFC 4253 §6.4) */
		seal_ours_open_ref(suites[i], IV_WRAP32, 0xfffffff8u);
		seal_ref_open_ours(suites[i], IV_WRAP32, 0xfffffff8u);
		seal_ours_open_ref(suites[i], IV_WRAP_ALL, 0);
		seal_ref_open_ours(suites[i], IV_WRAP_ALL, 0);
	}
}

/* Mixed bursts: 64 packets of one connection per suite, interleaved at random. */
static void test_mixed_bursts(void)
{
	static const size_t small_sizes[] = {0, 13, 64, 200, 1460, 3000, 16384};
	struct conn seal_c[MAX_SUITES], open_c[MAX_SUITES];
	struct test_pkt plain[WS_CRYPTO_MAX_BURST], wire[WS_CRYPTO_MAX_BURST];
	struct ws_crypto_pkt pk[WS_CRYPTO_MAX_BURST];
	unsigned owner[WS_CRYPTO_MAX_BURST];
	for (unsigned i = 0; i < nsuites; i++) {
		conn_init(&seal_c[i], suites[i], WS_DIR_SEAL, IV_RANDOM, (uint32_t)test_rand());
		conn_init(&open_c[i], suites[i], WS_DIR_OPEN, IV_RANDOM, (uint32_t)test_rand());
	}
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < WS_CRYPTO_MAX_BURST; i++) {
			owner[i] = (unsigned)(test_rand() % nsuites);
			make_for(&plain[i], &seal_c[owner[i]], small_sizes[test_rand() % 7]);
			test_pkt_copy(&wire[i], &plain[i]);
			pk[i] = burst_entry(&seal_c[owner[i]], &wire[i]);
		}
		CHECK_EQ(ws_crypto_seal_burst(eng, pk, WS_CRYPTO_MAX_BURST), WS_CRYPTO_MAX_BURST);
		for (unsigned i = 0; i < WS_CRYPTO_MAX_BURST; i++) {
			CHECK(oracle_open(&seal_c[owner[i]].ref, pk[i].seqnr, wire[i].buf, wire[i].len) == 0);
			CHECK(memcmp(wire[i].buf, plain[i].buf, plain[i].len) == 0);
			/* and back: OpenSSL seals the same plaintext for our open side */
			memcpy(wire[i].buf, plain[i].buf, plain[i].len);
			REQUIRE(oracle_seal(&open_c[owner[i]].ref, open_c[owner[i]].seqnr, wire[i].buf,
					    wire[i].len) == 0);
			pk[i] = burst_entry(&open_c[owner[i]], &wire[i]);
		}
		unsigned bad = (unsigned)(test_rand() % WS_CRYPTO_MAX_BURST);
		wire[bad].buf[wire[bad].len - 1] ^= 0x80;
		CHECK_EQ(ws_crypto_open_burst(eng, pk, WS_CRYPTO_MAX_BURST), WS_CRYPTO_MAX_BURST - 1);
		for (unsigned i = 0; i < WS_CRYPTO_MAX_BURST; i++) {
			if (i == bad) {
				CHECK_EQ(pk[i].status, WS_ERR_MAC);
			} else {
				CHECK_EQ(pk[i].status, WS_OK);
				CHECK(memcmp(wire[i].buf, plain[i].buf, plain[i].len) == 0);
			}
			test_pkt_free(&plain[i]);
			test_pkt_free(&wire[i]);
		}
	}
	for (unsigned i = 0; i < nsuites; i++) {
		conn_free(&seal_c[i]);
		conn_free(&open_c[i]);
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* One tampered packet between two good ones of another connection: only it fails, and its buffer
 * (packet and tag) is wiped. */
static void tamper_one(struct suite s, const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key,
		       const struct test_pkt *sealed, size_t pos, struct conn *good)
{
	struct ws_cipher_ctx *victim = NULL;
	REQUIRE(ws_cipher_ctx_new(&victim, s.cipher, s.mac, WS_DIR_OPEN, key, iv, mac_key) == WS_OK);
	struct test_pkt t, g[2], gplain[2];
	test_pkt_copy(&t, sealed);
	t.buf[pos] ^= (uint8_t)(1u << (pos % 8));
	for (unsigned i = 0; i < 2; i++) {
		make_for(&gplain[i], good, 40);
		test_pkt_copy(&g[i], &gplain[i]);
		REQUIRE(oracle_seal(&good->ref, good->seqnr + i, g[i].buf, g[i].len) == 0);
	}
	struct ws_crypto_pkt pk[3] = {burst_entry(good, &g[0]),
				      {.ctx = victim, .buf = t.buf, .len = t.len, .seqnr = 5},
				      burst_entry(good, &g[1])};
	CHECK_EQ(ws_crypto_open_burst(eng, pk, 3), 2);
	CHECK_EQ(pk[1].status, WS_ERR_MAC);
	CHECK(all_zero(t.buf, t.len + ws_cipher_ctx_tag_len(victim)));
	if (pk[1].status != WS_ERR_MAC)
		fprintf(stderr, "tamper %s pos %zu of %u not detected\n", suite_name(&s), pos, t.len);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ(pk[2 * i].status, WS_OK);
		CHECK(memcmp(g[i].buf, gplain[i].buf, gplain[i].len) == 0);
		test_pkt_free(&g[i]);
		test_pkt_free(&gplain[i]);
	}
	test_pkt_free(&t);
	ws_cipher_ctx_free(victim);
}

static void tamper_suite(struct suite s, struct conn *good, size_t payload, bool every_byte)
{
	uint8_t key[WS_CRYPTO_MAX_KEY], iv[WS_CRYPTO_MAX_IV], mac_key[WS_CRYPTO_MAX_KEY];
	test_rand_bytes(key, sizeof(key));
	test_rand_bytes(iv, sizeof(iv));
	test_rand_bytes(mac_key, sizeof(mac_key));
	struct oracle_dir ref;
	REQUIRE(oracle_init(&ref, s.cipher, s.mac, true, key, iv, mac_key) == 0);
	uint32_t block = s.cipher->block_size;
	uint32_t aad = (s.cipher->aead || s.mac->etm) ? 4 : 0;
	uint32_t tag = s.cipher->aead ? s.cipher->tag_len : s.mac->mac_len;
	struct test_pkt sealed;
	test_pkt_make(&sealed, payload, block, aad);
	REQUIRE(oracle_seal(&ref, 5, sealed.buf, sealed.len) == 0);
	size_t total = sealed.len + tag;
	if (every_byte) {
		for (size_t pos = 0; pos < total; pos++)
			tamper_one(s, key, iv, mac_key, &sealed, pos, good);
	} else {
		/* length, padding_length, body, last body byte, first and last tag byte */
		const size_t probes[] = {0, 3, 4, 5, sealed.len / 2, sealed.len - 1, sealed.len, total - 1};
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			tamper_one(s, key, iv, mac_key, &sealed, probes[i], good);
	}
	test_pkt_free(&sealed);
	oracle_free(&ref);
}

static void test_tampering(void)
{
	struct conn good;
	conn_init(&good, suites[0], WS_DIR_OPEN, IV_RANDOM, 100);
	for (unsigned i = 0; i < nsuites; i++) {
		tamper_suite(suites[i], &good, 0, true);
		tamper_suite(suites[i], &good, 21, true);
		tamper_suite(suites[i], &good, 16384, false);
	}
	conn_free(&good);
}

/* Bad packets get their own status; the rest of the burst is processed. */
static void test_bad_arguments(void)
{
	struct conn c, o;
	conn_init(&c, suites[3], WS_DIR_SEAL, IV_RANDOM, 0);
	conn_init(&o, suites[1], WS_DIR_OPEN, IV_RANDOM, 0);
	struct test_pkt p[4];
	for (unsigned i = 0; i < 4; i++)
		make_for(&p[i], &c, 30);
	struct ws_crypto_pkt pk[4] = {burst_entry(&c, &p[0]), burst_entry(&c, &p[1]),
				      burst_entry(&c, &p[2]), burst_entry(&o, &p[3])};
	pk[0].len -= 1;     /* not a block multiple */
	pk[1].buf = NULL;   /* no buffer */
	/* pk[3]: an open ctx handed to seal */
	CHECK_EQ(ws_crypto_seal_burst(eng, pk, 4), 1);
	CHECK_EQ(pk[0].status, WS_ERR_PACKET_SIZE);
	CHECK_EQ(pk[1].status, WS_ERR_INVALID_ARG);
	CHECK_EQ(pk[2].status, WS_OK);
	CHECK_EQ(pk[3].status, WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_crypto_seal_burst(NULL, pk, 4), 0);
	CHECK_EQ(ws_crypto_open_burst(eng, NULL, 4), 0);
	uint32_t len = 7;
	CHECK_EQ(ws_crypto_peek_length(eng, c.ours, 0, p[0].buf, 16, &len), WS_ERR_INVALID_ARG);
	CHECK_EQ(len, 0);
	CHECK_EQ(ws_crypto_peek_length(eng, o.ours, 0, p[0].buf, 3, &len), WS_ERR_SHORT);
	for (unsigned i = 0; i < 4; i++)
		test_pkt_free(&p[i]);
	conn_free(&c);
	conn_free(&o);
}

int main(void)
{
	test_rand_seed(0x5eed0001u);
	REQUIRE(ws_crypto_engine_new(&eng) == WS_OK);
	printf("ipsec-mb arch: %s\n", ws_crypto_engine_arch(eng));
	list_suites();
	CHECK_EQ(nsuites, 15);
	test_every_suite_both_directions();
	test_mixed_bursts();
	test_tampering();
	test_bad_arguments();
	ws_crypto_engine_free(eng);
	return check_done("test_burst_xcheck");
}
