/* test_kex_parsers.c — the transport's message parsers on good and bad input: KEXINIT (every
 * truncation), name-list matching and negotiation, KEX_ECDH_INIT/REPLY, EXT_INFO, DISCONNECT. */
#include <string.h>

#include "check.h"
#include "engine/transport_int.h"

static size_t build_kexinit(uint8_t *out, size_t cap, const char *kex, const char *cipher,
			    const char *mac, bool follows)
{
	struct ws_buf w;
	static const uint8_t cookie[16];
	ws_buf_init_write(&w, out, cap);
	REQUIRE(ws_buf_put_u8(&w, 20) == WS_OK);
	REQUIRE(ws_buf_put_bytes(&w, cookie, 16) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, kex) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "ssh-ed25519") == WS_OK);
	for (int i = 0; i < 2; i++)
		REQUIRE(ws_buf_put_cstring(&w, cipher) == WS_OK);
	for (int i = 0; i < 2; i++)
		REQUIRE(ws_buf_put_cstring(&w, mac) == WS_OK);
	for (int i = 0; i < 2; i++)
		REQUIRE(ws_buf_put_cstring(&w, "none") == WS_OK);
	for (int i = 0; i < 2; i++)
		REQUIRE(ws_buf_put_cstring(&w, "") == WS_OK);
	REQUIRE(ws_buf_put_bool(&w, follows) == WS_OK);
	REQUIRE(ws_buf_put_u32(&w, 0) == WS_OK);
	return w.wpos;
}

static void test_kexinit_parse(void)
{
	uint8_t msg[512];
	struct ws_kexinit k;
	size_t n = build_kexinit(msg, sizeof(msg), "curve25519-sha256,ext-info-c", "aes128-ctr",
				 "hmac-sha2-256", true);
	CHECK_EQ(ws_kexinit_parse(&k, msg, n), WS_OK);
	CHECK(ws_bytes_eq_str(k.lists[WS_KL_KEX], "curve25519-sha256,ext-info-c"));
	CHECK(ws_bytes_eq_str(k.lists[WS_KL_LANG_S2C], ""));
	CHECK(k.first_kex_follows);
	/* every truncation fails cleanly */
	for (size_t cut = 0; cut < n; cut++)
		CHECK(ws_kexinit_parse(&k, msg, cut) < 0);
	/* wrong message number */
	msg[0] = 21;
	CHECK_EQ(ws_kexinit_parse(&k, msg, n), WS_ERR_FORMAT);
	msg[0] = 20;
	/* a name-list length running past the end */
	ws_store_be32(msg + 17, 0xfffffff0u);
	CHECK(ws_kexinit_parse(&k, msg, n) < 0);
}

static struct ws_bytes B(const char *s)
{
	return (struct ws_bytes){(const uint8_t *)s, strlen(s)};
}

static void test_namelists(void)
{
	struct ws_bytes m;
	CHECK(ws_namelist_first_match(B("a,b,c"), B("c,b"), &m) && ws_bytes_eq_str(m, "b"));
	CHECK(!ws_namelist_first_match(B("a,b"), B("c,d"), &m));
	CHECK(!ws_namelist_first_match(B(""), B(""), &m));
	CHECK(!ws_namelist_first_match(B("ab"), B("a,b,abc"), &m)); /* whole names only */
	/* pseudo-algorithms never win, even if both sides list them */
	CHECK(ws_namelist_first_match(B("ext-info-c,x"), B("ext-info-c,x"), &m) &&
	      ws_bytes_eq_str(m, "x"));
	CHECK(ws_namelist_contains(B("a,,b"), "b"));
	CHECK(!ws_namelist_contains(B("a,b"), ""));
}

static void test_negotiate(void)
{
	uint8_t cm[512], sm[512];
	struct ws_kexinit c, s;
	struct ws_negotiated neg;
	char err[512];
	size_t cn = build_kexinit(cm, sizeof(cm), "curve25519-sha256@libssh.org,curve25519-sha256",
				  "aes256-gcm@openssh.com,aes128-ctr", "hmac-sha2-512", false);
	size_t sn = build_kexinit(sm, sizeof(sm), "curve25519-sha256,curve25519-sha256@libssh.org",
				  "aes128-ctr,aes256-gcm@openssh.com", "hmac-sha2-256,hmac-sha2-512",
				  false);
	REQUIRE(ws_kexinit_parse(&c, cm, cn) == WS_OK && ws_kexinit_parse(&s, sm, sn) == WS_OK);
	CHECK_EQ(ws_kexinit_negotiate(&c, &s, &neg, err, sizeof(err)), WS_OK);
	CHECK(strcmp(neg.kex, "curve25519-sha256@libssh.org") == 0); /* the client's order */
	CHECK_EQ(neg.cipher[WS_C2S]->id, WS_CIPHER_AES256_GCM);
	CHECK(neg.mac[WS_C2S] == NULL); /* AEAD: no MAC */
	CHECK(neg.peer_first_guess_wrong);

	/* the only common cipher is CTR and no MAC matches */
	cn = build_kexinit(cm, sizeof(cm), "curve25519-sha256", "aes128-ctr", "hmac-sha2-512", false);
	sn = build_kexinit(sm, sizeof(sm), "curve25519-sha256", "aes128-ctr", "hmac-sha2-256", false);
	REQUIRE(ws_kexinit_parse(&c, cm, cn) == WS_OK && ws_kexinit_parse(&s, sm, sn) == WS_OK);
	CHECK_EQ(ws_kexinit_negotiate(&c, &s, &neg, err, sizeof(err)), WS_ERR_NO_ALG_MATCH);
	CHECK(strstr(err, "MAC (client->server)") && strstr(err, "[hmac-sha2-512]") &&
	      strstr(err, "[hmac-sha2-256]"));
	CHECK(!neg.peer_first_guess_wrong);

	/* unknown kex only */
	cn = build_kexinit(cm, sizeof(cm), "diffie-hellman-group14-sha256", "aes128-ctr",
			   "hmac-sha2-256", false);
	REQUIRE(ws_kexinit_parse(&c, cm, cn) == WS_OK);
	CHECK_EQ(ws_kexinit_negotiate(&c, &s, &neg, err, sizeof(err)), WS_ERR_NO_ALG_MATCH);
	CHECK(strstr(err, "key exchange algorithm") != NULL);
}

