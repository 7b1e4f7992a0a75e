/* client_prompt.c — asking the user: a line from /dev/tty with or without echo, or a secret from
 * the SSH_ASKPASS program (SSH_ASKPASS_REQUIRE never / prefer / force; without it: the terminal
 * first, askpass only when there is none and DISPLAY is set). BatchMode never asks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "io/client_internal.h"
#include "warpssh/log.h"

#define DEFAULT_ASKPASS "/usr/bin/ssh-askpass"

static void strip_newline(char *s)
{
	s[strcspn(s, "\r\n")] = '\0';
}

/* Read one line from fd into out (NUL-terminated); false on EOF before a newline or error. */
static bool read_line_fd(int fd, char *out, size_t outsz)
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (ch == '\n' || ch == '\r') {
			out[n] = '\0';
			return true;
		}
		if (n + 1 < outsz)
			out[n++] = ch;
	}
	out[n] = '\0';
	return n > 0;
}

static bool tty_ask(const char *prompt, bool echo, char *out, size_t outsz)
{
	struct termios saved, t;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	bool have_termios = tcgetattr(fd, &saved) == 0;
	if (have_termios && !echo) {
		t = saved;
		t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		t.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &t);
	}
	(void)!write(fd, prompt, strlen(prompt));
	bool ok = read_line_fd(fd, out, outsz);
	if (have_termios && !echo) {
		(void)tcsetattr(fd, TCSAFLUSH, &saved);
		(void)!write(fd, "\n", 1);
	}
	close(fd);
	return ok;
}

bool cli_read_line_tty(const char *prompt, char *out, size_t outsz)
{
	return tty_ask(prompt, true, out, outsz);
}

static bool have_tty(void)
{
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool run_askpass(const char *program, const char *prompt, char *out, size_t outsz)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return false;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execlp(program, program, prompt, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	bool ok = read_line_fd(p[0], out, outsz);
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sodium_memzero(out, outsz);
		ws_verbose("%s exited unsuccessfully", program);
		return false;
	}
	strip_newline(out);
	return ok;
}

bool cli_read_secret(const char *prompt, bool batch, char *out, size_t outsz)
{
	out[0] = '\0';
	if (batch)
		return false;
	const char *require = getenv("SSH_ASKPASS_REQUIRE");
	const char *askpass = getenv("SSH_ASKPASS");
	const char *display = getenv("DISPLAY");
	bool never = require != NULL && strcmp(require, "never") == 0;
	bool force = require != NULL && strcmp(require, "force") == 0;
	bool prefer = require != NULL && strcmp(require, "prefer") == 0;
	bool can_askpass = !never && (force || (display != NULL && display[0] != '\0'));
	if (askpass == NULL || askpass[0] == '\0')
		askpass = DEFAULT_ASKPASS;
	if (can_askpass && (force || prefer || !have_tty()))
		return run_askpass(askpass, prompt, out, outsz);
	return tty_ask(prompt, false, out, outsz);
}
