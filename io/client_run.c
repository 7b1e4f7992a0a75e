/* client_run.c — warpssh's runtime: connect (ConnectTimeout), build the transport from the
 * ssh_config, pump it with session_io, drive the client machine, keep stdin/stdout/stderr and
 * -L sockets flowing, keepalives and signals, and map the outcome to ssh(1)'s exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/client_internal.h"
#include "warpssh/log.h"
#include "warpssh/sock.h"

#define CLI_LINGER_MS 2000
#define CLI_TX_BUFFER (4u * 1024u * 1024u)
#define CLI_RX_BUFFER (1u * 1024u * 1024u)

static int signal_write_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	uint8_t b = (uint8_t)sig;
	if (signal_write_fd >= 0)
		(void)!write(signal_write_fd, &b, 1);
	errno = saved;
}

/* ---------------------------------------------------------------- client machine events */

static void print_banner(struct ws_bytes text)
{
	char out[2048];
	size_t n = 0;
	for (size_t i = 0; i < text.len && n + 1 < sizeof(out); i++) {
		uint8_t ch = text.ptr[i];
		/* never let the server drive our terminal: printable bytes, tabs and newlines only */
		out[n++] = (ch >= 0x20 && ch != 0x7f) || ch == '\n' || ch == '\t' ? (char)ch : '?';
	}
	(void)!write(STDERR_FILENO, out, n);
}

static void on_authenticated(struct cli_rt *rt, const struct ws_client_event *ev)
{
	ws_verbose("Authenticated to %s using \"%.*s\".", rt->peer_name, (int)ev->data.len,
		   (const char *)ev->data.ptr);
	if (cli_forwards_listen(rt) != WS_OK)
		ws_error("cannot set up local forwarding");
	if (rt->tty.modes_len > 0 && isatty(STDIN_FILENO))
		cli_tty_raw(&rt->tty);
}

static void client_event(void *arg, const struct ws_client_event *ev)
{
	struct cli_rt *rt = arg;
	switch (ev->type) {
	case WS_CLIENT_EV_BANNER:
		if (!rt->opt->quiet)
			print_banner(ev->data);
		break;
	case WS_CLIENT_EV_AUTH_FAILURE:
		ws_verbose("Authentications that can continue: %.*s", (int)ev->data.len, (const char *)ev->data.ptr);
		break;
	case WS_CLIENT_EV_AUTHENTICATED:
		on_authenticated(rt, ev);
		break;
	case WS_CLIENT_EV_FINISHED:
		ws_session_io_close_after_flush(rt->io, CLI_LINGER_MS);
		break;
	default:
		cli_stream_on_event(rt, ev);
		break;
	}
}

/* ---------------------------------------------------------------- session_io callbacks */

static void log_algs(struct ws_transport *t)
{
	const struct ws_transport_algs *a = ws_transport_algs(t);
	ws_verbose("kex: %s, host key %s, cipher %s / %s, MAC %s / %s%s", a->kex, a->host_key, a->cipher_c2s,
		   a->cipher_s2c, a->mac_c2s, a->mac_s2c, a->strict_kex ? ", strict kex" : "");
}

static int on_transport_event(void *arg, struct ws_session_io *io, const struct ws_transport_event *ev)
{
	struct cli_rt *rt = arg;
	if (ev->type == WS_TEV_HANDSHAKE_DONE) {
		ws_timer_cancel(rt->loop, &rt->connect_timer);
		ws_verbose("Remote protocol version: %s", ws_transport_peer_version(rt->t));
		log_algs(rt->t);
	}
	int rc = ws_client_on_transport_event(rt->client, ev);
	if (rc < 0)
		ws_session_io_close_after_flush(io, CLI_LINGER_MS);
	return rc;
}

static void after_input(void *arg, struct ws_session_io *io)
{
	(void)io;
	struct cli_rt *rt = arg;
	if (ws_client_flush(rt->client) == WS_OK)
		cli_streams_resume(rt);
}

static void on_output_drained(void *arg, struct ws_session_io *io)
{
	after_input(arg, io);
}

