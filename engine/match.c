/* match.c — OpenSSH pattern matching: globs, '!'-negated comma lists, and address lists with
 * IPv4/IPv6 CIDR entries. Pure functions over caller text (inet_pton parses, no syscalls). */
#include <arpa/inet.h>
#include <string.h>

#include "crypto/textscan.h"
#include "warpssh/match.h"

#define ADDR_TEXT_MAX 64u /* longest address or CIDR entry we parse (IPv6 + "/128") */

static int fold(int c, bool nocase)
{
	return (nocase && c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Classic iterative glob with one backtrack point for the last '*'. */
bool ws_match_glob(struct ws_bytes s, struct ws_bytes pat, bool nocase)
{
	size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0;
	while (si < s.len) {
		if (pi < pat.len && pat.ptr[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pat.len &&
			   (pat.ptr[pi] == '?' || fold(pat.ptr[pi], nocase) == fold(s.ptr[si], nocase))) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pat.len && pat.ptr[pi] == '*')
		pi++;
	return pi == pat.len;
}

/* Walks a comma-separated list like strsep(): "a,,b" and "a," have empty entries, "" has one. */
struct list_iter {
	struct ws_buf rest;
	bool done;
};

static void list_start(struct list_iter *it, struct ws_bytes list)
{
	ws_buf_init_read(&it->rest, list.ptr, list.len);
	it->done = false;
}

static bool next_entry(struct list_iter *it, struct ws_bytes *entry, bool *negated)
{
	size_t n;
	if (it->done)
		return false;
	if (!ws_text_find(&it->rest, ',', &n)) {
		n = ws_buf_avail(&it->rest);
		it->done = true;
	}
	struct ws_buf e;
	ws_buf_init_read(&e, ws_buf_rptr(&it->rest), n);
	it->rest.rpos += it->done ? n : n + 1; /* n (+ the comma) <= avail */
	*negated = ws_text_eat(&e, "!");
	*entry = ws_text_rest(&e);
	return true;
}

enum ws_match_result ws_match_list(const char *subject, struct ws_bytes list, bool nocase)
{
	struct list_iter l;
	struct ws_bytes entry;
	struct ws_bytes s = ws_bytes_of(subject);
	bool negated;
	enum ws_match_result r = WS_MATCH_NONE;
	list_start(&l, list);
	while (next_entry(&l, &entry, &negated)) {
		if (!ws_match_glob(s, entry, nocase))
			continue;
		if (negated)
			return WS_MATCH_NEGATED;
		r = WS_MATCH_YES;
	}
	return r;
}

/* A parsed address: family plus 16 bytes (IPv4 uses the first 4). */
struct net_addr {
	int family;
	uint8_t bytes[16];
};

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) compares as IPv4, as sshd normalises it. */
static void unmap_v4(struct net_addr *a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	bool mapped = a->family == AF_INET6;
	for (size_t i = 0; mapped && i < sizeof(prefix); i++)
		mapped = a->bytes[i] == prefix[i];
	if (!mapped)
		return;
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
	a->family = AF_INET;
}

static bool parse_addr(const char *text, struct net_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->bytes) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, text, a->bytes) == 1)
		a->family = AF_INET6;
	else
		return false;
	unmap_v4(a);
	return true;
}

/* Parse the decimal mask after '/'; -1 if not a number within the family's width. */
static int parse_masklen(struct ws_bytes m, int family)
{
	int max = family == AF_INET ? 32 : 128, v = 0;
	if (m.len == 0 || m.len > 3)
		return -1;
	for (size_t i = 0; i < m.len; i++) {
		if (m.ptr[i] < '0' || m.ptr[i] > '9')
			return -1;
		v = v * 10 + (m.ptr[i] - '0');
	}
	return v <= max ? v : -1;
}

static bool in_network(const struct net_addr *a, const struct net_addr *net, int masklen)
{
	if (a->family != net->family)
		return false;
	for (int bit = 0; bit < masklen; bit += 8) {
		int bits = masklen - bit >= 8 ? 8 : masklen - bit;
		uint8_t mask = (uint8_t)(0xff00u >> bits);
		if ((a->bytes[bit / 8] & mask) != (net->bytes[bit / 8] & mask))
			return false;
	}
	return true;
}

enum cidr_parse { CIDR_OK, CIDR_NOT, CIDR_BAD };

/* An entry is CIDR if it is an address with an optional "/len"; "/len" with host bits set is
 * CIDR_BAD (sshd: "inconsistent mask length"). Anything else is a glob (CIDR_NOT). */
static enum cidr_parse parse_cidr(struct ws_bytes e, struct net_addr *net, int *masklen)
{
	char text[ADDR_TEXT_MAX];
	struct ws_buf b;
	size_t slash;
	ws_buf_init_read(&b, e.ptr, e.len);
	if (!ws_text_find(&b, '/', &slash))
		slash = e.len;
	struct ws_bytes addr = {e.ptr, slash};
	if (ws_bytes_to_cstr(addr, text, sizeof(text)) != WS_OK || !parse_addr(text, net))
		return CIDR_NOT;
	*masklen = net->family == AF_INET ? 32 : 128;
	if (slash == e.len)
		return CIDR_OK;
	struct ws_bytes m = {e.ptr + slash + 1, e.len - slash - 1};
	*masklen = parse_masklen(m, net->family);
	if (*masklen < 0)
		return CIDR_BAD;
	int width = net->family == AF_INET ? 32 : 128;
	for (int i = *masklen; i < width; i++)
		if (net->bytes[i / 8] & (0x80u >> (i % 8)))
			return CIDR_BAD; /* host bits set */
	return CIDR_OK;
}

enum ws_match_result ws_match_addr_list(const char *addr, struct ws_bytes list)
{
	struct list_iter l;
	struct ws_bytes entry, s = ws_bytes_of(addr);
	struct net_addr a, net;
	bool negated, have_addr = addr != NULL && parse_addr(addr, &a);
	enum ws_match_result r = WS_MATCH_NONE;
	int masklen;
	list_start(&l, list);
	while (next_entry(&l, &entry, &negated)) {
		bool hit;
		if (entry.len == 0)
			return WS_MATCH_ERROR;
		switch (parse_cidr(entry, &net, &masklen)) {
		case CIDR_BAD:
			return WS_MATCH_ERROR;
		case CIDR_OK:
			hit = have_addr && in_network(&a, &net, masklen);
			break;
		default:
			hit = addr != NULL && ws_match_glob(s, entry, false);
			break;
		}
		if (hit && negated)
			return WS_MATCH_NEGATED;
		if (hit)
			r = WS_MATCH_YES;
	}
	return r;
}

bool ws_match_host_and_addr(const char *host, const char *addr, struct ws_bytes list)
{
	enum ws_match_result mip = ws_match_addr_list(addr, list), mhost;
	if (mip == WS_MATCH_ERROR || mip == WS_MATCH_NEGATED)
		return false;
	mhost = ws_match_list(host != NULL ? host : addr, list, true);
	if (mhost == WS_MATCH_NEGATED)
		return false;
	return mhost == WS_MATCH_YES || mip == WS_MATCH_YES;
}
