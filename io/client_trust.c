/* client_trust.c — the host key verdict of warpssh as ssh(1) gives it: known_hosts files (user,
 * then global), StrictHostKeyChecking yes / accept-new / no / ask, the changed-key warning, and
 * adding new keys. A changed or revoked key is refused in every mode, before authentication. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "io/client_internal.h"
#include "warpssh/knownhosts.h"
#include "warpssh/log.h"

static const char *const global_known_hosts[] = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};

#define AT_LINE "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"

static int lookup_all(const struct ws_ssh_config *cfg, const struct ws_key *key, struct ws_knownhosts_result *acc)
{
	struct ws_knownhosts_result r;
	memset(acc, 0, sizeof(*acc));
	for (unsigned i = 0; i < cfg->nuser_known_hosts_files; i++) {
		WS_TRY(ws_knownhosts_lookup_file(cfg->user_known_hosts_files[i], cfg->hostname, cfg->port, key, &r));
		ws_knownhosts_merge(acc, &r);
	}
	for (size_t i = 0; i < sizeof(global_known_hosts) / sizeof(global_known_hosts[0]); i++) {
		WS_TRY(ws_knownhosts_lookup_file(global_known_hosts[i], cfg->hostname, cfg->port, key, &r));
		ws_knownhosts_merge(acc, &r);
	}
	return WS_OK;
}

static void warn_changed(const struct cli_rt *rt, const char *fp, const struct ws_knownhosts_result *r)
{
	const char *file = r->file != NULL ? r->file : "known_hosts";
	ws_error(AT_LINE "\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n" AT_LINE);
	ws_error("IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
		 "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"
		 "It is also possible that a host key has just been changed.\n"
		 "The fingerprint for the ED25519 key sent by the remote host is\n%s.\n"
		 "Please contact your system administrator.", fp);
	ws_error("Add correct host key in %s to get rid of this message.\n"
		 "Offending ED25519 key in %s:%u\n  remove with:\n  ssh-keygen -f \"%s\" -R \"%s\"",
		 file, file, r->line, file, rt->peer_name);
	ws_error("Host key for %s has changed and you have requested strict checking.", rt->peer_name);
}

static void warn_revoked(const struct cli_rt *rt)
{
	ws_error(AT_LINE "\n@       WARNING: REVOKED HOST KEY DETECTED!               @\n" AT_LINE);
	ws_error("The ED25519 host key for %s is marked as revoked.\n"
		 "This could mean that a stolen key is being used to\nimpersonate this host.", rt->peer_name);
}

/* StrictHostKeyChecking=ask: ssh(1)'s question on the terminal. */
static bool ask_user(const struct cli_rt *rt, const char *fp)
{
	char prompt[WS_CFG_NAME_MAX + 512], answer[128];
	snprintf(prompt, sizeof(prompt),
		 "The authenticity of host '%s' can't be established.\r\n"
		 "ED25519 key fingerprint is %s.\r\n"
		 "Are you sure you want to continue connecting (yes/no/[fingerprint])? ", rt->peer_name, fp);
	for (int tries = 0; tries < 10; tries++) {
		if (!cli_read_line_tty(tries == 0 ? prompt : "Please type 'yes', 'no' or the fingerprint: ",
				       answer, sizeof(answer)))
			return false;
		if (strcasecmp(answer, "yes") == 0 || strcmp(answer, fp) == 0)
			return true;
		if (strcasecmp(answer, "no") == 0)
			return false;
	}
	return false;
}

static void add_key(const struct cli_rt *rt, const struct ws_key *key)
{
	const struct ws_ssh_config *cfg = &rt->opt->cfg;
	if (cfg->nuser_known_hosts_files == 0 ||
	    ws_knownhosts_add_file(cfg->user_known_hosts_files[0], cfg->hostname, cfg->port, key,
				   cfg->hash_known_hosts) != WS_OK) {
		ws_error("Failed to add the host to the list of known hosts.");
		return;
	}
	ws_info("Warning: Permanently added '%s' (ED25519) to the list of known hosts.", rt->peer_name);
}

static bool verdict_unknown(const struct cli_rt *rt, const struct ws_key *key, const char *fp)
{
	const struct ws_ssh_config *cfg = &rt->opt->cfg;
	enum ws_strict_hostkey mode = cfg->strict_host_key_checking;
	if (mode == WS_SHK_YES) {
		ws_error("No ED25519 host key is known for %s and you have requested strict checking.",
			 rt->peer_name);
		return false;
	}
	if (mode == WS_SHK_ASK && (cfg->batch_mode || !ask_user(rt, fp)))
		return false;
	add_key(rt, key);
	return true;
}

bool cli_trust_host_key(void *arg, const struct ws_key *key)
{
	struct cli_rt *rt = arg;
	struct ws_knownhosts_result r;
	char fp[WS_FINGERPRINT_MAX];
	ws_key_fingerprint(key, fp);
	ws_verbose("Server host key: ssh-ed25519 %s", fp);
	if (lookup_all(&rt->opt->cfg, key, &r) != WS_OK) {
		ws_error("cannot read the known hosts files");
		return false;
	}
	switch (r.status) {
	case WS_KNOWNHOSTS_MATCH:
		ws_verbose("Host '%s' is known and matches the ED25519 host key (%s:%u).", rt->peer_name,
			   r.file != NULL ? r.file : "?", r.line);
		return true;
	case WS_KNOWNHOSTS_MISMATCH:
		warn_changed(rt, fp, &r);
		return false;
	case WS_KNOWNHOSTS_REVOKED:
		warn_revoked(rt);
		return false;
	default:
		return verdict_unknown(rt, key, fp);
	}
}
