/* chacha_lanes.h — crypto-internal: ChaCha20 blocks for many independent (key, nonce, counter)
 * lanes in one call (16 per SIMD pass), used for chacha20-poly1305@openssh.com's small pieces. */
#ifndef WARPSSH_CRYPTO_CHACHA_LANES_H
#define WARPSSH_CRYPTO_CHACHA_LANES_H

#include <stdint.h>

/* One 64-byte block: ChaCha20(key, 8-byte nonce, 64-bit block counter) in the original layout
 * (state words 12-13 counter, 14-15 nonce), written to out. */
struct ws_chacha_lane {
	const uint8_t *key; /* 32 bytes */
	const uint8_t *nonce; /* 8 bytes */
	uint32_t counter;
	uint8_t *out; /* 64 bytes */
};

void ws_chacha_blocks(const struct ws_chacha_lane *lanes, unsigned n);

#endif
