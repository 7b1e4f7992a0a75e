/* test_keyfile.c — openssh-key-v1 and public key lines: fixtures made by ssh-keygen parse to the
 * same key, fingerprint and public line; our output parses back; every truncation, a bit flip at
 * every byte, and crafted bad containers fail cleanly with the documented error codes. */
#include <sodium.h>
#include <string.h>

#include "keys_test_util.h"
#include "warpssh/buf.h"

#define TEXT_MAX 8192

static void trim_newline(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void test_fixture_matches_ssh_keygen(void)
{
	struct ws_key key;
	char pub[TEXT_MAX], fp[128], line[512], ours[WS_FINGERPRINT_MAX];
	load_fixture_key(&key);
	CHECK(key.has_private);
	CHECK(strcmp(key.comment, "fixture@warpssh") == 0);
	read_fixture("ed25519.pub", pub, sizeof(pub));
	trim_newline(pub);
	CHECK_EQ(ws_key_format_public(&key, line, sizeof(line)), WS_OK);
	CHECK(strcmp(line, pub) == 0);
	read_fixture("ed25519.fp", fp, sizeof(fp));
	trim_newline(fp);
	ws_key_fingerprint(&key, ours);
	CHECK(strcmp(ours, fp) == 0);
	struct ws_key pubkey;
	CHECK_EQ(ws_key_parse_public(&pubkey, pub, strlen(pub)), WS_OK);
	CHECK(ws_key_equal_public(&pubkey, &key));
	CHECK(!pubkey.has_private);
	CHECK(strcmp(pubkey.comment, "fixture@warpssh") == 0);
	ws_key_fingerprint(&pubkey, ours);
	CHECK(strcmp(ours, fp) == 0);
}

static void test_format_round_trip_and_layout(void)
{
	struct ws_key key, back;
	char text[TEXT_MAX], fixture[TEXT_MAX];
	size_t len;
	load_fixture_key(&key);
	CHECK_EQ(ws_key_format_private(&key, text, sizeof(text), &len), WS_OK);
	CHECK_EQ(len, strlen(text));
	size_t flen = read_fixture("ed25519", fixture, sizeof(fixture));
	CHECK_EQ(len, flen); /* same layout as ssh-keygen: same comment gives the same length */
	CHECK(strncmp(text, fixture, 36 + 70) == 0); /* BEGIN line and first body line (before checkints) */
	for (const char *l = text; *l != '\0'; l = strchr(l, '\n') + 1)
		CHECK(strchr(l, '\n') - l <= 70 || strncmp(l, "-----", 5) == 0);
	CHECK_EQ(ws_key_parse_private(&back, text, len), WS_OK);
	CHECK(sodium_memcmp(back.sk, key.sk, sizeof(key.sk)) == 0);
	CHECK(ws_key_equal_public(&back, &key));
	CHECK(strcmp(back.comment, key.comment) == 0);
	/* every output size too small fails without overrunning */
	for (size_t sz = 0; sz <= len; sz++) {
		size_t l2 = 99;
		CHECK_EQ(ws_key_format_private(&key, text, sz, &l2), WS_ERR_NO_SPACE);
		CHECK_EQ(l2, 0);
	}
	CHECK_EQ(ws_key_format_private(&key, text, len + 1, &len), WS_OK);
	struct ws_key pubonly = key;
	pubonly.has_private = false;
	CHECK_EQ(ws_key_format_private(&pubonly, text, sizeof(text), &len), WS_ERR_INVALID_ARG);
}

static void test_truncated_text_at_every_length(void)
{
	char text[TEXT_MAX];
	struct ws_key key;
	size_t len = read_fixture("ed25519", text, sizeof(text));
	for (size_t n = 0; n + 1 < len; n++) {
		int rc = ws_key_parse_private(&key, text, n);
		CHECK_EQ(rc, WS_ERR_KEY_FORMAT);
		CHECK(!key.has_private);
	}
	CHECK_EQ(ws_key_parse_private(&key, text, len - 1), WS_OK); /* only the final newline missing */
}

/* --- crafted containers --- */

struct craft {
	const char *cipher, *kdf, *kdfopts, *pubtype, *privtype;
	uint32_t nkeys, check2_xor;
	uint8_t pad_first, pk_xor, seed_xor;
	size_t trailing;
	const char *comment;
};

static const struct craft good = {"none", "none", "", "ssh-ed25519", "ssh-ed25519", 1, 0, 1, 0, 0, 0, "c"};

static size_t build_bin(const struct ws_key *k, const struct craft *c, uint8_t *out, size_t cap)
{
	uint8_t priv[1024], pk[32], sk[64], blob[128];
	struct ws_buf p, b, w;
	memcpy(pk, k->pk, 32);
	memcpy(sk, k->sk, 64);
	sk[0] ^= c->seed_xor;
	ws_buf_init_write(&b, blob, sizeof(blob));
	REQUIRE(ws_buf_put_cstring(&b, c->pubtype) == WS_OK && ws_buf_put_string(&b, pk, 32) == WS_OK);
	pk[5] ^= c->pk_xor;
	ws_buf_init_write(&p, priv, sizeof(priv));
	REQUIRE(ws_buf_put_u32(&p, 0x11223344) == WS_OK && ws_buf_put_u32(&p, 0x11223344 ^ c->check2_xor) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&p, c->privtype) == WS_OK && ws_buf_put_string(&p, pk, 32) == WS_OK);
	REQUIRE(ws_buf_put_string(&p, sk, 64) == WS_OK && ws_buf_put_cstring(&p, c->comment) == WS_OK);
	for (uint8_t i = c->pad_first; p.wpos % 8 != 0; i++)
		REQUIRE(ws_buf_put_u8(&p, i) == WS_OK);
	ws_buf_init_write(&w, out, cap);
	REQUIRE(ws_buf_put_bytes(&w, "openssh-key-v1", 15) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, c->cipher) == WS_OK && ws_buf_put_cstring(&w, c->kdf) == WS_OK);
	REQUIRE(ws_buf_put_cstring(&w, c->kdfopts) == WS_OK && ws_buf_put_u32(&w, c->nkeys) == WS_OK);
	REQUIRE(ws_buf_put_string(&w, blob, b.wpos) == WS_OK && ws_buf_put_string(&w, priv, p.wpos) == WS_OK);
	for (size_t i = 0; i < c->trailing; i++)
		REQUIRE(ws_buf_put_u8(&w, 0) == WS_OK);
	return w.wpos;
}

