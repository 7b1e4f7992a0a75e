/* sshd_config.c — the sshd_config(5) subset warpssh's server reads: keyword table, the
 * keyword-specific handlers (ListenAddress, MaxStartups, Subsystem, …) and defaults. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/config_internal.h"
#include "warpssh/log.h"
#include "warpssh/match.h"

#define DEFAULT_HOST_KEY "/etc/ssh/ssh_host_ed25519_key"
#define MIN_WINDOW (32u * 1024u)
#define MAX_WINDOW 0x7fffffffu

typedef struct ws_sshd_config sshd_t;

static int h_ports(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *arg;
	uint16_t port;
	(void)kw;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_parse_port(p, arg, &port));
	WS_TRY(cfg_end(p));
	if (c->nports >= WS_CFG_MAX_PORTS)
		return cfg_error(p, "too many ports (at most %u)", WS_CFG_MAX_PORTS);
	c->ports[c->nports++] = port;
	return WS_OK;
}

/* "host", "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (several colons). */
static int split_listen(struct cfg_parse *p, const char *arg, struct ws_listen_addr *out)
{
	char host[WS_CFG_NAME_MAX];
	const char *port = NULL;
	size_t n = strlen(arg);
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return cfg_error(p, "ListenAddress: bad address '%.64s'", arg);
		n = (size_t)(close - arg - 1);
		arg++;
		port = close[1] == ':' ? close + 2 : NULL;
	} else if (strchr(arg, ':') != NULL && strchr(arg, ':') == strrchr(arg, ':')) {
		port = strchr(arg, ':') + 1;
		n = (size_t)(port - arg - 1);
	}
	if (n == 0 || n >= sizeof(host))
		return cfg_error(p, "ListenAddress: bad address '%.64s'", arg);
	memcpy(host, arg, n);
	host[n] = '\0';
	memcpy(out->host, host, n + 1);
	out->port = 0;
	return port != NULL ? cfg_parse_port(p, port, &out->port) : WS_OK;
}

static int h_listen(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	struct ws_listen_addr a;
	const char *arg;
	(void)kw;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(split_listen(p, arg, &a));
	WS_TRY(cfg_end(p));
	if (c->nlisten >= WS_CFG_MAX_LISTEN)
		return cfg_error(p, "too many ListenAddress lines (at most %u)", WS_CFG_MAX_LISTEN);
	c->listen[c->nlisten++] = a;
	return WS_OK;
}

/* Numbers of "start:rate:full" (or one number n meaning n:100:n: refuse everything past n). */
static int h_max_startups(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *arg;
	char part[3][16];
	uint64_t v[3];
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_end(p));
	int n = sscanf(arg, "%15[0-9]:%15[0-9]:%15[0-9]", part[0], part[1], part[2]);
	size_t expect = 0;
	for (int i = 0; i < n && (n == 1 || n == 3); i++)
		expect += strlen(part[i]) + (i > 0 ? 1 : 0);
	if ((n != 1 && n != 3) || strlen(arg) != expect)
		return cfg_error(p, "MaxStartups: expected start:rate:full or a number, got '%.64s'", arg);
	for (int i = 0; i < n; i++)
		WS_TRY(cfg_parse_uint(p, part[i], 0, 100000, &v[i]));
	if (n == 1) {
		v[1] = 100;
		v[2] = v[0];
	}
	if (v[0] > v[2] || v[1] < 1 || v[1] > 100 || v[2] == 0)
		return cfg_error(p, "MaxStartups: need start <= full, full > 0 and rate 1..100");
	if (cfg_claim(p, kw)) {
		c->max_startups_begin = (unsigned)v[0];
		c->max_startups_rate = (unsigned)v[1];
		c->max_startups_full = (unsigned)v[2];
	}
	return WS_OK;
}

static int h_accept_env(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *arg;
	(void)kw;
	WS_TRY(cfg_arg(p, &arg));
	for (; arg != NULL; arg = cfg_optional_arg(p)) {
		if (strchr(arg, '=') != NULL || strlen(arg) >= WS_CFG_NAME_MAX)
			return cfg_error(p, "AcceptEnv: invalid environment name '%.64s'", arg);
		if (c->naccept_env >= WS_CFG_MAX_ACCEPTENV)
			return cfg_error(p, "AcceptEnv: too many patterns (at most %u)", WS_CFG_MAX_ACCEPTENV);
		memcpy(c->accept_env[c->naccept_env++], arg, strlen(arg) + 1);
	}
	return WS_OK;
}

