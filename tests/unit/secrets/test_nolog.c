/* test_nolog.c — no log level prints keys, passwords or session identifiers. A client/server pair
 * runs at WS_LOG_DEBUG into a capturing sink through a handshake, a refused publickey, a wrong
 * then a right password, traffic with byte-triggered rekeys, a tampered packet (MAC failure) and
 * teardown; no captured line may hold, as raw bytes, hex or base64, any piece of the session id,
 * a KDF output (IVs, keys, MAC keys), K, an ephemeral private key, the host or user key seed or a
 * password. The sink must have captured the debug lines of those events (else it proves nothing). */
#include <string.h>

#include "check.h"
#include "hooks.h"
#include "secpair.h"
#include "warpssh/log.h"

#define WRONG_PASSWORD "Tr0ub4dor&3-not-this-one"
#define RIGHT_PASSWORD "correct horse battery staple"
#define LINES_MAX 512u
#define LINE_MAX_LEN 1024u
#define REKEY_BYTES (64u * 1024u)

struct capture {
	char lines[LINES_MAX][LINE_MAX_LEN];
	unsigned n, dropped;
};

static struct capture g_cap;
static struct secpair g_sp;

static void capture_sink(enum ws_log_level level, const char *msg, void *arg)
{
	struct capture *c = arg;
	(void)level;
	if (c->n == LINES_MAX) {
		c->dropped++;
		return;
	}
	snprintf(c->lines[c->n++], LINE_MAX_LEN, "%s", msg);
}

static bool captured(const char *needle)
{
	for (unsigned i = 0; i < g_cap.n; i++)
		if (strstr(g_cap.lines[i], needle) != NULL)
			return true;
	return false;
}

static unsigned count_kind(enum secret_kind kind)
{
	unsigned n = 0;
	for (size_t i = 0; i < secrets_count(); i++)
		n += secrets_get(i)->kind == kind;
	return n;
}

static void run_connection(void)
{
	static const char *const tries[] = {WRONG_PASSWORD, RIGHT_PASSWORD};
	secrets_set_epoch(1);
	secpair_init(&g_sp, NULL, NULL, REKEY_BYTES, RIGHT_PASSWORD, tries, 2);
	secrets_add(SK_HOST_KEY, 0, g_sp.p.host_key.sk, 32, "host key seed");
	secrets_add(SK_USER_KEY, 0, g_sp.user_key.sk, 32, "user key seed");
	secrets_add(SK_PASSWORD, 0, WRONG_PASSWORD, strlen(WRONG_PASSWORD), "wrong password");
	secrets_add(SK_PASSWORD, 0, RIGHT_PASSWORD, strlen(RIGHT_PASSWORD), "password");
	REQUIRE(secpair_connect(&g_sp));
	CHECK(g_sp.failed_attempts >= 1);
	secrets_set_epoch(2); /* later exchanges are all "rekey" epochs */
	secpair_traffic(&g_sp, 40, 4000);
	CHECK(ws_transport_kex_count(g_sp.p.c.t) >= 2);
	secpair_tamper_next(&g_sp);
	CHECK_EQ(ws_transport_error(g_sp.p.s.t), WS_ERR_MAC);
	secpair_free(&g_sp);
}

static void check_lines(void)
{
	unsigned leaks = 0;
	for (unsigned i = 0; i < g_cap.n; i++)
		for (size_t j = 0; j < secrets_count(); j++) {
			const struct secret *s = secrets_get(j);
			if (!secret_in_text(s, g_cap.lines[i], strlen(g_cap.lines[i])))
				continue;
			leaks++;
			fprintf(stderr, "LOGGED %s in: %s\n", s->label, g_cap.lines[i]);
		}
	CHECK_EQ(leaks, 0);
}

int main(void)
{
	ws_log_set_level(WS_LOG_DEBUG);
	ws_log_set_sink(capture_sink, &g_cap);
	run_connection();
	ws_log_set_sink(NULL, NULL);
	for (unsigned i = 0; i < g_cap.n; i++)
		fprintf(stderr, "captured: %s\n", g_cap.lines[i]);
	/* the sink saw what happened, and the registry holds what the test looks for */
	CHECK(g_cap.n >= 2);
	CHECK_EQ(g_cap.dropped, 0);
	CHECK(captured("re-exchange"));
	CHECK(captured("message authentication failed"));
	CHECK(count_kind(SK_SESSION_ID) == 1);
	CHECK(count_kind(SK_KEY) >= 4); /* C and D (both sides derive the same), >= 2 exchanges */
	CHECK(count_kind(SK_IV) >= 4);
	CHECK(count_kind(SK_SHARED) >= 2);
	CHECK(count_kind(SK_EPH_PRIV) >= 4);
	check_lines();
	secrets_clear();
	return check_done("secrets_nolog");
}
