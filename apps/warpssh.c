/* warpssh.c — the warpssh(1) command: ssh(1)'s command line (options before and after the host,
 * the remaining words joined into the remote command), -o and ssh_config with "first value wins",
 * then ws_client_run(). Exit status: the remote command's, 255 for errors. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warpssh/client.h"
#include "warpssh/crypto.h"
#include "warpssh/log.h"
#include "warpssh/transport.h"

#define EXIT_USAGE 255
#define COMMAND_MAX (256u * 1024u)

struct cli_args {
	struct ws_client_options opt;
	const char *config_file; /* -F */
	char *host;              /* [user@]host as given */
	const char *user_at;     /* user from user@host */
	int verbosity;           /* -v count */
	char *command;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: warpssh [-NqTtv] [-c cipher_spec] [-F configfile] [-i identity_file]\n"
		"               [-L [bind_address:]port:host:hostport] [-l login_name] [-m mac_spec]\n"
		"               [-o option] [-p port] [-s] [user@]hostname [command [argument ...]]\n");
	exit(EXIT_USAGE);
}

static void log_sink(enum ws_log_level level, const char *msg, void *arg)
{
	(void)arg;
	const char *prefix = level == WS_LOG_DEBUG ? "debug2: " : level == WS_LOG_VERBOSE ? "debug1: " : "";
	fprintf(stderr, "%s%s%s", prefix, msg, isatty(STDERR_FILENO) ? "\r\n" : "\n");
}

/* An option as an ssh_config line ("Keyword value"); first obtained value wins. */
static void apply(struct cli_args *a, const char *keyword, const char *value)
{
	char line[WS_CFG_PATH_MAX + 64];
	if (value != NULL)
		snprintf(line, sizeof(line), "%s %s", keyword, value);
	else
		snprintf(line, sizeof(line), "%s", keyword);
	if (ws_ssh_config_apply_option(&a->opt.cfg, line) != WS_OK) {
		fprintf(stderr, "warpssh: %s\n", a->opt.cfg.error);
		exit(EXIT_USAGE);
	}
}

/* Split "a:b:c" honouring [v6] brackets; returns the number of fields. */
static int split_colons(char *s, char *fields[], int max)
{
	int n = 0;
	while (s != NULL && n < max) {
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL)
				return -1;
			*close = '\0';
			fields[n++] = s + 1;
			s = close[1] == ':' ? close + 2 : NULL;
			continue;
		}
		fields[n++] = s;
		s = strchr(s, ':');
		if (s != NULL)
			*s++ = '\0';
	}
	return s == NULL ? n : -1;
}

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static void add_forward(struct cli_args *a, const char *spec)
{
	char copy[2 * WS_CFG_NAME_MAX], *f[4];
	struct ws_client_forward *fw = &a->opt.forwards[a->opt.nforwards];
	snprintf(copy, sizeof(copy), "%s", spec);
	int n = split_colons(copy, f, 4);
	int base = n == 4 ? 1 : 0;
	if (a->opt.nforwards == WS_CLIENT_MAX_FORWARDS || (n != 3 && n != 4) ||
	    !parse_port(f[base], &fw->port) || !parse_port(f[base + 2], &fw->host_port) || f[base + 1][0] == '\0') {
		fprintf(stderr, "Bad local forwarding specification '%s'\n", spec);
		exit(EXIT_USAGE);
	}
	snprintf(fw->bind, sizeof(fw->bind), "%s", n == 4 ? f[0] : "");
	snprintf(fw->host, sizeof(fw->host), "%s", f[base + 1]);
	a->opt.nforwards++;
}

static void parse_option(struct cli_args *a, int ch, const char *arg)
{
	switch (ch) {
	case 'p': apply(a, "Port", arg); break;
	case 'l': apply(a, "User", arg); break;
	case 'i': apply(a, "IdentityFile", arg); break;
	case 'c': apply(a, "Ciphers", arg); break;
	case 'm': apply(a, "MACs", arg); break;
	case 'o': apply(a, arg, NULL); break;
	case 'F': a->config_file = arg; break;
	case 'L': add_forward(a, arg); break;
	case 'N': a->opt.no_session = true; break;
	case 's': a->opt.subsystem = true; break;
	case 'T': a->opt.tty = WS_TTY_NO; break;
	case 't': a->opt.tty = a->opt.tty == WS_TTY_YES ? WS_TTY_FORCE : WS_TTY_YES; break;
	case 'v': a->verbosity++; break;
	case 'q': a->opt.quiet = true; break;
	case 'C': apply(a, "Compression", "yes"); break;
	case '4': case '6': case 'a': case 'x': case 'k': case 'e': break; /* accepted, no effect */
	default: usage();
	}
}

