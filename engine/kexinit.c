/* kexinit.c — SSH_MSG_KEXINIT (RFC 4253 §7.1): building ours, parsing the peer's, negotiating each
 * algorithm category, the strict-kex and ext-info pseudo-algorithms, and starting an exchange. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "engine/transport_int.h"

#define NAMELIST_MAX (64u * 1024u)

static const char strict_c[] = "kex-strict-c-v00@openssh.com";
static const char strict_s[] = "kex-strict-s-v00@openssh.com";
static const char ext_info_c[] = "ext-info-c";

int ws_kexinit_parse(struct ws_kexinit *k, const uint8_t *payload, size_t len)
{
	struct ws_buf r;
	uint8_t type;
	uint32_t reserved;
	memset(k, 0, sizeof(*k));
	ws_buf_init_read(&r, payload, len);
	WS_TRY(ws_buf_get_u8(&r, &type));
	WS_ENSURE(type == WS_MSG_KEXINIT, WS_ERR_FORMAT);
	WS_TRY(ws_buf_get_bytes(&r, k->cookie, sizeof(k->cookie)));
	for (unsigned i = 0; i < WS_KEXINIT_LISTS; i++)
		WS_TRY(ws_buf_get_string(&r, &k->lists[i], NAMELIST_MAX));
	WS_TRY(ws_buf_get_bool(&r, &k->first_kex_follows));
	/* uint32 0 (reserved for future extension); later fields are ignored */
	WS_TRY(ws_buf_get_u32(&r, &reserved));
	return WS_OK;
}

/* The next comma-separated name of list at *pos; false at the end. */
static bool next_name(struct ws_bytes list, size_t *pos, struct ws_bytes *name)
{
	if (*pos >= list.len)
		return false;
	const uint8_t *start = list.ptr + *pos;
	const uint8_t *comma = memchr(start, ',', list.len - *pos);
	size_t n = comma ? (size_t)(comma - start) : list.len - *pos;
	name->ptr = start;
	name->len = n;
	*pos += n + 1;
	return true;
}

bool ws_namelist_contains(struct ws_bytes list, const char *name)
{
	struct ws_bytes it;
	size_t pos = 0;
	while (next_name(list, &pos, &it))
		if (ws_bytes_eq_str(it, name))
			return true;
	return false;
}

