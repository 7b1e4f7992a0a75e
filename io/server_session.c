/* server_session.c — session channels of warpsshd (RFC 4254 §6): pty-req, env (AcceptEnv), exec,
 * shell, subsystem, window-change and signal requests; the child run as the authenticated user with
 * authorized_keys options applied (command=, no-pty, restrict); and the end of a session in
 * OpenSSH's order: all output, then exit-status or exit-signal, then EOF, then CLOSE. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/server_int.h"
#include "warpssh/log.h"

#define CMD_MAX (64u * 1024u)

static const struct ws_authkeys_entry *key_options(const struct srv_chan *ch)
{
	return ch->cl->key_entry_used ? ch->cl->key_entry : NULL;
}

/* A copy of a request string without NULs (they could smuggle a different command to exec). */
static char *copy_text(struct ws_bytes b, size_t max)
{
	if (b.len > max || (b.len > 0 && memchr(b.ptr, '\0', b.len) != NULL))
		return NULL;
	char *s = malloc(b.len + 1);
	if (s != NULL) {
		if (b.len > 0)
			memcpy(s, b.ptr, b.len);
		s[b.len] = '\0';
	}
	return s;
}

/* ---------------------------------------------------------------- starting the child */

static void set_pipe_size(int fd)
{
	if (fd >= 0)
		(void)fcntl(fd, F_SETPIPE_SZ, SRV_PIPE_SIZE); /* fewer, larger reads; best effort */
}

static int adopt_child(struct srv_chan *ch)
{
	struct ws_child *c = &ch->child;
	struct srv_proc *p = calloc(1, sizeof(*p));
	WS_ENSURE(p != NULL, WS_ERR_NO_MEMORY);
	p->pid = c->pid;
	p->ch = ch;
	ch->proc = p;
	srv_proc_register(ch->cl->srv, p);
	if (!c->has_pty) {
		set_pipe_size(c->out_fd);
		set_pipe_size(c->in_fd);
	}
	/* the roles own the descriptors from here on (a pty master is both in and out) */
	ch->in.fd = c->in_fd;
	WS_TRY(srv_reader_init(&ch->out, c->out_fd, 0, SRV_READ_CHUNK));
	return srv_reader_init(&ch->err, c->err_fd, WS_EXTENDED_DATA_STDERR, SRV_ERR_CHUNK);
}

static void describe(char *out, size_t outsz, const char *what, const struct srv_chan *ch)
{
	const struct srv_client *cl = ch->cl;
	snprintf(out, outsz, "%s for %s from %s port %u id %u", what, cl->user, cl->peer.addr, cl->peer.port, ch->id);
}

/* Run command (NULL: the login shell) as the user; a forced command= replaces it and the request
 * is passed in SSH_ORIGINAL_COMMAND, as sshd does. */
static bool start(struct srv_chan *ch, const char *command, const char *what)
{
	const struct srv_client *cl = ch->cl;
	const struct ws_authkeys_entry *opt = key_options(ch);
	char conn[2 * WS_ADDR_STRLEN + 32], line[512];
	if (ch->started || ch->closing)
		return false;
	const char *original = NULL;
	if (opt != NULL && opt->has_command) {
		original = command;
		command = opt->command;
	}
	snprintf(conn, sizeof(conn), "%s %u %s %u", cl->peer.addr, cl->peer.port, cl->local.addr, cl->local.port);
	struct ws_spawn_req req = {.user = cl->user, .command = command, .pty = ch->want_pty ? &ch->pty : NULL,
				   .env = (const char *const *)ch->env, .env_count = ch->nenv,
				   .ssh_connection = conn, .original_command = original};
	if (ws_spawn(&req, &ch->child) != WS_OK)
		return false;
	ch->started = true;
	if (adopt_child(ch) != WS_OK) {
		srv_client_fatal(ch->cl);
		return false;
	}
	describe(line, sizeof(line), what, ch);
	ws_verbose("Starting session: %s%s", ch->want_pty ? "pty " : "", line);
	return true;
}

/* ---------------------------------------------------------------- requests */

