/* test_sshd_config.c — the sshd_config subset: every keyword's accepted forms and defaults,
 * first-value-wins with -o overrides, algorithm +/-/^ lists, AuthorizedKeysFile tokens, and
 * errors (unknown/unsupported keywords, Match, bad values) with "file:LINE:" messages. */
#include <string.h>

#include "check.h"
#include "warpssh/config.h"
#include "warpssh/log.h"

static const struct ws_cfg_algs algs = {
	"chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr",
	"chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr",
	"hmac-sha2-256-etm@openssh.com,hmac-sha2-256", "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
	"curve25519-sha256,curve25519-sha256@libssh.org", "curve25519-sha256,curve25519-sha256@libssh.org",
};

static int parse(struct ws_sshd_config *c, const char *text)
{
	ws_sshd_config_init(c);
	int rc = ws_sshd_config_parse(c, text, strlen(text), "test.conf");
	return rc == WS_OK ? ws_sshd_config_finish(c, &algs) : rc;
}

static void test_defaults(void)
{
	struct ws_sshd_config c;
	CHECK_EQ(parse(&c, ""), WS_OK);
	CHECK_EQ(c.nports, 1);
	CHECK_EQ(c.ports[0], 22);
	CHECK_EQ(c.nlisten, 0);
	CHECK_EQ(c.nhost_keys, 1);
	CHECK(strcmp(c.host_keys[0], "/etc/ssh/ssh_host_ed25519_key") == 0);
	CHECK_EQ(c.nauthorized_keys_files, 2);
	CHECK(c.password_authentication && c.pubkey_authentication);
	CHECK(strcmp(c.ciphers, algs.ciphers_default) == 0);
	CHECK(strcmp(c.kex_algorithms, algs.kex_default) == 0);
	CHECK(c.rekey_limit.bytes == 0 && c.rekey_limit.seconds == 0);
	CHECK(c.max_startups_begin == 10 && c.max_startups_rate == 30 && c.max_startups_full == 100);
	CHECK(c.max_sessions == 10 && c.max_auth_tries == 6 && c.login_grace_time == 120);
	CHECK_EQ(c.naccept_env, 0);
	CHECK_EQ(c.nsubsystems, 0);
	CHECK_EQ(c.banner[0], '\0');
	CHECK_EQ(c.log_level, WS_LOG_INFO);
	CHECK_EQ(c.channel_window_size, 16u * 1024 * 1024);
}

static void test_full_config(void)
{
	static const char text[] =
		"# warpssh test config\n"
		"Port 2222\n"
		"port=2223\n"
		"ListenAddress 127.0.0.1\n"
		"ListenAddress 0.0.0.0:2200\n"
		"ListenAddress [::1]:2201\n"
		"ListenAddress ::\n"
		"HostKey /etc/warpssh/a\n"
		"HostKey \"/etc/warp ssh/b\"\n"
		"AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u\n"
		"PasswordAuthentication no\n"
		"PubkeyAuthentication = yes\n"
		"Ciphers aes128-ctr,chacha20-poly1305@openssh.com\n"
		"MACs -hmac-sha2-256\n"
		"KexAlgorithms ^curve25519-sha256@libssh.org\n"
		"RekeyLimit 1G 1h\n"
		"MaxStartups 5:50:20\n"
		"MaxSessions 4\n"
		"MaxAuthTries 3\n"
		"LoginGraceTime 1h30m\n"
		"AcceptEnv LANG LC_*\n"
		"AcceptEnv TZ\n"
		"\tSubsystem  sftp  /usr/lib/openssh/sftp-server -l INFO   # comment\n"
		"Banner /etc/issue.net\n"
		"LOGLEVEL verbose\n"
		"ChannelWindowSize 4M\r\n";
	struct ws_sshd_config c;
	REQUIRE(parse(&c, text) == WS_OK);
	CHECK(c.nports == 2 && c.ports[0] == 2222 && c.ports[1] == 2223);
	CHECK_EQ(c.nlisten, 4);
	CHECK(strcmp(c.listen[0].host, "127.0.0.1") == 0 && c.listen[0].port == 0);
	CHECK(strcmp(c.listen[1].host, "0.0.0.0") == 0 && c.listen[1].port == 2200);
	CHECK(strcmp(c.listen[2].host, "::1") == 0 && c.listen[2].port == 2201);
	CHECK(strcmp(c.listen[3].host, "::") == 0 && c.listen[3].port == 0);
	CHECK(c.nhost_keys == 2 && strcmp(c.host_keys[1], "/etc/warp ssh/b") == 0);
	CHECK(c.nauthorized_keys_files == 2 && strcmp(c.authorized_keys_files[1], "/etc/ssh/keys/%u") == 0);
	CHECK(!c.password_authentication && c.pubkey_authentication);
	CHECK(strcmp(c.ciphers, "aes128-ctr,chacha20-poly1305@openssh.com") == 0);
	CHECK(strcmp(c.macs, "hmac-sha2-256-etm@openssh.com") == 0);
	CHECK(strcmp(c.kex_algorithms, "curve25519-sha256@libssh.org,curve25519-sha256") == 0);
	CHECK(c.rekey_limit.bytes == (1ull << 30) && c.rekey_limit.seconds == 3600);
	CHECK(c.max_startups_begin == 5 && c.max_startups_rate == 50 && c.max_startups_full == 20);
	CHECK(c.max_sessions == 4 && c.max_auth_tries == 3 && c.login_grace_time == 5400);
	CHECK_EQ(c.naccept_env, 3);
	CHECK(ws_sshd_config_accepts_env(&c, "LC_ALL") && ws_sshd_config_accepts_env(&c, "TZ"));
	CHECK(!ws_sshd_config_accepts_env(&c, "PATH") && !ws_sshd_config_accepts_env(&c, "LD_PRELOAD"));
	CHECK_EQ(c.nsubsystems, 1);
	CHECK(strcmp(c.subsystems[0].name, "sftp") == 0);
	CHECK(strcmp(c.subsystems[0].command, "/usr/lib/openssh/sftp-server -l INFO") == 0);
	CHECK(strcmp(c.banner, "/etc/issue.net") == 0);
	CHECK_EQ(c.log_level, WS_LOG_VERBOSE);
	CHECK_EQ(c.channel_window_size, 4u * 1024 * 1024);
}

