/* test_spawn.c — session commands run as the requested user with separate stdout/stderr and the
 * right exit status or signal; a pty child sees a terminal of the requested size. */
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "warpssh/spawn.h"

#define DEADLINE_MS 10000
#define TEST_USER "wstest"

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read fd until EOF (or the deadline) into out. */
static size_t drain(int fd, char *out, size_t cap)
{
	size_t len = 0;
	long end = now_ms() + DEADLINE_MS;
	while (now_ms() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = read(fd, out + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len >= cap - 1)
			break;
	}
	out[len] = '\0';
	return len;
}

static int wait_child(pid_t pid)
{
	int st = 0;
	long end = now_ms() + DEADLINE_MS;
	while (now_ms() < end) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		struct pollfd none;
		poll(&none, 0, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static const char *current_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "root";
}

static void test_exec_pipes_and_status(void)
{
	const char *env[] = {"LANG=C.UTF-8"};
	struct ws_spawn_req req = {.user = current_user(),
				   .command = "read line; echo \"out:$line:$LANG\"; echo err >&2; exit 3",
				   .env = env, .env_count = 1};
	struct ws_child c;
	REQUIRE(ws_spawn(&req, &c) == WS_OK);
	CHECK(c.pid > 0 && c.err_fd >= 0 && !c.has_pty);
	CHECK_EQ(write(c.in_fd, "hello\n", 6), 6);
	char out[256], err[256];
	drain(c.out_fd, out, sizeof(out));
	drain(c.err_fd, err, sizeof(err));
	CHECK(strcmp(out, "out:hello:C.UTF-8\n") == 0);
	CHECK(strcmp(err, "err\n") == 0);
	struct ws_exit_info info;
	ws_exit_info_from_wait(wait_child(c.pid), &info);
	CHECK(!info.signalled);
	CHECK_EQ(info.status, 3);
	ws_child_close_fds(&c);
}

static void test_exit_signal(void)
{
	struct ws_spawn_req req = {.user = current_user(), .command = "kill -TERM $$"};
	struct ws_child c;
	REQUIRE(ws_spawn(&req, &c) == WS_OK);
	struct ws_exit_info info;
	ws_exit_info_from_wait(wait_child(c.pid), &info);
	CHECK(info.signalled);
	CHECK(info.signal != NULL && strcmp(info.signal, "TERM") == 0);
	ws_child_close_fds(&c);
}

static void test_runs_as_target_user(void)
{
	if (getuid() != 0) {
		printf("not root: privilege drop test skipped\n");
		return;
	}
	/* an unprivileged user with a real shell (the test user the server suites also use) */
	if (getpwnam(TEST_USER) == NULL)
		REQUIRE(system("useradd -m -s /bin/sh " TEST_USER) == 0);
	struct passwd *pw = getpwnam(TEST_USER);
	REQUIRE(pw != NULL && pw->pw_uid != 0);
	struct ws_spawn_req req = {.user = TEST_USER, .command = "id -u; id -g; echo $HOME; pwd"};
	struct ws_child c;
	REQUIRE(ws_spawn(&req, &c) == WS_OK);
	char out[256], want[256];
	drain(c.out_fd, out, sizeof(out));
	snprintf(want, sizeof(want), "%u\n%u\n%s\n%s\n", (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, pw->pw_dir,
		 pw->pw_dir);
	CHECK(strcmp(out, want) == 0);
	wait_child(c.pid);
	ws_child_close_fds(&c);
}

static void test_unknown_user(void)
{
	struct ws_spawn_req req = {.user = "no-such-user-warpssh", .command = "true"};
	struct ws_child c;
	CHECK_EQ(ws_spawn(&req, &c), WS_ERR_NOT_FOUND);
	CHECK_EQ(c.pid, -1);
}

static void test_pty_size_and_resize(void)
{
	struct ws_spawn_pty pty = {.term = "xterm", .cols = 91, .rows = 37};
	struct ws_spawn_req req = {.user = current_user(), .pty = &pty,
				   .command = "stty size; echo TERM=$TERM; test -t 0 && echo tty; read x; stty size"};
	struct ws_child c;
	REQUIRE(ws_spawn(&req, &c) == WS_OK);
	CHECK(c.has_pty && c.err_fd == -1);
	/* first line arrives before the child blocks on read: resize, then release it */
	char first[128] = {0};
	size_t len = 0;
	long end = now_ms() + DEADLINE_MS;
	while (now_ms() < end && strstr(first, "tty\r\n") == NULL && len < sizeof(first) - 1) {
		struct pollfd p = {.fd = c.out_fd, .events = POLLIN};
		if (poll(&p, 1, 200) > 0) {
			ssize_t n = read(c.out_fd, first + len, sizeof(first) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
	}
	CHECK(strstr(first, "37 91\r\n") != NULL);
	CHECK(strstr(first, "TERM=xterm\r\n") != NULL);
	CHECK(strstr(first, "tty\r\n") != NULL);
	CHECK_EQ(ws_spawn_resize(&c, 120, 50, 0, 0), WS_OK);
	CHECK_EQ(write(c.in_fd, "go\n", 3), 3);
	char rest[256];
	drain(c.out_fd, rest, sizeof(rest)); /* EIO at child exit ends the read */
	CHECK(strstr(rest, "50 120") != NULL);
	struct ws_exit_info info;
	ws_exit_info_from_wait(wait_child(c.pid), &info);
	CHECK(!info.signalled && info.status == 0);
	ws_child_close_fds(&c);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_exec_pipes_and_status();
	test_exit_signal();
	test_runs_as_target_user();
	test_unknown_user();
	test_pty_size_and_resize();
	return check_done("test_spawn");
}
