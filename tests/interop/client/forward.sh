#!/bin/bash
# forward.sh WARPSSH — `warpssh -N -L lport:127.0.0.1:eport` through a private sshd to a socat echo
# server: 5 MiB echoed intact (sha256) with half-close both ways, two connections at once, a
# forward to a closed port refused without ending warpssh, then warpssh stops on SIGTERM (255).
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
command -v socat >/dev/null || { echo "socat missing: skipped"; exit 77; }
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR

eport=$(ws_free_port)
socat TCP-LISTEN:"$eport",bind=127.0.0.1,reuseaddr,fork EXEC:cat </dev/null &
ws_track_pid $!
ws_wait_port "$eport"
lport=$(ws_free_port)
dead=$(ws_free_port)
dport=$(ws_free_port)
"$WC_BIN" -F "$d/ssh_config" -N -L "$lport:127.0.0.1:$eport" -L "127.0.0.1:$dport:127.0.0.1:$dead" srv \
	</dev/null 2>"$d/fwd.err" &
wpid=$!
ws_track_pid "$wpid"
ws_wait_port "$lport"

head -c $((5 << 20)) /dev/urandom >"$d/data"
want=$(wc_sha "$d/data")
timeout 30 socat -t 10 - TCP:127.0.0.1:"$lport" <"$d/data" >"$d/echo1" &
p1=$!
timeout 30 socat -t 10 - TCP:127.0.0.1:"$lport" <"$d/data" >"$d/echo2"
wait "$p1"
wc_expect_eq "forwarded echo 1" "$(wc_sha "$d/echo1")" "$want"
wc_expect_eq "forwarded echo 2" "$(wc_sha "$d/echo2")" "$want"

# the far end refuses: the local connection is closed, warpssh goes on
got=$(echo hi | timeout 10 socat -t 5 - TCP:127.0.0.1:"$dport" 2>/dev/null)
wc_expect_eq "refused forward gives no data" "$got" ""
wc_expect_grep "refused forward reported" "open failed" "$d/fwd.err"
kill -0 "$wpid" || ws_fail "warpssh ended after a refused forward"
got=$(printf 'again' | timeout 10 socat -t 5 - TCP:127.0.0.1:"$lport")
wc_expect_eq "forward still works" "$got" "again"

kill -TERM "$wpid"
ws_poll_until 10 eval '! kill -0 $wpid 2>/dev/null' || ws_fail "warpssh ignored SIGTERM"
wait "$wpid"
wc_expect_eq "SIGTERM exit" $? 255
wc_done
