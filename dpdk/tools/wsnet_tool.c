/* wsnet_tool.c — a test and benchmark driver for the userspace stack on one DPDK port: serves or
 * opens TCP connections that echo, sink, source or bounce data, hashing every byte with SHA-256,
 * and prints results and counters as parseable lines. `wsnet_tool gen N SEED` (no EAL) writes the
 * same deterministic byte stream to stdout for the kernel-side peer. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>

#include "warpssh/net.h"

#define CHUNK 65536
#define MAX_APP_CONNS 4096

enum app_kind { APP_NONE, APP_ECHO, APP_SINK, APP_SOURCE, APP_BOUNCE };

struct opts {
	bool serve;
	enum app_kind app;
	uint32_t ip, netmask, gw, peer;
	uint16_t port, port_id;
	uint64_t bytes, seed;
	unsigned conns, timeout_s, max_conns, syn_backlog;
	uint32_t rcvbuf, sndbuf;
	bool idle_sleep;
	bool nohash; /* benchmarks: skip SHA-256 */
};

struct app_conn {
	struct wsnet_conn *c;
	uint64_t sent, rcvd;
	EVP_MD_CTX *tx_hash, *rx_hash;
	bool closed, failed, eof;
};

static volatile sig_atomic_t stop_flag;
static uint8_t scratch[CHUNK];
static bool hashing = true;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Deterministic stream: byte i is byte (i % 8) of splitmix64(seed + i / 8). */
static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void pattern(uint64_t seed, uint64_t off, uint8_t *out, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint64_t pos = off + i, v = splitmix(seed + pos / 8);
		unsigned k = (unsigned)(pos % 8);
		if (k == 0 && len - i >= 8) {
			memcpy(out + i, &v, 8);
			i += 8;
			continue;
		}
		out[i++] = (uint8_t)(v >> (8 * k));
	}
}

static int run_gen(uint64_t n, uint64_t seed)
{
	uint64_t off = 0;
	while (off < n) {
		size_t len = n - off < CHUNK ? (size_t)(n - off) : CHUNK;
		pattern(seed, off, scratch, len);
		if (fwrite(scratch, 1, len, stdout) != len)
			return 1;
		off += len;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

static void hex_digest(EVP_MD_CTX *h, char out[65])
{
	uint8_t d[32];
	unsigned dl = 0;
	EVP_DigestFinal_ex(h, d, &dl);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int parse_cidr(const char *s, uint32_t *ip, uint32_t *mask)
{
	char a[32];
	unsigned len = 24;
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = 0;
	if (slash != NULL)
		len = (unsigned)atoi(slash + 1);
	if (wsnet_parse_ip(a, ip) < 0 || len == 0 || len > 32)
		return -1;
	*mask = len == 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);
	return 0;
}

static enum app_kind app_from(const char *s)
{
	if (strcmp(s, "echo") == 0)
		return APP_ECHO;
	if (strcmp(s, "sink") == 0)
		return APP_SINK;
	if (strcmp(s, "source") == 0)
		return APP_SOURCE;
	if (strcmp(s, "bounce") == 0)
		return APP_BOUNCE;
	return APP_NONE;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"serve", no_argument, 0, 's'}, {"app", required_argument, 0, 'a'},
		{"ip", required_argument, 0, 'i'}, {"gw", required_argument, 0, 'g'}, {"peer", required_argument, 0, 'P'},
		{"port", required_argument, 0, 'p'}, {"bytes", required_argument, 0, 'b'},
		{"seed", required_argument, 0, 'S'}, {"conns", required_argument, 0, 'n'},
		{"timeout", required_argument, 0, 't'}, {"rcvbuf", required_argument, 0, 'r'},
		{"sndbuf", required_argument, 0, 'w'}, {"max-conns", required_argument, 0, 'm'},
		{"syn-backlog", required_argument, 0, 'B'}, {"idle-sleep", no_argument, 0, 'I'},
		{"port-id", required_argument, 0, 'D'}, {"nohash", no_argument, 0, 'H'}, {0, 0, 0, 0}};
	memset(o, 0, sizeof(*o));
	o->conns = 1;
	o->timeout_s = 60;
	o->max_conns = 4096;
	o->syn_backlog = 256;
	o->rcvbuf = 4u << 20;
	o->sndbuf = 4u << 20;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o->serve = true; break;
		case 'a': o->app = app_from(optarg); break;
		case 'i': if (parse_cidr(optarg, &o->ip, &o->netmask) < 0) return -1; break;
		case 'g': if (wsnet_parse_ip(optarg, &o->gw) < 0) return -1; break;
		case 'P': if (wsnet_parse_ip(optarg, &o->peer) < 0) return -1; break;
		case 'p': o->port = (uint16_t)atoi(optarg); break;
		case 'b': o->bytes = strtoull(optarg, NULL, 0); break;
		case 'S': o->seed = strtoull(optarg, NULL, 0); break;
		case 'n': o->conns = (unsigned)atoi(optarg); break;
		case 't': o->timeout_s = (unsigned)atoi(optarg); break;
		case 'r': o->rcvbuf = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'w': o->sndbuf = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm': o->max_conns = (unsigned)atoi(optarg); break;
		case 'B': o->syn_backlog = (unsigned)atoi(optarg); break;
		case 'I': o->idle_sleep = true; break;
		case 'D': o->port_id = (uint16_t)atoi(optarg); break;
		case 'H': o->nohash = true; break;
		default: return -1;
		}
	}
	if (o->ip == 0 || o->port == 0 || o->conns == 0 || o->conns > MAX_APP_CONNS || (!o->serve && o->peer == 0))
		return -1;
	return 0;
}

