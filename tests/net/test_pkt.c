/* test_pkt.c — TCP option parsing/building and the interval sets, without DPDK: round trips, and
 * every malformed option list refused (truncated, zero or overlong lengths, bad SACK sizes). */
#include <string.h>

#include "../../dpdk/net/wsnet_impl.h"
#include "check.h"

static void test_options_round_trip(void)
{
	struct wsnet_tx_opts o;
	memset(&o, 0, sizeof(o));
	o.mss = 1460;
	o.wscale = 7;
	o.sack_ok = true;
	o.ts = true;
	o.tsval = 0x01020304;
	o.tsecr = 0x0a0b0c0d;
	uint8_t buf[40];
	size_t n = wsnet_build_tcp_options(buf, sizeof(buf), &o);
	CHECK(n > 0 && n % 4 == 0 && n <= 40);
	struct wsnet_seg s;
	CHECK_EQ(wsnet_parse_tcp_options(buf, n, &s), WS_OK);
	CHECK_EQ(s.mss, 1460);
	CHECK_EQ(s.wscale, 7);
	CHECK(s.sack_ok);
	CHECK(s.has_ts);
	CHECK_EQ(s.tsval, 0x01020304);
	CHECK_EQ(s.tsecr, 0x0a0b0c0d);
	CHECK_EQ(s.nsack, 0);
}

static void test_sack_blocks_round_trip(void)
{
	struct wsnet_tx_opts o;
	memset(&o, 0, sizeof(o));
	o.wscale = -1;
	o.ts = true;
	o.nsack = 3;
	for (uint32_t i = 0; i < 3; i++) {
		o.sack[i][0] = 1000 * (i + 1);
		o.sack[i][1] = 1000 * (i + 1) + 500;
	}
	uint8_t buf[40];
	size_t n = wsnet_build_tcp_options(buf, sizeof(buf), &o);
	CHECK_EQ(n, 40); /* TS (12) + 3 SACK blocks (28) fill the option space */
	struct wsnet_seg s;
	CHECK_EQ(wsnet_parse_tcp_options(buf, n, &s), WS_OK);
	CHECK_EQ(s.nsack, 3);
	CHECK_EQ(s.sack[2][0], 3000);
	CHECK_EQ(s.sack[2][1], 3500);
	/* Too many blocks for the space: building refuses (returns 0) rather than truncating. */
	o.nsack = 4;
	CHECK_EQ(wsnet_build_tcp_options(buf, sizeof(buf), &o), 0);
}

static void test_malformed_options(void)
{
	struct wsnet_seg s;
	static const uint8_t truncated_mss[] = {2, 4, 5};
	static const uint8_t zero_len[] = {9, 0, 1, 1};
	static const uint8_t overlong[] = {9, 10, 0, 0};
	static const uint8_t bad_mss_len[] = {2, 3, 5, 1};
	static const uint8_t bad_sack_len[] = {5, 7, 0, 0, 0, 0, 0};
	static const uint8_t bad_ts_len[] = {8, 6, 0, 0, 0, 0};
	static const uint8_t kind_only[] = {1, 1, 3};
	CHECK(wsnet_parse_tcp_options(truncated_mss, sizeof(truncated_mss), &s) < 0);
	CHECK(wsnet_parse_tcp_options(zero_len, sizeof(zero_len), &s) < 0);
	CHECK(wsnet_parse_tcp_options(overlong, sizeof(overlong), &s) < 0);
	CHECK(wsnet_parse_tcp_options(bad_mss_len, sizeof(bad_mss_len), &s) < 0);
	CHECK(wsnet_parse_tcp_options(bad_sack_len, sizeof(bad_sack_len), &s) < 0);
	CHECK(wsnet_parse_tcp_options(bad_ts_len, sizeof(bad_ts_len), &s) < 0);
	CHECK(wsnet_parse_tcp_options(kind_only, sizeof(kind_only), &s) < 0);
}

static void test_option_edge_cases(void)
{
	struct wsnet_seg s;
	/* RFC 7323 §2.3: a shift count over 14 is used as 14. */
	static const uint8_t ws_big[] = {3, 3, 20, 0};
	CHECK_EQ(wsnet_parse_tcp_options(ws_big, sizeof(ws_big), &s), WS_OK);
	CHECK_EQ(s.wscale, 14);
	/* Unknown options are skipped by length; EOL ends the list even with bytes after it. */
	static const uint8_t unknown[] = {30, 4, 0xaa, 0xbb, 2, 4, 0x05, 0xb4, 0, 0xff, 0xff};
	CHECK_EQ(wsnet_parse_tcp_options(unknown, sizeof(unknown), &s), WS_OK);
	CHECK_EQ(s.mss, 1460);
	CHECK_EQ(s.wscale, -1);
	CHECK(!s.has_ts);
	CHECK_EQ(wsnet_parse_tcp_options(NULL, 0, &s), WS_OK);
}

static void test_intervals(void)
{
	struct wsnet_interval set[4];
	uint8_t n = 0;
	CHECK(wsnet_intervals_add(set, &n, 4, 100, 200));
	CHECK(wsnet_intervals_add(set, &n, 4, 300, 400));
	CHECK(wsnet_intervals_add(set, &n, 4, 500, 600));
	CHECK(wsnet_intervals_add(set, &n, 4, 700, 800));
	CHECK(!wsnet_intervals_add(set, &n, 4, 900, 950)); /* full */
	CHECK(wsnet_intervals_add(set, &n, 4, 150, 550));  /* merges three */
	CHECK_EQ(n, 2);
	CHECK_EQ(set[0].start, 100);
	CHECK_EQ(set[0].end, 600);
	CHECK(wsnet_intervals_add(set, &n, 4, 600, 700)); /* touching: joins both */
	CHECK_EQ(n, 1);
	CHECK_EQ(set[0].end, 800);
	wsnet_intervals_trim(set, &n, 450);
	CHECK_EQ(n, 1);
	CHECK_EQ(set[0].start, 450);
	wsnet_intervals_trim(set, &n, 800);
	CHECK_EQ(n, 0);
	/* Across the 2^32 wrap. */
	CHECK(wsnet_intervals_add(set, &n, 4, 0xfffffff0u, 0x10));
	CHECK(wsnet_intervals_add(set, &n, 4, 0x20, 0x30));
	CHECK_EQ(n, 2);
	CHECK_EQ(set[0].start, 0xfffffff0u);
}

static void test_ip_parse(void)
{
	uint32_t ip = 1;
	CHECK_EQ(wsnet_parse_ip("10.0.0.2", &ip), WS_OK);
	CHECK_EQ(ip, 0x0a000002);
	CHECK(wsnet_parse_ip("10.0.0.256", &ip) < 0);
	CHECK_EQ(ip, 0);
	CHECK(wsnet_parse_ip("10.0.0", &ip) < 0);
	CHECK(wsnet_parse_ip("10.0.0.1x", &ip) < 0);
	CHECK(wsnet_parse_ip(NULL, &ip) < 0);
}

int main(void)
{
	test_options_round_trip();
	test_sack_blocks_round_trip();
	test_malformed_options();
	test_option_edge_cases();
	test_intervals();
	test_ip_parse();
	return check_done("pkt");
}
