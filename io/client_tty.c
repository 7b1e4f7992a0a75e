/* client_tty.c — the local terminal for `warpssh -t`: its size, TERM and modes encoded for
 * pty-req (RFC 4254 §8), raw mode while the session runs, and restoring it at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "io/client_internal.h"

/* RFC 4254 §8 opcodes. */
enum {
	TTY_OP_END = 0, VINTR_OP = 1, VQUIT_OP = 2, VERASE_OP = 3, VKILL_OP = 4, VEOF_OP = 5,
	VSUSP_OP = 10, ICRNL_OP = 36, ISIG_OP = 50, ICANON_OP = 51, ECHO_OP = 53, ECHOE_OP = 54,
	ECHOK_OP = 55, OPOST_OP = 70, ONLCR_OP = 72, TTY_OP_ISPEED = 128, TTY_OP_OSPEED = 129,
};

static void put_mode(struct cli_tty *tty, uint8_t op, uint32_t value)
{
	if (tty->modes_len + 5 + 1 > sizeof(tty->modes))
		return;
	tty->modes[tty->modes_len++] = op;
	ws_store_be32(tty->modes + tty->modes_len, value);
	tty->modes_len += 4;
}

static void encode_modes(struct cli_tty *tty, const struct termios *t)
{
	static const struct { uint8_t op; int idx; } chars[] = {
		{VINTR_OP, VINTR}, {VQUIT_OP, VQUIT}, {VERASE_OP, VERASE}, {VKILL_OP, VKILL},
		{VEOF_OP, VEOF}, {VSUSP_OP, VSUSP},
	};
	tty->modes_len = 0;
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
		put_mode(tty, chars[i].op, t->c_cc[chars[i].idx]);
	put_mode(tty, ICRNL_OP, (t->c_iflag & ICRNL) != 0);
	put_mode(tty, ISIG_OP, (t->c_lflag & ISIG) != 0);
	put_mode(tty, ICANON_OP, (t->c_lflag & ICANON) != 0);
	put_mode(tty, ECHO_OP, (t->c_lflag & ECHO) != 0);
	put_mode(tty, ECHOE_OP, (t->c_lflag & ECHOE) != 0);
	put_mode(tty, ECHOK_OP, (t->c_lflag & ECHOK) != 0);
	put_mode(tty, OPOST_OP, (t->c_oflag & OPOST) != 0);
	put_mode(tty, ONLCR_OP, (t->c_oflag & ONLCR) != 0);
	put_mode(tty, TTY_OP_ISPEED, 38400);
	put_mode(tty, TTY_OP_OSPEED, 38400);
	tty->modes[tty->modes_len++] = TTY_OP_END;
}

bool cli_tty_size(struct cli_tty *tty)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return false;
	bool changed = ws.ws_col != tty->cols || ws.ws_row != tty->rows;
	tty->cols = ws.ws_col;
	tty->rows = ws.ws_row;
	tty->wpx = ws.ws_xpixel;
	tty->hpx = ws.ws_ypixel;
	return changed;
}

void cli_tty_prepare(struct cli_tty *tty)
{
	struct termios t;
	const char *term = getenv("TERM");
	snprintf(tty->term, sizeof(tty->term), "%s", term != NULL && term[0] != '\0' ? term : "dumb");
	tty->cols = 80;
	tty->rows = 24;
	(void)cli_tty_size(tty);
	if (tcgetattr(STDIN_FILENO, &t) == 0)
		encode_modes(tty, &t);
	else
		tty->modes[tty->modes_len++] = TTY_OP_END;
}

/* As ssh(1): no local echo, signals or line editing: the remote pty does all of that. */
void cli_tty_raw(struct cli_tty *tty)
{
	struct termios t;
	if (tty->raw || tcgetattr(STDIN_FILENO, &tty->saved) != 0)
		return;
	t = tty->saved;
	t.c_iflag |= IGNPAR;
	t.c_iflag &= ~(tcflag_t)(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF);
	t.c_lflag &= ~(tcflag_t)(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) == 0)
		tty->raw = true;
}

void cli_tty_restore(struct cli_tty *tty)
{
	if (!tty->raw)
		return;
	(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &tty->saved);
	tty->raw = false;
}