static void on_closed(void *arg, struct ws_session_io *io, int err)
{
	struct cli_rt *rt = arg;
	rt->io_closed = true;
	rt->io_err = err;
	rt->bytes_in = ws_session_io_bytes_in(io);
	rt->bytes_out = ws_session_io_bytes_out(io);
	rt->kex_count = ws_transport_kex_count(ws_session_io_transport(io));
	if (err != WS_OK) {
		const char *why = ws_transport_error_message(ws_session_io_transport(io));
		snprintf(rt->io_errmsg, sizeof(rt->io_errmsg), "%s", why != NULL && why[0] ? why : ws_strerror(err));
	}
}

/* ---------------------------------------------------------------- timers and signals */

static void on_connect_timeout(struct ws_loop *loop, void *arg)
{
	(void)loop;
	struct cli_rt *rt = arg;
	ws_error("Connection timed out during banner exchange");
	rt->timed_out = true;
}

static void on_alive_timer(struct ws_loop *loop, void *arg)
{
	struct cli_rt *rt = arg;
	if (rt->io_closed)
		return;
	uint64_t in = ws_session_io_bytes_in(rt->io);
	if (in == rt->alive_last_in && ws_client_server_alive(rt->client) < 0)
		ws_session_io_close_after_flush(rt->io, CLI_LINGER_MS);
	else
		ws_session_io_flush(rt->io);
	rt->alive_last_in = ws_session_io_bytes_in(rt->io);
	if (ws_timer_arm(loop, &rt->alive_timer, rt->opt->cfg.server_alive_interval * 1000ull) != WS_OK)
		ws_error("cannot re-arm the keepalive timer");
}

static void on_signal_pipe(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	struct cli_rt *rt = arg;
	uint8_t sigs[16];
	ssize_t n = read(fd, sigs, sizeof(sigs));
	for (ssize_t i = 0; i < n; i++) {
		if (sigs[i] != SIGWINCH) {
			rt->fatal_signal = sigs[i];
			continue;
		}
		if (cli_tty_size(&rt->tty) && !rt->io_closed &&
		    ws_client_window_change(rt->client, rt->tty.cols, rt->tty.rows, rt->tty.wpx, rt->tty.hpx) == WS_OK)
			ws_session_io_flush(rt->io);
	}
}

static int setup_signals(struct cli_rt *rt)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};
	signal(SIGPIPE, SIG_IGN);
	WS_ENSURE(pipe2(rt->signal_fds, O_CLOEXEC | O_NONBLOCK) == 0, WS_ERR_IO);
	signal_write_fd = rt->signal_fds[1];
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	return ws_loop_add(rt->loop, rt->signal_fds[0], WS_EV_READ, on_signal_pipe, rt);
}

/* ---------------------------------------------------------------- setup */

