/* warpsshd.c — the warpssh SSH server daemon: sshd's command line (-D -d -e -f -h -o -p -q -t),
 * configuration (sshd_config subset, see docs/server.md), host key loading or first-start
 * generation, logging to syslog or stderr, daemonizing, then the kernel-socket server loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "warpssh/config.h"
#include "warpssh/crypto.h"
#include "warpssh/keys.h"
#include "warpssh/log.h"
#include "warpssh/server.h"
#include "warpssh/transport.h"

#define MAX_OPTIONS 64
#define BANNER_MAX (64 * 1024)

struct args {
	const char *config_path;
	bool config_given;
	const char *options[MAX_OPTIONS];
	size_t noptions;
	const char *host_keys[WS_CFG_MAX_HOSTKEYS];
	size_t nhost_keys;
	uint16_t ports[WS_CFG_MAX_PORTS];
	size_t nports;
	bool foreground, log_stderr, debug, quiet, test_only;
};

/* Everything main() sets up, released in one place. */
struct daemon_state {
	struct ws_sshd_config cfg;
	bool password_configured;
	bool host_key_configured;
	bool window_configured;
	struct ws_key host_key;
	char *banner;
};

static void usage(void)
{
	fprintf(stderr, "usage: warpsshd [-Ddeqt] [-f config_file] [-h host_key_file] [-o option] [-p port]\n");
}

/* ---------------------------------------------------------------- command line */

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > 65535)
		return WS_ERR_CONFIG;
	*port = (uint16_t)v;
	return WS_OK;
}

static int parse_one(struct args *a, int opt, const char *arg)
{
	switch (opt) {
	case 'D': a->foreground = true; break;
	case 'd': a->debug = a->foreground = a->log_stderr = true; break;
	case 'e': a->log_stderr = true; break;
	case 'q': a->quiet = true; break;
	case 't': a->test_only = true; break;
	case 'f': a->config_path = arg; a->config_given = true; break;
	case 'o':
		WS_ENSURE(a->noptions < MAX_OPTIONS, WS_ERR_LIMIT);
		a->options[a->noptions++] = arg;
		break;
	case 'h':
		WS_ENSURE(a->nhost_keys < WS_CFG_MAX_HOSTKEYS, WS_ERR_LIMIT);
		a->host_keys[a->nhost_keys++] = arg;
		break;
	case 'p':
		WS_ENSURE(a->nports < WS_CFG_MAX_PORTS, WS_ERR_LIMIT);
		if (parse_port(arg, &a->ports[a->nports]) != WS_OK) {
			fprintf(stderr, "Bad port number: %s\n", arg);
			return WS_ERR_CONFIG;
		}
		a->nports++;
		break;
	default:
		return WS_ERR_INVALID_ARG;
	}
	return WS_OK;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int opt;
	memset(a, 0, sizeof(*a));
	a->config_path = WS_SERVER_DEFAULT_CONFIG;
	while ((opt = getopt(argc, argv, "Ddeqtf:o:h:p:")) != -1)
		WS_TRY(parse_one(a, opt, optarg));
	WS_ENSURE(optind == argc, WS_ERR_INVALID_ARG);
	return WS_OK;
}

/* ---------------------------------------------------------------- configuration */

