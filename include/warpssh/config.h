/* config.h — sshd_config(5) and ssh_config(5) subsets: text in, struct out (sans-I/O), with
 * OpenSSH's rules: case-insensitive keywords, "Keyword value" or "Keyword=value", '#' comments,
 * quoted arguments, first obtained value wins, `-o Keyword=value` through the same parser.
 * Every error is WS_ERR_CONFIG with "origin:LINE: message" in cfg->error (also logged). */
#ifndef WARPSSH_CONFIG_H
#define WARPSSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/err.h"

#define WS_CFG_PATH_MAX 512u
#define WS_CFG_LIST_MAX 1024u   /* comma-separated algorithm / pattern lists */
#define WS_CFG_NAME_MAX 256u    /* host names, user names, patterns */
#define WS_CFG_ERR_MAX 320u
#define WS_CFG_MAX_PORTS 8u
#define WS_CFG_MAX_LISTEN 16u
#define WS_CFG_MAX_HOSTKEYS 8u
#define WS_CFG_MAX_AUTHKEYS_FILES 8u
#define WS_CFG_MAX_ACCEPTENV 32u
#define WS_CFG_MAX_SUBSYSTEMS 8u
#define WS_CFG_MAX_IDENTITIES 16u
#define WS_CFG_MAX_KNOWNHOSTS 4u
#define WS_CFG_MAX_TEXT (1024u * 1024u) /* file size cap for the file wrappers */
#define WS_CFG_DEFAULT_WINDOW (16u * 1024u * 1024u)

/* Algorithm names the caller supports and prefers; lists in the config may name only supported
 * algorithms and may use OpenSSH's "+add", "-remove" (globs) and "^front" forms against the
 * defaults. A NULL supported list accepts any name; a NULL default is "". */
struct ws_cfg_algs {
	const char *ciphers_default, *ciphers_supported;
	const char *macs_default, *macs_supported;
	const char *kex_default, *kex_supported;
};

/* RekeyLimit max-data [max-time]: bytes 0 = "default" (the cipher's own limit), seconds 0 = none. */
struct ws_rekey_limit {
	uint64_t bytes;
	uint32_t seconds;
};

struct ws_listen_addr {
	char host[WS_CFG_NAME_MAX]; /* address or name without brackets */
	uint16_t port;              /* 0: listen on every Port */
};

struct ws_subsystem {
	char name[64];
	char command[WS_CFG_PATH_MAX]; /* the rest of the line, arguments joined by single spaces */
};

/* --- sshd_config --- */
struct ws_sshd_config {
	uint16_t ports[WS_CFG_MAX_PORTS];           /* default {22} */
	unsigned nports;
	struct ws_listen_addr listen[WS_CFG_MAX_LISTEN]; /* default: none (all addresses) */
	unsigned nlisten;
	char host_keys[WS_CFG_MAX_HOSTKEYS][WS_CFG_PATH_MAX]; /* default /etc/ssh/ssh_host_ed25519_key */
	unsigned nhost_keys;
	/* with %h %u %% tokens unexpanded: see ws_sshd_expand_authkeys_path(); "none" gives 0 files.
	 * default ".ssh/authorized_keys .ssh/authorized_keys2" */
	char authorized_keys_files[WS_CFG_MAX_AUTHKEYS_FILES][WS_CFG_PATH_MAX];
	unsigned nauthorized_keys_files;
	bool password_authentication;   /* default yes */
	bool pubkey_authentication;     /* default yes */
	char ciphers[WS_CFG_LIST_MAX];  /* after finish: the resolved list */
	char macs[WS_CFG_LIST_MAX];
	char kex_algorithms[WS_CFG_LIST_MAX];
	struct ws_rekey_limit rekey_limit; /* default "default none" */
	unsigned max_startups_begin, max_startups_rate, max_startups_full; /* default 10:30:100 */
	unsigned max_sessions;          /* default 10 */
	unsigned max_auth_tries;        /* default 6 */
	unsigned login_grace_time;      /* seconds, default 120; 0 = no limit */
	char accept_env[WS_CFG_MAX_ACCEPTENV][WS_CFG_NAME_MAX]; /* glob patterns, default none */
	unsigned naccept_env;
	struct ws_subsystem subsystems[WS_CFG_MAX_SUBSYSTEMS];
	unsigned nsubsystems;
	char banner[WS_CFG_PATH_MAX];   /* "" = none (the default) */
	int log_level;                  /* enum ws_log_level, default INFO */
	uint32_t channel_window_size;   /* warpssh extension: bytes, default 16 MiB */
	char error[WS_CFG_ERR_MAX];
	uint64_t set_mask_;             /* internal: keywords already set (first value wins) */
};

void ws_sshd_config_init(struct ws_sshd_config *c);
/* Parse a whole sshd_config text; origin (e.g. the file name) prefixes error messages. */
WS_MUST_USE int ws_sshd_config_parse(struct ws_sshd_config *c, const char *text, size_t len, const char *origin);
/* One `-o Keyword=value` (or "Keyword value") from the command line. Apply these BEFORE the file:
 * the first obtained value wins, exactly as in sshd. */
