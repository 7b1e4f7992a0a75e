/* ssh_config.c — the ssh_config(5) subset warpssh's client reads: Host blocks matched against
 * the alias, first obtained value wins, IgnoreUnknown, and token expansion at finish. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/config_internal.h"
#include "warpssh/log.h"
#include "warpssh/match.h"

typedef struct ws_ssh_config ssh_t;

/* Host pattern…: the block applies if a pattern matches the alias and no '!' pattern does. */
static int h_host(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	const char *arg;
	bool matched = false, negated = false;
	(void)kw;
	(void)cfg;
	if (p->host_alias == NULL)
		return cfg_error(p, "Host is not allowed as a command-line option");
	WS_TRY(cfg_arg(p, &arg));
	for (; arg != NULL; arg = cfg_optional_arg(p)) {
		bool neg = arg[0] == '!';
		if (!ws_match_glob(ws_bytes_of(p->host_alias), ws_bytes_of(neg ? arg + 1 : arg), true))
			continue;
		negated |= neg;
		matched |= !neg;
	}
	p->active = matched && !negated;
	return WS_OK;
}

static int h_strict(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	static const struct { const char *name; enum ws_strict_hostkey v; } map[] = {
		{"yes", WS_SHK_YES}, {"true", WS_SHK_YES}, {"no", WS_SHK_NO}, {"false", WS_SHK_NO},
		{"off", WS_SHK_NO}, {"ask", WS_SHK_ASK}, {"accept-new", WS_SHK_ACCEPT_NEW},
	};
	const char *arg;
	WS_TRY(cfg_arg(p, &arg));
	WS_TRY(cfg_end(p));
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcasecmp(arg, map[i].name) != 0)
			continue;
		if (cfg_claim(p, kw))
			((ssh_t *)cfg)->strict_host_key_checking = map[i].v;
		return WS_OK;
	}
	return cfg_error(p, "StrictHostKeyChecking: expected yes, no, ask or accept-new, got '%.64s'", arg);
}

/* Compression yes is accepted (common in user configs) but warpssh never offers zlib. */
static int h_compression(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	WS_TRY(cfg_h_bool(p, kw, cfg));
	if (p->active && ((ssh_t *)cfg)->compression)
		ws_info("%s:%u: Compression yes: warpssh does not offer compression; continuing without it",
			p->origin, p->line);
	return WS_OK;
}

/* Harmless OpenSSH client keywords that do not change what warpssh does. */
static int h_ignored(struct cfg_parse *p, const struct cfg_keyword *kw, void *cfg)
{
	(void)cfg;
	ws_debug("%s:%u: %s has no effect in warpssh", p->origin, p->line, kw->name);
	p->next = p->argc;
	return WS_OK;
}

static const struct cfg_keyword ssh_keywords[] = {
	CFG_KW_SPECIAL("Host", h_host),
	CFG_KW_SPECIAL("Match", cfg_h_match),
	CFG_KW_SPECIAL("Include", cfg_h_include),
	CFG_KW("HostName", cfg_h_string, ssh_t, hostname),
	CFG_KW("Port", cfg_h_port, ssh_t, port),
	CFG_KW("User", cfg_h_string, ssh_t, user),
	CFG_KW_ARRAY("IdentityFile", cfg_h_path_append, ssh_t, identity_files, nidentity_files),
	CFG_KW("IdentitiesOnly", cfg_h_bool, ssh_t, identities_only),
	CFG_KW("Ciphers", cfg_h_alglist, ssh_t, ciphers),
	CFG_KW("MACs", cfg_h_alglist, ssh_t, macs),
	CFG_KW("KexAlgorithms", cfg_h_alglist, ssh_t, kex_algorithms),
	CFG_KW("RekeyLimit", cfg_h_rekey, ssh_t, rekey_limit),
	CFG_KW("ServerAliveInterval", cfg_h_time, ssh_t, server_alive_interval),
	CFG_KW_RANGE("ServerAliveCountMax", cfg_h_unsigned, ssh_t, server_alive_count_max, 0, 0x7fffffff),
	CFG_KW("ConnectTimeout", cfg_h_time, ssh_t, connect_timeout),
	CFG_KW("BatchMode", cfg_h_bool, ssh_t, batch_mode),
	CFG_KW_SPECIAL("StrictHostKeyChecking", h_strict),
	CFG_KW_ARRAY("UserKnownHostsFile", cfg_h_path_list_once, ssh_t, user_known_hosts_files,
		     nuser_known_hosts_files),
	CFG_KW("HashKnownHosts", cfg_h_bool, ssh_t, hash_known_hosts),
	CFG_KW("Compression", h_compression, ssh_t, compression),
	CFG_KW("LogLevel", cfg_h_loglevel, ssh_t, log_level),
	CFG_KW("IgnoreUnknown", cfg_h_string, ssh_t, ignore_unknown),
	CFG_KW_SPECIAL("SendEnv", h_ignored),
	CFG_KW_SPECIAL("GSSAPIAuthentication", h_ignored),
	CFG_KW_SPECIAL("GSSAPIDelegateCredentials", h_ignored),
};

static const char *const ssh_unsupported[] = {
	"ProxyCommand", "ProxyJump", "ForwardAgent", "ForwardX11", "ForwardX11Trusted", "LocalForward",
	"RemoteForward", "DynamicForward", "ControlMaster", "ControlPath", "ControlPersist",
	"CertificateFile", "PubkeyAcceptedAlgorithms", "HostKeyAlgorithms", "PasswordAuthentication",
	"PreferredAuthentications", "KbdInteractiveAuthentication", "AddKeysToAgent", "IdentityAgent",
	"CheckHostIP", "GlobalKnownHostsFile", "LocalCommand", "PermitLocalCommand", "RequestTTY",
	"RemoteCommand", "SetEnv", "Tunnel", "TunnelDevice", "VerifyHostKeyDNS", "UpdateHostKeys",
	"CanonicalizeHostname", "AddressFamily", "BindAddress", "BindInterface", "EscapeChar",
	"ExitOnForwardFailure", "ForkAfterAuthentication", "StdinNull", "SessionType", "TCPKeepAlive",
	"NumberOfPasswordPrompts", "PKCS11Provider", "SecurityKeyProvider", "ObscureKeystrokeTiming",
};