static int load_config(const struct args *a, struct daemon_state *st)
{
	struct ws_sshd_config *c = &st->cfg;
	const struct ws_cfg_algs algs = {
		ws_cipher_default_list(), ws_cipher_default_list(), ws_mac_default_list(),
		ws_mac_default_list(), ws_transport_default_kex_list(), ws_transport_default_kex_list(),
	};
	ws_sshd_config_init(c);
	for (size_t i = 0; i < a->noptions; i++)
		WS_TRY(ws_sshd_config_apply_option(c, a->options[i]));
	if (a->config_given || access(a->config_path, F_OK) == 0)
		WS_TRY(ws_sshd_config_load_file(c, a->config_path));
	/* unset keywords are still zero here: what the files and -o said, before sshd's defaults.
	 * warpsshd keeps password authentication off unless it was asked for. */
	st->password_configured = c->password_authentication;
	st->host_key_configured = c->nhost_keys > 0 || a->nhost_keys > 0;
	st->window_configured = c->channel_window_size != 0;
	WS_TRY(ws_sshd_config_finish(c, &algs));
	if (a->nports > 0) { /* sshd(8): -p replaces the Port keywords */
		memcpy(c->ports, a->ports, a->nports * sizeof(a->ports[0]));
		c->nports = (unsigned)a->nports;
	}
	if (a->nhost_keys > 0) {
		for (size_t i = 0; i < a->nhost_keys; i++)
			snprintf(c->host_keys[i], WS_CFG_PATH_MAX, "%s", a->host_keys[i]);
		c->nhost_keys = (unsigned)a->nhost_keys;
	}
	return WS_OK;
}

static int load_banner(struct daemon_state *st)
{
	if (st->cfg.banner[0] == '\0' || strcmp(st->cfg.banner, "none") == 0)
		return WS_OK;
	FILE *f = fopen(st->cfg.banner, "r");
	if (f == NULL) {
		ws_error("Banner %s: %s", st->cfg.banner, strerror(errno));
		return WS_ERR_CONFIG;
	}
	st->banner = calloc(1, BANNER_MAX + 1);
	size_t n = st->banner != NULL ? fread(st->banner, 1, BANNER_MAX, f) : 0;
	fclose(f);
	WS_ENSURE(st->banner != NULL, WS_ERR_NO_MEMORY);
	st->banner[n] = '\0';
	return WS_OK;
}

/* ---------------------------------------------------------------- host key */

/* The path used when no HostKey is configured; WARPSSHD_DEFAULT_HOST_KEY moves it (tests,
 * packaging) away from /etc/warpssh. */
static const char *default_host_key_path(void)
{
	const char *env = getenv("WARPSSHD_DEFAULT_HOST_KEY");
	return env != NULL && env[0] != '\0' ? env : WS_SERVER_DEFAULT_HOST_KEY;
}

static int generate_host_key(struct ws_key *key, const char *path)
{
	char pub[WS_CFG_PATH_MAX + 8], fp[WS_FINGERPRINT_MAX], dir[WS_CFG_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0755); /* one level, like sshd's /etc/ssh; an existing one is fine */
	}
	WS_TRY(ws_key_generate(key));
	snprintf(key->comment, sizeof(key->comment), "warpsshd host key");
	WS_TRY(ws_key_save_private_file(key, path));
	snprintf(pub, sizeof(pub), "%s.pub", path);
	WS_TRY(ws_key_save_public_file(key, pub));
	ws_key_fingerprint(key, fp);
	ws_info("Generated host key %s: ED25519 %s", path, fp);
	return WS_OK;
}

/* The first configured key that loads; with none configured, the default path (generated on
 * first start). */
static int load_host_key(struct daemon_state *st, bool may_generate)
{
	const struct ws_sshd_config *c = &st->cfg;
	if (!st->host_key_configured) {
		const char *path = default_host_key_path();
		if (access(path, F_OK) != 0)
			return may_generate ? generate_host_key(&st->host_key, path) : WS_OK;
		return ws_key_load_private_file(&st->host_key, path);
	}
	for (unsigned i = 0; i < c->nhost_keys; i++) {
		if (ws_key_load_private_file(&st->host_key, c->host_keys[i]) == WS_OK)
			return WS_OK;
		ws_error("Unable to load host key: %s", c->host_keys[i]);
	}
	ws_error("sshd: no hostkeys available -- exiting.");
	return WS_ERR_NOT_FOUND;
}

/* ---------------------------------------------------------------- running */

static void syslog_sink(enum ws_log_level level, const char *msg, void *arg)
{
	static const int prio[] = {LOG_ERR, LOG_INFO, LOG_INFO, LOG_DEBUG};
	(void)arg;
	syslog(prio[level], "%s", msg);
}