WS_MUST_USE int ws_sshd_config_apply_option(struct ws_sshd_config *c, const char *line);
/* Fill defaults for everything unset and resolve the algorithm lists (algs may be NULL). */
WS_MUST_USE int ws_sshd_config_finish(struct ws_sshd_config *c, const struct ws_cfg_algs *algs);
/* Expand an AuthorizedKeysFile entry: %h home, %u user, %U numeric uid, %% '%'; a relative result
 * is taken relative to home (sshd(8)). WS_ERR_CONFIG on an unknown token, WS_ERR_NO_SPACE if long. */
WS_MUST_USE int ws_sshd_expand_authkeys_path(const char *pattern, const char *user, unsigned uid,
					     const char *home, char *out, size_t outsz);
/* Is environment variable name accepted by AcceptEnv? */
bool ws_sshd_config_accepts_env(const struct ws_sshd_config *c, const char *name);
/* Load a file (io/keyfile.c): parse + nothing else; call finish afterwards. */
WS_MUST_USE int ws_sshd_config_load_file(struct ws_sshd_config *c, const char *path);
/* The whole server sequence (io/keyfile.c): init, the -o options in order, the file, finish. */
WS_MUST_USE int ws_sshd_config_load(struct ws_sshd_config *c, const char *path, const char *const *options,
				    size_t noptions, const struct ws_cfg_algs *algs);

/* --- ssh_config --- */
enum ws_strict_hostkey {
	WS_SHK_ASK = 0,     /* default: ask (BatchMode makes it behave like yes) */
	WS_SHK_YES,         /* never add keys; refuse unknown or changed hosts */
	WS_SHK_NO,          /* add unknown keys; still refuse changed ones */
	WS_SHK_ACCEPT_NEW,  /* add unknown keys without asking; refuse changed ones */
};

struct ws_ssh_config {
	char hostname[WS_CFG_NAME_MAX];  /* default: the alias; %h and %% expanded */
	uint16_t port;                   /* default 22 */
	char user[WS_CFG_NAME_MAX];      /* default: the local user */
	char identity_files[WS_CFG_MAX_IDENTITIES][WS_CFG_PATH_MAX]; /* ~, %d %u %h %r %p %% expanded at
	                                  * finish; default ~/.ssh/id_ed25519 */
	unsigned nidentity_files;
	bool identities_only;
	char ciphers[WS_CFG_LIST_MAX];
	char macs[WS_CFG_LIST_MAX];
	char kex_algorithms[WS_CFG_LIST_MAX];
	struct ws_rekey_limit rekey_limit;
	unsigned server_alive_interval;  /* seconds, 0 = off (default) */
	unsigned server_alive_count_max; /* default 3 */
	unsigned connect_timeout;        /* seconds, 0 = the system's (default) */
	bool batch_mode;
	enum ws_strict_hostkey strict_host_key_checking;
	char user_known_hosts_files[WS_CFG_MAX_KNOWNHOSTS][WS_CFG_PATH_MAX]; /* default
	                                  * ~/.ssh/known_hosts ~/.ssh/known_hosts2; "none" gives 0 */
	unsigned nuser_known_hosts_files;
	bool hash_known_hosts;           /* write new known_hosts entries hashed */
	bool compression;                /* requested; warpssh never offers zlib (warned at parse) */
	int log_level;                   /* enum ws_log_level, default INFO */
	char ignore_unknown[WS_CFG_LIST_MAX]; /* IgnoreUnknown patterns */
	char error[WS_CFG_ERR_MAX];
	uint64_t set_mask_;
};

/* What finish needs from the environment (the caller looks these up; the parser does no I/O). */
struct ws_ssh_config_env {
	const char *host_alias;          /* as given on the command line */
	const char *local_user;
	const char *home;                /* for ~ and %d */
	const struct ws_cfg_algs *algs;  /* may be NULL */
};

void ws_ssh_config_init(struct ws_ssh_config *c);
/* `-o Keyword=value`; apply before the files (first obtained value wins). Host/Match refused. */
WS_MUST_USE int ws_ssh_config_apply_option(struct ws_ssh_config *c, const char *line);
/* Parse one config text for host_alias: lines before the first Host line and inside Host blocks
 * whose patterns match the alias apply (ssh_config(5) PATTERNS, '!' negates the whole line).
 * Lines in other blocks are still checked for errors. Call for ~/.ssh/config then the system file. */
WS_MUST_USE int ws_ssh_config_parse(struct ws_ssh_config *c, const char *text, size_t len,
				    const char *origin, const char *host_alias);
/* Fill defaults, expand HostName/IdentityFile/UserKnownHostsFile tokens, resolve algorithm lists. */
WS_MUST_USE int ws_ssh_config_finish(struct ws_ssh_config *c, const struct ws_ssh_config_env *env);
/* Load a file (io/keyfile.c); a missing file is WS_ERR_NOT_FOUND without an error message. */
WS_MUST_USE int ws_ssh_config_load_file(struct ws_ssh_config *c, const char *path, const char *host_alias);
/* The whole client sequence (io/keyfile.c): init, the -o options in order, each file that exists
 * (e.g. ~/.ssh/config then /etc/ssh/ssh_config; missing ones are skipped), finish. */
WS_MUST_USE int ws_ssh_config_resolve(struct ws_ssh_config *c, const char *const *options, size_t noptions,
				      const char *const *paths, size_t npaths, const struct ws_ssh_config_env *env);

#endif
