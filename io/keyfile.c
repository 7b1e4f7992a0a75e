/* keyfile.c — file I/O for key files and the text files the sans-I/O parsers read
 * (authorized_keys, known_hosts, ssh/sshd config): bounded whole-file reads, OpenSSH's permission
 * checks, and atomic writes (temporary file, fsync, rename) with 0600 for private keys. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "warpssh/authkeys.h"
#include "warpssh/config.h"
#include "warpssh/keys.h"
#include "warpssh/knownhosts.h"
#include "warpssh/log.h"

#define PUBLIC_FILE_MAX (64u * 1024u)
#define PRIVATE_FILE_MAX (1024u * 1024u)
#define PRIVATE_TEXT_MAX 4096u /* our own formatted key (comment <= 255 bytes) */

/* A file read whole into memory (NUL-terminated); wiped before it is freed. */
struct file_text {
	char *data;
	size_t len;
	struct stat st;
};

static void file_text_free(struct file_text *f)
{
	if (f->data != NULL) {
		sodium_memzero(f->data, f->len);
		free(f->data);
	}
	f->data = NULL;
	f->len = 0;
}

/* Regular files are read up to their size; anything else readable (/dev/null, a FIFO) until EOF,
 * as ssh reads them, under the same cap. */
static int read_fd(int fd, const char *path, size_t max, struct file_text *f)
{
	WS_ENSURE(fstat(fd, &f->st) == 0, WS_ERR_IO);
	if (S_ISDIR(f->st.st_mode)) {
		ws_error("%s: is a directory", path);
		return WS_ERR_IO;
	}
	bool regular = S_ISREG(f->st.st_mode);
	if (regular && (uint64_t)f->st.st_size > max) {
		ws_error("%s: file too large (limit %zu bytes)", path, max);
		return WS_ERR_TOO_LONG;
	}
	/* a regular file that grows meanwhile is read up to its old size */
	size_t cap = regular ? (size_t)f->st.st_size : max;
	f->data = malloc(cap + 1);
	WS_ENSURE(f->data != NULL, WS_ERR_NO_MEMORY);
	while (f->len < cap) {
		ssize_t n = read(fd, f->data + f->len, cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ws_error("%s: read failed: %s", path, strerror(errno));
			return WS_ERR_IO;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
	}
	char more;
	if (!regular && f->len == cap && read(fd, &more, 1) == 1) {
		ws_error("%s: file too large (limit %zu bytes)", path, max);
		return WS_ERR_TOO_LONG;
	}
	f->data[f->len] = '\0';
	return WS_OK;
}

/* Read path whole. A missing file is WS_ERR_NOT_FOUND and not logged (callers decide). */
static int read_text_file(const char *path, size_t max, struct file_text *f)
{
	memset(f, 0, sizeof(*f));
	WS_ENSURE(path != NULL, WS_ERR_INVALID_ARG);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return WS_ERR_NOT_FOUND;
	if (fd < 0) {
		ws_error("%s: cannot open: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	int rc = read_fd(fd, path, max, f);
	close(fd);
	if (rc != WS_OK)
		file_text_free(f);
	return rc;
}

static const char *key_error_reason(int rc)
{
	switch (rc) {
	case WS_ERR_KEY_ENCRYPTED:
		return "key file is encrypted; use ssh-agent or remove the passphrase (ssh-keygen -p)";
	case WS_ERR_KEY_TYPE:
		return "unsupported key type (warpssh reads only ssh-ed25519 keys)";
	case WS_ERR_KEY_FORMAT:
		return "not an OpenSSH ssh-ed25519 key file, or the file is damaged";
	default:
		return ws_strerror(rc);
	}
}

/* OpenSSH (sshkey_perm_ok): a private key we own must not be accessible by group or others. */
static int check_private_modes(const char *path, const struct stat *st, unsigned flags)
{
	if (st->st_uid != getuid() || (st->st_mode & 077) == 0)
		return WS_OK;
	ws_error("%s: permissions 0%03o are too open; private key files must not be accessible by "
		 "others (chmod 600)%s", path, (unsigned)(st->st_mode & 0777),
		 (flags & WS_KEYFILE_ALLOW_OPEN_MODES) ? "; loading it anyway" : "; key ignored");
	return (flags & WS_KEYFILE_ALLOW_OPEN_MODES) ? WS_OK : WS_ERR_KEY_PERMS;
}

/* Read and parse a key file; private files also get the permission check. */
static int load_key_file(struct ws_key *key, const char *path, bool private_key, unsigned flags)
{
	struct file_text f;
	sodium_memzero(key, sizeof(*key));
	int rc = read_text_file(path, private_key ? PRIVATE_FILE_MAX : PUBLIC_FILE_MAX, &f);
	if (rc == WS_ERR_NOT_FOUND)
		ws_error("%s: no such file", path);
	WS_TRY(rc);
	rc = private_key ? check_private_modes(path, &f.st, flags) : WS_OK;
	if (rc == WS_OK) {
		rc = private_key ? ws_key_parse_private(key, f.data, f.len) : ws_key_parse_public(key, f.data, f.len);
		if (rc != WS_OK)
			ws_error("%s: %s", path, key_error_reason(rc));
	}
	file_text_free(&f);
	return rc;
}

int ws_key_load_private_file_ex(struct ws_key *key, const char *path, unsigned flags)
{
	return load_key_file(key, path, true, flags);
}

int ws_key_load_private_file(struct ws_key *key, const char *path)
{
	return load_key_file(key, path, true, 0);
}

int ws_key_load_public_file(struct ws_key *key, const char *path)
{
	return load_key_file(key, path, false, 0);
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return WS_ERR_IO;
		data += n;
		len -= (size_t)n;
	}
	return WS_OK;
}

/* fsync the directory holding path so the rename itself is durable. */
static void sync_parent_dir(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Write data to path atomically with the given mode: a reader sees the old file or the new one. */
static int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int rc = WS_ERR_IO;
	if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
		return WS_ERR_INVALID_ARG;
	int fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0) {
		ws_error("%s: cannot create a temporary file: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	if (fchmod(fd, mode) == 0 && write_all(fd, data, len) == WS_OK && fsync(fd) == 0)
		rc = WS_OK;
	if (close(fd) != 0)
		rc = WS_ERR_IO;
	if (rc == WS_OK && rename(tmp, path) != 0)
		rc = WS_ERR_IO;
	if (rc != WS_OK) {
		ws_error("%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	sync_parent_dir(path);
	return WS_OK;
}

int ws_key_save_private_file(const struct ws_key *key, const char *path)
{
	char text[PRIVATE_TEXT_MAX];
	size_t len;
	int rc = ws_key_format_private(key, text, sizeof(text), &len);
	if (rc == WS_OK)
		rc = write_file_atomic(path, text, len, 0600);
	else
		ws_error("%s: cannot format private key: %s", path, ws_strerror(rc));
	sodium_memzero(text, sizeof(text));
	return rc;
}

int ws_key_save_public_file(const struct ws_key *key, const char *path)
{
	char line[WS_KNOWNHOSTS_LINE_MAX];
	int rc = ws_key_format_public(key, line, sizeof(line) - 1);
	if (rc != WS_OK) {
		ws_error("%s: cannot format public key: %s", path, ws_strerror(rc));
		return rc;
	}
	strcat(line, "\n");
	return write_file_atomic(path, line, strlen(line), 0644);
}

/* sshd StrictModes (file level): authorized_keys must not be writable by group or others. */
int ws_authkeys_find_file(const char *path, const struct ws_key *key, const char *client_addr,
			  const char *client_host, struct ws_authkeys_entry *out)
{
	struct file_text f;
	memset(out, 0, sizeof(*out));
	int rc = read_text_file(path, WS_AUTHKEYS_MAX_TEXT, &f);
	if (rc == WS_ERR_NOT_FOUND)
		ws_debug("%s: no such file", path);
	WS_TRY(rc);
	if ((f.st.st_mode & 022) != 0) {
		ws_error("%s: bad modes 0%03o (writable by group or others); file ignored", path,
			 (unsigned)(f.st.st_mode & 0777));
		snprintf(out->reason, sizeof(out->reason), "authorized_keys file writable by others");
		file_text_free(&f);
		return WS_ERR_AUTH;
	}
	rc = ws_authkeys_find(f.data, f.len, key, client_addr, client_host, path, out);
	file_text_free(&f);
	return rc;
}

int ws_knownhosts_lookup_file(const char *path, const char *host, uint16_t port, const struct ws_key *key,
			      struct ws_knownhosts_result *out)
{
	struct file_text f;
	memset(out, 0, sizeof(*out));
	int rc = read_text_file(path, WS_KNOWNHOSTS_MAX_TEXT, &f);
	if (rc == WS_ERR_NOT_FOUND)
		return ws_knownhosts_lookup("", 0, path, host, port, key, out);
	WS_TRY(rc);
	rc = ws_knownhosts_lookup(f.data, f.len, path, host, port, key, out);
	file_text_free(&f);
	return rc;
}

/* Create the file's directory (one level, 0700) if it is missing, as ssh does for ~/.ssh. */
static int ensure_parent_dir(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	const char *dir = dirname(copy);
	if (mkdir(dir, 0700) == 0)
		ws_info("Created directory '%s'.", dir);
	else if (errno != EEXIST) {
		ws_error("%s: cannot create directory: %s", dir, strerror(errno));
		return WS_ERR_IO;
	}
	return WS_OK;
}

/* Does the open file end without a newline (so an append must start one)? */
static bool needs_newline(int fd)
{
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) != 0 || st.st_size == 0)
		return false;
	return pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
}

int ws_knownhosts_add_file(const char *path, const char *host, uint16_t port, const struct ws_key *key,
			   bool hashed)
{
	char line[WS_KNOWNHOSTS_LINE_MAX + 2];
	WS_TRY(ws_knownhosts_format_entry(host, port, key, hashed, line + 1, sizeof(line) - 2));
	WS_TRY(ensure_parent_dir(path));
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644); /* read: last byte */
	if (fd < 0) {
		ws_error("%s: cannot open for appending: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	line[0] = '\n';
	strcat(line, "\n");
	const char *start = needs_newline(fd) ? line : line + 1;
	int rc = write_all(fd, start, strlen(start));
	if (close(fd) != 0 || rc != WS_OK) {
		ws_error("%s: cannot append: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	return WS_OK;
}

/* Config files: parse errors land in c->error; a missing sshd_config is an error too. */
int ws_sshd_config_load_file(struct ws_sshd_config *c, const char *path)
{
	struct file_text f;
	int rc = read_text_file(path, WS_CFG_MAX_TEXT, &f);
	if (rc != WS_OK) {
		snprintf(c->error, sizeof(c->error), "%.200s: cannot read: %s", path,
			 rc == WS_ERR_NOT_FOUND ? "no such file" : ws_strerror(rc));
		ws_error("%s", c->error);
		return WS_ERR_CONFIG;
	}
	rc = ws_sshd_config_parse(c, f.data, f.len, path);
	file_text_free(&f);
	return rc;
}

int ws_ssh_config_load_file(struct ws_ssh_config *c, const char *path, const char *host_alias)
{
	struct file_text f;
	int rc = read_text_file(path, WS_CFG_MAX_TEXT, &f);
	if (rc == WS_ERR_NOT_FOUND)
		return rc;
	if (rc != WS_OK) {
		snprintf(c->error, sizeof(c->error), "%.200s: cannot read: %s", path, ws_strerror(rc));
		return WS_ERR_CONFIG;
	}
	rc = ws_ssh_config_parse(c, f.data, f.len, path, host_alias);
	file_text_free(&f);
	return rc;
}

int ws_sshd_config_load(struct ws_sshd_config *c, const char *path, const char *const *options, size_t noptions,
			const struct ws_cfg_algs *algs)
{
	ws_sshd_config_init(c);
	for (size_t i = 0; i < noptions; i++)
		WS_TRY(ws_sshd_config_apply_option(c, options[i]));
	WS_TRY(ws_sshd_config_load_file(c, path));
	return ws_sshd_config_finish(c, algs);
}

int ws_ssh_config_resolve(struct ws_ssh_config *c, const char *const *options, size_t noptions,
			  const char *const *paths, size_t npaths, const struct ws_ssh_config_env *env)
{
	ws_ssh_config_init(c);
	for (size_t i = 0; i < noptions; i++)
		WS_TRY(ws_ssh_config_apply_option(c, options[i]));
	for (size_t i = 0; i < npaths; i++) {
		int rc = ws_ssh_config_load_file(c, paths[i], env->host_alias);
		if (rc != WS_ERR_NOT_FOUND)
			WS_TRY(rc);
	}
	return ws_ssh_config_finish(c, env);
}