static void app_conn_init(struct app_conn *a, struct wsnet_conn *c)
{
	memset(a, 0, sizeof(*a));
	a->c = c;
	a->tx_hash = EVP_MD_CTX_new();
	a->rx_hash = EVP_MD_CTX_new();
	EVP_DigestInit_ex(a->tx_hash, EVP_sha256(), NULL);
	EVP_DigestInit_ex(a->rx_hash, EVP_sha256(), NULL);
}

static void print_conn_result(const struct opts *o, unsigned idx, struct app_conn *a)
{
	char tx[65], rx[65];
	struct wsnet_conn_stats s;
	hex_digest(a->tx_hash, tx);
	hex_digest(a->rx_hash, rx);
	wsnet_conn_stats(a->c, &s);
	if (o->app == APP_BOUNCE && strcmp(tx, rx) != 0)
		a->failed = true;
	if (o->conns <= 4)
		printf("RESULT conn=%u sent=%lu rcvd=%lu tx_sha256=%s rx_sha256=%s failed=%d\n", idx, a->sent, a->rcvd,
			tx, rx, a->failed);
	printf("CONNSTATS conn=%u retransmits=%lu fast_retransmits=%lu timeouts=%lu ooo=%lu dup=%lu drops=%lu "
	       "recoveries=%lu undos=%lu zwp=%lu srtt_us=%u cwnd=%u mss=%u sack=%d ts=%d ws=%d\n",
		idx, s.retransmits, s.fast_retransmits, s.timeouts, s.ooo_segments, s.dup_segments, s.drops,
		s.recoveries, s.undos, s.zero_window_probes, s.srtt_us, s.cwnd, s.mss, s.sack, s.timestamps, s.wscale);
	EVP_MD_CTX_free(a->tx_hash);
	EVP_MD_CTX_free(a->rx_hash);
	a->tx_hash = a->rx_hash = NULL;
}

