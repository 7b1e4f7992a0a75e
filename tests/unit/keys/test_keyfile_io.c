/* test_keyfile_io.c — the file wrappers: atomic 0600 private key writes, OpenSSH's refusal of
 * group/other-readable private keys, error logs naming the file and the reason, authorized_keys
 * StrictModes, known_hosts appends (directory creation, missing final newline), config loading. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys_test_util.h"
#include "warpssh/authkeys.h"
#include "warpssh/config.h"
#include "warpssh/knownhosts.h"

static char dir[64];

static void path_in(const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", dir, name);
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	REQUIRE(f != NULL);
	fputs(text, f);
	fclose(f);
	REQUIRE(chmod(path, mode) == 0);
}

static size_t read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	REQUIRE(f != NULL);
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static mode_t mode_of(const char *path)
{
	struct stat st;
	REQUIRE(stat(path, &st) == 0);
	return st.st_mode & 0777;
}

static unsigned count_entries(const char *d)
{
	unsigned n = 0;
	DIR *dp = opendir(d);
	REQUIRE(dp != NULL);
	for (struct dirent *e; (e = readdir(dp)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void test_save_and_load(void)
{
	struct ws_key k, back;
	char priv[256], pub[256], text[4096], line[512];
	REQUIRE(ws_key_generate(&k) == WS_OK);
	snprintf(k.comment, sizeof(k.comment), "io@test");
	path_in("id_ed25519", priv, sizeof(priv));
	path_in("id_ed25519.pub", pub, sizeof(pub));
	CHECK_EQ(ws_key_save_private_file(&k, priv), WS_OK);
	CHECK_EQ(ws_key_save_private_file(&k, priv), WS_OK); /* overwrite in place */
	CHECK_EQ(mode_of(priv), 0600);
	CHECK_EQ(ws_key_save_public_file(&k, pub), WS_OK);
	CHECK_EQ(mode_of(pub), 0644);
	CHECK_EQ(count_entries(dir), 2); /* no temporary files left behind */
	REQUIRE(ws_key_format_public(&k, line, sizeof(line) - 1) == WS_OK);
	strcat(line, "\n");
	read_text(pub, text, sizeof(text));
	CHECK(strcmp(text, line) == 0);
	CHECK_EQ(ws_key_load_private_file(&back, priv), WS_OK);
	CHECK(ws_key_equal_public(&k, &back) && back.has_private && strcmp(back.comment, "io@test") == 0);
	CHECK_EQ(ws_key_load_public_file(&back, pub), WS_OK);
	CHECK(ws_key_equal_public(&k, &back) && !back.has_private);
}

static void test_open_modes_refused(void)
{
	struct ws_key k;
	char priv[256];
	path_in("id_ed25519", priv, sizeof(priv));
	REQUIRE(chmod(priv, 0640) == 0);
	capture_logs();
	CHECK_EQ(ws_key_load_private_file(&k, priv), WS_ERR_KEY_PERMS);
	CHECK(!k.has_private);
	CHECK(strstr(captured_log, priv) != NULL && strstr(captured_log, "0640 are too open") != NULL);
	CHECK_EQ(ws_key_load_private_file_ex(&k, priv, WS_KEYFILE_ALLOW_OPEN_MODES), WS_OK);
	CHECK(strstr(captured_log, "loading it anyway") != NULL);
	REQUIRE(chmod(priv, 0600) == 0);
	ws_log_set_sink(NULL, NULL);
}

static void check_load_error(const char *fixture, int want, const char *reason)
{
	char src[512], text[8192], path[256];
	struct ws_key k;
	fixture_path(fixture, src, sizeof(src));
	read_text(src, text, sizeof(text));
	path_in(fixture, path, sizeof(path));
	write_text(path, text, 0600);
	capture_logs();
	CHECK_EQ(ws_key_load_private_file(&k, path), want);
	char want_log[512];
	snprintf(want_log, sizeof(want_log), "%s: %s", path, reason);
	if (strstr(captured_log, want_log) == NULL) {
		fprintf(stderr, "log '%s' lacks '%s'\n", captured_log, want_log);
		CHECK(0);
	}
	unlink(path);
	ws_log_set_sink(NULL, NULL);
}

