/* spawn.h — starting a session's command as the authenticated user (never as the daemon's user):
 * fork, setsid, optional pty, initgroups/setgid/setuid, the user's shell and home, sshd's
 * environment. The parent gets the child's pid and its stdio descriptors. */
#ifndef WARPSSH_SPAWN_H
#define WARPSSH_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "warpssh/err.h"

#define WS_SPAWN_MAX_ENV 64u

struct ws_spawn_pty {
	char term[64];
	uint32_t cols, rows, width_px, height_px;
};

struct ws_spawn_req {
	const char *user;          /* login name; its uid/gid/home/shell come from getpwnam */
	const char *command;       /* NULL: the user's login shell (interactive) */
	const struct ws_spawn_pty *pty; /* NULL: pipes for stdin/stdout/stderr */
	const char *const *env;    /* extra "NAME=value" entries (already filtered by AcceptEnv) */
	size_t env_count;
	const char *ssh_connection; /* "client_ip client_port server_ip server_port", or NULL */
	const char *original_command; /* SSH_ORIGINAL_COMMAND when a forced command= runs, or NULL */
};

struct ws_child {
	pid_t pid;
	int in_fd;   /* write end of the child's stdin (the pty master when a pty is used) */
	int out_fd;  /* read end of the child's stdout (same as in_fd with a pty) */
	int err_fd;  /* read end of the child's stderr (-1 with a pty) */
	bool has_pty;
};

/* Start the child. Descriptors are non-blocking and close-on-exec in the parent.
 * Errors: WS_ERR_NOT_FOUND (no such user), WS_ERR_IO (fork/pipe/pty failure). */
WS_MUST_USE int ws_spawn(const struct ws_spawn_req *req, struct ws_child *child);
/* Resize the child's pty (window-change). */
WS_MUST_USE int ws_spawn_resize(const struct ws_child *child, uint32_t cols, uint32_t rows,
				uint32_t width_px, uint32_t height_px);
/* Close the parent's descriptors (idempotent). */
void ws_child_close_fds(struct ws_child *child);

/* How a child ended, in SSH terms (RFC 4254 §6.10): exit-status or exit-signal. */
struct ws_exit_info {
	bool signalled;
	uint32_t status;       /* exit code when !signalled */
	const char *signal;    /* "TERM", "KILL", ... without "SIG" when signalled */
	bool core_dumped;
};
void ws_exit_info_from_wait(int wstatus, struct ws_exit_info *info);

#endif