static void test_first_value_wins_and_overrides(void)
{
	struct ws_sshd_config c;
	ws_sshd_config_init(&c);
	CHECK_EQ(ws_sshd_config_apply_option(&c, "PasswordAuthentication=yes"), WS_OK);
	CHECK_EQ(ws_sshd_config_apply_option(&c, "MaxAuthTries 2"), WS_OK);
	static const char text[] = "PasswordAuthentication no\nMaxAuthTries 5\nLoginGraceTime 30\nLoginGraceTime 60\n"
				   "Banner none\nBanner /x\n";
	CHECK_EQ(ws_sshd_config_parse(&c, text, strlen(text), "f"), WS_OK);
	CHECK_EQ(ws_sshd_config_finish(&c, NULL), WS_OK);
	CHECK(c.password_authentication);
	CHECK_EQ(c.max_auth_tries, 2);
	CHECK_EQ(c.login_grace_time, 30);
	CHECK_EQ(c.banner[0], '\0');
	ws_sshd_config_init(&c);
	CHECK_EQ(ws_sshd_config_apply_option(&c, "Bogus=1"), WS_ERR_CONFIG);
	CHECK(strcmp(c.error, "command line: unknown keyword 'Bogus'") == 0);
	CHECK_EQ(ws_sshd_config_apply_option(&c, ""), WS_ERR_CONFIG);
	CHECK_EQ(ws_sshd_config_apply_option(&c, "Port 1\nPort 2"), WS_ERR_CONFIG);
}

static void check_error(const char *text, const char *want)
{
	struct ws_sshd_config c;
	CHECK_EQ(parse(&c, text), WS_ERR_CONFIG);
	if (strstr(c.error, want) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", c.error, want);
		CHECK(0);
	}
}

static void test_errors(void)
{
	check_error("Port 22\n\nBogus yes\n", "test.conf:3: unknown keyword 'Bogus'");
	check_error("UsePAM yes\n", "test.conf:1: keyword 'UsePAM' is not supported by warpssh");
	check_error("Match User bob\n", "test.conf:1: Match blocks are not supported");
	check_error("Include /etc/ssh/sshd_config.d/*.conf\n", "Include is not supported");
	check_error("Port\n", "missing argument");
	check_error("Port 0\n", "expected a number");
	check_error("Port 65536\n", "expected a number");
	check_error("Port 22 23\n", "garbage at end of line");
	check_error("Port 2x\n", "expected a number");
	check_error("PasswordAuthentication maybe\n", "expected yes or no");
	check_error("HostKey \"/unterminated\n", "unterminated quote");
	check_error("RekeyLimit 10\n", "RekeyLimit too small");
	check_error("RekeyLimit 1X\n", "invalid size");
	check_error("RekeyLimit 1G 1y\n", "invalid time");
	check_error("RekeyLimit 99999999999999999999\n", "invalid size");
	check_error("MaxStartups 20:30:10\n", "MaxStartups");
	check_error("MaxStartups 10:0:20\n", "MaxStartups");
	check_error("MaxStartups 1:2\n", "MaxStartups");
	check_error("MaxStartups 1:2:3:4\n", "MaxStartups");
	check_error("LoginGraceTime 1x\n", "invalid time");
	check_error("LoginGraceTime -5\n", "invalid time");
	check_error("LoginGraceTime 99999999999\n", "invalid time");
	check_error("MaxAuthTries 0\n", "expected a number");
	check_error("AcceptEnv A=B\n", "invalid environment name");
	check_error("Subsystem sftp /a\nSubsystem sftp /b\n", "Subsystem 'sftp' already defined");
	check_error("Subsystem sftp\n", "missing argument");
	check_error("LogLevel LOUD\n", "unsupported log level");
	check_error("ChannelWindowSize 1K\n", "ChannelWindowSize");
	check_error("ChannelWindowSize 4G\n", "ChannelWindowSize");
	check_error("ListenAddress [::1\n", "bad address");
	check_error("ListenAddress 1.2.3.4:0\n", "expected a number");
	check_error("Ciphers aes128-ctr,,x\n", "bad algorithm list");
	check_error("Ciphers rot13\n", "Ciphers: unsupported algorithm 'rot13'");
	check_error("Ciphers -*\n", "no algorithms left");
	check_error("AuthorizedKeysFile none extra\n", "'none' must be the only argument");
	struct ws_sshd_config c;
	ws_sshd_config_init(&c);
	CHECK_EQ(ws_sshd_config_parse(&c, "Port 1\0\n", 8, "nul"), WS_ERR_CONFIG);
	CHECK(strstr(c.error, "nul:1: NUL byte in line") != NULL);
}

