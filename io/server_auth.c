/* server_auth.c — warpsshd's authentication decisions for one connection: the user from the
 * password database, publickey against the AuthorizedKeysFile list (with key options and from=),
 * password against the shadow database with crypt(3); and sshd-style log lines for every attempt. */
#include <crypt.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "io/server_int.h"
#include "warpssh/log.h"

/* ---------------------------------------------------------------- the user */

static bool user_exists(void *arg, const char *user)
{
	struct srv_client *cl = arg;
	struct passwd pw, *res = NULL;
	char buf[4096];
	snprintf(cl->user, sizeof(cl->user), "%s", user);
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
		ws_info("Invalid user %s from %s port %u", user, cl->peer.addr, cl->peer.port);
		return false;
	}
	cl->uid = pw.pw_uid;
	cl->gid = pw.pw_gid;
	snprintf(cl->home, sizeof(cl->home), "%s", pw.pw_dir != NULL ? pw.pw_dir : "/");
	cl->user_valid = true;
	return true;
}

/* ---------------------------------------------------------------- publickey */

/* One AuthorizedKeysFile entry: WS_OK (entry filled), WS_ERR_NOT_FOUND or WS_ERR_AUTH. */
static int check_keys_file(struct srv_client *cl, const char *pattern, const struct ws_key *key)
{
	char path[SRV_PATH_MAX];
	if (ws_sshd_expand_authkeys_path(pattern, cl->user, (unsigned)cl->uid, cl->home, path, sizeof(path)) != WS_OK) {
		ws_error("AuthorizedKeysFile %s: cannot expand for %s", pattern, cl->user);
		return WS_ERR_NOT_FOUND;
	}
	int rc = ws_authkeys_find_file(path, key, cl->peer.addr, NULL, cl->key_entry);
	if (rc == WS_OK)
		ws_verbose("%s: matching key found: line %u ED25519 %s", path, cl->key_entry->line, cl->last_fp);
	else if (rc == WS_ERR_AUTH)
		ws_info("Authentication refused for %s from %s port %u: %s line %u: %s", cl->user, cl->peer.addr,
			cl->peer.port, path, cl->key_entry->line, cl->key_entry->reason);
	return rc == WS_OK || rc == WS_ERR_AUTH ? rc : WS_ERR_NOT_FOUND;
}

static bool pubkey_authorized(void *arg, const char *user, const struct ws_key *key, void **entry)
{
	struct srv_client *cl = arg;
	const struct ws_sshd_config *c = cl->srv->cfg;
	(void)user; /* the module fixed it at the first request: cl->user */
	ws_key_fingerprint(key, cl->last_fp);
	if (!cl->user_valid)
		return false;
	if (cl->key_entry == NULL && (cl->key_entry = calloc(1, sizeof(*cl->key_entry))) == NULL)
		return false;
	for (unsigned i = 0; i < c->nauthorized_keys_files; i++) {
		if (check_keys_file(cl, c->authorized_keys_files[i], key) == WS_OK) {
			*entry = cl->key_entry;
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- password */

/* crypt(3) over the shadow entry. Locked ("!", "*") and empty hashes never verify; like sshd's
 * default PermitRootLogin prohibit-password, root never logs in by password. */
static bool password_ok(void *arg, const char *user, const char *password)
{
	struct srv_client *cl = arg;
	struct spwd sp, *res = NULL;
	char buf[4096];
	static struct crypt_data cd; /* large; the daemon is single-threaded */
	if (!cl->user_valid || cl->uid == 0)
		return false;
	if (getspnam_r(user, &sp, buf, sizeof(buf), &res) != 0 || res == NULL || sp.sp_pwdp == NULL)
		return false;
	const char *hash = sp.sp_pwdp;
	if (hash[0] == '\0' || hash[0] == '!' || hash[0] == '*')
		return false;
	memset(&cd, 0, sizeof(cd));
	/* crypt_rn, not crypt_r: sanitizer runtimes define crypt_r themselves, so with --as-needed a
	 * crypt_r-only binary can lose libcrypt and the interceptor then calls a NULL function. */
	const char *out = crypt_rn(password, hash, &cd, (int)sizeof(cd));
	size_t n = strlen(hash);
	bool ok = out != NULL && out[0] != '*' && strlen(out) == n && sodium_memcmp(out, hash, n) == 0;
	sodium_memzero(&cd, sizeof(cd));
	sodium_memzero(buf, sizeof(buf));
	return ok;
}

/* ---------------------------------------------------------------- events */

static void log_failure(struct srv_client *cl, const struct ws_auth_event *ev)
{
	char keyinfo[WS_FINGERPRINT_MAX + 16] = "";
	bool pk = strcmp(ev->method, "publickey") == 0;
	if (pk && cl->last_fp[0] != '\0')
		snprintf(keyinfo, sizeof(keyinfo), ": ED25519 %s", cl->last_fp);
	ws_log(strcmp(ev->method, "none") == 0 ? WS_LOG_VERBOSE : WS_LOG_INFO,
	       "Failed %.32s for %s%s from %s port %u ssh2%s", ev->method, ev->invalid_user ? "invalid user " : "",
	       ev->user, cl->peer.addr, cl->peer.port, keyinfo);
	if (ev->failures >= cl->srv->cfg->max_auth_tries)
		ws_info("Disconnecting %sauthenticating user %s %s port %u: Too many authentication failures [preauth]",
			ev->invalid_user ? "invalid " : "", ev->user, cl->peer.addr, cl->peer.port);
	cl->last_fp[0] = '\0';
}

static void on_success(struct srv_client *cl, const struct ws_auth_event *ev)
{
	struct ws_server *s = cl->srv;
	cl->authenticated = true;
	s->nunauth--;
	ws_timer_cancel(s->loop, &cl->grace);
	cl->key_entry_used = ev->entry != NULL;
	if (cl->key_entry_used)
		ws_info("Accepted publickey for %s from %s port %u ssh2: ED25519 %s", cl->user, cl->peer.addr,
			cl->peer.port, cl->last_fp);
	else
		ws_info("Accepted %s for %s from %s port %u ssh2", ev->method, cl->user, cl->peer.addr, cl->peer.port);
}

static void auth_event(void *arg, const struct ws_auth_event *ev)
{
	struct srv_client *cl = arg;
	if (ev->type == WS_AUTH_EV_SUCCESS)
		on_success(cl, ev);
	else if (ev->type == WS_AUTH_EV_FAILED_ATTEMPT)
		log_failure(cl, ev);
}

void srv_auth_policy(struct srv_client *cl, struct ws_auth_policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->arg = cl;
	policy->user_exists = user_exists;
	policy->pubkey_authorized = pubkey_authorized;
	policy->password_ok = password_ok;
	policy->event = auth_event;
}
