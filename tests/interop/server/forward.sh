#!/bin/bash
# forward.sh WARPSSHD — local port forwarding (ssh -L, direct-tcpip) through warpsshd to a socat
# far end: 16 MiB through an echo service (both directions at once, half-close passed on so the
# echo finishes), 64 MiB one way to a sink and 64 MiB from a source, all hashed; a destination
# nobody listens on is refused as "connect failed"; a key with no-port-forwarding or restrict is
# refused as "administratively prohibited"; permitopen= admits only its destination; ssh -R
# (tcpip-forward) is refused without harming the connection.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
port=$(ws_free_port)
ws_srv_start "$port"
u=$WS_TEST_USER@127.0.0.1
ws_gen_data "$WS_DIR/d16" 16M
ws_gen_data "$WS_DIR/d64" 64M

# far ends: an echo service, a sink, a source
echo_port=$(ws_free_port)
timeout 120 socat -t 10 TCP-LISTEN:"$echo_port",bind=127.0.0.1,reuseaddr,fork PIPE &
ws_track_pid $!
sink_port=$(ws_free_port)
timeout 120 socat -u TCP-LISTEN:"$sink_port",bind=127.0.0.1,reuseaddr OPEN:"$WS_DIR/sink",creat,trunc &
ws_track_pid $!
src_port=$(ws_free_port)
timeout 120 socat -u OPEN:"$WS_DIR/d64" TCP-LISTEN:"$src_port",bind=127.0.0.1,reuseaddr &
ws_track_pid $!
ws_wait_port "$echo_port"
ws_wait_listen "$sink_port"
ws_wait_listen "$src_port"

# ws_forward KEY LOCAL_PORT DEST_PORT: ssh -N -L in the background (tracked); sets FWD_ERR
ws_forward() {
	FWD_ERR="$WS_DIR/fwd.$2.err"
	WS_ID=$1 WS_LOGLEVEL=INFO ws_ssh "$port" -N -L "$2:127.0.0.1:$3" -o ExitOnForwardFailure=yes "$u" 2>"$FWD_ERR" &
	ws_track_pid $!
	ws_wait_listen "$2" # not a probe connection: it would be forwarded and use up a far end
}

l1=$(ws_free_port)
ws_forward "$WS_DIR/id" "$l1" "$echo_port"
got=$(timeout 60 socat -t 20 - TCP:127.0.0.1:"$l1" <"$WS_DIR/d16" | ws_sha_stdin)
ws_expect "16 MiB through the echo, both ways at once" "$got" "$(ws_sha "$WS_DIR/d16")"

l2=$(ws_free_port)
ws_forward "$WS_DIR/id" "$l2" "$sink_port"
timeout 60 socat -u OPEN:"$WS_DIR/d64" TCP:127.0.0.1:"$l2" || ws_fail "sending to the sink"
sink_done() { [ "$(stat -c %s "$WS_DIR/sink" 2>/dev/null)" = 67108864 ]; }
ws_poll_until 20 sink_done || ws_fail "sink got $(stat -c %s "$WS_DIR/sink") bytes"
ws_expect "64 MiB to the sink" "$(ws_sha "$WS_DIR/sink")" "$(ws_sha "$WS_DIR/d64")"

l3=$(ws_free_port)
ws_forward "$WS_DIR/id" "$l3" "$src_port"
ws_expect "64 MiB from the source" "$(timeout 60 socat -u TCP:127.0.0.1:"$l3" - | ws_sha_stdin)" \
	"$(ws_sha "$WS_DIR/d64")"

# nobody listens: the open fails with "connect failed"
dead_port=$(ws_free_port)
l4=$(ws_free_port)
ws_forward "$WS_DIR/id" "$l4" "$dead_port"
ws_expect "dead destination gives no data" "$(echo hi | timeout 20 socat -t 5 - TCP:127.0.0.1:"$l4" 2>/dev/null)" ""
ws_poll_until 10 grep -q "open failed: connect failed" "$FWD_ERR" || ws_fail "no connect failure: $(cat "$FWD_ERR")"
ws_ok "dead destination refused: connect failed"

# keys whose options forbid forwarding
for opt in no-port-forwarding restrict; do
	ws_keygen "$WS_DIR/k.$opt"
	echo "$opt $(cat "$WS_DIR/k.$opt.pub")" >>"$WS_DIR/authorized_keys"
	l=$(ws_free_port)
	ws_forward "$WS_DIR/k.$opt" "$l" "$echo_port"
	ws_expect "$opt: no data" "$(echo hi | timeout 20 socat -t 5 - TCP:127.0.0.1:"$l" 2>/dev/null)" ""
	ws_poll_until 10 grep -q "open failed: administratively prohibited" "$FWD_ERR" ||
		ws_fail "$opt: not refused: $(cat "$FWD_ERR")"
	ws_ok "$opt: refused, administratively prohibited"
done
ws_log_wait "refused local port forward to 127.0.0.1 port $echo_port"

# permitopen admits its destination only
ws_keygen "$WS_DIR/k.permit"
echo "permitopen=\"127.0.0.1:$echo_port\" $(cat "$WS_DIR/k.permit.pub")" >>"$WS_DIR/authorized_keys"
l=$(ws_free_port)
ws_forward "$WS_DIR/k.permit" "$l" "$echo_port"
ws_expect "permitopen: permitted destination" "$(echo hi | timeout 20 socat -t 5 - TCP:127.0.0.1:"$l")" "hi"
l=$(ws_free_port)
ws_forward "$WS_DIR/k.permit" "$l" "$dead_port"
echo hi | timeout 20 socat -t 5 - TCP:127.0.0.1:"$l" >/dev/null 2>&1
ws_poll_until 10 grep -q "open failed: administratively prohibited" "$FWD_ERR" ||
	ws_fail "permitopen: other destination not refused: $(cat "$FWD_ERR")"
ws_ok "permitopen: other destination refused"

# remote forwarding (tcpip-forward) is not offered: refused cleanly, the connection survives
rport=$(ws_free_port)
out=$(WS_LOGLEVEL=INFO ws_ssh "$port" -o ExitOnForwardFailure=yes -N -R "$rport:127.0.0.1:$echo_port" "$u" 2>&1)
ws_expect "ssh -R: ssh gives up" "$?" 255
echo "$out" | grep -q "remote port forwarding failed" || ws_fail "ssh -R: $out"
ws_ok "ssh -R: tcpip-forward refused"
ws_expect "ssh -R without ExitOnForwardFailure: session still works" \
	"$(ws_ssh "$port" -R "$rport:127.0.0.1:$echo_port" "$u" 'echo still-here' 2>/dev/null)" "still-here"
echo "$WS_PASS passed"
