/* fuzz_conn_auth.c — libFuzzer target for user authentication (engine/auth_*.c): the input
 * drives one side (byte 0: even = server, odd = client) with a sequence of payloads, each as
 * uint16 length || bytes. Properties: no crash, no leak, errors sticky. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "warpssh/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t session_id[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static int drop_sink(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	(void)parts;
	(void)nparts;
	(*(unsigned *)arg)++;
	return WS_OK;
}

static struct ws_key fixed_key(uint8_t seed_byte)
{
	struct ws_key k;
	uint8_t seed[32];
	memset(&k, 0, sizeof(k));
	memset(seed, seed_byte, sizeof(seed));
	crypto_sign_ed25519_seed_keypair(k.pk, k.sk, seed);
	k.has_private = true;
	return k;
}

static bool any_user(void *arg, const char *user)
{
	(void)arg;
	return user[0] != 'x';
}

static bool key_ok(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	(void)user;
	*entry = arg;
	return key->pk[0] & 1;
}

static bool pw_ok(void *arg, const char *user, const char *password)
{
	(void)arg;
	(void)user;
	return strcmp(password, "pw") == 0;
}

static int give_password(void *arg, const char *user, char *out, size_t outsz)
{
	(void)arg;
	(void)user;
	snprintf(out, outsz, "pw");
	return WS_OK;
}

/* Split the input into uint16-length-prefixed payloads and hand each to handle(). */
typedef int (*handle_fn)(void *m, const uint8_t *p, size_t n);

static void feed_all(void *m, handle_fn handle, const uint8_t *data, size_t size)
{
	size_t pos = 0;
	while (size - pos >= 2) {
		size_t n = ((size_t)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		int rc = handle(m, data + pos, n);
		if (rc < 0 && rc != WS_ERR_UNSUPPORTED && handle(m, data + pos, n) != rc)
			__builtin_trap(); /* errors must be sticky */
		pos += n;
	}
}

static int server_handle(void *m, const uint8_t *p, size_t n)
{
	return ws_auth_server_handle(m, p, n);
}

static int client_handle(void *m, const uint8_t *p, size_t n)
{
	return ws_auth_client_handle(m, p, n);
}

static void run_server(const uint8_t *data, size_t size, unsigned *sent)
{
	struct ws_auth_server_config cfg;
	struct ws_auth_server *srv;
	ws_auth_server_config_default(&cfg);
	cfg.allow_password = true;
	cfg.banner = "hello";
	struct ws_auth_policy policy = {sent, any_user, key_ok, pw_ok, NULL};
	struct ws_payload_sink sink = {drop_sink, sent};
	if (ws_auth_server_new(&srv, &cfg, &policy, &sink, session_id, sizeof(session_id)) != WS_OK)
		return;
	feed_all(srv, server_handle, data, size);
	ws_auth_server_free(srv);
}

static void run_client(const uint8_t *data, size_t size, unsigned *sent)
{
	struct ws_key keys[2] = {fixed_key(1), fixed_key(2)};
	struct ws_auth_client_config cfg = {.user = "user", .keys = keys, .nkeys = 2, .password_attempts = 2};
	struct ws_auth_client_callbacks cb = {NULL, NULL, give_password, NULL};
	struct ws_payload_sink sink = {drop_sink, sent};
	struct ws_auth_client *cli;
	if (ws_auth_client_new(&cli, &cfg, &cb, &sink, session_id, sizeof(session_id)) == WS_OK) {
		if (ws_auth_client_start(cli) == WS_OK)
			feed_all(cli, client_handle, data, size);
		ws_auth_client_free(cli);
	}
	sodium_memzero(keys, sizeof(keys));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sent = 0;
	if (size < 1 || sodium_init() < 0)
		return 0;
	if ((data[0] & 1) == 0)
		run_server(data + 1, size - 1, &sent);
	else
		run_client(data + 1, size - 1, &sent);
	return 0;
}
