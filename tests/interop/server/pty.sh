#!/bin/bash
# pty.sh WARPSSHD — an interactive login shell with a pty, driven through tmux: the session has a
# real terminal (tty, TERM from pty-req, the size tmux gave it), window-change follows a resize,
# ^C reaches the foreground job through the line discipline, `exit` ends the session; and a key
# with no-pty gets its pty request refused while the command still runs.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
port=$(ws_free_port)
ws_srv_start "$port"
u=$WS_TEST_USER@127.0.0.1
out="$WS_DIR/pty"
mkdir -p "$out" && chown "$WS_TEST_USER" "$out"

tm() { timeout 10 tmux -S "$WS_DIR/tmux.sock" "$@"; }
file_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
# type a command into the remote shell; wait for the file it writes to hold the expected text
type_and_expect() {
	local what=$1 cmd=$2 file=$3 want=$4
	tm send-keys -t ws "$cmd" Enter
	ws_poll_until 10 file_is "$file" "$want" || ws_fail "$what: got [$(cat "$file" 2>/dev/null)], want [$want]"
	ws_ok "$what"
}

ssh_cmd="ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$WS_DIR/known_hosts"
ssh_cmd+=" -o IdentitiesOnly=yes -o IdentityAgent=none -o LogLevel=ERROR -i $WS_DIR/id -p $port -tt $u"
tm new-session -d -s ws -x 100 -y 30 "$ssh_cmd; echo ssh-exit=\$? > $out/ssh.rc"
ws_track_pid "$(tm display-message -p -t ws '#{pid}')"
term=$(tm show-options -gv default-terminal)

type_and_expect "terminal" "tty | cut -c1-9 > $out/tty" "$out/tty" "/dev/pts/"
type_and_expect "TERM from pty-req" "echo \$TERM > $out/term" "$out/term" "$term"
type_and_expect "initial size" "stty size > $out/size1" "$out/size1" "30 100"
tm resize-window -t ws -x 120 -y 40
type_and_expect "size after window-change" "stty size > $out/size2" "$out/size2" "40 120"
tm send-keys -t ws "sleep 30; echo not-interrupted > $out/intr" Enter
sleep_started() { pgrep -u "$WS_TEST_USER" -x sleep >/dev/null; }
ws_poll_until 10 sleep_started || ws_fail "sleep did not start"
tm send-keys -t ws C-c
type_and_expect "^C interrupts the foreground job" "echo interrupted > $out/intr" "$out/intr" "interrupted"
tm send-keys -t ws "exit" Enter
ws_poll_until 15 test -f "$out/ssh.rc" || ws_fail "ssh did not end after exit"
ws_expect "ssh exit status after exit" "$(cat "$out/ssh.rc")" "ssh-exit=0"
tm kill-server 2>/dev/null

# no-pty: the pty request is refused (ssh -tt then gives up, exit 255, exactly as against sshd);
# without -tt the key still runs commands
ws_keygen "$WS_DIR/nopty"
echo "no-pty $(cat "$WS_DIR/nopty.pub")" >>"$WS_DIR/authorized_keys"
WS_ID="$WS_DIR/nopty" ws_ssh "$port" -tt "$u" 'tty' </dev/null >/dev/null 2>"$WS_DIR/nopty.err"
ws_expect "no-pty: ssh -tt gives up" "$?" 255
grep -q "PTY allocation request failed" "$WS_DIR/nopty.err" || ws_fail "no-pty: ssh saw no refusal"
ws_ok "no-pty: pty request refused"
ws_expect "no-pty: command without a terminal" "$(WS_ID="$WS_DIR/nopty" ws_ssh "$port" "$u" 'tty')" "not a tty"
ws_log_wait "pty request refused for $WS_TEST_USER"
echo "$WS_PASS passed"