/* Options, then [user@]host, then (as ssh) more options, then the command words. */
static void parse_args(struct cli_args *a, int argc, char **argv)
{
	static const char optstring[] = "+p:l:i:c:m:o:F:L:NsTtvqC46axke:";
	int ch;
	while (optind < argc) {
		while ((ch = getopt(argc, argv, optstring)) != -1)
			parse_option(a, ch, optarg);
		if (optind >= argc || a->host != NULL)
			break;
		a->host = argv[optind++];
		if (optind < argc && argv[optind][0] != '-')
			break;
	}
	if (a->host == NULL)
		usage();
	size_t len = 0;
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (len == 0 || len > COMMAND_MAX) {
		if (len > COMMAND_MAX)
			usage();
		return;
	}
	a->command = calloc(1, len);
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(a->command, " ");
		strcat(a->command, argv[i]);
	}
	a->opt.command = a->command;
}

static void split_user_host(struct cli_args *a)
{
	char *at = strrchr(a->host, '@');
	if (at == NULL)
		return;
	*at = '\0';
	a->user_at = a->host;
	a->host = at + 1;
	if (a->user_at[0] == '\0' || a->host[0] == '\0')
		usage();
}

static void load_config(struct cli_args *a, const char *home)
{
	char path[WS_CFG_PATH_MAX];
	const char *file = a->config_file;
	if (file != NULL && (strcmp(file, "none") == 0 || strcmp(file, "/dev/null") == 0))
		return; /* no configuration at all */
	if (file == NULL) {
		snprintf(path, sizeof(path), "%s/.ssh/config", home);
		file = path;
	}
	int rc = ws_ssh_config_load_file(&a->opt.cfg, file, a->host);
	if (rc == WS_ERR_NOT_FOUND && a->config_file == NULL)
		return;
	if (rc != WS_OK) {
		fprintf(stderr, "warpssh: %s: %s\n", file,
			a->opt.cfg.error[0] ? a->opt.cfg.error : ws_strerror(rc));
		exit(EXIT_USAGE);
	}
}

static void finish_config(struct cli_args *a, const char *home, const char *local_user)
{
	const struct ws_cfg_algs algs = {
		.ciphers_default = ws_cipher_default_list(), .macs_default = ws_mac_default_list(),
		.kex_default = ws_transport_default_kex_list(),
	};
	struct ws_ssh_config_env env = {.host_alias = a->host, .local_user = local_user, .home = home, .algs = &algs};
	if (ws_ssh_config_finish(&a->opt.cfg, &env) != WS_OK) {
		fprintf(stderr, "warpssh: %s\n", a->opt.cfg.error);
		exit(EXIT_USAGE);
	}
	a->opt.host_alias = a->host;
}

static void set_log_level(const struct cli_args *a)
{
	if (a->opt.quiet)
		ws_log_set_level(WS_LOG_ERROR);
	else if (a->verbosity > 0)
		ws_log_set_level(a->verbosity > 1 ? WS_LOG_DEBUG : WS_LOG_VERBOSE);
	else
		ws_log_set_level((enum ws_log_level)a->opt.cfg.log_level);
}

int main(int argc, char **argv)
{
	static struct cli_args a; /* large: keep it off the stack */
	struct passwd *pw = getpwuid(getuid());
	const char *home = getenv("HOME");
	if (pw == NULL) {
		fprintf(stderr, "warpssh: no user exists for uid %u\n", (unsigned)getuid());
		return EXIT_USAGE;
	}
	if (home == NULL || home[0] == '\0')
		home = pw->pw_dir;
	ws_log_set_sink(log_sink, NULL);
	ws_ssh_config_init(&a.opt.cfg);
	parse_args(&a, argc, argv);
	split_user_host(&a);
	if (a.user_at != NULL)
		apply(&a, "User", a.user_at);
	if (a.opt.subsystem && a.opt.command == NULL)
		usage();
	set_log_level(&a); /* -v also covers config parsing */
	load_config(&a, home);
	finish_config(&a, home, pw->pw_name);
	set_log_level(&a);
	int code = ws_client_run(&a.opt);
	free(a.command);
	return code;
}
