#!/bin/bash
# exec.sh WARPSSHD — OpenSSH's ssh running commands through warpsshd: stdout and stderr kept apart
# and intact (hashed), stdin carried to the command, exit codes and exit signals, the command
# running as the login user in its home, AcceptEnv, SSH_CONNECTION, a forced command= with
# SSH_ORIGINAL_COMMAND, several sessions on one connection (ControlMaster) up to MaxSessions, and
# keepalive@openssh.com answered so ServerAliveInterval does not drop the connection.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
port=$(ws_free_port)
ws_srv_start "$port" "AcceptEnv WS_TEST_*" "MaxSessions 3"
u=$WS_TEST_USER@127.0.0.1
sessions_started() { [ "$(grep -c 'Starting session' "$WS_SRV_LOG")" -ge "$1" ]; }
home=$(getent passwd "$WS_TEST_USER" | cut -d: -f6)

# stdout, stderr and the exit code, separately
out=$(ws_ssh "$port" "$u" 'echo out; echo err >&2; exit 7' 2>"$WS_DIR/err")
rc=$?
ws_expect "stdout" "$out" "out"
ws_expect "stderr" "$(cat "$WS_DIR/err")" "err"
ws_expect "exit code" "$rc" 7
ws_expect "exit code 0" "$(ws_ssh "$port" "$u" true; echo $?)" 0

# the command runs as the user (never as the daemon's root), in its home, with its groups
ws_expect "user and home" "$(ws_ssh "$port" "$u" 'id -un; id -u; pwd' | tr '\n' ' ')" \
	"$WS_TEST_USER $(id -u "$WS_TEST_USER") $home "

# stdin -> command -> stdout, 16 MiB hashed; stderr alone carrying 4 MiB
head -c 16M /dev/urandom >"$WS_DIR/in"
ws_expect "stdin through cat" "$(ws_ssh "$port" "$u" cat <"$WS_DIR/in" | ws_sha_stdin)" \
	"$(ws_sha "$WS_DIR/in")"
head -c 4M "$WS_DIR/in" >"$WS_DIR/in4"
ws_expect "stderr stream" "$(ws_ssh "$port" "$u" 'cat >&2' <"$WS_DIR/in4" 2>&1 >/dev/null | ws_sha_stdin)" \
	"$(ws_sha "$WS_DIR/in4")"
# all output arrives before the exit status, even from a command that exits at once
ws_expect "output before exit" "$(ws_ssh "$port" "$u" 'seq 1 200000; exit 3' | ws_sha_stdin)" \
	"$(seq 1 200000 | ws_sha_stdin)"

# a command killed by a signal: exit-signal, which ssh reports as 255
ws_ssh "$port" "$u" 'kill -TERM $$'
ws_expect "exit signal" "$?" 255

# environment: AcceptEnv WS_TEST_* passes, others do not; SSH_CONNECTION names both ends
export WS_TEST_VAR=hello WS_OTHER_VAR=nope
ws_expect "AcceptEnv" "$(ws_ssh "$port" -o SendEnv=WS_TEST_VAR -o SendEnv=WS_OTHER_VAR "$u" \
	'echo "$WS_TEST_VAR:${WS_OTHER_VAR:-unset}"')" "hello:unset"
ws_expect "SSH_CONNECTION" "$(ws_ssh "$port" "$u" 'echo $SSH_CONNECTION' | cut -d' ' -f1,3,4)" \
	"127.0.0.1 127.0.0.1 $port"

# keepalive@openssh.com every second for 4 s: answered, so the connection survives
ws_expect "keepalive" "$(ws_ssh "$port" -o ServerAliveInterval=1 -o ServerAliveCountMax=2 "$u" \
	'sleep 4; echo alive')" "alive"

# a forced command (authorized_keys command=) replaces the request, which it sees in
# SSH_ORIGINAL_COMMAND
ws_keygen "$WS_DIR/forced"
echo "command=\"echo forced:\$SSH_ORIGINAL_COMMAND\" $(cat "$WS_DIR/forced.pub")" >>"$WS_DIR/authorized_keys"
ws_expect "forced command" "$(WS_ID="$WS_DIR/forced" ws_ssh "$port" "$u" 'echo asked')" \
	"forced:echo asked"

# several sessions on one connection: a ControlMaster, three concurrent sessions, a fourth refused
# by MaxSessions 3, then the three finish with their own output
mux="$WS_DIR/mux"
base=$(grep -c 'Starting session' "$WS_SRV_LOG")
ws_ssh "$port" -M -S "$mux" -N "$u" &
ws_track_pid $!
ws_poll_until 10 test -S "$mux" || ws_fail "ControlMaster socket missing"
for i in 1 2 3; do
	ws_ssh "$port" -S "$mux" "$u" "sleep 3; echo session$i" >"$WS_DIR/mux.$i" &
	pids[$i]=$!
	ws_track_pid ${pids[$i]}
done
ws_poll_until 10 sessions_started $((base + 3)) ||
	ws_fail "three multiplexed sessions did not start"
# (port 1: when the master is refused, ssh falls back to a connection of its own, which must fail)
ws_ssh 1 -S "$mux" "$u" 'echo fourth' >"$WS_DIR/mux.4" 2>"$WS_DIR/mux.4.err"
ws_expect "MaxSessions refuses the fourth" "$?:$(cat "$WS_DIR/mux.4")" "255:"
grep -q "Session open refused by peer" "$WS_DIR/mux.4.err" || ws_fail "fourth session: $(cat "$WS_DIR/mux.4.err")"
for i in 1 2 3; do
	wait "${pids[$i]}"
	ws_expect "multiplexed session $i" "$(cat "$WS_DIR/mux.$i")" "session$i"
done
ws_log_wait "MaxSessions \(3\) reached"
echo "$WS_PASS passed"
