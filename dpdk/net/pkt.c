/* pkt.c — TCP option parsing and building (RFC 9293 §3.2, RFC 7323 §2-3, RFC 2018 §2-3) and the
 * Internet checksum fold. Every read of option bytes goes through ws_buf. */
#include <stdio.h>
#include <string.h>

#include "wsnet_impl.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACK_OK = 4, OPT_SACK = 5, OPT_TS = 8 };

static int get_be16(struct ws_buf *b, uint16_t *v)
{
	uint8_t p[2];
	*v = 0;
	WS_TRY(ws_buf_get_bytes(b, p, 2));
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return WS_OK;
}

static int parse_sack_blocks(struct ws_buf *b, uint8_t optlen, struct wsnet_seg *seg)
{
	/* RFC 2018 §3: length 2 + 8*n, at most 4 blocks fit in 40 option bytes. */
	WS_ENSURE(optlen >= 10 && (optlen - 2) % 8 == 0 && (optlen - 2) / 8 <= 4, WS_ERR_FORMAT);
	seg->nsack = (uint8_t)((optlen - 2) / 8);
	for (uint8_t i = 0; i < seg->nsack; i++) {
		WS_TRY(ws_buf_get_u32(b, &seg->sack[i][0]));
		WS_TRY(ws_buf_get_u32(b, &seg->sack[i][1]));
	}
	return WS_OK;
}

/* One option of kind `kind` whose length byte was `optlen`. */
static int parse_one_option(struct ws_buf *b, uint8_t kind, uint8_t optlen, struct wsnet_seg *seg)
{
	uint8_t u8;
	switch (kind) {
	case OPT_MSS:
		WS_ENSURE(optlen == 4, WS_ERR_FORMAT);
		return get_be16(b, &seg->mss);
	case OPT_WS:
		WS_ENSURE(optlen == 3, WS_ERR_FORMAT);
		WS_TRY(ws_buf_get_u8(b, &u8));
		/* RFC 7323 §2.3: a shift over 14 MUST be treated as 14. */
		seg->wscale = (int8_t)(u8 > 14 ? 14 : u8);
		return WS_OK;
	case OPT_SACK_OK:
		WS_ENSURE(optlen == 2, WS_ERR_FORMAT);
		seg->sack_ok = true;
		return WS_OK;
	case OPT_SACK:
		return parse_sack_blocks(b, optlen, seg);
	case OPT_TS:
		WS_ENSURE(optlen == 10, WS_ERR_FORMAT);
		seg->has_ts = true;
		WS_TRY(ws_buf_get_u32(b, &seg->tsval));
		return ws_buf_get_u32(b, &seg->tsecr);
	default:
		/* RFC 9293 §3.1: unknown options MUST be skipped using their length. */
		return ws_buf_skip(b, (size_t)optlen - 2);
	}
}

int wsnet_parse_tcp_options(const uint8_t *opt, size_t len, struct wsnet_seg *seg)
{
	struct ws_buf b;
	seg->mss = 0;
	seg->wscale = -1;
	seg->sack_ok = false;
	seg->has_ts = false;
	seg->nsack = 0;
	ws_buf_init_read(&b, opt, len);
	while (ws_buf_avail(&b) > 0) {
		uint8_t kind, optlen;
		WS_TRY(ws_buf_get_u8(&b, &kind));
		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP)
			continue;
		WS_TRY(ws_buf_get_u8(&b, &optlen));
		WS_ENSURE(optlen >= 2 && (size_t)optlen - 2 <= ws_buf_avail(&b), WS_ERR_FORMAT);
		WS_TRY(parse_one_option(&b, kind, optlen, seg));
	}
	return WS_OK;
}

static int put_be16(struct ws_buf *b, uint16_t v)
{
	uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return ws_buf_put_bytes(b, p, 2);
}

static int build_options(struct ws_buf *b, const struct wsnet_tx_opts *o)
{
	if (o->mss != 0) {
		WS_TRY(ws_buf_put_u8(b, OPT_MSS));
		WS_TRY(ws_buf_put_u8(b, 4));
		WS_TRY(put_be16(b, o->mss));
	}
	if (o->wscale >= 0) {
		static const uint8_t ws_hdr[] = {OPT_NOP, OPT_WS, 3};
		WS_TRY(ws_buf_put_bytes(b, ws_hdr, sizeof(ws_hdr)));
		WS_TRY(ws_buf_put_u8(b, (uint8_t)o->wscale));
	}
	if (o->sack_ok) {
		static const uint8_t sok[] = {OPT_NOP, OPT_NOP, OPT_SACK_OK, 2};
		WS_TRY(ws_buf_put_bytes(b, sok, sizeof(sok)));
	}
	if (o->ts) {
		static const uint8_t ts_hdr[] = {OPT_NOP, OPT_NOP, OPT_TS, 10};
		WS_TRY(ws_buf_put_bytes(b, ts_hdr, sizeof(ts_hdr)));
		WS_TRY(ws_buf_put_u32(b, o->tsval));
		WS_TRY(ws_buf_put_u32(b, o->tsecr));
	}
	if (o->nsack > 0) {
		const uint8_t sh[] = {OPT_NOP, OPT_NOP, OPT_SACK, (uint8_t)(2 + 8 * o->nsack)};
		WS_TRY(ws_buf_put_bytes(b, sh, sizeof(sh)));
		for (uint8_t i = 0; i < o->nsack; i++) {
			WS_TRY(ws_buf_put_u32(b, o->sack[i][0]));
			WS_TRY(ws_buf_put_u32(b, o->sack[i][1]));
		}
	}
	return WS_OK;
}

size_t wsnet_build_tcp_options(uint8_t *out, size_t room, const struct wsnet_tx_opts *o)
{
	struct ws_buf b;
	ws_buf_init_write(&b, out, room);
	if (build_options(&b, o) < 0)
		return 0;
	/* Pad to a 32-bit boundary (data offset counts words). */
	while (b.wpos % 4 != 0)
		if (ws_buf_put_u8(&b, OPT_EOL) < 0)
			return 0;
	return b.wpos;
}

uint16_t wsnet_cksum_fold(uint32_t sum)
{
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return (uint16_t)~sum;
}

int wsnet_parse_ip(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	*out = 0;
	if (s == NULL || sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4)
		return WS_ERR_FORMAT;
	WS_ENSURE(a < 256 && b < 256 && c < 256 && d < 256, WS_ERR_FORMAT);
	*out = (a << 24) | (b << 16) | (c << 8) | d;
	return WS_OK;
}