static const char *opt_list(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int new_transport(struct cli_rt *rt)
{
	const struct ws_ssh_config *c = &rt->opt->cfg;
	struct ws_transport_config tc = {
		.role = WS_ROLE_CLIENT, .service = "ssh-userauth",
		.kex_algorithms = opt_list(c->kex_algorithms), .ciphers = opt_list(c->ciphers),
		.macs = opt_list(c->macs), .rekey_bytes = c->rekey_limit.bytes,
		.rekey_interval_ms = (uint64_t)c->rekey_limit.seconds * 1000u,
		.rx_buffer_size = CLI_RX_BUFFER, .tx_buffer_size = CLI_TX_BUFFER,
	};
	return ws_transport_new(&rt->t, &tc, rt->eng);
}

static bool want_pty(const struct ws_client_options *o)
{
	bool tty_in = isatty(STDIN_FILENO);
	if (o->no_session || o->subsystem || o->tty == WS_TTY_NO)
		return false;
	if (o->tty == WS_TTY_FORCE)
		return true;
	if (o->tty == WS_TTY_YES && !tty_in)
		ws_info("Pseudo-terminal will not be allocated because stdin is not a terminal.");
	if (o->tty == WS_TTY_YES)
		return tty_in;
	return o->command == NULL && tty_in;
}

static int new_client(struct cli_rt *rt)
{
	const struct ws_client_options *o = rt->opt;
	struct ws_client_config cc = {
		.user = o->cfg.user, .keys = rt->auth.keys, .nkeys = rt->auth.nkeys,
		.password_attempts = o->cfg.batch_mode ? 0 : 3, .no_session = o->no_session,
		.command = o->command, .subsystem = o->subsystem,
		.server_alive_count_max = o->cfg.server_alive_count_max,
	};
	if (want_pty(o)) {
		cli_tty_prepare(&rt->tty);
		cc.want_pty = true;
		cc.term = rt->tty.term;
		cc.cols = rt->tty.cols;
		cc.rows = rt->tty.rows;
		cc.width_px = rt->tty.wpx;
		cc.height_px = rt->tty.hpx;
		cc.modes = rt->tty.modes;
		cc.modes_len = rt->tty.modes_len;
	}
	struct ws_client_callbacks cb = {.arg = rt, .host_key = cli_trust_host_key, .sign = cli_auth_sign,
					 .password = cli_auth_password, .event = client_event};
	return ws_client_new(&rt->client, &cc, &cb, rt->t);
}

/* stdin/stdout/stderr become non-blocking while we run (they are restored at exit). */
static void set_stdio_nonblocking(struct cli_rt *rt)
{
	const struct cli_stream *s = rt->session;
	const bool pollable[3] = {s->in_pollable, s->out.pollable, s->err.pollable};
	for (int fd = 0; fd < 3; fd++) {
		rt->stdio_flags[fd] = fcntl(fd, F_GETFL);
		if (pollable[fd] && rt->stdio_flags[fd] >= 0)
			(void)fcntl(fd, F_SETFL, rt->stdio_flags[fd] | O_NONBLOCK);
	}
}

static void restore_stdio(struct cli_rt *rt)
{
	for (int fd = 0; fd < 3; fd++)
		if (rt->stdio_flags[fd] >= 0)
			(void)fcntl(fd, F_SETFL, rt->stdio_flags[fd]);
}

static int start_session_io(struct cli_rt *rt)
{
	const struct ws_ssh_config *c = &rt->opt->cfg;
	int fd;
	errno = 0;
	int rc = ws_sock_connect(c->hostname, c->port, (int)c->connect_timeout * 1000, &fd);
	if (rc == WS_ERR_NOT_FOUND) {
		ws_error("warpssh: Could not resolve hostname %s: Name or service not known", c->hostname);
		return rc;
	}
	if (rc != WS_OK) {
		/* the socket helper leaves the connect error in errno */
		const char *why = rc == WS_ERR_TIMEOUT ? "Connection timed out"
				  : errno != 0		 ? strerror(errno)
							 : ws_strerror(rc);
		ws_error("warpssh: connect to host %s port %u: %s", c->hostname, c->port, why);
		return rc;
	}
	ws_verbose("Connected to %s port %u.", c->hostname, c->port);
	struct ws_session_io_ops ops = {on_transport_event, after_input, on_output_drained, on_closed};
	rc = ws_session_io_new(&rt->io, rt->loop, fd, rt->t, &ops, rt);
	if (rc != WS_OK) {
		close(fd);
		return rc;
	}
	if (c->connect_timeout > 0)
		WS_TRY(ws_timer_arm(rt->loop, &rt->connect_timer, c->connect_timeout * 1000ull));
	if (c->server_alive_interval > 0)
		WS_TRY(ws_timer_arm(rt->loop, &rt->alive_timer, c->server_alive_interval * 1000ull));
	return WS_OK;
}

static int setup(struct cli_rt *rt)
{
	WS_TRY(ws_crypto_engine_new(&rt->eng));
	WS_TRY(ws_loop_new(&rt->loop));
	WS_TRY(setup_signals(rt));
	WS_TRY(cli_auth_load(&rt->auth, rt->opt));
	WS_TRY(new_transport(rt));
	WS_TRY(new_client(rt));
	if (!rt->opt->no_session) {
		WS_TRY(cli_stream_new(rt, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, false, &rt->session));
		rt->session->is_session = true;
		set_stdio_nonblocking(rt);
	}
	return start_session_io(rt);
}

/* ---------------------------------------------------------------- run */

static bool finished(const struct cli_rt *rt)
{
	if (rt->fatal_signal != 0 || rt->timed_out)
		return true;
	return rt->io_closed && !cli_streams_pending(rt);
}

static void run_loop(struct cli_rt *rt)
{
	while (!finished(rt)) {
		int wait_ms = cli_streams_busy(rt) ? 0 : 1000;
		if (ws_loop_run_once(rt->loop, wait_ms) < 0) {
			ws_error("event loop failed");
			break;
		}
		cli_streams_service(rt);
		/* a backlog left by a key exchange drains here even if no socket event follows */
		if (!rt->io_closed && !ws_client_can_send(rt->client) && ws_client_flush(rt->client) == WS_OK)
			ws_session_io_flush(rt->io);
	}
}

/* What ssh(1) prints when the connection ends badly. */
static int report_outcome(struct cli_rt *rt)
{
	const struct ws_ssh_config *c = &rt->opt->cfg;
	int err = ws_client_error(rt->client);
	if (rt->fatal_signal != 0) {
		ws_error("Killed by signal %d.", rt->fatal_signal);
		return WS_CLIENT_EXIT_FAILURE;
	}
	if (rt->timed_out)
		return WS_CLIENT_EXIT_FAILURE;
	if (err == WS_ERR_AUTH)
		ws_error("%s@%s: %s", c->user, c->hostname, ws_client_error_message(rt->client));
	else if (err == WS_ERR_TIMEOUT)
		ws_error("Timeout, server %s not responding.", c->hostname);
	else if (err != WS_OK)
		ws_error("%s", ws_client_error_message(rt->client));
	else if (rt->io_err != WS_OK && !ws_client_finished(rt->client))
		ws_error("Connection to %s port %u: %s", c->hostname, c->port, rt->io_errmsg);
	else if (rt->io_closed && !ws_client_finished(rt->client))
		ws_error("Connection to %s closed by remote host.", c->hostname);
	return ws_client_exit_code(rt->client);
}

static void teardown(struct cli_rt *rt)
{
	cli_tty_restore(&rt->tty);
	if (rt->session != NULL)
		restore_stdio(rt);
	cli_forwards_close(rt);
	while (rt->streams != NULL) {
		struct cli_stream *s = rt->streams;
		rt->streams = s->next;
		cli_stream_free(s);
	}
	cli_stream_free(rt->session);
	if (rt->io != NULL)
		ws_session_io_free(rt->io); /* it owns the transport */
	else
		ws_transport_free(rt->t);
	ws_client_free(rt->client);
	cli_auth_free(&rt->auth);
	if (rt->signal_fds[0] >= 0) {
		signal_write_fd = -1;
		close(rt->signal_fds[0]);
		close(rt->signal_fds[1]);
	}
	ws_loop_free(rt->loop);
	ws_crypto_engine_free(rt->eng);
}

int ws_client_run(const struct ws_client_options *opt)
{
	struct cli_rt rt;
	memset(&rt, 0, sizeof(rt));
	rt.opt = opt;
	rt.signal_fds[0] = rt.signal_fds[1] = -1;
	rt.stdio_flags[0] = rt.stdio_flags[1] = rt.stdio_flags[2] = -1;
	ws_timer_init(&rt.connect_timer, on_connect_timeout, &rt);
	ws_timer_init(&rt.alive_timer, on_alive_timer, &rt);
	if (opt->cfg.port == 22)
		snprintf(rt.peer_name, sizeof(rt.peer_name), "%s", opt->cfg.hostname);
	else
		snprintf(rt.peer_name, sizeof(rt.peer_name), "[%s]:%u", opt->cfg.hostname, opt->cfg.port);
	int code = WS_CLIENT_EXIT_FAILURE;
	int rc = setup(&rt);
	if (rc == WS_OK) {
		run_loop(&rt);
		code = report_outcome(&rt);
		ws_verbose("Transferred: sent %llu, received %llu bytes, %u key exchanges",
			   (unsigned long long)rt.bytes_out, (unsigned long long)rt.bytes_in, rt.kex_count);
	} else if (rc != WS_ERR_TIMEOUT && rc != WS_ERR_IO && rc != WS_ERR_NOT_FOUND) {
		ws_error("warpssh: cannot start: %s", ws_strerror(rc));
	}
	teardown(&rt);
	return code;
}