static void copy_term(struct ws_spawn_pty *pty, struct ws_bytes term)
{
	size_t n = 0;
	for (size_t i = 0; i < term.len && n + 1 < sizeof(pty->term); i++)
		if (term.ptr[i] > 0x20 && term.ptr[i] < 0x7f)
			pty->term[n++] = (char)term.ptr[i];
	pty->term[n] = '\0';
}

static bool req_pty(struct srv_chan *ch, const struct ws_chan_request *r)
{
	const struct ws_authkeys_entry *opt = key_options(ch);
	if (opt != NULL && !opt->allow_pty) {
		ws_info("pty request refused for %s: no-pty or restrict in %s line %u", ch->cl->user,
			"authorized_keys", opt->line);
		return false;
	}
	if (ch->started || ch->want_pty)
		return false;
	copy_term(&ch->pty, r->u.pty.term);
	ch->pty.cols = r->u.pty.cols;
	ch->pty.rows = r->u.pty.rows;
	ch->pty.width_px = r->u.pty.width_px;
	ch->pty.height_px = r->u.pty.height_px;
	ch->want_pty = true; /* terminal modes are left at the pty's defaults */
	return true;
}

static bool env_name_ok(const char *name)
{
	return name[0] != '\0' && strchr(name, '=') == NULL;
}

static bool req_env(struct srv_chan *ch, const struct ws_chan_request *r)
{
	char *name = copy_text(r->u.env.name, 256), *value = copy_text(r->u.env.value, 4096);
	bool ok = false;
	if (name != NULL && value != NULL && env_name_ok(name) && !ch->started && ch->nenv < WS_SPAWN_MAX_ENV &&
	    ws_sshd_config_accepts_env(ch->cl->srv->cfg, name)) {
		size_t n = strlen(name) + strlen(value) + 2;
		ch->env[ch->nenv] = malloc(n);
		if (ch->env[ch->nenv] != NULL) {
			snprintf(ch->env[ch->nenv++], n, "%s=%s", name, value);
			ok = true;
		}
	} else if (name != NULL) {
		ws_debug("env %s not accepted (AcceptEnv)", name);
	}
	free(name);
	free(value);
	return ok;
}

static bool req_exec(struct srv_chan *ch, const struct ws_chan_request *r)
{
	char *cmd = copy_text(r->u.exec.command, CMD_MAX);
	if (cmd == NULL)
		return false;
	bool ok = start(ch, cmd, "command");
	free(cmd);
	return ok;
}

static const char *subsystem_command(const struct ws_sshd_config *c, const char *name)
{
	for (unsigned i = 0; i < c->nsubsystems; i++) {
		if (strcmp(c->subsystems[i].name, name) != 0)
			continue;
		/* the in-process sftp of OpenSSH does not exist here: run the external server */
		if (strcmp(c->subsystems[i].command, "internal-sftp") == 0)
			return WS_SERVER_DEFAULT_SFTP;
		return c->subsystems[i].command;
	}
	return strcmp(name, "sftp") == 0 ? WS_SERVER_DEFAULT_SFTP : NULL;
}

static bool req_subsystem(struct srv_chan *ch, const struct ws_chan_request *r)
{
	char *name = copy_text(r->u.subsystem.name, 64);
	const char *cmd = name != NULL ? subsystem_command(ch->cl->srv->cfg, name) : NULL;
	bool ok = false;
	if (cmd == NULL)
		ws_info("subsystem request for %s by user %s failed, subsystem not found", name ? name : "?",
			ch->cl->user);
	else
		ok = start(ch, cmd, "subsystem");
	free(name);
	return ok;
}

static bool req_window_change(struct srv_chan *ch, const struct ws_chan_request *r)
{
	ch->pty.cols = r->u.window_change.cols;
	ch->pty.rows = r->u.window_change.rows;
	ch->pty.width_px = r->u.window_change.width_px;
	ch->pty.height_px = r->u.window_change.height_px;
	if (!ch->started || !ch->child.has_pty || ch->out.fd < 0)
		return ch->want_pty;
	struct ws_child master = {.pid = ch->child.pid, .in_fd = ch->out.fd, .out_fd = ch->out.fd,
				  .err_fd = -1, .has_pty = true};
	return ws_spawn_resize(&master, ch->pty.cols, ch->pty.rows, ch->pty.width_px, ch->pty.height_px) == WS_OK;
}