static void test_alg_lists(void)
{
	struct ws_sshd_config c;
	CHECK_EQ(parse(&c, "Ciphers +aes256-ctr,aes128-ctr\n"), WS_OK);
	CHECK(strcmp(c.ciphers, "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
				"aes128-ctr,aes256-ctr") == 0);
	CHECK_EQ(parse(&c, "Ciphers -*-gcm@openssh.com\n"), WS_OK);
	CHECK(strcmp(c.ciphers, "chacha20-poly1305@openssh.com,aes128-ctr") == 0);
	CHECK_EQ(parse(&c, "Ciphers aes*-ctr\n"), WS_OK);
	CHECK(strcmp(c.ciphers, "aes128-ctr,aes192-ctr,aes256-ctr") == 0);
	CHECK_EQ(parse(&c, "Ciphers ^aes256-ctr\n"), WS_OK);
	CHECK(strncmp(c.ciphers, "aes256-ctr,chacha20-poly1305@openssh.com,", 41) == 0);
	CHECK_EQ(parse(&c, "MACs hmac-sha2-512,hmac-sha2-512\n"), WS_OK);
	CHECK(strcmp(c.macs, "hmac-sha2-512") == 0);
}

static void test_authkeys_paths(void)
{
	char out[WS_CFG_PATH_MAX];
	CHECK_EQ(ws_sshd_expand_authkeys_path(".ssh/authorized_keys", "alice", 1000, "/home/alice", out, sizeof(out)), WS_OK);
	CHECK(strcmp(out, "/home/alice/.ssh/authorized_keys") == 0);
	CHECK_EQ(ws_sshd_expand_authkeys_path("/etc/keys/%u.%U", "alice", 1000, "/home/alice", out, sizeof(out)), WS_OK);
	CHECK(strcmp(out, "/etc/keys/alice.1000") == 0);
	CHECK_EQ(ws_sshd_expand_authkeys_path("%h/k%%", "a", 0, "/h", out, sizeof(out)), WS_OK);
	CHECK(strcmp(out, "/h/k%") == 0);
	CHECK_EQ(ws_sshd_expand_authkeys_path("%x", "a", 0, "/h", out, sizeof(out)), WS_ERR_CONFIG);
	CHECK_EQ(ws_sshd_expand_authkeys_path("k%", "a", 0, "/h", out, sizeof(out)), WS_ERR_CONFIG);
	CHECK_EQ(ws_sshd_expand_authkeys_path("/a/b/c", "a", 0, "/h", out, 4), WS_ERR_NO_SPACE);
	struct ws_sshd_config c;
	CHECK_EQ(parse(&c, "AuthorizedKeysFile none\n"), WS_OK);
	CHECK_EQ(c.nauthorized_keys_files, 0);
}

/* Every prefix of a config is either accepted or a clean WS_ERR_CONFIG. */
static void test_truncation(void)
{
	static const char text[] = "Port 2222\nListenAddress [::1]:22\nHostKey \"/a b\"\nRekeyLimit 1G 1h\n"
				   "MaxStartups 5:50:20\nSubsystem sftp /x -l\nCiphers +aes128-ctr\n";
	for (size_t n = 0; n <= strlen(text); n++) {
		struct ws_sshd_config c;
		ws_sshd_config_init(&c);
		int rc = ws_sshd_config_parse(&c, text, n, "t");
		if (rc == WS_OK)
			rc = ws_sshd_config_finish(&c, &algs);
		CHECK(rc == WS_OK || rc == WS_ERR_CONFIG);
		CHECK(rc == WS_OK || c.error[0] != '\0');
	}
}

int main(void)
{
	ws_log_set_level(WS_LOG_ERROR);
	ws_log_set_sink(NULL, NULL);
	test_defaults();
	test_full_config();
	test_first_value_wins_and_overrides();
	test_errors();
	test_alg_lists();
	test_authkeys_paths();
	test_truncation();
	return check_done("sshd_config");
}
