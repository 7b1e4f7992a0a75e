/* test_ssh_config.c — the ssh_config subset: Host blocks with wildcards and negation, first
 * obtained value wins (also against -o), HostName/IdentityFile/UserKnownHostsFile expansion,
 * IgnoreUnknown, Compression, and errors with line numbers even inside non-matching blocks. */
#include <string.h>

#include "keys_test_util.h"
#include "warpssh/config.h"

static const struct ws_cfg_algs algs = {
	"chacha20-poly1305@openssh.com,aes128-ctr", "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr",
	"hmac-sha2-256-etm@openssh.com", "hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
	"curve25519-sha256", "curve25519-sha256,curve25519-sha256@libssh.org",
};

static int resolve(struct ws_ssh_config *c, const char *text, const char *alias, const char *const *opts)
{
	struct ws_ssh_config_env env = {alias, "me", "/home/me", &algs};
	ws_ssh_config_init(c);
	for (; opts != NULL && *opts != NULL; opts++)
		WS_TRY(ws_ssh_config_apply_option(c, *opts));
	WS_TRY(ws_ssh_config_parse(c, text, strlen(text), "cfg", alias));
	return ws_ssh_config_finish(c, &env);
}

static const char blocks[] =
	"Port 2200\n"
	"Host web* !web-old\n"
	"  HostName %h.example.com\n"
	"  User deploy\n"
	"  IdentityFile ~/.ssh/web_key\n"
	"Host *\n"
	"  User fallback\n"
	"  IdentityFile ~/.ssh/id_%r\n"
	"  Port 9999\n"
	"  StrictHostKeyChecking accept-new\n"
	"  UserKnownHostsFile ~/.ssh/kh1 /etc/kh_%u\n";

static void test_host_blocks(void)
{
	struct ws_ssh_config c;
	REQUIRE(resolve(&c, blocks, "web1", NULL) == WS_OK);
	CHECK(strcmp(c.hostname, "web1.example.com") == 0);
	CHECK_EQ(c.port, 2200);
	CHECK(strcmp(c.user, "deploy") == 0);
	CHECK_EQ(c.nidentity_files, 2);
	CHECK(strcmp(c.identity_files[0], "/home/me/.ssh/web_key") == 0);
	CHECK(strcmp(c.identity_files[1], "/home/me/.ssh/id_deploy") == 0);
	CHECK_EQ(c.strict_host_key_checking, WS_SHK_ACCEPT_NEW);
	CHECK_EQ(c.nuser_known_hosts_files, 2);
	CHECK(strcmp(c.user_known_hosts_files[0], "/home/me/.ssh/kh1") == 0);
	CHECK(strcmp(c.user_known_hosts_files[1], "/etc/kh_me") == 0);

	REQUIRE(resolve(&c, blocks, "web-old", NULL) == WS_OK);
	CHECK(strcmp(c.hostname, "web-old") == 0);
	CHECK(strcmp(c.user, "fallback") == 0);
	CHECK_EQ(c.nidentity_files, 1);

	REQUIRE(resolve(&c, blocks, "WEB2", NULL) == WS_OK); /* patterns match case-insensitively */
	CHECK(strcmp(c.user, "deploy") == 0);
}

static void test_defaults(void)
{
	struct ws_ssh_config c;
	REQUIRE(resolve(&c, "", "host", NULL) == WS_OK);
	CHECK(strcmp(c.hostname, "host") == 0);
	CHECK_EQ(c.port, 22);
	CHECK(strcmp(c.user, "me") == 0);
	CHECK(c.nidentity_files == 1 && strcmp(c.identity_files[0], "/home/me/.ssh/id_ed25519") == 0);
	CHECK(c.nuser_known_hosts_files == 2 && strcmp(c.user_known_hosts_files[1], "/home/me/.ssh/known_hosts2") == 0);
	CHECK(!c.identities_only && !c.batch_mode && !c.compression && !c.hash_known_hosts);
	CHECK_EQ(c.strict_host_key_checking, WS_SHK_ASK);
	CHECK(c.server_alive_interval == 0 && c.server_alive_count_max == 3 && c.connect_timeout == 0);
	CHECK(strcmp(c.ciphers, algs.ciphers_default) == 0);
	CHECK_EQ(c.log_level, WS_LOG_INFO);
}

static void test_options_win(void)
{
	struct ws_ssh_config c;
	const char *opts[] = {"User=ouser", "Port 7", "IdentityFile=/k/extra", NULL};
	REQUIRE(resolve(&c, blocks, "web1", opts) == WS_OK);
	CHECK(strcmp(c.user, "ouser") == 0);
	CHECK_EQ(c.port, 7);
	CHECK_EQ(c.nidentity_files, 3); /* IdentityFile accumulates */
	CHECK(strcmp(c.identity_files[0], "/k/extra") == 0);
	CHECK(strcmp(c.identity_files[2], "/home/me/.ssh/id_ouser") == 0);
	const char *host_opt[] = {"Host x", NULL};
	CHECK_EQ(resolve(&c, "", "a", host_opt), WS_ERR_CONFIG);
	CHECK(strstr(c.error, "not allowed as a command-line option") != NULL);
}

