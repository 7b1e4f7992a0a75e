/* keytool.c — a small CLI over the keys API for the ssh-keygen interop script:
 * gen, pub, fingerprint, reformat, kh-add, kh-lookup. Exit status: 0 ok, 1 usage, 2 API error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warpssh/keys.h"
#include "warpssh/knownhosts.h"
#include "warpssh/log.h"

static int fail(int rc, const char *what)
{
	fprintf(stderr, "keytool: %s: %s\n", what, ws_strerror(rc));
	return 2;
}

static void quiet(enum ws_log_level level, const char *msg, void *arg)
{
	(void)level;
	(void)msg;
	(void)arg;
}

static int cmd_gen(const char *path, const char *comment)
{
	struct ws_key k;
	char pub[4096];
	int rc = ws_key_generate(&k);
	if (rc != WS_OK)
		return fail(rc, "generate");
	snprintf(k.comment, sizeof(k.comment), "%s", comment);
	snprintf(pub, sizeof(pub), "%s.pub", path);
	if ((rc = ws_key_save_private_file(&k, path)) != WS_OK || (rc = ws_key_save_public_file(&k, pub)) != WS_OK)
		return fail(rc, path);
	ws_key_wipe(&k);
	return 0;
}

/* A public key file, or failing that a private one (whose errors are then reported). */
static int load_any(struct ws_key *k, const char *path)
{
	ws_log_set_level(WS_LOG_ERROR);
	ws_log_set_sink(quiet, NULL);
	int rc = ws_key_load_public_file(k, path);
	ws_log_set_sink(NULL, NULL);
	if (rc != WS_OK)
		rc = ws_key_load_private_file(k, path);
	return rc;
}

static int cmd_pub(const char *path, bool fingerprint)
{
	struct ws_key k;
	char out[1024];
	int rc = load_any(&k, path);
	if (rc != WS_OK)
		return fail(rc, path);
	if (fingerprint)
		ws_key_fingerprint(&k, out);
	else if ((rc = ws_key_format_public(&k, out, sizeof(out))) != WS_OK)
		return fail(rc, "format");
	printf("%s\n", out);
	ws_key_wipe(&k);
	return 0;
}

static int cmd_reformat(const char *in, const char *out)
{
	struct ws_key k;
	int rc = ws_key_load_private_file(&k, in);
	if (rc == WS_OK)
		rc = ws_key_save_private_file(&k, out);
	ws_key_wipe(&k);
	return rc == WS_OK ? 0 : fail(rc, in);
}

static int cmd_known_hosts(bool add, const char *file, const char *host, const char *port, const char *pubfile,
			   bool hashed)
{
	static const char *const names[] = {"NOT_FOUND", "MATCH", "MISMATCH", "REVOKED"};
	struct ws_key k;
	struct ws_knownhosts_result r;
	int rc = load_any(&k, pubfile);
	if (rc != WS_OK)
		return fail(rc, pubfile);
	uint16_t p = (uint16_t)atoi(port);
	if (add)
		return (rc = ws_knownhosts_add_file(file, host, p, &k, hashed)) == WS_OK ? 0 : fail(rc, file);
	if ((rc = ws_knownhosts_lookup_file(file, host, p, &k, &r)) != WS_OK)
		return fail(rc, file);
	printf("%s %u\n", names[r.status], r.line);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (strcmp(cmd, "gen") == 0 && argc == 4)
		return cmd_gen(argv[2], argv[3]);
	if (strcmp(cmd, "pub") == 0 && argc == 3)
		return cmd_pub(argv[2], false);
	if (strcmp(cmd, "fingerprint") == 0 && argc == 3)
		return cmd_pub(argv[2], true);
	if (strcmp(cmd, "reformat") == 0 && argc == 4)
		return cmd_reformat(argv[2], argv[3]);
	if (strcmp(cmd, "kh-add") == 0 && argc == 7)
		return cmd_known_hosts(true, argv[2], argv[3], argv[4], argv[5], strcmp(argv[6], "hashed") == 0);
	if (strcmp(cmd, "kh-lookup") == 0 && argc == 6)
		return cmd_known_hosts(false, argv[2], argv[3], argv[4], argv[5], false);
	fprintf(stderr, "usage: keytool gen PATH COMMENT | pub FILE | fingerprint FILE | reformat IN OUT |\n"
			"       kh-add KNOWN_HOSTS HOST PORT PUBFILE plain|hashed | kh-lookup KNOWN_HOSTS HOST PORT PUBFILE\n");
	return 1;
}
