#!/bin/bash
# keepalive.sh WARPSSH — ServerAliveInterval / ServerAliveCountMax: while the server answers, the
# keepalives keep a quiet session alive; once the server's connection processes are stopped
# (SIGSTOP) warpssh gives up after CountMax unanswered keepalives with ssh's message and 255.
# ConnectTimeout: a peer that accepts but never sends a version line ends in 255 too.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port" "ServerAliveInterval 1" "ServerAliveCountMax 2"
d=$WC_DIR

# a quiet 3 s session survives (the keepalives are answered)
got=$(wc_run srv 'sleep 3; echo still-here' </dev/null 2>"$d/e0")
wc_expect_eq "answered keepalives keep the session" "$got" "still-here"

descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
"$WC_BIN" -F "$d/ssh_config" srv 'echo started; sleep 60' </dev/null >"$d/o1" 2>"$d/e1" &
wpid=$!
ws_track_pid "$wpid"
ws_wait_file "$d/o1"
stopped=$(descendants "$WC_SSHD_PID")
[ -n "$stopped" ] || ws_fail "no per-connection sshd found"
for p in $stopped; do ws_track_pid "$p"; kill -STOP "$p"; done
ws_poll_until 15 eval '! kill -0 $wpid 2>/dev/null' || ws_fail "warpssh did not give up on a silent server"
wait "$wpid"
wc_expect_eq "unanswered keepalives exit" $? 255
wc_expect_grep "timeout message" "^Timeout, server 127.0.0.1 not responding.$" "$d/e1"
for p in $stopped; do kill -CONT "$p" 2>/dev/null; done

# ConnectTimeout: the TCP connect succeeds but no version line ever comes
mute=$(ws_free_port)
# a listener that accepts and stays silent (one process, bounded to 60 s)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(1)
held, end = [], time.time() + 60
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass' "$mute" </dev/null &
ws_track_pid $!
ws_wait_port "$mute"
start=$SECONDS
timeout 30 "$WC_BIN" -F /dev/null -o ConnectTimeout=2 -p "$mute" root@127.0.0.1 true </dev/null 2>"$d/e2"
wc_expect_eq "ConnectTimeout exit" $? 255
wc_expect_grep "ConnectTimeout message" "Connection timed out during banner exchange" "$d/e2"
[ $((SECONDS - start)) -le 10 ] || ws_fail "ConnectTimeout=2 took $((SECONDS - start)) s"
wc_done
