/* hraw.c — the hostile modes that need no SSH state: halfopen (connections that never send a
 * version line), drip (a version line one byte at a time) and hugelen (a 2^31 packet length
 * right after the version exchange). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hostile.h"

#define CONNECT_PHASE_MS 5000
#define HUGE_LENGTH 0x80000000u
#define SCAN_MAX (64u * 1024u)

/* ---------------------------------------------------------------- halfopen */

struct half_conn {
	int fd;
	bool connected, closed, refused;
	int64_t t_connected, t_closed;
};

struct half_stats {
	unsigned connected, refused, closed, banners;
};

static void raise_fd_limit(unsigned need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 64) {
		rl.rlim_cur = need + 64 < rl.rlim_max ? need + 64 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void half_on_connect(struct half_conn *c, struct half_stats *st)
{
	if (h_connect_wait(c->fd, h_now_ms()) == WS_OK) {
		c->connected = true;
		c->t_connected = h_now_ms();
		st->connected++;
	} else {
		c->refused = true;
		st->refused++;
	}
}

static void half_on_input(struct half_conn *c, struct half_stats *st)
{
	uint8_t buf[512];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	if (n > 0) {
		st->banners++;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c->closed = true;
	c->t_closed = h_now_ms();
	st->closed++;
}

/* One poll over every socket still in play; false when none is. */
static bool half_round(struct half_conn *cs, unsigned n, struct pollfd *pf, struct half_stats *st)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct half_conn *c = &cs[i];
		if (c->fd < 0 || c->refused || c->closed)
			continue;
		pf[k++] = (struct pollfd){c->fd, (short)(c->connected ? POLLIN : POLLOUT), 0};
	}
	if (k == 0)
		return false;
	if (poll(pf, k, 100) <= 0)
		return true;
	for (unsigned i = 0, j = 0; i < n && j < k; i++) {
		struct half_conn *c = &cs[i];
		if (c->fd != pf[j].fd)
			continue;
		if (pf[j].revents != 0)
			c->connected ? half_on_input(c, st) : half_on_connect(c, st);
		j++;
	}
	return true;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void half_report(const struct hopts *o, struct half_conn *cs, const struct half_stats *st,
			int64_t start)
{
	int64_t *t = calloc(st->closed + 1, sizeof(*t));
	unsigned m = 0;
	for (unsigned i = 0; i < o->count && t != NULL; i++)
		if (cs[i].closed)
			t[m++] = cs[i].t_closed - cs[i].t_connected;
	if (t != NULL)
		qsort(t, m, sizeof(*t), cmp_i64);
	int64_t first = m > 0 ? t[0] : -1, med = m > 0 ? t[m / 2] : -1, last = m > 0 ? t[m - 1] : -1;
	h_result("halfopen",
		 "phase=done opened=%u connected=%u refused=%u server_closed=%u still_open=%u "
		 "banners=%u first_close_ms=%lld median_close_ms=%lld last_close_ms=%lld elapsed_ms=%lld",
		 o->count, st->connected, st->refused, st->closed, st->connected - st->closed, st->banners,
		 (long long)first, (long long)med, (long long)last, (long long)(h_now_ms() - start));
	free(t);
}

int h_mode_halfopen(const struct hopts *o)
{
	struct half_stats st = {0};
	int64_t start = h_now_ms();
	raise_fd_limit(o->count);
	struct half_conn *cs = calloc(o->count, sizeof(*cs));
	struct pollfd *pf = calloc(o->count, sizeof(*pf));
	if (cs == NULL || pf == NULL)
		return H_EXIT_FAILED;
	for (unsigned i = 0; i < o->count; i++)
		if (h_connect_start(o->host, o->port, &cs[i].fd) != WS_OK) {
			cs[i].refused = true;
			st.refused++;
		}
	int64_t connect_end = start + CONNECT_PHASE_MS;
	while (st.connected + st.refused < o->count && h_now_ms() < connect_end &&
	       half_round(cs, o->count, pf, &st))
		;
	h_result("halfopen", "phase=holding connected=%u refused=%u", st.connected, st.refused);
	int64_t hold_end = h_now_ms() + (int64_t)o->hold_s * 1000;
	while (!h_hold_interrupted() && h_now_ms() < hold_end && h_now_ms() < h_deadline() &&
	       half_round(cs, o->count, pf, &st))
		;
	half_report(o, cs, &st, start);
	for (unsigned i = 0; i < o->count; i++)
		if (cs[i].fd >= 0)
			close(cs[i].fd);
	free(cs);
	free(pf);
	return st.connected > 0 ? H_EXIT_DONE : H_EXIT_FAILED;
}

/* ---------------------------------------------------------------- server bytes */

/* What a raw client saw from the server: its version line, later bytes, the end. */
struct rx_seen {
	uint8_t buf[SCAN_MAX];
	size_t len;	   /* bytes kept (after the version line) */
	size_t total;	   /* all bytes received */
	bool version_seen; /* a whole first line arrived */
	bool closed;
	int64_t t_closed;
};

static void rx_take(struct rx_seen *rx, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rx->total++;
		if (!rx->version_seen) {
			rx->version_seen = p[i] == '\n';
			continue;
		}
		if (rx->len < sizeof(rx->buf))
			rx->buf[rx->len++] = p[i];
	}
}

/* Read for up to wait_ms (one poll); records the close. */
static void rx_poll(int fd, struct rx_seen *rx, int wait_ms)
{
	uint8_t tmp[4096];
	if (rx->closed)
		return;
	int n = h_read_some(fd, tmp, sizeof(tmp), wait_ms);
	if (n > 0) {
		rx_take(rx, tmp, (size_t)n);
	} else if (n == 0 || n == WS_ERR_IO) {
		rx->closed = true;
		rx->t_closed = h_now_ms();
	}
}

