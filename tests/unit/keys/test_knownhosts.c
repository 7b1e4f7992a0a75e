/* test_knownhosts.c — known_hosts lookups: plain, wildcard and negated patterns, [host]:port,
 * hashed names written by `ssh-keygen -H`, @revoked precedence, @cert-authority and other key
 * types skipped; entry formatting round-trips; malformed lines and every truncation are harmless. */
#include <string.h>

#include "keys_test_util.h"
#include "warpssh/knownhosts.h"

static struct ws_key fixture, other;
static char keyfield[256];   /* "ssh-ed25519 AAAA…" of the fixture */
static char otherfield[256];

static enum ws_knownhosts_status look(const char *text, const char *host, uint16_t port, unsigned *line)
{
	struct ws_knownhosts_result r;
	REQUIRE(ws_knownhosts_lookup(text, strlen(text), "kh", host, port, &fixture, &r) == WS_OK);
	if (line != NULL)
		*line = r.line;
	return r.status;
}

static void test_plain_and_ports(void)
{
	char text[2048];
	unsigned line;
	snprintf(text, sizeof(text), "# hosts\nexample.com %s\n[example.org]:2222 %s\n\na,b,c %s\n", keyfield,
		 keyfield, keyfield);
	CHECK_EQ(look(text, "example.com", 22, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 2);
	CHECK_EQ(look(text, "EXAMPLE.com", 0, NULL), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(look(text, "example.com", 2222, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(look(text, "example.org", 2222, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 3);
	CHECK_EQ(look(text, "example.org", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(look(text, "b", 22, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 5);
	CHECK_EQ(look(text, "other.net", 22, &line), WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(line, 0);
}

static void test_patterns(void)
{
	char text[1024];
	snprintf(text, sizeof(text), "*.example.com,!bad.example.com %s\n", keyfield);
	CHECK_EQ(look(text, "good.example.com", 22, NULL), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(look(text, "bad.example.com", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	snprintf(text, sizeof(text), "10.0.0.? %s\n", keyfield);
	CHECK_EQ(look(text, "10.0.0.7", 22, NULL), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(look(text, "10.0.0.17", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
}

static void test_hashed_from_ssh_keygen(void)
{
	char text[2048];
	unsigned line;
	read_fixture("kh_hashed", text, sizeof(text));
	CHECK_EQ(look(text, "example.com", 22, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 1);
	CHECK_EQ(look(text, "example.org", 2222, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 2);
	CHECK_EQ(look(text, "example.org", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(look(text, "example.net", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
}

static void test_mismatch_revoked_and_types(void)
{
	char text[4096], rsa[1024];
	unsigned line;
	struct ws_knownhosts_result r;
	snprintf(text, sizeof(text), "h1 %s\nh2 %s\nh2 %s\n", otherfield, otherfield, keyfield);
	CHECK_EQ(look(text, "h1", 22, &line), WS_KNOWNHOSTS_MISMATCH);
	CHECK_EQ(line, 1);
	CHECK_EQ(look(text, "h2", 22, &line), WS_KNOWNHOSTS_MATCH); /* any matching entry wins */
	CHECK_EQ(line, 3);
	snprintf(text, sizeof(text), "h1 %s\n@revoked h1 %s\n@revoked * %s\n", keyfield, otherfield, keyfield);
	CHECK_EQ(look(text, "h1", 22, &line), WS_KNOWNHOSTS_REVOKED);
	CHECK_EQ(line, 3);
	CHECK_EQ(look(text, "anything", 22, NULL), WS_KNOWNHOSTS_REVOKED);
	snprintf(text, sizeof(text), "@revoked h1 %s\nh1 %s\n", otherfield, keyfield);
	CHECK_EQ(look(text, "h1", 22, NULL), WS_KNOWNHOSTS_MATCH);
	snprintf(text, sizeof(text), "@cert-authority * %s\n@bogus h1 %s\n", keyfield, keyfield);
	CHECK_EQ(look(text, "h1", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	read_fixture("rsa.pub", rsa, sizeof(rsa));
	snprintf(text, sizeof(text), "h1 %sh1 %s", rsa, rsa);
	REQUIRE(ws_knownhosts_lookup(text, strlen(text), "kh", "h1", 22, &fixture, &r) == WS_OK);
	CHECK_EQ(r.status, WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(r.other_types, 2);
	CHECK(r.file != NULL || r.line == 0);
}

static void test_malformed_lines_skipped(void)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "|1|bad|bad %s\n|1| %s\n|1|AAAA|AAAA %s\nh1\nh1 ssh-ed25519\nh1 ssh-ed25519 !!!!\n@revoked\n"
		 "h1 %s trailing comment ok\n", keyfield, keyfield, keyfield, keyfield);
	unsigned line;
	CHECK_EQ(look(text, "h1", 22, &line), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(line, 8);
	/* every prefix is harmless */
	for (size_t n = 0; n <= strlen(text); n++) {
		struct ws_knownhosts_result r;
		CHECK_EQ(ws_knownhosts_lookup(text, n, "kh", "h1", 22, &fixture, &r), WS_OK);
	}
}

static void test_format_entries(void)
{
	char out[WS_KNOWNHOSTS_LINE_MAX], want[512], h1[WS_KNOWNHOSTS_LINE_MAX];
	CHECK_EQ(ws_knownhosts_format_entry("Example.COM", 22, &fixture, false, out, sizeof(out)), WS_OK);
	snprintf(want, sizeof(want), "example.com %s", keyfield);
	CHECK(strcmp(out, want) == 0);
	CHECK_EQ(ws_knownhosts_format_entry("::1", 2222, &fixture, false, out, sizeof(out)), WS_OK);
	snprintf(want, sizeof(want), "[::1]:2222 %s", keyfield);
	CHECK(strcmp(out, want) == 0);
	CHECK_EQ(look(out, "::1", 2222, NULL), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(ws_knownhosts_format_entry("host.example", 2222, &fixture, true, h1, sizeof(h1)), WS_OK);
	CHECK(strncmp(h1, "|1|", 3) == 0);
	CHECK_EQ(look(h1, "host.example", 2222, NULL), WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(look(h1, "host.example", 22, NULL), WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(ws_knownhosts_format_entry("host.example", 2222, &fixture, true, out, sizeof(out)), WS_OK);
	CHECK(strcmp(out, h1) != 0); /* fresh salt each time */
	static const char *const bad[] = {"", "a b", "a,b", "*", "h!", "[x]", "a\tb", "a\nb", "#h"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(ws_knownhosts_format_entry(bad[i], 22, &fixture, false, out, sizeof(out)), WS_ERR_INVALID_ARG);
	CHECK_EQ(ws_knownhosts_format_entry("h", 22, &fixture, false, out, 20), WS_ERR_NO_SPACE);
	struct ws_knownhosts_result r;
	CHECK_EQ(ws_knownhosts_lookup("", 0, "kh", "a b", 22, &fixture, &r), WS_ERR_INVALID_ARG);
}

static void test_merge(void)
{
	struct ws_knownhosts_result acc = {WS_KNOWNHOSTS_NOT_FOUND, NULL, 0, 1};
	struct ws_knownhosts_result mis = {WS_KNOWNHOSTS_MISMATCH, "user", 4, 0};
	struct ws_knownhosts_result ok = {WS_KNOWNHOSTS_MATCH, "global", 9, 2};
	struct ws_knownhosts_result rev = {WS_KNOWNHOSTS_REVOKED, "global", 1, 0};
	ws_knownhosts_merge(&acc, &mis);
	CHECK_EQ(acc.status, WS_KNOWNHOSTS_MISMATCH);
	ws_knownhosts_merge(&acc, &ok);
	CHECK_EQ(acc.status, WS_KNOWNHOSTS_MATCH);
	CHECK_EQ(acc.line, 9);
	CHECK_EQ(acc.other_types, 3);
	ws_knownhosts_merge(&acc, &mis);
	CHECK_EQ(acc.status, WS_KNOWNHOSTS_MATCH);
	ws_knownhosts_merge(&acc, &rev);
	CHECK_EQ(acc.status, WS_KNOWNHOSTS_REVOKED);
}

int main(void)
{
	ws_log_set_level(WS_LOG_ERROR);
	load_fixture_key(&fixture);
	REQUIRE(ws_key_generate(&other) == WS_OK);
	struct ws_key bare = fixture, obare = other;
	bare.comment[0] = obare.comment[0] = '\0';
	REQUIRE(ws_key_format_public(&bare, keyfield, sizeof(keyfield)) == WS_OK);
	REQUIRE(ws_key_format_public(&obare, otherfield, sizeof(otherfield)) == WS_OK);
	test_plain_and_ports();
	test_patterns();
	test_hashed_from_ssh_keygen();
	test_mismatch_revoked_and_types();
	test_malformed_lines_skipped();
	test_format_entries();
	test_merge();
	return check_done("knownhosts");
}
