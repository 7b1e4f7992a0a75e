/* server.c — warpsshd's daemon core on one epoll loop: listening sockets, accept with sshd's
 * MaxStartups early drop, signals through a signalfd (SIGCHLD reaping, SIGTERM/INT/HUP stop),
 * the registry of session children, and freeing closed connections outside their callbacks. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "io/server_int.h"
#include "warpssh/log.h"

#define LISTEN_BACKLOG 128
#define ACCEPT_ROUNDS 32

/* ---------------------------------------------------------------- child processes */

void srv_proc_register(struct ws_server *s, struct srv_proc *p)
{
	p->next = s->procs;
	s->procs = p;
}

static struct srv_proc *proc_take(struct ws_server *s, pid_t pid)
{
	for (struct srv_proc **pp = &s->procs; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->pid == pid) {
			struct srv_proc *p = *pp;
			*pp = p->next;
			return p;
		}
	}
	return NULL;
}

static void reap_children(struct ws_server *s)
{
	int wstatus;
	pid_t pid;
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		struct srv_proc *p = proc_take(s, pid);
		if (p == NULL)
			continue;
		struct srv_chan *ch = p->ch;
		free(p);
		if (ch != NULL) {
			ch->proc = NULL;
			srv_session_exited(ch, wstatus);
		}
	}
}

static void on_signal(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	struct ws_server *s = arg;
	struct signalfd_siginfo si;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap_children(s);
		else {
			ws_info("Received signal %u; terminating.", si.ssi_signo);
			ws_loop_stop(loop);
		}
	}
}

static int setup_signals(struct ws_server *s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	WS_ENSURE(sigprocmask(SIG_BLOCK, &set, NULL) == 0, WS_ERR_IO);
	signal(SIGPIPE, SIG_IGN); /* a peer or child closing early must not kill the daemon */
	s->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	WS_ENSURE(s->sig_fd >= 0, WS_ERR_IO);
	return ws_loop_add(s->loop, s->sig_fd, WS_EV_READ, on_signal, s);
}

/* ---------------------------------------------------------------- closed connections */

static void free_client(struct srv_client *cl)
{
	ws_server_conn_free(cl->m);
	ws_session_io_free(cl->io);
	free(cl->key_entry);
	free(cl);
}

static void on_reaper(struct ws_loop *loop, void *arg)
{
	struct ws_server *s = arg;
	(void)loop;
	while (s->dead != NULL) {
		struct srv_client *cl = s->dead;
		s->dead = cl->next;
		free_client(cl);
	}
}

/* Unlink a closed connection; it is freed at the next loop iteration, outside its callbacks. */
void srv_client_dead(struct srv_client *cl)
{
	struct ws_server *s = cl->srv;
	if (cl->prev != NULL)
		cl->prev->next = cl->next;
	else
		s->clients = cl->next;
	if (cl->next != NULL)
		cl->next->prev = cl->prev;
	s->nclients--;
	if (!cl->authenticated)
		s->nunauth--;
	cl->prev = NULL;
	cl->next = s->dead;
	s->dead = cl;
	if (!ws_timer_armed(&s->reaper) && ws_timer_arm(s->loop, &s->reaper, 0) != WS_OK)
		ws_error("cannot arm the connection reaper");
}

/* ---------------------------------------------------------------- accepting */

/* sshd's MaxStartups start:rate:full: past `start` unauthenticated connections, refuse a new
 * one with probability rate% growing linearly to 100% at `full`. */
static bool startups_refuse(const struct ws_server *s)
{
	unsigned n = s->nunauth, begin = s->cfg->max_startups_begin, full = s->cfg->max_startups_full;
	if (n >= full)
		return true;
	if (n < begin || full <= begin)
		return false;
	unsigned rate = s->cfg->max_startups_rate;
	unsigned p = rate + (100u - rate) * (n - begin) / (full - begin);
	return randombytes_uniform(100) < p;
}

/* Accept without fixing the socket buffer sizes: an explicit SO_RCVBUF turns off the kernel's
 * receive autotuning, and a bulk sender then stalls on TCP's zero window long before a 16 MiB
 * channel window is used (ws_sock_accept sets 4 MiB). */
static int accept_autotuned(int lfd, int *fd, struct ws_sock_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	*fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (*fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WS_ERR_AGAIN : WS_ERR_IO;
	ws_sock_tune(*fd, 0);
	if (ws_sock_remote(*fd, peer) != WS_OK)
		snprintf(peer->addr, sizeof(peer->addr), "unknown");
	return WS_OK;
}

static void accept_one(struct ws_server *s, int lfd)
{
	int fd;
	struct ws_sock_peer peer;
	int rc = accept_autotuned(lfd, &fd, &peer);
	if (rc != WS_OK) {
		if (rc != WS_ERR_AGAIN)
			ws_verbose("accept failed: %s", ws_strerror(rc));
		return;
	}
	s->accepted++;
	if (startups_refuse(s)) {
		ws_info("drop connection #%u from [%s]:%u past MaxStartups", s->nunauth, peer.addr, peer.port);
		close(fd);
		return;
	}
	if (srv_client_start(s, fd, &peer) != WS_OK)
		ws_error("cannot serve connection from %s port %u", peer.addr, peer.port);
}

static void on_listen(struct ws_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)events;
	for (int i = 0; i < ACCEPT_ROUNDS; i++) {
		uint64_t before = ((struct ws_server *)arg)->accepted;
		accept_one(arg, fd);
		if (((struct ws_server *)arg)->accepted == before)
			break;
	}
}

