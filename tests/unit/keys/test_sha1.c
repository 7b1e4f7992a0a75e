/* test_sha1.c — SHA-1 against the RFC 3174 §7.3 test vectors and HMAC-SHA1 against RFC 2202 §3,
 * plus (when libcrypto is available as a test oracle) random lengths and split updates. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto/sha1.h"
#ifdef HAVE_LIBCRYPTO
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#endif

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void check_sha1_repeat(const char *piece, unsigned times, const char *want)
{
	struct ws_sha1 s;
	uint8_t md[WS_SHA1_LEN];
	char got[2 * WS_SHA1_LEN + 1];
	ws_sha1_init(&s);
	for (unsigned i = 0; i < times; i++)
		ws_sha1_update(&s, piece, strlen(piece));
	ws_sha1_final(&s, md);
	hex(md, sizeof(md), got);
	CHECK(strcmp(got, want) == 0);
}

static void test_rfc3174(void)
{
	check_sha1_repeat("abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d");
	check_sha1_repeat("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
			  "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	check_sha1_repeat("a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	check_sha1_repeat("0123456701234567012345670123456701234567012345670123456701234567", 10,
			  "dea356a2cddd90c7a7ecedc5ebb563934f460452");
	check_sha1_repeat("", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void check_hmac(const uint8_t *key, size_t keylen, const void *msg, size_t msglen, const char *want)
{
	uint8_t md[WS_SHA1_LEN];
	char got[2 * WS_SHA1_LEN + 1];
	ws_hmac_sha1(key, keylen, msg, msglen, md);
	hex(md, sizeof(md), got);
	CHECK(strcmp(got, want) == 0);
}

static void test_rfc2202(void)
{
	uint8_t k[80], d[50];
	memset(k, 0x0b, 20);
	check_hmac(k, 20, "Hi There", 8, "b617318655057264e28bc0b6fb378c8ef146be00");
	check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
		   "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	check_hmac(k, 20, d, 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
	for (int i = 0; i < 25; i++)
		k[i] = (uint8_t)(i + 1);
	memset(d, 0xcd, 50);
	check_hmac(k, 25, d, 50, "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
	memset(k, 0x0c, 20);
	check_hmac(k, 20, "Test With Truncation", 20, "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
	memset(k, 0xaa, 80);
	check_hmac(k, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		   "aa4ae5e15272d00e95705637ce8a3b55ed402112");
	check_hmac(k, 80, "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 73,
		   "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

#ifdef HAVE_LIBCRYPTO
/* Every length 0..300 with the input fed in two arbitrary pieces, against OpenSSL. */
static void test_against_openssl(void)
{
	uint8_t data[300], ours[WS_SHA1_LEN], theirs[WS_SHA1_LEN];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(data); len++) {
		struct ws_sha1 s;
		ws_sha1_init(&s);
		ws_sha1_update(&s, data, len / 3);
		ws_sha1_update(&s, data + len / 3, len - len / 3);
		ws_sha1_final(&s, ours);
		SHA1(data, len, theirs);
		CHECK(memcmp(ours, theirs, sizeof(ours)) == 0);
		unsigned int tlen = 0;
		ws_hmac_sha1(data, len % 100, data, len, ours);
		HMAC(EVP_sha1(), data, (int)(len % 100), data, len, theirs, &tlen);
		CHECK(tlen == WS_SHA1_LEN && memcmp(ours, theirs, sizeof(ours)) == 0);
	}
}
#endif

int main(void)
{
	test_rfc3174();
	test_rfc2202();
#ifdef HAVE_LIBCRYPTO
	test_against_openssl();
#endif
	return check_done("sha1");
}
