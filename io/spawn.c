/* spawn.c — fork/exec of session commands as the authenticated user, with pipes or a pty.
 * Privileges are dropped in the child in the order initgroups, setgid, setuid, then verified. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "warpssh/log.h"
#include "warpssh/spawn.h"

#define SPAWN_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* Everything the child needs, prepared before fork so the child only calls async-signal-safe-ish code. */
struct spawn_plan {
	struct passwd pw;
	char pwbuf[4096];
	char *envp[WS_SPAWN_MAX_ENV + 16];
	char envstore[WS_SPAWN_MAX_ENV + 16][1024];
	size_t envc;
	const char *argv[5];
	char argv0[256];
};

static void plan_setenv(struct spawn_plan *p, const char *name, const char *value)
{
	if (p->envc >= sizeof(p->envstore) / sizeof(p->envstore[0]) - 1 || value == NULL)
		return;
	snprintf(p->envstore[p->envc], sizeof(p->envstore[0]), "%s=%s", name, value);
	p->envp[p->envc] = p->envstore[p->envc];
	p->envc++;
	p->envp[p->envc] = NULL;
}

static void plan_putenv(struct spawn_plan *p, const char *entry)
{
	if (p->envc >= sizeof(p->envstore) / sizeof(p->envstore[0]) - 1 || strchr(entry, '=') == NULL)
		return;
	snprintf(p->envstore[p->envc], sizeof(p->envstore[0]), "%s", entry);
	p->envp[p->envc] = p->envstore[p->envc];
	p->envc++;
	p->envp[p->envc] = NULL;
}

static int plan_build(struct spawn_plan *p, const struct ws_spawn_req *req)
{
	struct passwd *res = NULL;
	memset(p, 0, sizeof(*p));
	if (getpwnam_r(req->user, &p->pw, p->pwbuf, sizeof(p->pwbuf), &res) != 0 || res == NULL)
		return WS_ERR_NOT_FOUND;
	const char *shell = (p->pw.pw_shell && p->pw.pw_shell[0]) ? p->pw.pw_shell : "/bin/sh";
	plan_setenv(p, "USER", p->pw.pw_name);
	plan_setenv(p, "LOGNAME", p->pw.pw_name);
	plan_setenv(p, "HOME", p->pw.pw_dir);
	plan_setenv(p, "SHELL", shell);
	plan_setenv(p, "PATH", SPAWN_DEFAULT_PATH);
	if (req->pty != NULL && req->pty->term[0] != '\0')
		plan_setenv(p, "TERM", req->pty->term);
	if (req->ssh_connection != NULL)
		plan_setenv(p, "SSH_CONNECTION", req->ssh_connection);
	if (req->original_command != NULL)
		plan_setenv(p, "SSH_ORIGINAL_COMMAND", req->original_command);
	for (size_t i = 0; i < req->env_count && i < WS_SPAWN_MAX_ENV; i++)
		plan_putenv(p, req->env[i]);

	/* A login shell gets argv[0] "-sh" style, as sshd does; commands run as `shell -c cmd`. */
	const char *base = strrchr(shell, '/');
	base = base ? base + 1 : shell;
	p->argv[0] = shell;
	if (req->command == NULL) {
		snprintf(p->argv0, sizeof(p->argv0), "-%s", base);
		p->argv[0] = p->argv0;
		p->argv[1] = NULL;
	} else {
		p->argv[0] = base;
		p->argv[1] = "-c";
		p->argv[2] = req->command;
		p->argv[3] = NULL;
	}
	return WS_OK;
}

/* Child side: drop to the user and exec. Never returns. */
static void __attribute__((noreturn)) child_exec(struct spawn_plan *p, const char *shell)
{
	if (getuid() == 0 || geteuid() == 0) {
		if (initgroups(p->pw.pw_name, p->pw.pw_gid) != 0 || setgid(p->pw.pw_gid) != 0 ||
		    setuid(p->pw.pw_uid) != 0)
			_exit(254);
		/* verify the drop stuck: regaining root must fail */
		if (p->pw.pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0))
			_exit(254);
	} else if (getuid() != p->pw.pw_uid) {
		_exit(254); /* an unprivileged daemon can only run commands as itself */
	}
	if (chdir(p->pw.pw_dir) != 0 && chdir("/") != 0)
		_exit(254);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(shell, (char *const *)p->argv, p->envp);
	_exit(127);
}

static void set_parent_fd_flags(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
}