/* Subsystem name command [args…]; a name may be defined once (sshd refuses duplicates). */
static int h_subsystem(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *name, *arg;
	(void)kw;
	WS_TRY(cfg_arg(p, &name));
	WS_TRY(cfg_arg(p, &arg));
	if (strlen(name) >= sizeof(c->subsystems[0].name))
		return cfg_error(p, "Subsystem: name too long");
	for (unsigned i = 0; i < c->nsubsystems; i++)
		if (strcmp(c->subsystems[i].name, name) == 0)
			return cfg_error(p, "Subsystem '%s' already defined", name);
	if (c->nsubsystems >= WS_CFG_MAX_SUBSYSTEMS)
		return cfg_error(p, "too many subsystems (at most %u)", WS_CFG_MAX_SUBSYSTEMS);
	struct ws_subsystem *s = &c->subsystems[c->nsubsystems];
	size_t used = 0;
	for (; arg != NULL; arg = cfg_optional_arg(p)) {
		int n = snprintf(s->command + used, sizeof(s->command) - used, "%s%s", used ? " " : "", arg);
		if (n < 0 || (size_t)n >= sizeof(s->command) - used)
			return cfg_error(p, "Subsystem: command too long");
		used += (size_t)n;
	}
	memcpy(s->name, name, strlen(name) + 1);
	c->nsubsystems++;
	return WS_OK;
}

static int h_banner(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *arg;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_end(p));
	if (strlen(arg) >= sizeof(c->banner))
		return cfg_error(p, "Banner: path too long");
	if (cfg_claim(p, kw))
		snprintf(c->banner, sizeof(c->banner), "%s", strcasecmp(arg, "none") == 0 ? "" : arg);
	return WS_OK;
}

/* ChannelWindowSize (warpssh extension): initial window per channel, bytes with K/M/G. */
static int h_window(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	sshd_t *c = cfg;
	const char *arg;
	uint64_t v;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_parse_size(p, arg, &v));
	WS_TRY(cfg_end(p));
	if (v < MIN_WINDOW || v > MAX_WINDOW)
		return cfg_error(p, "ChannelWindowSize: must be from 32K to 2G-1 bytes");
	if (cfg_claim(p, kw))
		c->channel_window_size = (uint32_t)v;
	return WS_OK;
}

static const struct cfg_keyword sshd_keywords[] = {
	CFG_KW_SPECIAL("Port", h_ports),
	CFG_KW_SPECIAL("ListenAddress", h_listen),
	CFG_KW_ARRAY("HostKey", cfg_h_path_append, sshd_t, host_keys, nhost_keys),
	CFG_KW_ARRAY("AuthorizedKeysFile", cfg_h_path_list_once, sshd_t, authorized_keys_files,
		     nauthorized_keys_files),
	CFG_KW("PasswordAuthentication", cfg_h_bool, sshd_t, password_authentication),
	CFG_KW("PubkeyAuthentication", cfg_h_bool, sshd_t, pubkey_authentication),
	CFG_KW("Ciphers", cfg_h_alglist, sshd_t, ciphers),
	CFG_KW("MACs", cfg_h_alglist, sshd_t, macs),
	CFG_KW("KexAlgorithms", cfg_h_alglist, sshd_t, kex_algorithms),
	CFG_KW("RekeyLimit", cfg_h_rekey, sshd_t, rekey_limit),
	CFG_KW_SPECIAL("MaxStartups", h_max_startups),
	CFG_KW_RANGE("MaxSessions", cfg_h_unsigned, sshd_t, max_sessions, 0, 100000),
	CFG_KW_RANGE("MaxAuthTries", cfg_h_unsigned, sshd_t, max_auth_tries, 1, 1000),
	CFG_KW("LoginGraceTime", cfg_h_time, sshd_t, login_grace_time),
	CFG_KW_SPECIAL("AcceptEnv", h_accept_env),
	CFG_KW_SPECIAL("Subsystem", h_subsystem),
	CFG_KW_SPECIAL("Banner", h_banner),
	CFG_KW("LogLevel", cfg_h_loglevel, sshd_t, log_level),
	CFG_KW_SPECIAL("ChannelWindowSize", h_window),
	CFG_KW_SPECIAL("Match", cfg_h_match),
	CFG_KW_SPECIAL("Include", cfg_h_include),
};

/* OpenSSH keywords we recognise but do not implement: a clear error, never silently ignored. */
static const char *const sshd_unsupported[] = {
	"UsePAM", "PermitRootLogin", "X11Forwarding", "KbdInteractiveAuthentication",
	"ChallengeResponseAuthentication", "PrintMotd", "PrintLastLog", "AllowUsers", "DenyUsers",
	"AllowGroups", "DenyGroups", "PermitEmptyPasswords", "StrictModes", "UseDNS",
	"AllowTcpForwarding", "AllowAgentForwarding", "AllowStreamLocalForwarding", "GatewayPorts",
	"PermitTunnel", "ChrootDirectory", "ForceCommand", "ClientAliveInterval", "ClientAliveCountMax",
	"TCPKeepAlive", "PermitUserEnvironment", "HostKeyAlgorithms", "PubkeyAcceptedAlgorithms",
	"PubkeyAcceptedKeyTypes", "HostbasedAuthentication", "IgnoreRhosts", "SyslogFacility", "PidFile",
	"AddressFamily", "Compression", "GSSAPIAuthentication", "KerberosAuthentication",
	"AuthorizedKeysCommand", "AuthorizedKeysCommandUser", "AuthorizedPrincipalsFile",
	"TrustedUserCAKeys", "HostCertificate", "PermitOpen", "PermitListen", "DisableForwarding",
	"UsePrivilegeSeparation", "Protocol", "VersionAddendum", "PermitTTY", "PermitUserRC",
	"ExposeAuthInfo", "AuthenticationMethods", "HostKeyAgent", "RevokedKeys", "SetEnv",
	"StreamLocalBindUnlink", "X11DisplayOffset", "X11UseLocalhost", "XAuthLocation",
};

