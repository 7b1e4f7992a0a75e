/* hmodes.c — the hostile modes that speak SSH first: channels (N session opens, never read),
 * nowindow (a command's output with a window never adjusted, then the socket never read) and
 * terrapin (a plaintext IGNORE injected into a strict key exchange: OpenSSH PROTOCOL §1.10,
 * CVE-2023-48795). */
#include <stdio.h>
#include <string.h>

#include "hostile.h"

/* RFC 4254 message numbers. */
#define MSG_CHANNEL_OPEN 90
#define MSG_CHANNEL_OPEN_CONFIRMATION 91
#define MSG_CHANNEL_OPEN_FAILURE 92
#define MSG_CHANNEL_DATA 94
#define MSG_CHANNEL_EXTENDED_DATA 95
#define MSG_CHANNEL_REQUEST 98
#define MSG_CHANNEL_SUCCESS 99
#define MSG_CHANNEL_FAILURE 100

#define AUTH_WAIT_MS 10000
#define SEND_PHASE_MS 5000
#define DRAIN_MS 3000
#define SILENCE_MS 1000
#define READ_STOP_BYTES (1u << 20) /* a huge window: read this much, then stop reading */
#define CHAN_MAX_PACKET 32768u

/* What the server sent on the connection protocol. */
struct conn_seen {
	unsigned confirmed, refused, success, failure, other;
	uint32_t server_chan;
	uint64_t data;
	int64_t last_data_ms;
};

static void on_conn_payload(struct hssh *h, const uint8_t *p, size_t len, void *arg)
{
	struct conn_seen *s = arg;
	struct ws_buf b;
	uint32_t chan, ext;
	struct ws_bytes data;
	(void)h;
	ws_buf_init_read(&b, p + 1, len - 1);
	switch (p[0]) {
	case MSG_CHANNEL_OPEN_CONFIRMATION:
		s->confirmed++;
		if (ws_buf_get_u32(&b, &chan) == WS_OK && ws_buf_get_u32(&b, &s->server_chan) != WS_OK)
			s->server_chan = 0;
		break;
	case MSG_CHANNEL_OPEN_FAILURE:
		s->refused++;
		break;
	case MSG_CHANNEL_SUCCESS:
		s->success++;
		break;
	case MSG_CHANNEL_FAILURE:
		s->failure++;
		break;
	case MSG_CHANNEL_DATA:
	case MSG_CHANNEL_EXTENDED_DATA:
		if (ws_buf_get_u32(&b, &chan) == WS_OK &&
		    (p[0] == MSG_CHANNEL_DATA || ws_buf_get_u32(&b, &ext) == WS_OK) &&
		    ws_buf_get_string(&b, &data, WS_BUF_MAX_STRING) == WS_OK)
			s->data += data.len;
		s->last_data_ms = h_now_ms();
		break;
	default:
		s->other++;
		break;
	}
}

static int64_t soon(int ms)
{
	int64_t t = h_now_ms() + ms;
	return t < h_deadline() ? t : h_deadline();
}

/* Connect and authenticate; prints a failure result line itself. */
static int open_authed(const struct hopts *o, struct conn_seen *seen, struct hssh **h)
{
	struct hssh_config cfg = {
	    .o = o, .strict = true, .authenticate = true, .on_payload = on_conn_payload, .arg = seen};
	int rc = hssh_open(h, &cfg);
	if (rc == WS_OK && hssh_wait(*h, hssh_authenticated, soon(AUTH_WAIT_MS)))
		return WS_OK;
	h_result(o->mode, "phase=done authed=0 error=%s end=%s", ws_strerror(rc),
		 *h != NULL && rc == WS_OK ? hssh_end_reason(*h) : "connect");
	return WS_ERR_AUTH;
}

static int send_open(struct hssh *h, uint32_t id, uint32_t window, int64_t deadline)
{
	uint8_t msg[64];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, MSG_CHANNEL_OPEN));
	WS_TRY(ws_buf_put_cstring(&w, "session"));
	WS_TRY(ws_buf_put_u32(&w, id));
	WS_TRY(ws_buf_put_u32(&w, window));
	WS_TRY(ws_buf_put_u32(&w, CHAN_MAX_PACKET));
	return hssh_send(h, msg, w.wpos, deadline);
}

/* ---------------------------------------------------------------- channels */

static void drain_replies(struct hssh *h, const struct conn_seen *s, unsigned sent)
{
	int64_t end = soon(DRAIN_MS);
	while (s->confirmed + s->refused < sent && !hssh_ended(h) && h_left_ms(end, 1) > 0)
		hssh_step(h, h_left_ms(end, 100), true);
}

