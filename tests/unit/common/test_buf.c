/* test_buf.c — the wire buffer: round trips, and every getter refusing truncated or oversized input. */
#include <string.h>

#include "check.h"
#include "warpssh/buf.h"

static void test_round_trip(void)
{
	uint8_t mem[128];
	struct ws_buf w, r;
	ws_buf_init_write(&w, mem, sizeof(mem));
	CHECK_EQ(ws_buf_put_u8(&w, 7), WS_OK);
	CHECK_EQ(ws_buf_put_bool(&w, true), WS_OK);
	CHECK_EQ(ws_buf_put_u32(&w, 0xdeadbeef), WS_OK);
	CHECK_EQ(ws_buf_put_u64(&w, 0x0102030405060708ull), WS_OK);
	CHECK_EQ(ws_buf_put_cstring(&w, "ssh-ed25519"), WS_OK);
	static const uint8_t k[] = {0x80, 0x01};
	CHECK_EQ(ws_buf_put_mpint_unsigned(&w, k, sizeof(k)), WS_OK);

	ws_buf_init_read(&r, mem, w.wpos);
	uint8_t u8; bool bo; uint32_t u32; uint64_t u64; char name[32]; struct ws_bytes mp;
	CHECK_EQ(ws_buf_get_u8(&r, &u8), WS_OK); CHECK_EQ(u8, 7);
	CHECK_EQ(ws_buf_get_bool(&r, &bo), WS_OK); CHECK(bo);
	CHECK_EQ(ws_buf_get_u32(&r, &u32), WS_OK); CHECK_EQ(u32, 0xdeadbeef);
	CHECK_EQ(ws_buf_get_u64(&r, &u64), WS_OK); CHECK(u64 == 0x0102030405060708ull);
	CHECK_EQ(ws_buf_get_cstring(&r, name, sizeof(name)), WS_OK); CHECK(strcmp(name, "ssh-ed25519") == 0);
	CHECK_EQ(ws_buf_get_mpint_positive(&r, &mp, 64), WS_OK);
	CHECK_EQ(mp.len, 2); CHECK(mp.ptr[0] == 0x80 && mp.ptr[1] == 0x01);
	CHECK_EQ(ws_buf_avail(&r), 0);
}

static void test_mpint_encoding(void)
{
	/* RFC 4251 §5 examples: 0 -> 00000000; 0x80 -> 00000002 00 80 */
	uint8_t mem[16];
	struct ws_buf w;
	static const uint8_t zero[] = {0, 0};
	ws_buf_init_write(&w, mem, sizeof(mem));
	CHECK_EQ(ws_buf_put_mpint_unsigned(&w, zero, 2), WS_OK);
	CHECK_EQ(w.wpos, 4);
	static const uint8_t hi[] = {0x00, 0x80};
	CHECK_EQ(ws_buf_put_mpint_unsigned(&w, hi, 2), WS_OK);
	static const uint8_t want[] = {0, 0, 0, 0, 0, 0, 0, 2, 0, 0x80};
	CHECK_EQ(w.wpos, sizeof(want));
	CHECK(memcmp(mem, want, sizeof(want)) == 0);
}

static void test_truncated_and_oversized(void)
{
	struct ws_buf r;
	uint32_t u32 = 99;
	struct ws_bytes s;
	static const uint8_t three[] = {1, 2, 3};
	ws_buf_init_read(&r, three, sizeof(three));
	CHECK_EQ(ws_buf_get_u32(&r, &u32), WS_ERR_SHORT);
	CHECK_EQ(u32, 0); /* out-parameter cleared */
	CHECK_EQ(r.rpos, 0);

	/* string claims 0xffffffff bytes: refused as too long, position unchanged */
	static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
	ws_buf_init_read(&r, huge, sizeof(huge));
	CHECK_EQ(ws_buf_get_string(&r, &s, WS_BUF_MAX_STRING), WS_ERR_TOO_LONG);
	CHECK(s.ptr == NULL && s.len == 0);
	CHECK_EQ(r.rpos, 0);

	/* string claims 5 bytes, 1 present */
	static const uint8_t short_str[] = {0, 0, 0, 5, 'a'};
	ws_buf_init_read(&r, short_str, sizeof(short_str));
	CHECK_EQ(ws_buf_get_string(&r, &s, WS_BUF_MAX_STRING), WS_ERR_SHORT);
	CHECK_EQ(r.rpos, 0);

	/* embedded NUL refused for C strings; too long for the output refused */
	static const uint8_t nul[] = {0, 0, 0, 3, 'a', 0, 'b'};
	char out[8];
	ws_buf_init_read(&r, nul, sizeof(nul));
	CHECK_EQ(ws_buf_get_cstring(&r, out, sizeof(out)), WS_ERR_FORMAT);
	ws_buf_init_read(&r, nul, sizeof(nul));
	CHECK_EQ(ws_buf_get_cstring(&r, out, 3), WS_ERR_TOO_LONG);

	/* negative mpint and non-minimal mpint refused */
	static const uint8_t neg[] = {0, 0, 0, 1, 0x80};
	static const uint8_t lead0[] = {0, 0, 0, 2, 0x00, 0x01};
	ws_buf_init_read(&r, neg, sizeof(neg));
	CHECK_EQ(ws_buf_get_mpint_positive(&r, &s, 64), WS_ERR_FORMAT);
	ws_buf_init_read(&r, lead0, sizeof(lead0));
	CHECK_EQ(ws_buf_get_mpint_positive(&r, &s, 64), WS_ERR_FORMAT);

	/* fixed string of wrong size */
	uint8_t key[4];
	ws_buf_init_read(&r, short_str, sizeof(short_str));
	CHECK(ws_buf_get_fixed_string(&r, key, sizeof(key)) < 0);
}

static void test_writer_full(void)
{
	uint8_t mem[6];
	struct ws_buf w;
	ws_buf_init_write(&w, mem, sizeof(mem));
	CHECK_EQ(ws_buf_put_string(&w, "abc", 3), WS_ERR_NO_SPACE);
	CHECK_EQ(w.wpos, 0); /* nothing written on failure */
	CHECK_EQ(ws_buf_put_string(&w, "ab", 2), WS_OK);
	CHECK_EQ(ws_buf_put_u8(&w, 1), WS_ERR_NO_SPACE);
}

int main(void)
{
	test_round_trip();
	test_mpint_encoding();
	test_truncated_and_oversized();
	test_writer_full();
	return check_done("test_buf");
}