static void test_error_messages(void)
{
	struct ws_key k;
	char path[256];
	check_load_error("ed25519_encrypted", WS_ERR_KEY_ENCRYPTED, "key file is encrypted; use ssh-agent");
	check_load_error("rsa", WS_ERR_KEY_TYPE, "unsupported key type");
	check_load_error("ed25519.pub", WS_ERR_KEY_FORMAT, "not an OpenSSH ssh-ed25519 key file");
	path_in("missing", path, sizeof(path));
	capture_logs();
	CHECK_EQ(ws_key_load_private_file(&k, path), WS_ERR_NOT_FOUND);
	CHECK(strstr(captured_log, "missing: no such file") != NULL);
	CHECK_EQ(ws_key_load_public_file(&k, dir), WS_ERR_IO); /* a directory */
	CHECK(strstr(captured_log, ": is a directory") != NULL);
	REQUIRE(ws_key_generate(&k) == WS_OK);
	path_in("nodir/key", path, sizeof(path));
	CHECK_EQ(ws_key_save_private_file(&k, path), WS_ERR_IO);
	CHECK(strstr(captured_log, "nodir/key") != NULL);
	ws_log_set_sink(NULL, NULL);
}

static void test_authkeys_file(void)
{
	struct ws_key k;
	struct ws_authkeys_entry e;
	char path[256], text[512], line[256];
	load_fixture_key(&k);
	REQUIRE(ws_key_format_public(&k, line, sizeof(line)) == WS_OK);
	snprintf(text, sizeof(text), "no-pty %s\n", line);
	path_in("authorized_keys", path, sizeof(path));
	CHECK_EQ(ws_authkeys_find_file(path, &k, "127.0.0.1", NULL, &e), WS_ERR_NOT_FOUND);
	write_text(path, text, 0644);
	CHECK_EQ(ws_authkeys_find_file(path, &k, "127.0.0.1", NULL, &e), WS_OK);
	CHECK(!e.allow_pty && e.line == 1);
	REQUIRE(chmod(path, 0666) == 0);
	capture_logs();
	CHECK_EQ(ws_authkeys_find_file(path, &k, "127.0.0.1", NULL, &e), WS_ERR_AUTH);
	CHECK(strstr(captured_log, "bad modes") != NULL);
	ws_log_set_sink(NULL, NULL);
	unlink(path);
}