static bool bytes_equal(struct ws_bytes a, struct ws_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool list_has(struct ws_bytes list, struct ws_bytes name)
{
	struct ws_bytes it;
	size_t pos = 0;
	while (next_name(list, &pos, &it))
		if (bytes_equal(it, name))
			return true;
	return false;
}

/* Pseudo-algorithms only signal features; they never become the negotiated kex. */
static bool is_pseudo(struct ws_bytes name)
{
	return ws_bytes_eq_str(name, strict_c) || ws_bytes_eq_str(name, strict_s) ||
	       ws_bytes_eq_str(name, ext_info_c) || ws_bytes_eq_str(name, "ext-info-s");
}

bool ws_namelist_first_match(struct ws_bytes client, struct ws_bytes server, struct ws_bytes *match)
{
	struct ws_bytes it;
	size_t pos = 0;
	/* RFC 4253 §7.1: the first algorithm on the client's list that is also on the server's */
	while (next_name(client, &pos, &it)) {
		if (it.len == 0 || is_pseudo(it) || !list_has(server, it))
			continue;
		*match = it;
		return true;
	}
	match->ptr = NULL;
	match->len = 0;
	return false;
}

static int no_match(const char *what, struct ws_bytes c, struct ws_bytes s, char *errmsg, size_t errsz)
{
	snprintf(errmsg, errsz, "no matching %s: client offers [%.*s], server offers [%.*s]", what,
		 (int)(c.len > 200 ? 200 : c.len), (const char *)c.ptr, (int)(s.len > 200 ? 200 : s.len),
		 (const char *)s.ptr);
	return WS_ERR_NO_ALG_MATCH;
}

static const char *const kex_names[] = {"curve25519-sha256", "curve25519-sha256@libssh.org"};

static const char *known_kex(struct ws_bytes name)
{
	for (size_t i = 0; i < sizeof(kex_names) / sizeof(kex_names[0]); i++)
		if (ws_bytes_eq_str(name, kex_names[i]))
			return kex_names[i];
	return NULL;
}

static int negotiate_dir(const struct ws_kexinit *c, const struct ws_kexinit *s, int dir,
			 struct ws_negotiated *neg, char *errmsg, size_t errsz)
{
	static const char *const cipher_what[2] = {"cipher (client->server)", "cipher (server->client)"};
	static const char *const mac_what[2] = {"MAC (client->server)", "MAC (server->client)"};
	static const char *const comp_what[2] = {"compression (client->server)",
						 "compression (server->client)"};
	struct ws_bytes m;
	unsigned cl = WS_KL_CIPHER_C2S + (unsigned)dir, ml = WS_KL_MAC_C2S + (unsigned)dir;
	unsigned zl = WS_KL_COMP_C2S + (unsigned)dir;
	if (!ws_namelist_first_match(c->lists[cl], s->lists[cl], &m) ||
	    (neg->cipher[dir] = ws_cipher_by_name((const char *)m.ptr, m.len)) == NULL)
		return no_match(cipher_what[dir], c->lists[cl], s->lists[cl], errmsg, errsz);
	neg->mac[dir] = NULL;
	/* AEAD ciphers carry their own tag: no MAC is negotiated (OpenSSH PROTOCOL.chacha20poly1305) */
	if (!neg->cipher[dir]->aead &&
	    (!ws_namelist_first_match(c->lists[ml], s->lists[ml], &m) ||
	     (neg->mac[dir] = ws_mac_by_name((const char *)m.ptr, m.len)) == NULL))
		return no_match(mac_what[dir], c->lists[ml], s->lists[ml], errmsg, errsz);
	if (!ws_namelist_first_match(c->lists[zl], s->lists[zl], &m) || !ws_bytes_eq_str(m, "none"))
		return no_match(comp_what[dir], c->lists[zl], s->lists[zl], errmsg, errsz);
	return WS_OK;
}

/* §7: a guess is wrong when the first kex or host key algorithm of the two lists differ. */
static bool guess_wrong(const struct ws_kexinit *c, const struct ws_kexinit *s)
{
	struct ws_bytes a = {NULL, 0}, b = {NULL, 0};
	size_t pa = 0, pb = 0, qa = 0, qb = 0;
	if (!next_name(c->lists[WS_KL_KEX], &pa, &a) || !next_name(s->lists[WS_KL_KEX], &pb, &b) ||
	    !bytes_equal(a, b))
		return true;
	if (!next_name(c->lists[WS_KL_HOSTKEY], &qa, &a) ||
	    !next_name(s->lists[WS_KL_HOSTKEY], &qb, &b))
		return true;
	return !bytes_equal(a, b);
}

int ws_kexinit_negotiate(const struct ws_kexinit *c, const struct ws_kexinit *s,
			 struct ws_negotiated *neg, char *errmsg, size_t errsz)
{
	struct ws_bytes m;
	memset(neg, 0, sizeof(*neg));
	errmsg[0] = '\0';
	if (!ws_namelist_first_match(c->lists[WS_KL_KEX], s->lists[WS_KL_KEX], &m) ||
	    (neg->kex = known_kex(m)) == NULL)
		return no_match("key exchange algorithm", c->lists[WS_KL_KEX], s->lists[WS_KL_KEX],
				errmsg, errsz);
	if (!ws_namelist_first_match(c->lists[WS_KL_HOSTKEY], s->lists[WS_KL_HOSTKEY], &m) ||
	    !ws_bytes_eq_str(m, "ssh-ed25519"))
		return no_match("host key algorithm", c->lists[WS_KL_HOSTKEY], s->lists[WS_KL_HOSTKEY],
				errmsg, errsz);
	neg->host_key = "ssh-ed25519";
	WS_TRY(negotiate_dir(c, s, WS_C2S, neg, errmsg, errsz));
	WS_TRY(negotiate_dir(c, s, WS_S2C, neg, errmsg, errsz));
	neg->peer_first_guess_wrong = guess_wrong(c, s);
	return WS_OK;
}

static int put_kex_list(struct ws_transport *t, struct ws_buf *w)
{
	char list[sizeof(t->kex_list) + 96];
	bool initial = t->kex_count == 0;
	bool client = t->role == WS_ROLE_CLIENT;
	snprintf(list, sizeof(list), "%s%s%s", t->kex_list,
		 initial && client && t->ext_info ? ",ext-info-c" : "",
		 !initial || !t->offer_strict ? "" : client ? ",kex-strict-c-v00@openssh.com"
							  : ",kex-strict-s-v00@openssh.com");
	return ws_buf_put_cstring(w, list);
}

int ws_kexinit_build(struct ws_transport *t, uint8_t *out, size_t outsz, size_t *outlen)
{
	struct ws_buf w;
	uint8_t *cookie;
	*outlen = 0;
	ws_buf_init_write(&w, out, outsz);
	WS_TRY(ws_buf_put_u8(&w, WS_MSG_KEXINIT));
	WS_TRY(ws_buf_reserve(&w, 16, &cookie));
	randombytes_buf(cookie, 16); /* §7.1: cookie MUST be random */
	WS_TRY(put_kex_list(t, &w));
	WS_TRY(ws_buf_put_cstring(&w, "ssh-ed25519"));
	for (int dir = 0; dir < 2; dir++)
		WS_TRY(ws_buf_put_cstring(&w, t->cipher_list));
	for (int dir = 0; dir < 2; dir++)
		WS_TRY(ws_buf_put_cstring(&w, t->mac_list));
	for (int dir = 0; dir < 2; dir++)
		WS_TRY(ws_buf_put_cstring(&w, "none"));
	for (int dir = 0; dir < 2; dir++)
		WS_TRY(ws_buf_put_cstring(&w, ""));
	WS_TRY(ws_buf_put_bool(&w, false)); /* we never send a guessed kex packet */
	WS_TRY(ws_buf_put_u32(&w, 0));
	*outlen = w.wpos;
	return WS_OK;
}

int ws_kex_start(struct ws_transport *t)
{
	struct ws_kex *k = &t->kex;
	if (k->running)
		return WS_OK;
	ws_kex_wipe(k);
	WS_TRY(ws_kexinit_build(t, k->our_kexinit, sizeof(k->our_kexinit), &k->our_kexinit_len));
	k->running = true;
	k->sent_kexinit = true;
	/* §7.1: from here until our NEWKEYS only kex messages go out; payloads wait (deferred) */
	k->kexinit_seqnr = t->tx_seqnr;
	return ws_transport_queue_msg(t, k->our_kexinit, k->our_kexinit_len);
}

/* The exchange hash starts with V_C, V_S, I_C, I_S (RFC 4253 §8). */
static void hash_versions_and_kexinits(struct ws_transport *t, const uint8_t *peer, size_t peer_len)
{
	struct ws_kex *k = &t->kex;
	bool client = t->role == WS_ROLE_CLIENT;
	const char *vc = client ? t->our_version : t->peer_version;
	const char *vs = client ? t->peer_version : t->our_version;
	ws_kex_hash_init(&k->hash);
	ws_kex_hash_string(&k->hash, (const uint8_t *)vc, strlen(vc));
	ws_kex_hash_string(&k->hash, (const uint8_t *)vs, strlen(vs));
	ws_kex_hash_string(&k->hash, client ? k->our_kexinit : peer,
			   client ? k->our_kexinit_len : peer_len);
	ws_kex_hash_string(&k->hash, client ? peer : k->our_kexinit,
			   client ? peer_len : k->our_kexinit_len);
}

static void record_algs(struct ws_transport *t)
{
	const struct ws_negotiated *n = &t->kex.neg;
	t->algs.kex = n->kex;
	t->algs.host_key = n->host_key;
	t->algs.cipher_c2s = n->cipher[WS_C2S]->name;
	t->algs.cipher_s2c = n->cipher[WS_S2C]->name;
	t->algs.mac_c2s = n->mac[WS_C2S] ? n->mac[WS_C2S]->name : "<implicit>";
	t->algs.mac_s2c = n->mac[WS_S2C] ? n->mac[WS_S2C]->name : "<implicit>";
	t->algs.strict_kex = t->strict_kex;
}

/* First-exchange features announced by pseudo-algorithms in the peer's kex list. */
static int initial_features(struct ws_transport *t, const struct ws_kexinit *peer, uint32_t seqnr)
{
	bool client = t->role == WS_ROLE_CLIENT;
	t->strict_kex = t->offer_strict &&
			ws_namelist_contains(peer->lists[WS_KL_KEX], client ? strict_s : strict_c);
	t->peer_ext_info_c = !client && ws_namelist_contains(peer->lists[WS_KL_KEX], ext_info_c);
	/* OpenSSH PROTOCOL §1.10: with strict kex, KEXINIT MUST be the first packet */
	if (t->strict_kex && seqnr != 0)
		return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
					 "strict KEX violation: KEXINIT was not the first packet");
	return WS_OK;
}