/* Read until cond holds, the server closes, or the deadline passes. */
static void rx_until(int fd, struct rx_seen *rx, bool (*cond)(const struct rx_seen *), int64_t deadline)
{
	while (!rx->closed && !cond(rx) && h_left_ms(deadline, 1) > 0)
		rx_poll(fd, rx, h_left_ms(deadline, 100));
}

static bool rx_has_version(const struct rx_seen *rx)
{
	return rx->version_seen;
}
static bool rx_has_packet(const struct rx_seen *rx)
{
	return rx->len > 0;
}
static bool rx_never(const struct rx_seen *rx)
{
	(void)rx;
	return false;
}

/* The reason of a plaintext SSH_MSG_DISCONNECT among the packets after the version line, or 0. */
static uint32_t rx_disconnect_reason(const struct rx_seen *rx)
{
	struct ws_buf b;
	ws_buf_init_read(&b, rx->buf, rx->len);
	for (unsigned guard = 0; guard < 64; guard++) {
		uint32_t plen, reason;
		uint8_t padlen, msg;
		if (ws_buf_get_u32(&b, &plen) != WS_OK || plen < 5 || plen > 35000 || ws_buf_avail(&b) < plen)
			return 0;
		size_t next = b.rpos + plen;
		if (ws_buf_get_u8(&b, &padlen) != WS_OK || ws_buf_get_u8(&b, &msg) != WS_OK)
			return 0;
		if (msg == 1 && ws_buf_get_u32(&b, &reason) == WS_OK)
			return reason;
		b.rpos = next;
	}
	return 0;
}

/* ---------------------------------------------------------------- drip */

/* A version line of exactly n bytes (n >= 10): "SSH-2.0-drip" padded with 'x', then CR LF. */
static void drip_line(char *line, unsigned n)
{
	static const char head[] = "SSH-2.0-drip";
	for (unsigned i = 0; i + 2 < n; i++)
		line[i] = i < sizeof(head) - 1 ? head[i] : 'x';
	line[n - 2] = '\r';
	line[n - 1] = '\n';
}

int h_mode_drip(const struct hopts *o)
{
	char line[H_MAX_DRIP];
	struct rx_seen *rx = calloc(1, sizeof(*rx));
	int fd;
	unsigned sent = 0;
	int64_t start = h_now_ms();
	if (rx == NULL || h_connect(o->host, o->port, h_deadline(), &fd) != WS_OK) {
		free(rx);
		return H_EXIT_FAILED;
	}
	drip_line(line, o->count);
	h_result("drip", "phase=holding bytes=%u interval_ms=%u", o->count, o->interval_ms);
	for (; sent < o->count && !rx->closed && h_now_ms() < h_deadline(); sent++) {
		if (h_write_all(fd, &line[sent], 1, h_deadline()) != WS_OK)
			break;
		int64_t next = h_now_ms() + (sent + 1 < o->count ? o->interval_ms : 0);
		while (!rx->closed && h_left_ms(next, 1) > 0)
			rx_poll(fd, rx, h_left_ms(next, 100));
	}
	/* A server that took the line answers with its KEXINIT. */
	if (sent == o->count)
		rx_until(fd, rx, rx_has_packet, h_now_ms() + 2000);
	h_result("drip",
		 "phase=done sent=%u of=%u server_version=%d kexinit_seen=%d server_closed=%d "
		 "closed_after_ms=%lld elapsed_ms=%lld",
		 sent, o->count, rx->version_seen, rx->len > 0, rx->closed,
		 (long long)(rx->closed ? rx->t_closed - start : -1), (long long)(h_now_ms() - start));
	close(fd);
	free(rx);
	return sent > 0 ? H_EXIT_DONE : H_EXIT_FAILED;
}

/* ---------------------------------------------------------------- hugelen */

int h_mode_hugelen(const struct hopts *o)
{
	static const char version[] = "SSH-2.0-hostile_hugelen\r\n";
	uint8_t pkt[16] = {0};
	struct rx_seen *rx = calloc(1, sizeof(*rx));
	int fd;
	if (rx == NULL || h_connect(o->host, o->port, h_deadline(), &fd) != WS_OK) {
		free(rx);
		return H_EXIT_FAILED;
	}
	int rc = h_write_all(fd, version, sizeof(version) - 1, h_deadline());
	rx_until(fd, rx, rx_has_version, h_deadline());
	/* RFC 4253 §6.1 caps what a receiver must take; 2^31 is far past any sane limit. */
	ws_store_be32(pkt, HUGE_LENGTH);
	pkt[4] = 4; /* padding_length, as if a real packet followed */
	pkt[5] = 20;
	bool sent =
	    rc == WS_OK && rx->version_seen && h_write_all(fd, pkt, sizeof(pkt), h_deadline()) == WS_OK;
	int64_t t_sent = h_now_ms();
	if (sent)
		rx_until(fd, rx, rx_never, t_sent + (int64_t)o->hold_s * 1000);
	h_result("hugelen",
		 "phase=done sent=%d length=%u server_version=%d server_closed=%d "
		 "close_ms=%lld disconnect_reason=%u",
		 sent, HUGE_LENGTH, rx->version_seen, rx->closed,
		 (long long)(rx->closed && sent ? rx->t_closed - t_sent : -1), rx_disconnect_reason(rx));
	close(fd);
	free(rx);
	return sent ? H_EXIT_DONE : H_EXIT_FAILED;
}
