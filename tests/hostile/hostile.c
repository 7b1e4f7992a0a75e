/* hostile.c — a hostile SSH client for the hardening tests: each mode misbehaves in one bounded
 * way against a loopback server and prints machine-readable "hostile mode=... key=value" lines;
 * the exit status says only whether the action was performed (the tests judge the server).
 * Usage: hostile MODE -p PORT [-H ADDR] [-n N] [-t HOLD_S] [-T LIMIT_S] [-I INTERVAL_MS]
 *        [-i KEYFILE] [-l USER] [-c COMMAND] [-w WINDOW] [-L LISTEN_PORT] [-o OFFSET] [-S]
 * Modes: halfopen drip hugelen channels nowindow terrapin macflip (see docs/security.md). */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"

struct mode {
	const char *name;
	int (*run)(const struct hopts *o);
	unsigned default_count, max_count;
	bool needs_key;
};

static const struct mode g_modes[] = {
    {"halfopen", h_mode_halfopen, 50, H_MAX_HALFOPEN, false},
    {"drip", h_mode_drip, 20, H_MAX_DRIP, false},
    {"hugelen", h_mode_hugelen, 1, 1, false},
    {"channels", h_mode_channels, 10000, H_MAX_CHANNELS, true},
    {"nowindow", h_mode_nowindow, 1, 1, true},
    {"terrapin", h_mode_terrapin, 1, 1, false},
    {"macflip", h_mode_macflip, 1, 1, false},
};

static void usage(void)
{
	fprintf(stderr, "usage: hostile MODE -p PORT [-H ADDR] [-n N] [-t HOLD_S] [-T LIMIT_S] "
			"[-I INTERVAL_MS] [-i KEYFILE] [-l USER] [-c COMMAND] [-w WINDOW] "
			"[-L LISTEN_PORT] [-o OFFSET] [-S]\n"
			"modes: halfopen drip hugelen channels nowindow terrapin macflip\n");
}

static const struct mode *find_mode(const char *name)
{
	for (size_t i = 0; i < sizeof(g_modes) / sizeof(g_modes[0]); i++)
		if (strcmp(g_modes[i].name, name) == 0)
			return &g_modes[i];
	return NULL;
}

/* A decimal number in [lo, hi]; false otherwise. */
static bool parse_num(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v)
{
	char *end;
	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	*v = strtoull(s, &end, 10);
	return *end == '\0' && *v >= lo && *v <= hi;
}

static void set_defaults(struct hopts *o, const struct mode *m)
{
	const struct passwd *pw = getpwuid(getuid());
	memset(o, 0, sizeof(*o));
	o->mode = m->name;
	snprintf(o->host, sizeof(o->host), "127.0.0.1");
	o->count = m->default_count;
	o->hold_s = 5;
	o->limit_s = 60;
	o->interval_ms = 1000;
	o->user = pw != NULL ? pw->pw_name : "root";
	o->command = "cat /dev/zero";
	o->window = 2u << 20;
	o->flip_offset = 256u * 1024u;
}

/* Numeric options and their accepted ranges ('n' depends on the mode). */
static const struct num_opt {
	char opt;
	unsigned long long lo, hi;
} g_num_opts[] = {
    {'p', 1, 65535},	  {'t', 0, H_MAX_SECONDS}, {'T', 1, H_MAX_SECONDS}, {'I', 0, 10000},
    {'w', 1, UINT32_MAX}, {'L', 0, 65535},	   {'o', 0, 1ull << 40},
};

/* The accepted range of a numeric option; false if c is not one. */
static bool num_range(int c, const struct mode *m, unsigned long long *lo, unsigned long long *hi)
{
	if (c == 'n') {
		*lo = strcmp(m->name, "drip") == 0 ? 10 : 1; /* a version line needs 10 bytes */
		*hi = m->max_count;
		return true;
	}
	for (size_t i = 0; i < sizeof(g_num_opts) / sizeof(g_num_opts[0]); i++)
		if (g_num_opts[i].opt == c) {
			*lo = g_num_opts[i].lo;
			*hi = g_num_opts[i].hi;
			return true;
		}
	return false;
}

static void store_num(struct hopts *o, int c, unsigned long long v)
{
	switch (c) {
	case 'p':
		o->port = (uint16_t)v;
		break;
	case 'n':
		o->count = (unsigned)v;
		break;
	case 't':
		o->hold_s = (unsigned)v;
		break;
	case 'T':
		o->limit_s = (unsigned)v;
		break;
	case 'I':
		o->interval_ms = (unsigned)v;
		break;
	case 'w':
		o->window = (uint32_t)v;
		break;
	case 'L':
		o->listen_port = (uint16_t)v;
		break;
	default:
		o->flip_offset = v;
		break;
	}
}

/* One option; false on a bad value. */
static bool apply_option(struct hopts *o, const struct mode *m, int c, const char *arg)
{
	unsigned long long lo, hi, v;
	switch (c) {
	case 'H':
		return snprintf(o->host, sizeof(o->host), "%s", arg) < (int)sizeof(o->host);
	case 'i':
		o->key_file = arg;
		return true;
	case 'l':
		o->user = arg;
		return true;
	case 'c':
		o->command = arg;
		return true;
	case 'S':
		o->no_strict = true;
		return true;
	default:
		break;
	}
	if (!num_range(c, m, &lo, &hi) || !parse_num(arg, lo, hi, &v))
		return false;
	store_num(o, c, v);
	return true;
}

static int parse_args(int argc, char **argv, struct hopts *o)
{
	const struct mode *m = argc > 1 ? find_mode(argv[1]) : NULL;
	int c;
	if (m == NULL) {
		usage();
		return H_EXIT_USAGE;
	}
	set_defaults(o, m);
	optind = 2;
	while ((c = getopt(argc, argv, "H:p:n:t:T:I:i:l:c:w:L:o:S")) != -1)
		if (!apply_option(o, m, c, optarg)) {
			fprintf(stderr, "hostile: bad option -%c %s\n", c, optarg ? optarg : "");
			return H_EXIT_USAGE;
		}
	if (optind != argc || o->port == 0 || (m->needs_key && o->key_file == NULL)) {
		usage();
		return H_EXIT_USAGE;
	}
	if (!h_is_loopback(o->host)) {
		fprintf(stderr, "hostile: refusing %s: only numeric loopback addresses (127.0.0.0/8, ::1)\n",
			o->host);
		return H_EXIT_USAGE;
	}
	return H_EXIT_DONE;
}

int main(int argc, char **argv)
{
	struct hopts o;
	int rc = parse_args(argc, argv, &o);
	if (rc != H_EXIT_DONE)
		return rc;
	h_install_signals();
	h_set_deadline(h_now_ms() + (int64_t)o.limit_s * 1000);
	return find_mode(o.mode)->run(&o);
}