static void test_ecdh_parsers(void)
{
	uint8_t msg[256], q[32];
	struct ws_buf w, r;
	struct ws_bytes ks, sig;
	static const uint8_t pub[33] = {1};
	/* INIT: exactly a 32-byte string */
	ws_buf_init_write(&w, msg, sizeof(msg));
	REQUIRE(ws_buf_put_string(&w, pub, 32) == WS_OK);
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK_EQ(ws_kex_parse_ecdh_init(&r, q), WS_OK);
	for (size_t cut = 0; cut < w.wpos; cut++) {
		ws_buf_init_read(&r, msg, cut);
		CHECK(ws_kex_parse_ecdh_init(&r, q) < 0);
	}
	ws_buf_init_write(&w, msg, sizeof(msg));
	REQUIRE(ws_buf_put_string(&w, pub, 33) == WS_OK);
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK(ws_kex_parse_ecdh_init(&r, q) < 0); /* RFC 8731: wrong length aborts */
	/* REPLY: K_S, Q_S, signature; trailing bytes refused */
	ws_buf_init_write(&w, msg, sizeof(msg));
	REQUIRE(ws_buf_put_string(&w, "blob", 4) == WS_OK);
	REQUIRE(ws_buf_put_string(&w, pub, 32) == WS_OK);
	REQUIRE(ws_buf_put_string(&w, "sig", 3) == WS_OK);
	size_t good = w.wpos;
	ws_buf_init_read(&r, msg, good);
	CHECK_EQ(ws_kex_parse_ecdh_reply(&r, &ks, q, &sig), WS_OK);
	CHECK(ws_bytes_eq_str(ks, "blob") && ws_bytes_eq_str(sig, "sig"));
	for (size_t cut = 0; cut < good; cut++) {
		ws_buf_init_read(&r, msg, cut);
		CHECK(ws_kex_parse_ecdh_reply(&r, &ks, q, &sig) < 0);
	}
	REQUIRE(ws_buf_put_u8(&w, 0) == WS_OK);
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK_EQ(ws_kex_parse_ecdh_reply(&r, &ks, q, &sig), WS_ERR_FORMAT);
}

static void test_ext_info_and_disconnect(void)
{
	uint8_t msg[256];
	char algs[64], desc[16];
	uint32_t reason;
	struct ws_buf w, r;
	ws_buf_init_write(&w, msg, sizeof(msg));
	REQUIRE(ws_buf_put_u32(&w, 2) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "ping@openssh.com") == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "0") == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "server-sig-algs") == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "ssh-ed25519,rsa-sha2-512") == WS_OK);
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK_EQ(ws_ext_info_parse(&r, algs, sizeof(algs)), WS_OK);
	CHECK(strcmp(algs, "ssh-ed25519,rsa-sha2-512") == 0);
	for (size_t cut = 0; cut < w.wpos; cut++) {
		ws_buf_init_read(&r, msg, cut);
		CHECK(ws_ext_info_parse(&r, algs, sizeof(algs)) < 0);
	}
	ws_store_be32(msg, 100000); /* absurd extension count */
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK_EQ(ws_ext_info_parse(&r, algs, sizeof(algs)), WS_ERR_TOO_LONG);

	ws_buf_init_write(&w, msg, sizeof(msg));
	REQUIRE(ws_buf_put_u32(&w, 11) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "bye\x1b[2Jnow, a long text") == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, "en") == WS_OK);
	ws_buf_init_read(&r, msg, w.wpos);
	CHECK_EQ(ws_disconnect_parse(&r, &reason, desc, sizeof(desc)), WS_OK);
	CHECK_EQ(reason, 11);
	CHECK(strcmp(desc, "bye?[2Jnow, a l") == 0); /* sanitized and truncated */
	ws_buf_init_read(&r, msg, 6);
	CHECK(ws_disconnect_parse(&r, &reason, desc, sizeof(desc)) < 0);
}

static void test_version_classify(void)
{
	CHECK_EQ(ws_version_classify("SSH-2.0-OpenSSH_9.2", 19), 1);
	CHECK_EQ(ws_version_classify("SSH-1.99-x", 10), 1);
	CHECK(ws_version_classify("SSH-1.5-x", 9) < 0);
	CHECK(ws_version_classify("SSH-2.0-", 8) < 0); /* softwareversion required */
	CHECK_EQ(ws_version_classify("HTTP/1.1 200", 12), 0);
}

int main(void)
{
	test_kexinit_parse();
	test_namelists();
	test_negotiate();
	test_ecdh_parsers();
	test_ext_info_and_disconnect();
	test_version_classify();
	return check_done("test_kex_parsers");
}
