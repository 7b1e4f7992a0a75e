/* fuzz_conn_channel.c — libFuzzer target for the connection protocol (engine/conn*.c,
 * channel*.c, chan_queue.c): byte 0 picks the role and config, then records of
 * `uint8 op || uint16 length || bytes` either deliver a payload from the peer or make an
 * embedder call (send data, consume, EOF, close, reply, open, request), interleaved. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "warpssh/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
	bool defer;
	unsigned sent;
};

static int count_sink(void *arg, const struct ws_bytes *parts, size_t nparts)
{
	struct fuzz_state *st = arg;
	size_t len = 0;
	for (size_t i = 0; i < nparts; i++)
		len += parts[i].len;
	if (nparts == 0 || nparts > 2 || len == 0)
		__builtin_trap(); /* the sink contract: 1..2 parts, never an empty payload */
	st->sent++;
	return WS_OK;
}

static void on_event(void *arg, struct ws_conn_event *ev)
{
	struct fuzz_state *st = arg;
	ev->answer = st->defer ? WS_ANSWER_DEFER : WS_ANSWER_ACCEPT;
	if (ev->type == WS_CONN_EV_DATA && ev->u.data.data.len > 0 && ev->u.data.data.ptr == NULL)
		__builtin_trap();
}

static int do_request(struct ws_conn *c, uint32_t ch, const uint8_t *p, size_t n)
{
	struct ws_chan_request r;
	memset(&r, 0, sizeof(r));
	r.want_reply = n > 0 && (p[0] & 1);
	if (n > 1 && (p[1] & 1)) {
		r.type = WS_REQ_EXEC;
		r.u.exec.command.ptr = p;
		r.u.exec.command.len = n;
	} else {
		r.type = WS_REQ_EXIT_STATUS;
		r.u.exit_status.status = (uint32_t)n;
	}
	return ws_conn_send_request(c, ch, &r);
}

/* Errors are expected (that is the point); only crashes and leaks count. */
static int do_op(struct ws_conn *c, uint8_t op, const uint8_t *p, size_t n)
{
	uint32_t ch = n > 0 ? p[0] % 4 : 0, id;
	size_t acc;
	switch (op % 8) {
	case 0:
		return ws_conn_handle(c, p, n);
	case 1:
		return ws_conn_send_data(c, ch, p, n, &acc);
	case 2:
		return ws_conn_consumed(c, ch, n > 1 ? (size_t)p[1] << 8 : n);
	case 3:
		return ws_conn_send_eof(c, ch);
	case 4:
		return ws_conn_close(c, ch);
	case 5:
		return ws_conn_reply_request(c, ch, n > 1 && (p[1] & 1));
	case 6:
		return ws_conn_open_session(c, NULL, &id);
	default:
		return do_request(c, ch, p, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_conn_config cfg;
	struct fuzz_state st = {0};
	struct ws_conn *c;
	uint32_t id;
	if (size < 1)
		return 0;
	ws_conn_config_default(&cfg);
	cfg.is_server = data[0] & 1;
	if (data[0] & 2) {
		cfg.window = 1024;
		cfg.max_packet = 512;
	}
	if (data[0] & 4)
		cfg.max_pending = 0;
	cfg.max_channels = 4;
	cfg.allow_tcpip_forward = data[0] & 16;
	st.defer = data[0] & 8;
	struct ws_conn_handler h = {on_event, &st};
	struct ws_payload_sink sink = {count_sink, &st};
	if (ws_conn_new(&c, &cfg, &h, &sink) != WS_OK)
		return 0;
	unsigned errors = 0;
	if (!cfg.is_server)
		errors += ws_conn_open_session(c, NULL, &id) < 0;
	size_t pos = 1;
	while (size - pos >= 3) {
		uint8_t op = data[pos];
		size_t n = ((size_t)data[pos + 1] << 8) | data[pos + 2];
		pos += 3;
		if (n > size - pos)
			n = size - pos;
		errors += do_op(c, op, data + pos, n) < 0;
		pos += n;
	}
	ws_conn_free(c);
	(void)errors;
	return 0;
}
