/* fuzz_transport.c — libFuzzer target for the transport's input side: version lines, packet
 * framing, KEXINIT negotiation and the KEX messages, fed to a server or a client engine in chunks,
 * plus the message parsers directly. First input byte: 0 server, 1 client, 2 parsers; the second
 * byte sets the chunk size. */
#include <string.h>

#include "engine/transport_int.h"

static struct ws_crypto_engine *eng;
static struct ws_key host_key;
static volatile int sink; /* keeps results of calls made only for their checks */

static void setup_once(void)
{
	if (eng != NULL)
		return;
	if (ws_crypto_engine_new(&eng) != WS_OK || ws_key_generate(&host_key) != WS_OK)
		__builtin_trap();
}

static void drain(struct ws_transport *t)
{
	struct ws_transport_event ev;
	for (unsigned guard = 0; guard < 10000; guard++) {
		if (ws_transport_poll(t, &ev) <= 0)
			break;
		if (ev.type == WS_TEV_HOST_KEY && ws_transport_host_key_verdict(t, true) != WS_OK)
			break;
	}
	const uint8_t *d;
	size_t len;
	for (unsigned guard = 0; guard < 10000; guard++)
		if (ws_transport_output(t, &d, &len) != WS_OK || len == 0 ||
		    ws_transport_output_consume(t, len) != WS_OK)
			break;
}

static void run_engine(enum ws_role role, const uint8_t *data, size_t size, size_t chunk)
{
	struct ws_transport_config cfg = {.role = role, .host_key = &host_key,
					  .service = "ssh-userauth"};
	struct ws_transport *t;
	if (ws_transport_new(&t, &cfg, eng) != WS_OK)
		__builtin_trap();
	for (size_t off = 0; off < size;) {
		size_t n = size - off < chunk ? size - off : chunk;
		int took = ws_transport_input(t, data + off, n);
		if (took <= 0)
			break;
		off += (size_t)took;
		drain(t);
	}
	ws_transport_input_eof(t);
	drain(t);
	ws_transport_free(t);
}

static void run_parsers(const uint8_t *data, size_t size)
{
	struct ws_kexinit k, ours;
	struct ws_negotiated neg;
	struct ws_buf r;
	struct ws_bytes ks, sig;
	uint8_t q[32];
	char text[256];
	uint32_t reason;
	if (ws_kexinit_parse(&k, data, size) == WS_OK) {
		sink += ws_kexinit_negotiate(&k, &k, &neg, text, sizeof(text));
		ours = k;
		ours.lists[WS_KL_KEX] = (struct ws_bytes){(const uint8_t *)"curve25519-sha256", 17};
		sink += ws_kexinit_negotiate(&k, &ours, &neg, text, sizeof(text));
		sink += ws_kexinit_negotiate(&ours, &k, &neg, text, sizeof(text));
	}
	ws_buf_init_read(&r, data, size);
	sink += ws_kex_parse_ecdh_init(&r, q);
	ws_buf_init_read(&r, data, size);
	if (ws_kex_parse_ecdh_reply(&r, &ks, q, &sig) == WS_OK) {
		struct ws_key key;
		if (ws_key_from_blob(&key, ks.ptr, ks.len) == WS_OK)
			sink += ws_key_verify(&key, data, size, sig.ptr, sig.len);
	}
	ws_buf_init_read(&r, data, size);
	sink += ws_ext_info_parse(&r, text, sizeof(text));
	ws_buf_init_read(&r, data, size);
	sink += ws_disconnect_parse(&r, &reason, text, sizeof(text));
	if (size > 0 && size < sizeof(text)) {
		memcpy(text, data, size);
		sink += ws_version_classify(text, size);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	setup_once();
	size_t chunk = data[1] == 0 ? size : data[1];
	switch (data[0] % 3) {
	case 0: run_engine(WS_ROLE_SERVER, data + 2, size - 2, chunk); break;
	case 1: run_engine(WS_ROLE_CLIENT, data + 2, size - 2, chunk); break;
	default: run_parsers(data + 2, size - 2); break;
	}
	return 0;
}
