/* sha1.c — SHA-1 per RFC 3174 §6 (method 1) and HMAC-SHA1 per RFC 2104 §2, for hashed
 * known_hosts lookups. Portable C; speed is irrelevant here. */
#include <sodium.h>
#include <string.h>

#include "crypto/sha1.h"

static uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/* f(t;B,C,D) and K(t) from RFC 3174 §5. */
static uint32_t round_f(unsigned t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) | (~b & d);
	if (t < 40 || t >= 60)
		return b ^ c ^ d;
	return (b & c) | (b & d) | (c & d);
}

static uint32_t round_k(unsigned t)
{
	static const uint32_t k[4] = {0x5A827999u, 0x6ED9EBA1u, 0x8F1BBCDCu, 0xCA62C1D6u};
	return k[t / 20];
}

static void sha1_block(uint32_t h[5], const uint8_t p[WS_SHA1_BLOCK])
{
	uint32_t w[80];
	for (unsigned t = 0; t < 16; t++)
		w[t] = ((uint32_t)p[4 * t] << 24) | ((uint32_t)p[4 * t + 1] << 16) |
		       ((uint32_t)p[4 * t + 2] << 8) | p[4 * t + 3];
	for (unsigned t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	for (unsigned t = 0; t < 80; t++) {
		uint32_t tmp = rol32(a, 5) + round_f(t, b, c, d) + e + w[t] + round_k(t);
		e = d;
		d = c;
		c = rol32(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
	sodium_memzero(w, sizeof(w));
}

void ws_sha1_init(struct ws_sha1 *s)
{
	static const uint32_t iv[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
	memcpy(s->h, iv, sizeof(iv));
	s->total = 0;
	s->fill = 0;
}

void ws_sha1_update(struct ws_sha1 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	s->total += len;
	while (len > 0) {
		size_t take = WS_SHA1_BLOCK - s->fill;
		if (take > len)
			take = len;
		memcpy(s->block + s->fill, p, take);
		s->fill += take;
		p += take;
		len -= take;
		if (s->fill == WS_SHA1_BLOCK) {
			sha1_block(s->h, s->block);
			s->fill = 0;
		}
	}
}

/* RFC 3174 §4: append 0x80, zeros, and the 64-bit message length in bits. */
void ws_sha1_final(struct ws_sha1 *s, uint8_t out[WS_SHA1_LEN])
{
	uint64_t bits = s->total * 8;
	uint8_t pad = 0x80, zero = 0, len_be[8];
	ws_sha1_update(s, &pad, 1);
	while (s->fill != WS_SHA1_BLOCK - 8)
		ws_sha1_update(s, &zero, 1);
	for (unsigned i = 0; i < 8; i++)
		len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
	ws_sha1_update(s, len_be, 8);
	for (unsigned i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
	sodium_memzero(s, sizeof(*s));
}

void ws_sha1(const void *data, size_t len, uint8_t out[WS_SHA1_LEN])
{
	struct ws_sha1 s;
	ws_sha1_init(&s);
	ws_sha1_update(&s, data, len);
	ws_sha1_final(&s, out);
}

/* RFC 2104 §2: H(K XOR opad, H(K XOR ipad, text)); keys longer than a block are hashed first. */
void ws_hmac_sha1(const void *key, size_t keylen, const void *msg, size_t msglen, uint8_t out[WS_SHA1_LEN])
{
	uint8_t k[WS_SHA1_BLOCK] = {0}, pad[WS_SHA1_BLOCK], inner[WS_SHA1_LEN];
	struct ws_sha1 s;
	if (keylen > WS_SHA1_BLOCK)
		ws_sha1(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	for (unsigned i = 0; i < WS_SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ws_sha1_init(&s);
	ws_sha1_update(&s, pad, sizeof(pad));
	ws_sha1_update(&s, msg, msglen);
	ws_sha1_final(&s, inner);
	for (unsigned i = 0; i < WS_SHA1_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ws_sha1_init(&s);
	ws_sha1_update(&s, pad, sizeof(pad));
	ws_sha1_update(&s, inner, sizeof(inner));
	ws_sha1_final(&s, out);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}