/* RFC 4254 §6.9 signal names (without "SIG"). */
static int signal_number(struct ws_bytes name)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"HUP", SIGHUP}, {"INT", SIGINT}, {"KILL", SIGKILL},
		{"QUIT", SIGQUIT}, {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
	};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (ws_bytes_eq_str(name, sigs[i].name))
			return sigs[i].sig;
	return 0;
}

static bool req_signal(struct srv_chan *ch, const struct ws_chan_request *r)
{
	int sig = signal_number(r->u.signal.name);
	if (sig == 0 || !ch->started || ch->exited || ch->child.pid <= 0)
		return false;
	return kill(ch->child.pid, sig) == 0;
}

void srv_session_request(struct srv_chan *ch, struct ws_conn_event *ev)
{
	const struct ws_chan_request *r = &ev->u.request;
	bool ok = false;
	switch (r->type) {
	case WS_REQ_PTY: ok = req_pty(ch, r); break;
	case WS_REQ_ENV: ok = req_env(ch, r); break;
	case WS_REQ_EXEC: ok = req_exec(ch, r); break;
	case WS_REQ_SHELL: ok = start(ch, NULL, "shell"); break;
	case WS_REQ_SUBSYSTEM: ok = req_subsystem(ch, r); break;
	case WS_REQ_WINDOW_CHANGE: ok = req_window_change(ch, r); break;
	case WS_REQ_SIGNAL: ok = req_signal(ch, r); break;
	default: break;
	}
	ev->answer = ok ? WS_ANSWER_ACCEPT : WS_ANSWER_REFUSE;
}

/* ---------------------------------------------------------------- the end */

void srv_session_exited(struct srv_chan *ch, int wstatus)
{
	ws_debug("channel %u: child %d exited (wait status 0x%x)", ch->id, (int)ch->child.pid, (unsigned)wstatus);
	ch->exited = true;
	ch->wstatus = wstatus;
	srv_chan_progress(ch);
}

static int send_exit(struct srv_chan *ch)
{
	struct ws_exit_info info;
	struct ws_chan_request req = {.want_reply = false};
	ws_exit_info_from_wait(ch->wstatus, &info);
	if (info.signalled) {
		/* RFC 4254 §6.10: signal name without "SIG", core dumped, message, language tag */
		req.type = WS_REQ_EXIT_SIGNAL;
		req.u.exit_signal.name = ws_conn_str(info.signal);
		req.u.exit_signal.core_dumped = info.core_dumped;
		req.u.exit_signal.message = ws_conn_str("");
		req.u.exit_signal.lang = ws_conn_str("");
	} else {
		req.type = WS_REQ_EXIT_STATUS;
		req.u.exit_status.status = info.status;
	}
	return ws_conn_send_request(srv_chan_conn(ch), ch->id, &req);
}

static bool output_done(const struct srv_reader *r)
{
	return (r->eof || r->fd < 0) && r->len == 0;
}

void srv_session_maybe_finish(struct srv_chan *ch)
{
	if (!ch->started || ch->closing || !ch->exited || !output_done(&ch->out) || !output_done(&ch->err))
		return;
	struct ws_conn *c = srv_chan_conn(ch);
	ws_debug("channel %u: output drained and child gone: exit status, EOF, CLOSE", ch->id);
	if (send_exit(ch) != WS_OK || (!ch->eof_sent && ws_conn_send_eof(c, ch->id) != WS_OK)) {
		if (ws_server_conn_check(ch->cl->m) != WS_OK) {
			srv_client_fatal(ch->cl);
			return;
		}
	}
	ch->eof_sent = true;
	srv_chan_close(ch);
	/* nothing more goes to the child */
	srv_chan_close_fd(ch, ch->out.fd);
	srv_chan_close_fd(ch, ch->err.fd);
	srv_chan_close_fd(ch, ch->in.fd);
	srv_client_flush(ch->cl);
}

void srv_session_release(struct srv_chan *ch)
{
	if (ch->proc != NULL)
		ch->proc->ch = NULL; /* reaped later without a channel to tell */
	ch->proc = NULL;
	for (size_t i = 0; i < ch->nenv; i++)
		free(ch->env[i]);
	ch->nenv = 0;
}
