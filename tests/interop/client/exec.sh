#!/bin/bash
# exec.sh WARPSSH — warpssh against a private OpenSSH sshd: remote exit codes (incl. a signal →
# 255), stdout and stderr kept apart, stdin streamed and EOF propagated, arguments joined like
# ssh, options after the host, EPIPE on stdout ends the session, a wrong key → 255 with ssh's
# message, a missing identity named, an unreachable port → 255.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR

# exit codes
for code in 0 1 7 255; do
	wc_run srv "exit $code" </dev/null
	wc_expect_eq "exit $code" $? "$code"
done
wc_run srv 'kill -TERM $$' </dev/null
wc_expect_eq "killed by a signal" $? 255

# stdout and stderr separated, byte-exact
head -c 3000000 /dev/urandom >"$d/out.bin"
head -c 2000000 /dev/urandom >"$d/err.bin"
wc_run srv "cat $d/out.bin; cat $d/err.bin >&2; exit 3" </dev/null >"$d/got.out" 2>"$d/got.err"
wc_expect_eq "stdout/stderr exit" $? 3
wc_expect_eq "stdout bytes" "$(wc_sha "$d/got.out")" "$(wc_sha "$d/out.bin")"
wc_expect_eq "stderr bytes" "$(wc_sha "$d/got.err")" "$(wc_sha "$d/err.bin")"

# stdin streamed; the remote sees EOF (cat ends) and the exit status comes back
got=$(wc_run srv 'sha256sum | cut -c1-64' <"$d/out.bin")
wc_expect_eq "stdin -> remote sha256" "$got" "$(wc_sha "$d/out.bin")"
got=$(printf 'abc' | wc_run srv 'cat; echo " eof-seen"')
wc_expect_eq "stdin EOF reaches the remote" "$got" "abc eof-seen"

# arguments after the host are joined with spaces; options may follow the host (as ssh)
got=$(wc_run srv echo a '"b  c"' d </dev/null)
wc_expect_eq "joined command" "$got" "a b  c d"
got=$(timeout 60 "$WC_BIN" srv -F "$d/ssh_config" -p "$port" echo after-host </dev/null)
wc_expect_eq "options after the host" "$got" "after-host"
got=$(wc_run -l root srv 'id -un' </dev/null)
wc_expect_eq "-l user (as rsync passes it)" "$got" "root"

# remote EOF closes our stdout at once although the remote command goes on for 3 s (warpssh
# writes into a fifo directly: a `timeout` wrapper would hold the pipe open itself)
mkfifo "$d/early.fifo"
t0=$(date +%s%N)
"$WC_BIN" -F "$d/ssh_config" srv 'echo early; exec >&- 2>&-; sleep 3' </dev/null >"$d/early.fifo" &
wpid=$!
ws_track_pid "$wpid"
timeout 20 cat "$d/early.fifo" >"$d/early.out"
t1=$(date +%s%N)
ws_poll_until 20 eval '! kill -0 $wpid 2>/dev/null' || ws_fail "warpssh did not end"
t2=$(date +%s%N)
wc_expect_eq "data before remote EOF" "$(cat "$d/early.out")" "early"
eof_ms=$(((t1 - t0) / 1000000))
total_ms=$(((t2 - t0) / 1000000))
[ "$eof_ms" -lt 2500 ] && [ "$total_ms" -ge 3000 ] ||
	ws_fail "stdout EOF after ${eof_ms} ms, session ${total_ms} ms: EOF was not propagated early"
# EPIPE on stdout: the session is closed, warpssh ends (255 like ssh) instead of hanging
wc_run srv 'yes' </dev/null | head -c 100000 >/dev/null
wc_expect_eq "EPIPE ends the session" "${PIPESTATUS[0]}" 255

# the remote command exits while we still upload: its status, no hang, no error
head -c $((200 << 20)) /dev/zero | wc_run srv 'head -c 1000 >/dev/null; exit 4'
wc_expect_eq "early remote exit during upload" "${PIPESTATUS[1]}" 4

# remote stdout to a regular file and stdin from a regular file (not pollable)
wc_run srv 'cat' <"$d/err.bin" >"$d/copy.bin"
wc_expect_eq "file stdin -> file stdout" "$(wc_sha "$d/copy.bin")" "$(wc_sha "$d/err.bin")"

# a key the server does not accept: 255 and OpenSSH's message
ssh-keygen -q -t ed25519 -N '' -f "$d/other" </dev/null >/dev/null
timeout 60 "$WC_BIN" -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$d/known_hosts" -i "$d/other" \
	-p "$port" root@127.0.0.1 true </dev/null 2>"$d/deny.err"
wc_expect_eq "wrong key exit" $? 255
wc_expect_grep "wrong key message" "^root@127.0.0.1: Permission denied (publickey).$" "$d/deny.err"

# an identity file that does not exist is named, and a non-ed25519 key is named as unsupported
ssh-keygen -q -t rsa -b 2048 -N '' -f "$d/rsa" </dev/null >/dev/null
timeout 60 "$WC_BIN" -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$d/known_hosts" -i "$d/missing" \
	-i "$d/rsa" -p "$port" root@127.0.0.1 true </dev/null 2>"$d/ident.err"
wc_expect_eq "no usable identity exit" $? 255
wc_expect_grep "missing identity named" "$d/missing" "$d/ident.err"
wc_expect_grep "rsa key named" "$d/rsa" "$d/ident.err"

# nothing listening: 255
wc_run -o Port=1 srv true </dev/null 2>"$d/refused.err"
wc_expect_eq "connection refused exit" $? 255
wc_expect_grep "connect error text" "connect to host 127.0.0.1 port 1" "$d/refused.err"

kill -0 "$WC_SSHD_PID" || ws_fail "sshd died"
wc_done
