/* test_match.c — OpenSSH patterns: globs, negated lists, CIDR address lists (IPv4, IPv6,
 * IPv4-mapped), the from= verdict, and malformed lists failing closed. */
#include <string.h>

#include "check.h"
#include "warpssh/match.h"

static bool glob(const char *s, const char *p, bool nocase)
{
	return ws_match_glob(ws_bytes_of(s), ws_bytes_of(p), nocase);
}

static void test_glob(void)
{
	CHECK(glob("example.com", "*.com", false));
	CHECK(glob("example.com", "ex?mple.*", false));
	CHECK(glob("", "*", false));
	CHECK(glob("abc", "a*b*c", false));
	CHECK(glob("aXbYc", "a*b*c", false));
	CHECK(!glob("abcd", "a*b*c", false));
	CHECK(!glob("ab", "a?b", false));
	CHECK(glob("EXAMPLE.com", "example.COM", true));
	CHECK(!glob("EXAMPLE.com", "example.com", false));
	CHECK(!glob("a", "", false));
	/* pathological pattern stays fast (no exponential backtracking) */
	char s[4001], p[200];
	memset(s, 'a', 4000);
	s[4000] = '\0';
	for (int i = 0; i < 198; i += 2) {
		p[i] = 'a';
		p[i + 1] = '*';
	}
	p[198] = 'b';
	p[199] = '\0';
	CHECK(!glob(s, p, false));
}

static void test_lists(void)
{
	CHECK_EQ(ws_match_list("host.example.com", ws_bytes_of("*.example.com,!bad.example.com"), true), WS_MATCH_YES);
	CHECK_EQ(ws_match_list("bad.example.com", ws_bytes_of("*.example.com,!bad.example.com"), true), WS_MATCH_NEGATED);
	CHECK_EQ(ws_match_list("bad.example.com", ws_bytes_of("!bad.example.com,*.example.com"), true), WS_MATCH_NEGATED);
	CHECK_EQ(ws_match_list("other.org", ws_bytes_of("*.example.com"), true), WS_MATCH_NONE);
	CHECK_EQ(ws_match_list("HOST", ws_bytes_of("host"), true), WS_MATCH_YES);
	CHECK_EQ(ws_match_list("[h]:2222", ws_bytes_of("[h]:2222"), true), WS_MATCH_YES);
	CHECK_EQ(ws_match_list("x", ws_bytes_of(""), true), WS_MATCH_NONE);
}

static void test_addr_lists(void)
{
	CHECK_EQ(ws_match_addr_list("10.1.2.3", ws_bytes_of("10.0.0.0/8")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("11.1.2.3", ws_bytes_of("10.0.0.0/8")), WS_MATCH_NONE);
	CHECK_EQ(ws_match_addr_list("10.1.2.3", ws_bytes_of("10.0.0.0/8,!10.1.0.0/16")), WS_MATCH_NEGATED);
	CHECK_EQ(ws_match_addr_list("192.168.1.77", ws_bytes_of("192.168.1.64/26")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("192.168.1.128", ws_bytes_of("192.168.1.64/26")), WS_MATCH_NONE);
	CHECK_EQ(ws_match_addr_list("127.0.0.1", ws_bytes_of("127.0.0.1")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("127.0.0.1", ws_bytes_of("127.0.0.*")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("2001:db8::5", ws_bytes_of("2001:db8::/32")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("2001:db9::5", ws_bytes_of("2001:db8::/32")), WS_MATCH_NONE);
	CHECK_EQ(ws_match_addr_list("::1", ws_bytes_of("::1/128")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("::ffff:10.0.0.1", ws_bytes_of("10.0.0.0/8")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("0.0.0.0/0")), WS_MATCH_YES);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("::/0")), WS_MATCH_NONE); /* families differ */
	/* malformed lists fail closed */
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("10.0.0.1/8")), WS_MATCH_ERROR);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("10.0.0.0/33")), WS_MATCH_ERROR);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("10.0.0.0/")), WS_MATCH_ERROR);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("10.0.0.0/8,")), WS_MATCH_ERROR);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("")), WS_MATCH_ERROR);
	CHECK_EQ(ws_match_addr_list("10.0.0.1", ws_bytes_of("2001:db8::1/32")), WS_MATCH_ERROR);
}

static void test_from_verdict(void)
{
	CHECK(ws_match_host_and_addr(NULL, "10.0.0.1", ws_bytes_of("10.0.0.0/8")));
	CHECK(!ws_match_host_and_addr(NULL, "10.0.0.1", ws_bytes_of("192.168.0.0/16")));
	CHECK(ws_match_host_and_addr("build.example.com", "10.9.9.9", ws_bytes_of("*.example.com")));
	CHECK(!ws_match_host_and_addr("build.example.com", "10.9.9.9", ws_bytes_of("*.example.com,!10.9.9.9")));
	CHECK(!ws_match_host_and_addr("bad.example.com", "10.9.9.9", ws_bytes_of("10.0.0.0/8,!bad.example.com")));
	CHECK(!ws_match_host_and_addr(NULL, "10.0.0.1", ws_bytes_of("10.0.0.1/8")));
	CHECK(ws_match_host_and_addr(NULL, "127.0.0.1", ws_bytes_of("127.0.0.1,::1")));
}

int main(void)
{
	test_glob();
	test_lists();
	test_addr_lists();
	test_from_verdict();
	return check_done("match");
}