static void test_scalars(void)
{
	static const char text[] =
		"IdentitiesOnly yes\nCiphers ^aes256-ctr\nMACs +hmac-sha2-256\nKexAlgorithms curve25519-sha256@libssh.org\n"
		"RekeyLimit 512M 30m\nServerAliveInterval 1m\nServerAliveCountMax 5\nConnectTimeout 10s\n"
		"BatchMode yes\nStrictHostKeyChecking no\nHashKnownHosts yes\nLogLevel DEBUG2\n"
		"UserKnownHostsFile none\n";
	struct ws_ssh_config c;
	REQUIRE(resolve(&c, text, "h", NULL) == WS_OK);
	CHECK(c.identities_only && c.batch_mode && c.hash_known_hosts);
	CHECK(strcmp(c.ciphers, "aes256-ctr,chacha20-poly1305@openssh.com,aes128-ctr") == 0);
	CHECK(strcmp(c.macs, "hmac-sha2-256-etm@openssh.com,hmac-sha2-256") == 0);
	CHECK(strcmp(c.kex_algorithms, "curve25519-sha256@libssh.org") == 0);
	CHECK(c.rekey_limit.bytes == 512ull << 20 && c.rekey_limit.seconds == 1800);
	CHECK(c.server_alive_interval == 60 && c.server_alive_count_max == 5 && c.connect_timeout == 10);
	CHECK_EQ(c.strict_host_key_checking, WS_SHK_NO);
	CHECK_EQ(c.log_level, WS_LOG_DEBUG);
	CHECK_EQ(c.nuser_known_hosts_files, 0);
}

static void test_compression_warns(void)
{
	struct ws_ssh_config c;
	ws_log_set_level(WS_LOG_INFO);
	capture_logs();
	REQUIRE(resolve(&c, "Compression yes\n", "h", NULL) == WS_OK);
	CHECK(c.compression);
	CHECK(strstr(captured_log, "does not offer compression") != NULL);
	ws_log_set_sink(NULL, NULL);
	ws_log_set_level(WS_LOG_ERROR);
}

static void check_error(const char *text, const char *want)
{
	struct ws_ssh_config c;
	CHECK_EQ(resolve(&c, text, "web1", NULL), WS_ERR_CONFIG);
	if (strstr(c.error, want) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", c.error, want);
		CHECK(0);
	}
}

static void test_errors(void)
{
	check_error("Host other\n  Port abc\n", "cfg:2: Port: expected a number");
	check_error("Host other\n  Bogus 1\n", "cfg:2: unknown keyword 'Bogus'");
	check_error("ProxyCommand nc %h %p\n", "cfg:1: keyword 'ProxyCommand' is not supported by warpssh");
	check_error("Match host x\n", "Match blocks are not supported");
	check_error("Host\n", "missing argument");
	check_error("StrictHostKeyChecking sometimes\n", "StrictHostKeyChecking");
	check_error("HostName a b\n", "garbage at end of line");
	check_error("HostName %z\n", "unknown %-token");
	check_error("IdentityFile ~bob/key\n", "~user is not supported");
	check_error("Ciphers blowfish-cbc\n", "unsupported algorithm 'blowfish-cbc'");
	check_error("BatchMode 1\n", "expected yes or no");
	check_error("ServerAliveInterval 5q\n", "invalid time");
	check_error("FooThing 1\nIgnoreUnknown Foo*\n", "cfg:1: unknown keyword 'FooThing'");
	check_error("Host a \"b\n", "unterminated quote");
}

static void test_ignore_unknown(void)
{
	struct ws_ssh_config c;
	CHECK_EQ(resolve(&c, "IgnoreUnknown Foo*,ProxyCommand\nFooThing 1\nProxyCommand x\nUser u\n", "h", NULL), WS_OK);
	CHECK(strcmp(c.user, "u") == 0);
	/* IgnoreUnknown inside a non-matching block does not apply */
	CHECK_EQ(resolve(&c, "Host other\nIgnoreUnknown Foo*\nHost *\nFooThing 1\n", "h", NULL), WS_ERR_CONFIG);
	CHECK_EQ(resolve(&c, "SendEnv LANG LC_*\nGSSAPIAuthentication yes\n", "h", NULL), WS_OK);
}

static void test_truncation(void)
{
	for (size_t n = 0; n <= strlen(blocks); n++) {
		struct ws_ssh_config c;
		struct ws_ssh_config_env env = {"web1", "me", "/home/me", &algs};
		ws_ssh_config_init(&c);
		int rc = ws_ssh_config_parse(&c, blocks, n, "cfg", "web1");
		if (rc == WS_OK)
			rc = ws_ssh_config_finish(&c, &env);
		CHECK(rc == WS_OK || rc == WS_ERR_CONFIG);
	}
}

int main(void)
{
	ws_log_set_level(WS_LOG_ERROR);
	test_host_blocks();
	test_defaults();
	test_options_win();
	test_scalars();
	test_compression_warns();
	test_errors();
	test_ignore_unknown();
	test_truncation();
	return check_done("ssh_config");
}