/* Send pattern bytes until o->bytes are queued. */
static void pump_source(const struct opts *o, struct app_conn *a)
{
	while (a->sent < o->bytes) {
		size_t space = wsnet_send_space(a->c);
		size_t n = o->bytes - a->sent < CHUNK ? (size_t)(o->bytes - a->sent) : CHUNK;
		n = n < space ? n : space;
		if (n == 0)
			return;
		pattern(o->seed, a->sent, scratch, n);
		int rc = wsnet_send(a->c, scratch, n);
		if (rc <= 0)
			return;
		if (hashing)
			EVP_DigestUpdate(a->tx_hash, scratch, (size_t)rc);
		a->sent += (uint64_t)rc;
	}
}

/* Read what is there; echo it back if asked (only as much as the send buffer takes). */
static void pump_receive(struct app_conn *a, bool echo)
{
	for (;;) {
		size_t want = CHUNK;
		if (echo) {
			size_t space = wsnet_send_space(a->c);
			want = space < want ? space : want;
			if (want == 0)
				return;
		}
		int rc = wsnet_recv(a->c, scratch, want);
		if (rc == WS_ERR_EOF) {
			a->eof = true;
			return;
		}
		if (rc < 0) {
			a->failed = true;
			return;
		}
		if (rc == 0)
			return;
		if (hashing)
			EVP_DigestUpdate(a->rx_hash, scratch, (size_t)rc);
		a->rcvd += (uint64_t)rc;
		if (echo) {
			int w = wsnet_send(a->c, scratch, (size_t)rc);
			if (w == rc) {
				if (hashing)
					EVP_DigestUpdate(a->tx_hash, scratch, (size_t)rc);
				a->sent += (uint64_t)rc;
			} else {
				a->failed = true;
			}
		}
	}
}

/* Drive one connection; returns true once it is finished (closed by us). */
static bool app_step(const struct opts *o, struct app_conn *a)
{
	if (a->closed)
		return true;
	uint32_t ev = wsnet_conn_events(a->c);
	if (ev & WSNET_EV_ERROR)
		a->failed = true;
	if (!(ev & WSNET_EV_CONNECTED) && !a->failed)
		return false;
	bool done = a->failed;
	switch (o->app) {
	case APP_SOURCE:
		pump_source(o, a);
		pump_receive(a, false);
		done = done || (a->sent == o->bytes && (ev & WSNET_EV_SENT_ALL));
		break;
	case APP_BOUNCE: /* send bytes, expect them echoed back */
		pump_source(o, a);
		pump_receive(a, false);
		done = done || a->rcvd >= o->bytes;
		break;
	case APP_ECHO:
	case APP_SINK:
	case APP_NONE:
		pump_receive(a, o->app == APP_ECHO);
		done = done || (a->eof && (ev & WSNET_EV_SENT_ALL));
		break;
	}
	return done;
}

struct runner {
	struct opts o;
	struct wsnet_stack *st;
	struct wsnet_port *port;
	struct wsnet_listener *l;
	struct app_conn *conns;
	unsigned nconns, ndone, nfailed;
};

static void finish_conn(struct runner *r, unsigned i)
{
	struct app_conn *a = &r->conns[i];
	a->closed = true;
	r->ndone++;
	print_conn_result(&r->o, i, a);
	if (a->failed || (r->o.app == APP_BOUNCE && a->rcvd != r->o.bytes))
		r->nfailed++;
	wsnet_close(a->c);
}

static bool step_apps(struct runner *r)
{
	bool progress = false;
	if (r->l != NULL) {
		struct wsnet_conn *c;
		while (r->nconns < r->o.conns && (c = wsnet_accept(r->l)) != NULL) {
			app_conn_init(&r->conns[r->nconns++], c);
			progress = true;
		}
	}
	for (unsigned i = 0; i < r->nconns; i++) {
		struct app_conn *a = &r->conns[i];
		if (!a->closed && app_step(&r->o, a)) {
			finish_conn(r, i);
			progress = true;
		}
	}
	return progress;
}

