/* test_kat.c — known-answer tests from published vectors stored under tests/vectors/: AES-GCM (GCM
 * spec / SP 800-38D), HMAC-SHA-256/512 (RFC 4231), ChaCha20 and Poly1305 (RFC 8439) on the raw
 * ipsec-mb backend, and whole chacha20-poly1305@openssh.com packets through the burst API.
 * Usage: test_kat <gcm|hmac|chacha20|poly1305|chachapoly> <vector file> */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "crypto/backend.h"
#include "warpssh/crypto.h"

#define MAX_FIELDS 8
#define MAX_VALUE (64u * 1024u)

/* One record: "name = value" lines up to a blank line; '#' lines are comments. */
struct record {
	unsigned n;
	char name[MAX_FIELDS][16];
	char *value[MAX_FIELDS];
};

static char line[2 * MAX_VALUE + 64];

static void record_clear(struct record *r)
{
	for (unsigned i = 0; i < r->n; i++)
		free(r->value[i]);
	r->n = 0;
}

static void record_add(struct record *r, const char *text)
{
	const char *eq = strstr(text, " = ");
	REQUIRE(eq != NULL && r->n < MAX_FIELDS && (size_t)(eq - text) < sizeof(r->name[0]));
	memcpy(r->name[r->n], text, (size_t)(eq - text));
	r->name[r->n][eq - text] = '\0';
	r->value[r->n] = strdup(eq + 3);
	r->value[r->n][strcspn(r->value[r->n], "\r\n")] = '\0';
	r->n++;
}

/* Read the next record; false at end of file. */
static bool record_next(FILE *f, struct record *r)
{
	record_clear(r);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		if (line[0] == '\n' || line[0] == '\r') {
			if (r->n > 0)
				return true;
			continue;
		}
		record_add(r, line);
	}
	return r->n > 0;
}

static const char *field(const struct record *r, const char *name)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->name[i], name) == 0)
			return r->value[i];
	fprintf(stderr, "vector lacks field %s\n", name);
	exit(1);
}

/* Hex field into a fresh allocation (at least 1 byte, so empty values are fine). */
static uint8_t *hex_field(const struct record *r, const char *name, size_t *len)
{
	const char *h = field(r, name);
	size_t n = strlen(h);
	REQUIRE(n % 2 == 0);
	uint8_t *out = malloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++)
		REQUIRE(sscanf(h + 2 * i, "%2hhx", &out[i]) == 1);
	*len = n / 2;
	return out;
}

static struct ws_crypto_engine *eng;
static unsigned lanes_checked;

static void kat_gcm(const struct record *r)
{
	size_t kl, il, al, pl, cl, tl;
	uint8_t *key = hex_field(r, "key", &kl), *iv = hex_field(r, "iv", &il);
	uint8_t *aad = hex_field(r, "aad", &al), *pt = hex_field(r, "pt", &pl);
	uint8_t *ct = hex_field(r, "ct", &cl), *tag = hex_field(r, "tag", &tl);
	uint8_t *out = malloc(pl + 1), got_tag[16];
	REQUIRE(il == 12 && cl == pl && tl == 16);
	CHECK_EQ(ws_backend_gcm_seal(eng, key, kl, iv, aad, al, pt, out, pl, got_tag), WS_OK);
	CHECK(memcmp(out, ct, cl) == 0);
	CHECK(memcmp(got_tag, tag, 16) == 0);
	free(key), free(iv), free(aad), free(pt), free(ct), free(tag), free(out);
}

static void kat_hmac(const struct record *r)
{
	size_t kl, dl, ml;
	bool sha512 = strcmp(field(r, "hash"), "sha512") == 0;
	uint8_t *key = hex_field(r, "key", &kl), *data = hex_field(r, "data", &dl);
	uint8_t *mac = hex_field(r, "mac", &ml), got[64];
	CHECK_EQ(ws_backend_hmac(eng, sha512, key, kl, data, dl, got), WS_OK);
	CHECK(memcmp(got, mac, ml) == 0); /* RFC 4231 case 5 is truncated: compare its prefix */
	free(key), free(data), free(mac);
}

