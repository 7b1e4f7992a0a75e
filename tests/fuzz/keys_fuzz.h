/* keys_fuzz.h — shared setup for the keys-area fuzz targets: silence logging and provide a
 * fixed ssh-ed25519 public key (the test fixture's) to look up. Aborts are the fuzzer's findings. */
#ifndef WS_KEYS_FUZZ_H
#define WS_KEYS_FUZZ_H

#include <stdlib.h>
#include <string.h>

#include "warpssh/config.h"
#include "warpssh/keys.h"
#include "warpssh/log.h"

static inline void fuzz_quiet_sink(enum ws_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static inline void fuzz_setup(void)
{
	ws_log_set_level(WS_LOG_DEBUG); /* format every message: exercises the log paths too */
	ws_log_set_sink(fuzz_quiet_sink, NULL);
}

/* The public half of tests/unit/keys/data/ed25519. */
static inline void fuzz_fixed_key(struct ws_key *k)
{
	static const uint8_t pk[32] = {
		0xa8, 0xdd, 0x96, 0x1e, 0x31, 0xaa, 0x29, 0xc6, 0x85, 0xa2, 0x90, 0x1d, 0x4d, 0xf6, 0x9c, 0x5a,
		0xe2, 0x6d, 0x8c, 0x04, 0xfb, 0x0a, 0xa5, 0x7e, 0xe5, 0xf1, 0x14, 0x49, 0x5f, 0xf2, 0x50, 0xa6,
	};
	memset(k, 0, sizeof(*k));
	memcpy(k->pk, pk, sizeof(pk));
}

/* Algorithm lists for the config targets' finish step. */
static inline const struct ws_cfg_algs *fuzz_algs(void)
{
	static const struct ws_cfg_algs algs = {
		"chacha20-poly1305@openssh.com,aes128-ctr", "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr",
		"hmac-sha2-256-etm@openssh.com", "hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
		"curve25519-sha256", "curve25519-sha256,curve25519-sha256@libssh.org",
	};
	return &algs;
}

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

#endif