int h_mode_channels(const struct hopts *o)
{
	struct conn_seen seen = {0};
	struct hssh *h = NULL;
	unsigned sent = 0;
	if (open_authed(o, &seen, &h) != WS_OK) {
		hssh_close(h);
		return H_EXIT_FAILED;
	}
	int64_t start = h_now_ms(), send_end = soon(SEND_PHASE_MS);
	/* every open is written without reading a single reply */
	while (sent < o->count && send_open(h, sent, CHAN_MAX_PACKET, send_end) == WS_OK)
		sent++;
	int flushed = hssh_flush(h, send_end);
	h_result("channels", "phase=holding sent=%u flushed=%d send_ms=%lld", sent, flushed == WS_OK,
		 (long long)(h_now_ms() - start));
	int64_t held = h_hold(o->hold_s);
	drain_replies(h, &seen, sent);
	h_result("channels",
		 "phase=done authed=1 requested=%u sent=%u confirmed=%u refused=%u held_ms=%lld "
		 "end=%s",
		 o->count, sent, seen.confirmed, seen.refused, (long long)held, hssh_end_reason(h));
	hssh_close(h);
	return sent > 0 ? H_EXIT_DONE : H_EXIT_FAILED;
}

/* ---------------------------------------------------------------- nowindow */

static int send_exec(struct hssh *h, uint32_t server_chan, const char *command)
{
	uint8_t msg[1024];
	struct ws_buf w;
	ws_buf_init_write(&w, msg, sizeof(msg));
	WS_TRY(ws_buf_put_u8(&w, MSG_CHANNEL_REQUEST));
	WS_TRY(ws_buf_put_u32(&w, server_chan));
	WS_TRY(ws_buf_put_cstring(&w, "exec"));
	WS_TRY(ws_buf_put_bool(&w, true));
	WS_TRY(ws_buf_put_cstring(&w, command));
	return hssh_send(h, msg, w.wpos, h_deadline());
}

/* Read the command's output until the window is used (or READ_STOP_BYTES of a huge one), the
 * server goes quiet, or the channel failed. */
static void read_output(struct hssh *h, struct conn_seen *s, uint32_t window)
{
	uint64_t stop = window < READ_STOP_BYTES ? window : READ_STOP_BYTES;
	int64_t end = soon(AUTH_WAIT_MS);
	s->last_data_ms = h_now_ms();
	while (s->data < stop && s->failure == 0 && !hssh_ended(h) && h_left_ms(end, 1) > 0 &&
	       h_now_ms() - s->last_data_ms < SILENCE_MS)
		hssh_step(h, 100, true);
}

static bool chan_answered(struct conn_seen *s)
{
	return s->confirmed + s->refused > 0;
}

int h_mode_nowindow(const struct hopts *o)
{
	struct conn_seen seen = {0};
	struct hssh *h = NULL;
	if (open_authed(o, &seen, &h) != WS_OK) {
		hssh_close(h);
		return H_EXIT_FAILED;
	}
	int64_t end = soon(AUTH_WAIT_MS);
	int rc = send_open(h, 0, o->window, h_deadline());
	while (rc == WS_OK && !chan_answered(&seen) && !hssh_ended(h) && h_left_ms(end, 1) > 0)
		hssh_step(h, 100, true);
	bool opened = seen.confirmed == 1;
	if (opened && send_exec(h, seen.server_chan, o->command) == WS_OK)
		read_output(h, &seen, o->window);
	/* From here on nothing is read: no WINDOW_ADJUST ever, and the socket fills up. */
	h_result("nowindow", "phase=holding opened=%d received=%llu", opened, (unsigned long long)seen.data);
	int64_t held = h_hold(o->hold_s);
	h_result("nowindow",
		 "phase=done authed=1 opened=%d exec_ok=%d window=%u received=%llu violation=%d "
		 "held_ms=%lld end=%s",
		 opened, seen.success > 0, o->window, (unsigned long long)seen.data, seen.data > o->window,
		 (long long)held, hssh_end_reason(h));
	hssh_close(h);
	return opened ? H_EXIT_DONE : H_EXIT_FAILED;
}

/* ---------------------------------------------------------------- terrapin */

int h_mode_terrapin(const struct hopts *o)
{
	/* chacha20-poly1305 takes its nonce from the sequence number, so a shifted count shows */
	struct hssh_config cfg = {.o = o,
				  .strict = !o->no_strict,
				  .inject_ignore = true,
				  .ciphers = "chacha20-poly1305@openssh.com"};
	struct hssh *h = NULL;
	int rc = hssh_open(&h, &cfg);
	if (rc != WS_OK) {
		h_result("terrapin", "phase=done injected=0 error=%s", ws_strerror(rc));
		hssh_close(h);
		return H_EXIT_FAILED;
	}
	int64_t start = h_now_ms();
	bool kex = hssh_wait(h, hssh_handshake_done, soon(AUTH_WAIT_MS));
	bool service = kex && hssh_wait(h, hssh_service_accepted, soon(DRAIN_MS));
	/* Strict kex: the server MUST disconnect on the IGNORE (no kex_done). Without it the IGNORE
	 * is legal but shifts the server's sequence numbers: our first encrypted packet fails. */
	h_result("terrapin",
		 "phase=done injected=1 offered_strict=%d kex_done=%d strict=%d "
		 "service_accepted=%d server_ended=%d end=%s elapsed_ms=%lld",
		 !o->no_strict, kex, kex && hssh_strict(h), service, hssh_ended(h), hssh_end_reason(h),
		 (long long)(h_now_ms() - start));
	hssh_close(h);
	return H_EXIT_DONE;
}
