/* chacha_lanes.c — the ChaCha20 block function (RFC 8439 §2.3, with the original 64-bit counter /
 * 64-bit nonce layout OpenSSH uses) over 16 independent (key, nonce, counter) lanes at once: the
 * small per-packet keystream pieces of chacha20-poly1305@openssh.com, batched across a burst. */
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#include "crypto/chacha_lanes.h"

typedef uint32_t v16u32 __attribute__((vector_size(64)));

/* Words in lane-major input/output: state[word] holds that word of all 16 lanes. */
struct lane_block {
	v16u32 w[16];
};

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
/* RFC 8439 §2.1 quarter round. */
#define QR(a, b, c, d)                                                                             \
	do {                                                                                       \
		a += b; d ^= a; d = ROTL(d, 16);                                                   \
		c += d; b ^= c; b = ROTL(b, 12);                                                   \
		a += b; d ^= a; d = ROTL(d, 8);                                                    \
		c += d; b ^= c; b = ROTL(b, 7);                                                    \
	} while (0)

/* 20 rounds (10 column + diagonal double rounds) and the final addition, RFC 8439 §2.3. */
#define CHACHA_BODY(s, out)                                                                        \
	do {                                                                                       \
		v16u32 x0 = s->w[0], x1 = s->w[1], x2 = s->w[2], x3 = s->w[3];                     \
		v16u32 x4 = s->w[4], x5 = s->w[5], x6 = s->w[6], x7 = s->w[7];                     \
		v16u32 x8 = s->w[8], x9 = s->w[9], x10 = s->w[10], x11 = s->w[11];                 \
		v16u32 x12 = s->w[12], x13 = s->w[13], x14 = s->w[14], x15 = s->w[15];             \
		for (int r = 0; r < 10; r++) {                                                     \
			QR(x0, x4, x8, x12); QR(x1, x5, x9, x13);                                  \
			QR(x2, x6, x10, x14); QR(x3, x7, x11, x15);                                \
			QR(x0, x5, x10, x15); QR(x1, x6, x11, x12);                                \
			QR(x2, x7, x8, x13); QR(x3, x4, x9, x14);                                  \
		}                                                                                  \
		out->w[0] = x0 + s->w[0]; out->w[1] = x1 + s->w[1];                               \
		out->w[2] = x2 + s->w[2]; out->w[3] = x3 + s->w[3];                               \
		out->w[4] = x4 + s->w[4]; out->w[5] = x5 + s->w[5];                               \
		out->w[6] = x6 + s->w[6]; out->w[7] = x7 + s->w[7];                               \
		out->w[8] = x8 + s->w[8]; out->w[9] = x9 + s->w[9];                               \
		out->w[10] = x10 + s->w[10]; out->w[11] = x11 + s->w[11];                         \
		out->w[12] = x12 + s->w[12]; out->w[13] = x13 + s->w[13];                         \
		out->w[14] = x14 + s->w[14]; out->w[15] = x15 + s->w[15];                         \
	} while (0)

__attribute__((target("avx512f"))) static void blocks_avx512(const struct lane_block *s,
							      struct lane_block *out)
{
	CHACHA_BODY(s, out);
}

static void blocks_generic(const struct lane_block *s, struct lane_block *out)
{
	CHACHA_BODY(s, out);
}

static bool have_avx512(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
	return cached == 1;
}

/* "expand 32-byte k" */
static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

static void load_lanes(struct lane_block *s, const struct ws_chacha_lane *lanes, unsigned n)
{
	memset(s, 0, sizeof(*s));
	for (unsigned l = 0; l < n; l++) {
		for (unsigned i = 0; i < 4; i++)
			s->w[i][l] = sigma[i];
		for (unsigned i = 0; i < 8; i++)
			s->w[4 + i][l] = load_le32(lanes[l].key + 4 * i);
		s->w[12][l] = lanes[l].counter; /* 64-bit block counter, high word 0 */
		s->w[14][l] = load_le32(lanes[l].nonce);
		s->w[15][l] = load_le32(lanes[l].nonce + 4);
	}
}

static void store_lanes(const struct lane_block *out, const struct ws_chacha_lane *lanes, unsigned n)
{
	for (unsigned l = 0; l < n; l++)
		for (unsigned i = 0; i < 16; i++)
			store_le32(lanes[l].out + 4 * i, out->w[i][l]);
}

void ws_chacha_blocks(const struct ws_chacha_lane *lanes, unsigned n)
{
	struct lane_block s, out;
	bool wide = have_avx512();
	for (unsigned done = 0; done < n; done += 16) {
		unsigned k = n - done < 16 ? n - done : 16;
		load_lanes(&s, lanes + done, k);
		if (wide)
			blocks_avx512(&s, &out);
		else
			blocks_generic(&s, &out);
		store_lanes(&out, lanes + done, k);
	}
	sodium_memzero(&s, sizeof(s)); /* keys and keystream */
	sodium_memzero(&out, sizeof(out));
}