int ws_kex_on_kexinit(struct ws_transport *t, const uint8_t *payload, size_t len, uint32_t seqnr)
{
	struct ws_kexinit peer, ours;
	char errmsg[WS_ERRMSG_MAX];
	bool client = t->role == WS_ROLE_CLIENT;
	if (t->kex.got_kexinit)
		return ws_transport_fail(t, WS_ERR_UNEXPECTED_MSG, WS_DISCONNECT_PROTOCOL_ERROR,
					 "second KEXINIT during a key exchange");
	if (ws_kexinit_parse(&peer, payload, len) != WS_OK)
		return ws_transport_fail(t, WS_ERR_FORMAT, WS_DISCONNECT_PROTOCOL_ERROR,
					 "malformed KEXINIT");
	if (!t->kex.sent_kexinit)
		WS_TRY(ws_kex_start(t));
	t->kex.got_kexinit = true;
	if (t->kex_count == 0)
		WS_TRY(initial_features(t, &peer, seqnr));
	WS_TRY(ws_kexinit_parse(&ours, t->kex.our_kexinit, t->kex.our_kexinit_len));
	int rc = ws_kexinit_negotiate(client ? &ours : &peer, client ? &peer : &ours, &t->kex.neg,
				      errmsg, sizeof(errmsg));
	if (rc != WS_OK)
		return ws_transport_fail(t, rc, WS_DISCONNECT_KEY_EXCHANGE_FAILED, "%s", errmsg);
	t->kex.ignore_next_kex_packet = peer.first_kex_follows && t->kex.neg.peer_first_guess_wrong;
	record_algs(t);
	hash_versions_and_kexinits(t, payload, len);
	return client ? ws_kex_ecdh_send_init(t) : WS_OK;
}