static void test_knownhosts_file(void)
{
	struct ws_key k;
	struct ws_knownhosts_result r;
	char sub[256], path[256], text[4096];
	load_fixture_key(&k);
	path_in("dotssh", sub, sizeof(sub));
	path_in("dotssh/known_hosts", path, sizeof(path));
	CHECK_EQ(ws_knownhosts_lookup_file(path, "h", 22, &k, &r), WS_OK);
	CHECK_EQ(r.status, WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(ws_knownhosts_add_file(path, "h", 2222, &k, true), WS_OK);
	CHECK_EQ(mode_of(sub), 0700);
	CHECK_EQ(mode_of(path), 0644);
	CHECK_EQ(ws_knownhosts_lookup_file(path, "h", 2222, &k, &r), WS_OK);
	CHECK(r.status == WS_KNOWNHOSTS_MATCH && r.line == 1 && strcmp(r.file, path) == 0);
	/* an existing file without a final newline gets one before the new entry */
	FILE *f = fopen(path, "a");
	REQUIRE(f != NULL);
	fputs("# no newline", f);
	fclose(f);
	CHECK_EQ(ws_knownhosts_add_file(path, "plain", 22, &k, false), WS_OK);
	read_text(path, text, sizeof(text));
	CHECK(strstr(text, "# no newline\nplain ssh-ed25519 ") != NULL);
	CHECK_EQ(ws_knownhosts_lookup_file(path, "plain", 22, &k, &r), WS_OK);
	CHECK(r.status == WS_KNOWNHOSTS_MATCH && r.line == 3);
	CHECK_EQ(ws_knownhosts_add_file(path, "bad host", 22, &k, false), WS_ERR_INVALID_ARG);
	unlink(path);
	rmdir(sub);
	/* UserKnownHostsFile=/dev/null, as with ssh: an empty file that takes (and drops) new entries */
	CHECK_EQ(ws_knownhosts_lookup_file("/dev/null", "h", 22, &k, &r), WS_OK);
	CHECK_EQ(r.status, WS_KNOWNHOSTS_NOT_FOUND);
	CHECK_EQ(ws_knownhosts_add_file("/dev/null", "h", 22, &k, false), WS_OK);
	/* a directory is refused with an error, not read */
	CHECK_EQ(ws_knownhosts_lookup_file(dir, "h", 22, &k, &r), WS_ERR_IO);
}

static void test_config_files(void)
{
	{
		/* -F /dev/null: an empty configuration, as with ssh */
		static struct ws_ssh_config empty;
		ws_ssh_config_init(&empty);
		CHECK_EQ(ws_ssh_config_load_file(&empty, "/dev/null", "somehost"), WS_OK);
	}
	struct ws_sshd_config s;
	struct ws_ssh_config c;
	char path[256];
	path_in("sshd_config", path, sizeof(path));
	ws_sshd_config_init(&s);
	CHECK_EQ(ws_sshd_config_load_file(&s, path), WS_ERR_CONFIG);
	CHECK(strstr(s.error, "no such file") != NULL);
	write_text(path, "Port 2022\nBogus 1\n", 0644);
	ws_sshd_config_init(&s);
	CHECK_EQ(ws_sshd_config_load_file(&s, path), WS_ERR_CONFIG);
	CHECK(strstr(s.error, "sshd_config:2: unknown keyword 'Bogus'") != NULL);
	write_text(path, "Port 2022\n", 0644);
	ws_sshd_config_init(&s);
	CHECK_EQ(ws_sshd_config_load_file(&s, path), WS_OK);
	CHECK(s.nports == 1 && s.ports[0] == 2022);
	unlink(path);
	path_in("ssh_config", path, sizeof(path));
	ws_ssh_config_init(&c);
	CHECK_EQ(ws_ssh_config_load_file(&c, path, "h"), WS_ERR_NOT_FOUND);
	write_text(path, "Host h\n User bob\n", 0644);
	CHECK_EQ(ws_ssh_config_load_file(&c, path, "h"), WS_OK);
	CHECK(strcmp(c.user, "bob") == 0);
	/* the full client sequence: -o first, a missing file skipped, then this one */
	char missing[256];
	path_in("nope", missing, sizeof(missing));
	const char *const paths[] = {missing, path};
	const char *const opts[] = {"Port=2022"};
	struct ws_ssh_config_env env = {"h", "me", "/home/me", NULL};
	CHECK_EQ(ws_ssh_config_resolve(&c, opts, 1, paths, 2, &env), WS_OK);
	CHECK(strcmp(c.user, "bob") == 0 && c.port == 2022 && strcmp(c.hostname, "h") == 0);
	unlink(path);
	path_in("sshd_config", path, sizeof(path));
	write_text(path, "MaxAuthTries 5\n", 0644);
	const char *const sopts[] = {"MaxAuthTries 2", "LoginGraceTime=1m"};
	CHECK_EQ(ws_sshd_config_load(&s, path, sopts, 2, NULL), WS_OK);
	CHECK(s.max_auth_tries == 2 && s.login_grace_time == 60 && s.nports == 1);
	const char *const bad[] = {"Frob 1"};
	CHECK_EQ(ws_sshd_config_load(&s, path, bad, 1, NULL), WS_ERR_CONFIG);
	CHECK(strstr(s.error, "command line: unknown keyword 'Frob'") != NULL);
	unlink(path);
}

static void remove_leftovers(void)
{
	static const char *const names[] = {"id_ed25519", "id_ed25519.pub"};
	char p[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(names[i], p, sizeof(p));
		unlink(p);
	}
	CHECK_EQ(count_entries(dir), 0);
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ws-keys-io-XXXXXX");
	REQUIRE(mkdtemp(dir) != NULL);
	ws_log_set_level(WS_LOG_INFO);
	test_save_and_load();
	test_open_modes_refused();
	test_error_messages();
	test_authkeys_file();
	test_knownhosts_file();
	test_config_files();
	remove_leftovers();
	return check_done("keyfile_io");
}
