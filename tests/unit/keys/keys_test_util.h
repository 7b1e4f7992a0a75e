/* keys_test_util.h — helpers shared by the keys unit tests: fixture files under data/, a log
 * sink that captures the last error line, and a fixed ssh-ed25519 key from the fixtures. */
#ifndef WS_KEYS_TEST_UTIL_H
#define WS_KEYS_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "warpssh/keys.h"
#include "warpssh/log.h"

#ifndef KEYS_DATA_DIR
#error "KEYS_DATA_DIR must name tests/unit/keys/data"
#endif

/* Read data/<name> into buf (NUL-terminated); returns its length, exits the test if missing. */
static inline size_t read_fixture(const char *name, char *buf, size_t size)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", KEYS_DATA_DIR, name);
	FILE *f = fopen(path, "rb");
	REQUIRE(f != NULL);
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	REQUIRE(n < size - 1);
	buf[n] = '\0';
	return n;
}

static inline void fixture_path(const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", KEYS_DATA_DIR, name);
}

/* The fixture key data/ed25519 (private), loaded through the parser under test. */
static inline void load_fixture_key(struct ws_key *key)
{
	char text[4096];
	size_t n = read_fixture("ed25519", text, sizeof(text));
	REQUIRE(ws_key_parse_private(key, text, n) == WS_OK);
}

/* Log capture: the last message at ERROR or INFO level, and how many arrived. */
static char captured_log[1024] __attribute__((unused));
static int captured_count __attribute__((unused));

static inline void capture_sink(enum ws_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)arg;
	snprintf(captured_log, sizeof(captured_log), "%s", msg);
	captured_count++;
}

static inline void capture_logs(void)
{
	captured_log[0] = '\0';
	captured_count = 0;
	ws_log_set_sink(capture_sink, NULL);
}

#endif