static void kat_chacha20(const struct record *r)
{
	size_t kl, nl, pl, cl;
	REQUIRE(strcmp(field(r, "counter"), "1") == 0);
	uint8_t *key = hex_field(r, "key", &kl), *nonce = hex_field(r, "nonce", &nl);
	uint8_t *pt = hex_field(r, "pt", &pl), *ct = hex_field(r, "ct", &cl);
	uint8_t *out = malloc(pl + 1);
	REQUIRE(kl == 32 && nl == 12 && cl == pl);
	CHECK_EQ(ws_backend_chacha20_ctr1(eng, key, nonce, pt, out, pl), WS_OK);
	CHECK(memcmp(out, ct, cl) == 0);
	/* The batched lane kernel has the 64-bit-counter layout: it matches when the IETF nonce's
	 * first word (the counter's high word there) is zero. One lane per block, counters 1.. */
	static const uint8_t zero4[4];
	if (memcmp(nonce, zero4, 4) == 0 && pl <= 16 * 64) {
		struct ws_chacha_lane lanes[16];
		uint8_t ks[16][64];
		unsigned blocks = (unsigned)((pl + 63) / 64);
		for (unsigned b = 0; b < blocks; b++)
			lanes[b] = (struct ws_chacha_lane){key, nonce + 4, 1 + b, ks[b]};
		ws_chacha_blocks(lanes, blocks);
		for (size_t i = 0; i < pl; i++)
			out[i] = pt[i] ^ ks[i / 64][i % 64];
		CHECK(memcmp(out, ct, cl) == 0);
		lanes_checked++;
	}
	free(key), free(nonce), free(pt), free(ct), free(out);
}

static void kat_poly1305(const struct record *r)
{
	size_t kl, ml, tl;
	uint8_t *key = hex_field(r, "key", &kl), *msg = hex_field(r, "msg", &ml);
	uint8_t *tag = hex_field(r, "tag", &tl), got[16];
	REQUIRE(kl == 32 && tl == 16);
	CHECK_EQ(ws_backend_poly1305(eng, key, msg, ml, got), WS_OK);
	CHECK(memcmp(got, tag, 16) == 0);
	free(key), free(msg), free(tag);
}

/* One packet through the burst API both ways: seal gives the vector, open gives the plaintext back
 * (length field decrypted too), and peek reads packet_length from the sealed bytes. */
static void kat_chachapoly(const struct record *r)
{
	size_t kl, pl, sl;
	uint32_t seqnr = (uint32_t)strtoul(field(r, "seqnr"), NULL, 10);
	uint8_t *key = hex_field(r, "key", &kl), *plain = hex_field(r, "plain", &pl);
	uint8_t *sealed = hex_field(r, "sealed", &sl);
	REQUIRE(kl == 64 && sl == pl + 16);
	const struct ws_cipher_info *cp = ws_cipher_info(WS_CIPHER_CHACHA20_POLY1305);
	struct ws_cipher_ctx *seal = NULL, *open = NULL;
	REQUIRE(ws_cipher_ctx_new(&seal, cp, NULL, WS_DIR_SEAL, key, NULL, NULL) == WS_OK);
	REQUIRE(ws_cipher_ctx_new(&open, cp, NULL, WS_DIR_OPEN, key, NULL, NULL) == WS_OK);
	uint8_t *mem = malloc(WS_CRYPTO_HEADROOM + sl);
	uint8_t *buf = mem + WS_CRYPTO_HEADROOM;
	memcpy(buf, plain, pl);
	struct ws_crypto_pkt pkt = {.ctx = seal, .buf = buf, .len = (uint32_t)pl, .seqnr = seqnr};
	CHECK_EQ(ws_crypto_seal_burst(eng, &pkt, 1), 1);
	CHECK(memcmp(buf, sealed, sl) == 0);
	uint32_t plen = 0;
	CHECK_EQ(ws_crypto_peek_length(eng, open, seqnr, sealed, 4, &plen), WS_OK);
	CHECK_EQ(plen, pl - 4);
	memcpy(buf, sealed, sl);
	pkt = (struct ws_crypto_pkt){.ctx = open, .buf = buf, .len = (uint32_t)pl, .seqnr = seqnr};
	CHECK_EQ(ws_crypto_open_burst(eng, &pkt, 1), 1);
	CHECK(memcmp(buf, plain, pl) == 0);
	ws_cipher_ctx_free(seal);
	ws_cipher_ctx_free(open);
	free(mem), free(key), free(plain), free(sealed);
}

struct kind {
	const char *name;
	void (*run)(const struct record *r);
};

static const struct kind kinds[] = {
	{"gcm", kat_gcm}, {"hmac", kat_hmac}, {"chacha20", kat_chacha20},
	{"poly1305", kat_poly1305}, {"chachapoly", kat_chachapoly},
};

int main(int argc, char **argv)
{
	REQUIRE(argc == 3);
	const struct kind *k = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(argv[1], kinds[i].name) == 0)
			k = &kinds[i];
	REQUIRE(k != NULL);
	FILE *f = fopen(argv[2], "r");
	REQUIRE(f != NULL);
	REQUIRE(ws_crypto_engine_new(&eng) == WS_OK);
	struct record r = {0};
	unsigned count = 0;
	while (record_next(f, &r)) {
		k->run(&r);
		count++;
	}
	record_clear(&r);
	fclose(f);
	ws_crypto_engine_free(eng);
	printf("%s: %u vectors\n", argv[1], count);
	CHECK(count >= 2);
	if (strcmp(k->name, "chacha20") == 0)
		CHECK(lanes_checked >= 2);
	return check_done("test_kat");
}