static size_t armor(const uint8_t *bin, size_t n, char *out, size_t cap)
{
	char b64[TEXT_MAX];
	sodium_bin2base64(b64, sizeof(b64), bin, n, sodium_base64_VARIANT_ORIGINAL);
	size_t len = (size_t)snprintf(out, cap, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
	for (size_t off = 0; off < strlen(b64); off += 70)
		len += (size_t)snprintf(out + len, cap - len, "%.70s\n", b64 + off);
	len += (size_t)snprintf(out + len, cap - len, "-----END OPENSSH PRIVATE KEY-----\n");
	return len;
}

static int parse_crafted(const struct craft *c)
{
	struct ws_key k, out;
	uint8_t bin[2048];
	char text[TEXT_MAX];
	load_fixture_key(&k);
	size_t n = build_bin(&k, c, bin, sizeof(bin));
	size_t len = armor(bin, n, text, sizeof(text));
	return ws_key_parse_private(&out, text, len);
}

static void test_crafted_containers(void)
{
	struct craft c = good;
	CHECK_EQ(parse_crafted(&c), WS_OK);
	c = good; c.cipher = "aes256-ctr"; c.kdf = "bcrypt";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_ENCRYPTED);
	c = good; c.kdf = "bcrypt";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.kdfopts = "x";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.nkeys = 2;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.nkeys = 0;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.pubtype = "ssh-rsa";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_TYPE);
	c = good; c.pubtype = "ssh-rsa"; c.cipher = "aes256-ctr";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_TYPE); /* type is the more useful answer */
	c = good; c.privtype = "ssh-rsa";
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.check2_xor = 1;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.pad_first = 2;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.pk_xor = 0x40;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.seed_xor = 0x01; /* seed no longer derives pk */
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.trailing = 1;
	CHECK_EQ(parse_crafted(&c), WS_ERR_KEY_FORMAT);
	c = good; c.comment = "12345678"; /* no padding needed or more: still valid */
	CHECK_EQ(parse_crafted(&c), WS_OK);
}

