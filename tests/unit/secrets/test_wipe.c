/* test_wipe.c — key material is wiped after rekey and after disconnect, for every cipher suite.
 * The library runs with its heap blocks tracked and every derived key, K and ephemeral private key
 * recorded (hooks.h): a block freed while it still holds one is a leak, and after each exchange no
 * live block may hold K, an ephemeral key or the previous exchange's keys. Positive controls show
 * the scanner does find keys where they legitimately live (the current cipher contexts). */
#include <string.h>

#include "check.h"
#include "hooks.h"
#include "secpair.h"

#define WRONG_PASSWORD "wrong-password-0123456789"
#define RIGHT_PASSWORD "right-password-abcdefghij"

static struct secpair g_sp; /* large: static */

/* ---------------------------------------------------------------- scan filters */

static bool is_key(const struct secret *s)
{
	return s->kind == SK_KEY || s->kind == SK_MAC_KEY;
}

/* Keys of exchange *arg. */
static bool keys_of(const struct secret *s, const void *arg)
{
	return is_key(s) && s->epoch == *(const unsigned *)arg;
}

/* K and ephemeral private keys: needed only until the keys are derived. */
static bool kex_transient(const struct secret *s, const void *arg)
{
	(void)arg;
	return s->kind == SK_SHARED || s->kind == SK_EPH_PRIV;
}

/* What must be gone once exchange *arg completed: older keys and every transient. */
static bool stale_after(const struct secret *s, const void *arg)
{
	return kex_transient(s, NULL) || (is_key(s) && s->epoch < *(const unsigned *)arg);
}

/* ---------------------------------------------------------------- scenarios */

static void add_test_secrets(struct secpair *sp)
{
	secrets_add(SK_HOST_KEY, 0, sp->p.host_key.sk, 32, "host key seed");
	secrets_add(SK_USER_KEY, 0, sp->user_key.sk, 32, "user key seed");
	secrets_add(SK_PASSWORD, 0, WRONG_PASSWORD, strlen(WRONG_PASSWORD), "wrong password");
	secrets_add(SK_PASSWORD, 0, RIGHT_PASSWORD, strlen(RIGHT_PASSWORD), "password");
}

static void start(const char *cipher, const char *mac)
{
	static const char *const tries[] = {WRONG_PASSWORD, RIGHT_PASSWORD};
	secrets_clear();
	heap_reset_freed_hits();
	secrets_set_epoch(1);
	secpair_init(&g_sp, cipher, mac, 0, RIGHT_PASSWORD, tries, 2);
	add_test_secrets(&g_sp);
	REQUIRE(secpair_connect(&g_sp));
	CHECK_EQ(g_sp.tried, 2); /* the wrong password went over the wire first */
	CHECK(g_sp.failed_attempts >= 1);
}

/* Handshake, traffic, rekey, traffic, DISCONNECT, free. */
static void rekey_then_disconnect(const char *cipher, const char *mac)
{
	unsigned one = 1, two = 2;
	size_t live_before = heap_live_blocks();
	fprintf(stderr, "suite %s %s\n", cipher, mac != NULL ? mac : "");
	start(cipher, mac);
	CHECK(heap_scan_live(keys_of, &one, NULL) > 0); /* control: the scanner sees live keys */
	CHECK_EQ(heap_scan_live(kex_transient, NULL, "after handshake"), 0);
	secpair_traffic(&g_sp, 4, 1000);
	secrets_set_epoch(2);
	REQUIRE(secpair_rekey(&g_sp));
	CHECK(heap_scan_live(keys_of, &two, NULL) > 0);
	CHECK_EQ(heap_scan_live(stale_after, &two, "after rekey"), 0);
	secpair_traffic(&g_sp, 4, 1000);
	CHECK_EQ(g_sp.data_rx, 16);
	CHECK_EQ(heap_freed_hits(), 0); /* the contexts replaced at rekey were wiped */
	CHECK(ws_transport_disconnect(g_sp.p.c.t, WS_DISCONNECT_BY_APPLICATION, "bye") == WS_OK);
	secpair_pump(&g_sp);
	CHECK(ws_transport_state(g_sp.p.s.t) == WS_TSTATE_CLOSED);
	secpair_free(&g_sp);
	CHECK_EQ(heap_scan_live(secret_is_scannable, NULL, "after free"), 0);
	CHECK_EQ(heap_freed_hits(), 0);
	CHECK_EQ(heap_live_blocks(), live_before);
}

/* A MAC failure ends the connection; freeing it afterwards wipes everything too. */
static void mac_failure_then_free(void)
{
	start(NULL, NULL);
	secpair_tamper_next(&g_sp);
	CHECK(ws_transport_state(g_sp.p.s.t) == WS_TSTATE_FAILED);
	CHECK_EQ(ws_transport_error(g_sp.p.s.t), WS_ERR_MAC);
	secpair_free(&g_sp);
	CHECK_EQ(heap_scan_live(secret_is_scannable, NULL, "after MAC failure"), 0);
	CHECK_EQ(heap_freed_hits(), 0);
}

/* A connection freed mid-stream, without any DISCONNECT. */
static void abrupt_free(void)
{
	start("aes256-gcm@openssh.com", NULL);
	secpair_traffic(&g_sp, 2, 30000);
	secpair_free(&g_sp);
	CHECK_EQ(heap_scan_live(secret_is_scannable, NULL, "after abrupt free"), 0);
	CHECK_EQ(heap_freed_hits(), 0);
}

/* Control: the free-time scan does catch a block freed with a key in it. */
static void scanner_catches_unwiped_free(void)
{
	static const uint8_t key[32] = {1,  2,	3,  4,	5,  6,	7,  8,	9,  10, 11, 12, 13, 14, 15, 16,
					17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
	secrets_clear();
	heap_reset_freed_hits();
	secrets_add(SK_KEY, 1, key, sizeof(key), "control key");
	fprintf(stderr, "control: one LEAK line about the control key is expected next\n");
	uint8_t *block = malloc(100);
	REQUIRE(block != NULL);
	memset(block, 0xAA, 100);
	memcpy(block + 50, key + 16, 16);		/* half of it is enough */
	__asm__ volatile("" : : "r"(block) : "memory"); /* the stores before free are not dead */
	free(block);
	CHECK_EQ(heap_freed_hits(), 1);
	heap_reset_freed_hits();
}

int main(void)
{
	scanner_catches_unwiped_free();
	rekey_then_disconnect("chacha20-poly1305@openssh.com", NULL);
	rekey_then_disconnect("aes128-gcm@openssh.com", NULL);
	rekey_then_disconnect("aes256-gcm@openssh.com", NULL);
	rekey_then_disconnect("aes128-ctr", "hmac-sha2-256");
	rekey_then_disconnect("aes256-ctr", "hmac-sha2-512-etm@openssh.com");
	mac_failure_then_free();
	abrupt_free();
	secrets_clear();
	return check_done("secrets_wipe");
}