static int spawn_pipes(struct spawn_plan *plan, const char *shell, struct ws_child *child)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	if (pipe(in) != 0 || pipe(out) != 0 || pipe(err) != 0) {
		close_pair(in), close_pair(out), close_pair(err);
		return WS_ERR_IO;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close_pair(in), close_pair(out), close_pair(err);
		return WS_ERR_IO;
	}
	if (pid == 0) {
		setsid();
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(254);
		close_pair(in), close_pair(out), close_pair(err);
		child_exec(plan, shell);
	}
	close(in[0]), close(out[1]), close(err[1]);
	child->pid = pid;
	child->in_fd = in[1];
	child->out_fd = out[0];
	child->err_fd = err[0];
	child->has_pty = false;
	set_parent_fd_flags(child->in_fd);
	set_parent_fd_flags(child->out_fd);
	set_parent_fd_flags(child->err_fd);
	return WS_OK;
}

static int spawn_pty(struct spawn_plan *plan, const char *shell, const struct ws_spawn_pty *pty,
		     struct ws_child *child)
{
	struct winsize ws = {.ws_row = (unsigned short)pty->rows, .ws_col = (unsigned short)pty->cols,
			     .ws_xpixel = (unsigned short)pty->width_px,
			     .ws_ypixel = (unsigned short)pty->height_px};
	int master = -1;
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0)
		return WS_ERR_IO;
	if (pid == 0)
		child_exec(plan, shell); /* forkpty made us session leader with the pty as ctty */
	child->pid = pid;
	child->in_fd = master;
	child->out_fd = master;
	child->err_fd = -1;
	child->has_pty = true;
	set_parent_fd_flags(master);
	return WS_OK;
}

int ws_spawn(const struct ws_spawn_req *req, struct ws_child *child)
{
	memset(child, 0, sizeof(*child));
	child->pid = -1;
	child->in_fd = child->out_fd = child->err_fd = -1;
	struct spawn_plan *plan = malloc(sizeof(*plan));
	WS_ENSURE(plan != NULL, WS_ERR_NO_MEMORY);
	int rc = plan_build(plan, req);
	if (rc == WS_OK) {
		const char *shell = (plan->pw.pw_shell && plan->pw.pw_shell[0]) ? plan->pw.pw_shell : "/bin/sh";
		rc = req->pty ? spawn_pty(plan, shell, req->pty, child) : spawn_pipes(plan, shell, child);
	}
	if (rc == WS_ERR_NOT_FOUND)
		ws_error("spawn: no such user '%s'", req->user);
	else if (rc < 0)
		ws_error("spawn: cannot start session for '%s': %s", req->user, strerror(errno));
	free(plan);
	return rc;
}

int ws_spawn_resize(const struct ws_child *child, uint32_t cols, uint32_t rows, uint32_t width_px,
		    uint32_t height_px)
{
	WS_ENSURE(child->has_pty, WS_ERR_INVALID_ARG);
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols,
			     .ws_xpixel = (unsigned short)width_px, .ws_ypixel = (unsigned short)height_px};
	WS_ENSURE(ioctl(child->in_fd, TIOCSWINSZ, &ws) == 0, WS_ERR_IO);
	return WS_OK;
}

void ws_child_close_fds(struct ws_child *child)
{
	if (child->in_fd >= 0)
		close(child->in_fd);
	if (child->out_fd >= 0 && child->out_fd != child->in_fd)
		close(child->out_fd);
	if (child->err_fd >= 0)
		close(child->err_fd);
	child->in_fd = child->out_fd = child->err_fd = -1;
}

static const char *signal_ssh_name(int sig)
{
	/* RFC 4254 §6.10 signal names */
	switch (sig) {
	case SIGABRT: return "ABRT";
	case SIGALRM: return "ALRM";
	case SIGFPE: return "FPE";
	case SIGHUP: return "HUP";
	case SIGILL: return "ILL";
	case SIGINT: return "INT";
	case SIGKILL: return "KILL";
	case SIGPIPE: return "PIPE";
	case SIGQUIT: return "QUIT";
	case SIGSEGV: return "SEGV";
	case SIGTERM: return "TERM";
	case SIGUSR1: return "USR1";
	case SIGUSR2: return "USR2";
	default: return "KILL";
	}
}

void ws_exit_info_from_wait(int wstatus, struct ws_exit_info *info)
{
	memset(info, 0, sizeof(*info));
	if (WIFSIGNALED(wstatus)) {
		info->signalled = true;
		info->signal = signal_ssh_name(WTERMSIG(wstatus));
		info->core_dumped = WCOREDUMP(wstatus);
	} else {
		info->status = WIFEXITED(wstatus) ? (uint32_t)WEXITSTATUS(wstatus) : 255;
	}
}