static void test_long_comment_truncated(void)
{
	struct ws_key k, out;
	uint8_t bin[2048];
	char text[TEXT_MAX], comment[301];
	memset(comment, 'x', 300);
	comment[300] = '\0';
	struct craft c = good;
	c.comment = comment;
	load_fixture_key(&k);
	size_t len = armor(bin, build_bin(&k, &c, bin, sizeof(bin)), text, sizeof(text));
	CHECK_EQ(ws_key_parse_private(&out, text, len), WS_OK);
	CHECK_EQ(strlen(out.comment), WS_KEY_COMMENT_MAX - 1);
}

/* Truncate the decoded container at every length and flip one bit in every byte. */
static void test_binary_truncation_and_bit_flips(void)
{
	struct ws_key k, out;
	uint8_t bin[2048];
	char text[TEXT_MAX];
	load_fixture_key(&k);
	size_t n = build_bin(&k, &good, bin, sizeof(bin));
	for (size_t cut = 0; cut < n; cut++) {
		size_t len = armor(bin, cut, text, sizeof(text));
		CHECK_EQ(ws_key_parse_private(&out, text, len), WS_ERR_KEY_FORMAT);
	}
	for (size_t i = 0; i < n; i++) {
		bin[i] ^= 0x04;
		size_t len = armor(bin, n, text, sizeof(text));
		int rc = ws_key_parse_private(&out, text, len);
		/* only the comment may change without detection */
		CHECK(rc == WS_ERR_KEY_FORMAT || rc == WS_ERR_KEY_TYPE || rc == WS_ERR_KEY_ENCRYPTED ||
		      (rc == WS_OK && ws_key_equal_public(&out, &k) && sodium_memcmp(out.sk, k.sk, 64) == 0));
		bin[i] ^= 0x04;
	}
}

static void test_foreign_private_files(void)
{
	static const struct { const char *file; int rc; } cases[] = {
		{"ed25519_encrypted", WS_ERR_KEY_ENCRYPTED}, {"rsa", WS_ERR_KEY_TYPE}, {"ecdsa", WS_ERR_KEY_TYPE},
		{"rsa_pem", WS_ERR_KEY_TYPE}, {"ed25519.pub", WS_ERR_KEY_FORMAT},
	};
	char text[TEXT_MAX];
	struct ws_key k;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = read_fixture(cases[i].file, text, sizeof(text));
		CHECK_EQ(ws_key_parse_private(&k, text, n), cases[i].rc);
		CHECK(!k.has_private);
	}
	static const struct { const char *text; int rc; } inline_cases[] = {
		{"", WS_ERR_KEY_FORMAT},
		{"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", WS_ERR_KEY_ENCRYPTED},
		{"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", WS_ERR_KEY_TYPE},
		{"-----BEGIN DSA PRIVATE KEY-----\n", WS_ERR_KEY_TYPE},
		{"-----BEGIN CERTIFICATE-----\n", WS_ERR_KEY_FORMAT},
		{"PuTTY-User-Key-File-3: ssh-ed25519\n", WS_ERR_KEY_FORMAT},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n", WS_ERR_KEY_FORMAT},
		{"-----BEGIN OPENSSH PRIVATE KEY----- x\n-----END OPENSSH PRIVATE KEY-----\n", WS_ERR_KEY_FORMAT},
	};
	for (size_t i = 0; i < sizeof(inline_cases) / sizeof(inline_cases[0]); i++)
		CHECK_EQ(ws_key_parse_private(&k, inline_cases[i].text, strlen(inline_cases[i].text)),
			 inline_cases[i].rc);
}