static int setup(struct runner *r)
{
	struct wsnet_config cfg;
	struct rte_mempool *pool = wsnet_pool_create("wsnet_tool", 65535);
	if (pool == NULL || wsnet_port_open(r->o.port_id, 2048, pool, &r->port) < 0)
		return -1;
	wsnet_config_defaults(&cfg);
	wsnet_port_fill_config(r->port, &cfg);
	cfg.ip = r->o.ip;
	cfg.netmask = r->o.netmask;
	cfg.gateway = r->o.gw;
	cfg.rcvbuf = r->o.rcvbuf;
	cfg.sndbuf = r->o.sndbuf;
	cfg.max_conns = r->o.max_conns;
	if (wsnet_stack_new(&cfg, wsnet_now_us(), &r->st) < 0)
		return -1;
	r->conns = calloc(r->o.conns, sizeof(*r->conns));
	if (r->conns == NULL)
		return -1;
	if (r->o.serve)
		return wsnet_listen(r->st, r->o.port, 1024, r->o.syn_backlog, &r->l) < 0 ? -1 : 0;
	for (unsigned i = 0; i < r->o.conns; i++) {
		struct wsnet_conn *c;
		if (wsnet_connect(r->st, r->o.peer, r->o.port, &c) < 0)
			return -1;
		app_conn_init(&r->conns[r->nconns++], c);
	}
	return 0;
}

/* Keep the stack running briefly so our FINs and last ACKs reach the peer. */
static void linger(struct runner *r, uint64_t us)
{
	uint64_t end = wsnet_now_us() + us;
	while (wsnet_now_us() < end && !stop_flag) {
		struct wsnet_stack_stats s;
		wsnet_port_run_once(r->port, r->st);
		wsnet_stack_stats(r->st, &s);
		if (s.conns_active == 0)
			break;
	}
}

static int run(struct runner *r)
{
	uint64_t deadline = wsnet_now_us() + (uint64_t)r->o.timeout_s * 1000000;
	unsigned idle = 0;
	while (!stop_flag && r->ndone < r->o.conns && wsnet_now_us() < deadline) {
		uint16_t n = wsnet_port_run_once(r->port, r->st);
		bool progress = step_apps(r) || n > 0;
		idle = progress ? 0 : idle + 1;
		if (r->o.idle_sleep && idle > 2000)
			usleep(50);
	}
	bool timed_out = r->ndone < r->o.conns && !stop_flag && r->o.app != APP_NONE;
	linger(r, 1000000);
	char js[2048];
	wsnet_stack_stats_json(r->st, js, sizeof(js));
	printf("STATS %s\n", js);
	printf("SUMMARY done=%u failed=%u timed_out=%d\n", r->ndone, r->nfailed, timed_out);
	fflush(stdout);
	return (timed_out || r->nfailed > 0) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return run_gen(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0));
	int used = rte_eal_init(argc, argv);
	if (used < 0) {
		fprintf(stderr, "wsnet_tool: EAL init failed\n");
		return 2;
	}
	struct runner r;
	memset(&r, 0, sizeof(r));
	argv[used] = argv[0];
	if (parse_opts(argc - used, argv + used, &r.o) < 0) {
		fprintf(stderr, "usage: wsnet_tool EAL-ARGS -- --ip A.B.C.D/LEN (--serve | --peer IP) --port P "
				"[--app echo|sink|source|bounce] [--bytes N] [--seed S] [--conns N] [--timeout S]\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	hashing = !r.o.nohash;
	if (setup(&r) < 0) {
		fprintf(stderr, "wsnet_tool: setup failed\n");
		return 2;
	}
	struct wsnet_config shown;
	wsnet_port_fill_config(r.port, &shown);
	printf("READY offloads=0x%x\n", shown.offloads);
	fflush(stdout);
	int rc = run(&r);
	wsnet_stack_free(r.st);
	wsnet_port_close(r.port);
	free(r.conns);
	rte_eal_cleanup();
	return rc;
}