static bool ssh_ignore_unknown(const void *cfg, const char *keyword)
{
	const ssh_t *c = cfg;
	return c->ignore_unknown[0] != '\0' &&
	       ws_match_list(keyword, ws_bytes_of(c->ignore_unknown), true) == WS_MATCH_YES;
}

static const struct cfg_grammar ssh_grammar = {
	ssh_keywords, sizeof(ssh_keywords) / sizeof(ssh_keywords[0]),
	ssh_unsupported, sizeof(ssh_unsupported) / sizeof(ssh_unsupported[0]), ssh_ignore_unknown,
};

void ws_ssh_config_init(struct ws_ssh_config *c)
{
	memset(c, 0, sizeof(*c));
}

int ws_ssh_config_apply_option(struct ws_ssh_config *c, const char *line)
{
	struct cfg_parse p;
	cfg_parse_start(&p, &ssh_grammar, "command line", c->error, &c->set_mask_);
	return cfg_parse_option(&p, c, line);
}

int ws_ssh_config_parse(struct ws_ssh_config *c, const char *text, size_t len, const char *origin,
			const char *host_alias)
{
	struct cfg_parse p;
	cfg_parse_start(&p, &ssh_grammar, origin, c->error, &c->set_mask_);
	if (host_alias == NULL || host_alias[0] == '\0')
		return cfg_error(&p, "no host name to look up");
	p.host_alias = host_alias;
	return cfg_parse_text(&p, c, text, len);
}

static bool was_set(const struct ws_ssh_config *c, const char *name)
{
	return cfg_was_set(&c->set_mask_, &ssh_grammar, name);
}

static void fill_scalar_defaults(struct ws_ssh_config *c, const struct ws_ssh_config_env *env)
{
	if (!was_set(c, "Port"))
		c->port = 22;
	if (!was_set(c, "User"))
		snprintf(c->user, sizeof(c->user), "%s", env->local_user != NULL ? env->local_user : "");
	if (!was_set(c, "ServerAliveCountMax"))
		c->server_alive_count_max = 3;
	if (!was_set(c, "LogLevel"))
		c->log_level = WS_LOG_INFO;
	if (c->nidentity_files == 0) {
		snprintf(c->identity_files[0], WS_CFG_PATH_MAX, "~/.ssh/id_ed25519");
		c->nidentity_files = 1;
	}
	if (!was_set(c, "UserKnownHostsFile")) {
		snprintf(c->user_known_hosts_files[0], WS_CFG_PATH_MAX, "~/.ssh/known_hosts");
		snprintf(c->user_known_hosts_files[1], WS_CFG_PATH_MAX, "~/.ssh/known_hosts2");
		c->nuser_known_hosts_files = 2;
	}
}

static int expand_hostname(struct ws_ssh_config *c, const char *alias)
{
	char out[WS_CFG_NAME_MAX];
	const struct cfg_token tokens[] = {{'h', alias}};
	if (!was_set(c, "HostName"))
		snprintf(c->hostname, sizeof(c->hostname), "%s", alias);
	WS_TRY(cfg_expand(c->hostname, tokens, 1, NULL, out, sizeof(out), c->error));
	if (out[0] == '\0' || strpbrk(out, " \t,") != NULL) {
		snprintf(c->error, WS_CFG_ERR_MAX, "HostName: bad host name '%.64s'", out);
		return WS_ERR_CONFIG;
	}
	memcpy(c->hostname, out, sizeof(out));
	return WS_OK;
}

/* ~ and %d (home) %u (local user) %h (host name) %r (remote user) %p (port) %% in file names. */
static int expand_paths(struct ws_ssh_config *c, const struct ws_ssh_config_env *env,
			char paths[][WS_CFG_PATH_MAX], unsigned n)
{
	char port[8], out[WS_CFG_PATH_MAX];
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	const struct cfg_token tokens[] = {
		{'d', env->home}, {'u', env->local_user}, {'h', c->hostname}, {'r', c->user}, {'p', port},
	};
	for (unsigned i = 0; i < n; i++) {
		WS_TRY(cfg_expand(paths[i], tokens, sizeof(tokens) / sizeof(tokens[0]),
				  env->home != NULL ? env->home : "", out, sizeof(out), c->error));
		memcpy(paths[i], out, sizeof(out));
	}
	return WS_OK;
}

int ws_ssh_config_finish(struct ws_ssh_config *c, const struct ws_ssh_config_env *env)
{
	if (env == NULL || env->host_alias == NULL || env->host_alias[0] == '\0') {
		snprintf(c->error, WS_CFG_ERR_MAX, "no host name to connect to");
		return WS_ERR_CONFIG;
	}
	fill_scalar_defaults(c, env);
	WS_TRY(expand_hostname(c, env->host_alias));
	WS_TRY(expand_paths(c, env, c->identity_files, c->nidentity_files));
	WS_TRY(expand_paths(c, env, c->user_known_hosts_files, c->nuser_known_hosts_files));
	struct cfg_alg_fields f = {c->ciphers, c->macs, c->kex_algorithms};
	return cfg_resolve_alg_fields(f, &c->set_mask_, &ssh_grammar, env->algs, c->error);
}
