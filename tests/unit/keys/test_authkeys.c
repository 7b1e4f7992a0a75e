/* test_authkeys.c — authorized_keys: finding a key among comments, other key types and options;
 * restrict, no-X and re-enabling flags; command= unescaping; from= with CIDR and negation; unknown and
 * unsupported options refusing the key with a log line naming file:line; truncation at every length. */
#include <string.h>

#include "keys_test_util.h"
#include "warpssh/authkeys.h"

static char publine[256];   /* "ssh-ed25519 AAAA… fixture@warpssh" */
static struct ws_key fixture;

static int find(const char *text, const char *addr, struct ws_authkeys_entry *e)
{
	return ws_authkeys_find(text, strlen(text), &fixture, addr, NULL, "ak", e);
}

/* "<opts> <fixture public line>\n" */
static const char *with_opts(const char *opts)
{
	static char text[8192];
	snprintf(text, sizeof(text), "%s%s%s\n", opts, opts[0] ? " " : "", publine);
	return text;
}

static void test_plain_entry_among_others(void)
{
	struct ws_authkeys_entry e;
	char text[4096], rsa[1024];
	read_fixture("rsa.pub", rsa, sizeof(rsa));
	snprintf(text, sizeof(text), "# comment\n\n   \n%s no-pty %s%s\r\n", rsa, rsa, publine);
	CHECK_EQ(find(text, "127.0.0.1", &e), WS_OK);
	CHECK_EQ(e.line, 6);
	CHECK(e.allow_pty && e.allow_port_forwarding && e.allow_agent_forwarding && e.allow_x11_forwarding &&
	      e.allow_user_rc && !e.restricted && !e.has_command && !e.has_from);
	CHECK(strcmp(e.comment, "fixture@warpssh") == 0);
	CHECK_EQ(find("# nothing\n", "127.0.0.1", &e), WS_ERR_NOT_FOUND);
	CHECK_EQ(find("", "127.0.0.1", &e), WS_ERR_NOT_FOUND);
	struct ws_key other;
	REQUIRE(ws_key_generate(&other) == WS_OK);
	CHECK_EQ(ws_authkeys_find(text, strlen(text), &other, "127.0.0.1", NULL, "ak", &e), WS_ERR_NOT_FOUND);
}

static void test_flags(void)
{
	struct ws_authkeys_entry e;
	CHECK_EQ(find(with_opts("restrict,pty,command=\"echo \\\"hi\\\" \\\\n\""), "127.0.0.1", &e), WS_OK);
	CHECK(e.restricted && e.allow_pty && !e.allow_port_forwarding && !e.allow_agent_forwarding &&
	      !e.allow_x11_forwarding && !e.allow_user_rc);
	CHECK(e.has_command && strcmp(e.command, "echo \"hi\" \\\\n") == 0); /* only \" is an escape */
	CHECK_EQ(find(with_opts("no-pty,no-port-forwarding,no-agent-forwarding,NO-X11-forwarding,no-user-rc"),
		      "127.0.0.1", &e), WS_OK);
	CHECK(!e.restricted && !e.allow_pty && !e.allow_port_forwarding && !e.allow_agent_forwarding &&
	      !e.allow_x11_forwarding && !e.allow_user_rc);
	CHECK_EQ(find(with_opts("no-touch-required,verify-required"), "127.0.0.1", &e), WS_OK);
	CHECK_EQ(find(with_opts("command=\"a b, c\",no-pty"), "127.0.0.1", &e), WS_OK);
	CHECK(strcmp(e.command, "a b, c") == 0 && !e.allow_pty);
}

static void test_value_options(void)
{
	struct ws_authkeys_entry e;
	CHECK_EQ(find(with_opts("environment=\"LANG=C\",environment=\"X=a b\""), "127.0.0.1", &e), WS_OK);
	CHECK_EQ(e.nenv, 2);
	CHECK(strcmp(e.env[1], "X=a b") == 0);
	CHECK_EQ(find(with_opts("permitopen=\"db:5432\",permitopen=\"[::1]:*\",permitlisten=\"8080\""),
		      "127.0.0.1", &e), WS_OK);
	CHECK_EQ(e.npermitopen, 2);
	CHECK_EQ(e.npermitlisten, 1);
	CHECK(strcmp(e.permitopen[1], "[::1]:*") == 0);
}