static void setup_logging(const struct args *a, const struct daemon_state *st)
{
	ws_log_set_level(a->debug ? WS_LOG_DEBUG : a->quiet ? WS_LOG_ERROR : (enum ws_log_level)st->cfg.log_level);
	if (a->log_stderr || a->test_only)
		return;
	openlog("warpsshd", LOG_PID, LOG_AUTH);
	ws_log_set_sink(syslog_sink, NULL);
}

/* sshd without -D: fork, the parent exits, the child leaves the terminal's session. */
static int daemonize(bool keep_stderr)
{
	pid_t pid = fork();
	WS_ENSURE(pid >= 0, WS_ERR_IO);
	if (pid > 0)
		_exit(0);
	WS_ENSURE(setsid() >= 0, WS_ERR_IO);
	if (chdir("/") != 0)
		return WS_ERR_IO;
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!keep_stderr)
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	return WS_OK;
}

static void log_effective(const struct daemon_state *st)
{
	const struct ws_sshd_config *c = &st->cfg;
	ws_debug("config: MaxAuthTries %u, LoginGraceTime %u s, MaxSessions %u, MaxStartups %u:%u:%u, "
		 "ChannelWindowSize %u%s, PubkeyAuthentication %s, PasswordAuthentication %s",
		 c->max_auth_tries, c->login_grace_time, c->max_sessions, c->max_startups_begin,
		 c->max_startups_rate, c->max_startups_full, c->channel_window_size,
		 st->window_configured ? "" : " (OpenSSH clients: 4 MiB)", c->pubkey_authentication ? "yes" : "no",
		 st->password_configured ? "yes" : "no");
	ws_debug("config: ciphers %s; MACs %s; kex %s", c->ciphers, c->macs, c->kex_algorithms);
}

static int serve(const struct args *a, struct daemon_state *st)
{
	struct ws_server *srv = NULL;
	struct ws_server_options opt = {
		.config = &st->cfg, .host_key = &st->host_key, .banner_text = st->banner,
		.password_authentication = st->password_configured,
		.no_burst = getenv("WARPSSHD_NO_BURST") != NULL,
		/* an explicit ChannelWindowSize applies to every client */
		.openssh_window = st->window_configured ? 0 : WS_SERVER_OPENSSH_WINDOW,
	};
	int rc = ws_server_new(&srv, &opt);
	if (rc == WS_OK)
		rc = ws_server_listen(srv);
	if (rc == WS_OK && !a->foreground)
		rc = daemonize(a->log_stderr);
	if (rc == WS_OK)
		rc = ws_server_run(srv);
	ws_server_free(srv);
	return rc;
}

static int run(const struct args *a, struct daemon_state *st)
{
	int rc = load_config(a, st);
	if (rc != WS_OK) {
		if (st->cfg.error[0] == '\0') /* the parser already logged its "file:line: what" */
			fprintf(stderr, "warpsshd: configuration: %s\n", ws_strerror(rc));
		return rc;
	}
	setup_logging(a, st);
	WS_TRY(load_banner(st));
	WS_TRY(load_host_key(st, !a->test_only));
	if (a->test_only)
		return WS_OK;
	log_effective(st);
	return serve(a, st);
}

int main(int argc, char **argv)
{
	struct args a;
	static struct daemon_state st;
	/* Pin glibc's mmap threshold: each connection's MiB-sized packet rings then come from mmap
	 * and go back to the system when it closes, instead of raising the dynamic threshold and
	 * leaving a grown, fragmented heap after a burst of connections (docs/security.md). */
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (parse_args(argc, argv, &a) != WS_OK) {
		usage();
		return 1;
	}
	int rc = run(&a, &st);
	ws_key_wipe(&st.host_key);
	free(st.banner);
	return rc == WS_OK ? 0 : 1;
}