static const struct cfg_grammar sshd_grammar = {
	sshd_keywords, sizeof(sshd_keywords) / sizeof(sshd_keywords[0]),
	sshd_unsupported, sizeof(sshd_unsupported) / sizeof(sshd_unsupported[0]), NULL,
};

void ws_sshd_config_init(struct ws_sshd_config *c)
{
	memset(c, 0, sizeof(*c));
}

int ws_sshd_config_parse(struct ws_sshd_config *c, const char *text, size_t len, const char *origin)
{
	struct cfg_parse p;
	cfg_parse_start(&p, &sshd_grammar, origin, c->error, &c->set_mask_);
	return cfg_parse_text(&p, c, text, len);
}

int ws_sshd_config_apply_option(struct ws_sshd_config *c, const char *line)
{
	struct cfg_parse p;
	cfg_parse_start(&p, &sshd_grammar, "command line", c->error, &c->set_mask_);
	return cfg_parse_option(&p, c, line);
}

static bool was_set(const struct ws_sshd_config *c, const char *name)
{
	return cfg_was_set(&c->set_mask_, &sshd_grammar, name);
}

static void fill_scalar_defaults(struct ws_sshd_config *c)
{
	if (!was_set(c, "PasswordAuthentication"))
		c->password_authentication = true;
	if (!was_set(c, "PubkeyAuthentication"))
		c->pubkey_authentication = true;
	if (!was_set(c, "MaxStartups")) {
		c->max_startups_begin = 10;
		c->max_startups_rate = 30;
		c->max_startups_full = 100;
	}
	if (!was_set(c, "MaxSessions"))
		c->max_sessions = 10;
	if (!was_set(c, "MaxAuthTries"))
		c->max_auth_tries = 6;
	if (!was_set(c, "LoginGraceTime"))
		c->login_grace_time = 120;
	if (!was_set(c, "LogLevel"))
		c->log_level = WS_LOG_INFO;
	if (!was_set(c, "ChannelWindowSize"))
		c->channel_window_size = WS_CFG_DEFAULT_WINDOW;
}

static void fill_list_defaults(struct ws_sshd_config *c)
{
	if (c->nports == 0)
		c->ports[c->nports++] = 22;
	if (c->nhost_keys == 0)
		snprintf(c->host_keys[c->nhost_keys++], WS_CFG_PATH_MAX, "%s", DEFAULT_HOST_KEY);
	if (!was_set(c, "AuthorizedKeysFile")) {
		snprintf(c->authorized_keys_files[0], WS_CFG_PATH_MAX, ".ssh/authorized_keys");
		snprintf(c->authorized_keys_files[1], WS_CFG_PATH_MAX, ".ssh/authorized_keys2");
		c->nauthorized_keys_files = 2;
	}
}

int ws_sshd_config_finish(struct ws_sshd_config *c, const struct ws_cfg_algs *algs)
{
	struct cfg_alg_fields f = {c->ciphers, c->macs, c->kex_algorithms};
	fill_scalar_defaults(c);
	fill_list_defaults(c);
	return cfg_resolve_alg_fields(f, &c->set_mask_, &sshd_grammar, algs, c->error);
}

int ws_sshd_expand_authkeys_path(const char *pattern, const char *user, unsigned uid, const char *home,
				 char *out, size_t outsz)
{
	char uidstr[16], expanded[WS_CFG_PATH_MAX], error[WS_CFG_ERR_MAX];
	snprintf(uidstr, sizeof(uidstr), "%u", uid);
	const struct cfg_token tokens[] = {{'h', home}, {'u', user}, {'U', uidstr}};
	WS_TRY(cfg_expand(pattern, tokens, sizeof(tokens) / sizeof(tokens[0]), NULL, expanded,
			  sizeof(expanded), error));
	int n = expanded[0] == '/' ? snprintf(out, outsz, "%s", expanded)
				   : snprintf(out, outsz, "%s/%s", home != NULL ? home : "", expanded);
	return n >= 0 && (size_t)n < outsz ? WS_OK : WS_ERR_NO_SPACE;
}

bool ws_sshd_config_accepts_env(const struct ws_sshd_config *c, const char *name)
{
	for (unsigned i = 0; i < c->naccept_env; i++)
		if (ws_match_glob(ws_bytes_of(name), ws_bytes_of(c->accept_env[i]), false))
			return true;
	return false;
}