static void test_refused_options(void)
{
	static const char *const bad[] = {
		"frobnicate", "no-restrict", "environment=\"=x\"", "environment=\"NOEQUALS\"",
		"permitopen=\"host\"", "permitopen=\"host:99999\"", "cert-authority", "principals=\"a\"",
		"expiry-time=\"20990101\"", "tunnel=\"1\"", "command=\"x\"y", "command=x", "pty,,no-pty",
		"command=\"unterminated,pty", "restrict,",
	};
	struct ws_authkeys_entry e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_logs();
		int rc = find(with_opts(bad[i]), "127.0.0.1", &e);
		/* an unterminated quote hides the key itself: the line is skipped as bad syntax */
		CHECK(rc == WS_ERR_AUTH || (rc == WS_ERR_NOT_FOUND && strchr(bad[i], '"') != NULL));
		CHECK(strstr(captured_log, "ak:1:") != NULL);
		if (rc == WS_ERR_AUTH)
			CHECK(e.reason[0] != '\0' && e.line == 1);
	}
	capture_logs();
	CHECK_EQ(find(with_opts("frobnicate"), "127.0.0.1", &e), WS_ERR_AUTH);
	CHECK(strstr(captured_log, "frobnicate") != NULL);
	char env[4096] = "";
	for (int i = 0; i < 17; i++)
		strcat(env, i ? ",environment=\"A=1\"" : "environment=\"A=1\"");
	CHECK_EQ(find(with_opts(env), "127.0.0.1", &e), WS_ERR_AUTH);
	char longcmd[2100] = "command=\"";
	memset(longcmd + 9, 'x', 2000);
	strcpy(longcmd + 2009, "\"");
	CHECK_EQ(find(with_opts(longcmd), "127.0.0.1", &e), WS_ERR_AUTH);
	ws_log_set_sink(NULL, NULL);
}

static void test_from(void)
{
	struct ws_authkeys_entry e;
	const char *t = with_opts("from=\"10.0.0.0/8,!10.9.0.0/16\"");
	CHECK_EQ(find(t, "10.1.2.3", &e), WS_OK);
	CHECK(e.has_from);
	CHECK_EQ(find(t, "10.9.2.3", &e), WS_ERR_AUTH);
	CHECK_EQ(find(t, "192.168.1.1", &e), WS_ERR_AUTH);
	CHECK_EQ(e.line, 1);
	CHECK_EQ(ws_authkeys_find(t, strlen(t), &fixture, "192.168.1.1", "x.example.com", "ak", &e), WS_ERR_AUTH);
	t = with_opts("from=\"*.example.com\"");
	CHECK_EQ(ws_authkeys_find(t, strlen(t), &fixture, "192.168.1.1", "x.example.com", "ak", &e), WS_OK);
	CHECK_EQ(find(t, "192.168.1.1", &e), WS_ERR_AUTH);
	t = with_opts("from=\"10.0.0.1/8\""); /* host bits set: sshd refuses the list */
	CHECK_EQ(find(t, "10.0.0.1", &e), WS_ERR_AUTH);
	/* a refused line does not hide a later line for the same key */
	char two[4096];
	snprintf(two, sizeof(two), "from=\"10.0.0.0/8\" %s\ncommand=\"ok\" %s\n", publine, publine);
	CHECK_EQ(find(two, "192.168.1.1", &e), WS_OK);
	CHECK_EQ(e.line, 2);
	CHECK(strcmp(e.command, "ok") == 0);
	t = with_opts("from=\"::1,127.0.0.1\"");
	CHECK_EQ(find(t, "::1", &e), WS_OK);
}

static void test_parse_options_direct(void)
{
	struct ws_authkeys_entry e;
	const char *o = "restrict,port-forwarding";
	CHECK_EQ(ws_authkeys_parse_options(o, strlen(o), &e), WS_OK);
	CHECK(e.allow_port_forwarding && !e.allow_pty);
	CHECK_EQ(ws_authkeys_parse_options("", 0, &e), WS_OK);
	CHECK_EQ(ws_authkeys_parse_options("x=", 2, &e), WS_ERR_FORMAT);
}

/* Every prefix of a file mixing all features: never crashes, always a defined answer. */
static void test_truncation(void)
{
	char text[8192], rsa[1024];
	struct ws_authkeys_entry e;
	read_fixture("rsa.pub", rsa, sizeof(rsa));
	snprintf(text, sizeof(text), "# c\n%srestrict,from=\"10.0.0.0/8\",command=\"a \\\"b\\\"\" %s\nenvironment=\"A=1\" %s\n",
		 rsa, publine, publine);
	ws_log_set_level(WS_LOG_ERROR);
	capture_logs();
	for (size_t n = 0; n <= strlen(text); n++) {
		int rc = ws_authkeys_find(text, n, &fixture, "10.1.1.1", NULL, "ak", &e);
		CHECK(rc == WS_OK || rc == WS_ERR_NOT_FOUND || rc == WS_ERR_AUTH);
	}
	CHECK_EQ(ws_authkeys_find(text, strlen(text), &fixture, "10.1.1.1", NULL, "ak", &e), WS_OK);
	CHECK(e.restricted && e.has_command);
	ws_log_set_sink(NULL, NULL);
}

int main(void)
{
	load_fixture_key(&fixture);
	REQUIRE(ws_key_format_public(&fixture, publine, sizeof(publine)) == WS_OK);
	test_plain_entry_among_others();
	test_flags();
	test_value_options();
	test_refused_options();
	test_from();
	test_parse_options_direct();
	test_truncation();
	return check_done("authkeys");
}