static void test_crlf_and_trailing_garbage(void)
{
	char text[TEXT_MAX], crlf[TEXT_MAX * 2];
	struct ws_key k;
	size_t n = read_fixture("ed25519", text, sizeof(text)), m = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\n')
			crlf[m++] = '\r';
		crlf[m++] = text[i];
	}
	CHECK_EQ(ws_key_parse_private(&k, crlf, m), WS_OK);
	memcpy(text + n, "junk\n", 6);
	CHECK_EQ(ws_key_parse_private(&k, text, n + 5), WS_ERR_KEY_FORMAT);
}

static void test_public_lines(void)
{
	char line[TEXT_MAX];
	struct ws_key k, ref;
	load_fixture_key(&ref);
	size_t n = read_fixture("rsa.pub", line, sizeof(line));
	CHECK_EQ(ws_key_parse_public(&k, line, n), WS_ERR_KEY_TYPE);
	n = read_fixture("ecdsa.pub", line, sizeof(line));
	CHECK_EQ(ws_key_parse_public(&k, line, n), WS_ERR_KEY_TYPE);
	n = read_fixture("ed25519.pub", line, sizeof(line));
	CHECK_EQ(ws_key_parse_public(&k, line, n), WS_OK);
	CHECK(ws_key_equal_public(&k, &ref));
	/* every truncation before the end of the base64 fails */
	size_t keyend = strlen("ssh-ed25519 ") + 68;
	for (size_t cut = 0; cut < keyend; cut++)
		CHECK_EQ(ws_key_parse_public(&k, line, cut), WS_ERR_KEY_FORMAT);
	CHECK_EQ(ws_key_parse_public(&k, line, keyend), WS_OK);
	CHECK_EQ(k.comment[0], '\0');
	static const struct { const char *text; int rc; } cases[] = {
		{"ssh-ed25519", WS_ERR_KEY_FORMAT},
		{"garbage AAAA", WS_ERR_KEY_FORMAT},
		{"ssh-dss AAAA", WS_ERR_KEY_TYPE},
		{"ssh-ed25519-cert-v01@openssh.com AAAA", WS_ERR_KEY_TYPE},
		{"sk-ssh-ed25519@openssh.com AAAA", WS_ERR_KEY_TYPE},
		/* an RSA blob under the ed25519 name */
		{"ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7", WS_ERR_KEY_FORMAT},
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKjdlh4xqinGhaKQHU32nFribYwE+wqlfuXxFElf8lCm\nsecond line", WS_ERR_KEY_FORMAT},
		{"  ssh-ed25519\tAAAAC3NzaC1lZDI1NTE5AAAAIKjdlh4xqinGhaKQHU32nFribYwE+wqlfuXxFElf8lCm  a b \n", WS_OK},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_EQ(ws_key_parse_public(&k, cases[i].text, strlen(cases[i].text)), cases[i].rc);
	CHECK(strcmp(k.comment, "a b") == 0);
	CHECK_EQ(ws_key_format_public(&ref, line, 20), WS_ERR_NO_SPACE);
}

int main(void)
{
	REQUIRE(sodium_init() >= 0);
	ws_log_set_level(WS_LOG_ERROR);
	test_fixture_matches_ssh_keygen();
	test_format_round_trip_and_layout();
	test_truncated_text_at_every_length();
	test_crafted_containers();
	test_long_comment_truncated();
	test_binary_truncation_and_bit_flips();
	test_foreign_private_files();
	test_crlf_and_trailing_garbage();
	test_public_lines();
	return check_done("keyfile");
}