static int listen_on(struct ws_server *s, const char *host, uint16_t port)
{
	int fd;
	WS_ENSURE(s->nlisten < SRV_MAX_LISTEN, WS_ERR_LIMIT);
	WS_TRY(ws_sock_listen(host, &port, LISTEN_BACKLOG, &fd));
	s->listen_fds[s->nlisten++] = fd;
	ws_info("Server listening on %s port %u.", host != NULL && host[0] ? host : "::", port);
	return ws_loop_add(s->loop, fd, WS_EV_READ, on_listen, s);
}

int ws_server_listen(struct ws_server *s)
{
	const struct ws_sshd_config *c = s->cfg;
	if (c->nlisten == 0) {
		for (unsigned i = 0; i < c->nports; i++)
			WS_TRY(listen_on(s, NULL, c->ports[i]));
		return WS_OK;
	}
	for (unsigned i = 0; i < c->nlisten; i++) {
		if (c->listen[i].port != 0) {
			WS_TRY(listen_on(s, c->listen[i].host, c->listen[i].port));
			continue;
		}
		for (unsigned j = 0; j < c->nports; j++)
			WS_TRY(listen_on(s, c->listen[i].host, c->ports[j]));
	}
	return WS_OK;
}

/* ---------------------------------------------------------------- lifecycle */

int ws_server_new(struct ws_server **out, const struct ws_server_options *opt)
{
	*out = NULL;
	WS_ENSURE(opt != NULL && opt->config != NULL && opt->host_key != NULL && opt->host_key->has_private,
		  WS_ERR_INVALID_ARG);
	struct ws_server *s = calloc(1, sizeof(*s));
	WS_ENSURE(s != NULL, WS_ERR_NO_MEMORY);
	s->opt = *opt;
	s->cfg = opt->config;
	s->sig_fd = -1;
	if (s->opt.auth_fail_delay_ms == 0)
		s->opt.auth_fail_delay_ms = WS_SERVER_AUTH_FAIL_DELAY_MS;
	ws_timer_init(&s->reaper, on_reaper, s);
	int rc = ws_loop_new(&s->loop);
	if (rc == WS_OK)
		rc = ws_crypto_engine_new(&s->eng);
	if (rc == WS_OK && !opt->no_burst)
		rc = ws_burst_group_new(&s->group, s->loop, s->eng);
	if (rc != WS_OK) {
		ws_server_free(s);
		return rc;
	}
	*out = s;
	return WS_OK;
}

int ws_server_run(struct ws_server *s)
{
	/* the signalfd is made here, not in ws_server_new: a daemon forks in between, and a
	 * signalfd's epoll wake-ups stay with the process that registered it */
	int rc = s->sig_fd < 0 ? setup_signals(s) : WS_OK;
	if (rc == WS_OK)
		rc = ws_loop_run(s->loop);
	while (s->clients != NULL)
		srv_client_shutdown(s->clients);
	on_reaper(s->loop, s);
	if (s->group != NULL) {
		struct ws_burst_stats st;
		ws_burst_group_stats(s->group, &st);
		ws_verbose("crypto bursts: %llu calls, %llu packets, %llu across connections, largest %llu",
			   (unsigned long long)st.bursts, (unsigned long long)st.packets,
			   (unsigned long long)st.multi_conn_bursts, (unsigned long long)st.max_burst);
	}
	return rc;
}

void ws_server_stop(struct ws_server *s)
{
	ws_loop_stop(s->loop);
}

void ws_server_free(struct ws_server *s)
{
	if (s == NULL)
		return;
	while (s->clients != NULL)
		srv_client_shutdown(s->clients);
	if (s->loop != NULL)
		on_reaper(s->loop, s);
	for (unsigned i = 0; i < s->nlisten; i++) {
		ws_loop_del(s->loop, s->listen_fds[i]);
		close(s->listen_fds[i]);
	}
	while (s->procs != NULL) {
		struct srv_proc *p = s->procs;
		s->procs = p->next;
		free(p);
	}
	if (s->sig_fd >= 0) {
		ws_loop_del(s->loop, s->sig_fd);
		close(s->sig_fd);
	}
	ws_burst_group_free(s->group);
	ws_crypto_engine_free(s->eng);
	if (s->loop != NULL) {
		ws_timer_cancel(s->loop, &s->reaper);
		ws_loop_free(s->loop);
	}
	free(s);
}
