#!/bin/bash
# daemon.sh WARPSSHD — the daemon around the protocol: without -D it detaches (the command returns,
# the server runs in its own session) and stops on SIGTERM; with no HostKey it generates an
# ed25519 key on first start, logs its fingerprint, serves it (ssh-keyscan) and loads the same key
# on the next start; -h replaces the configured host key; -o overrides the file; and one process
# serves 24 concurrent connections (each 4 MiB through `cat`, hashed) without forking per
# connection — only the session commands are children.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
u=$WS_TEST_USER@127.0.0.1
listener_pid() { ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1; }
keyscan() { timeout 20 ssh-keyscan -t ed25519 -p "$1" 127.0.0.1 2>/dev/null | awk '{print $3}'; }

# -D absent: the command returns at once, the daemon keeps serving from its own session
port=$(ws_free_port)
printf 'ListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\n' "$WS_DIR/hostkey" \
	"$WS_DIR/authorized_keys" >"$WS_DIR/cfg.daemon"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$WS_DIR/hostkey.pub")" >>"$WS_DIR/known_hosts"
timeout 10 "$WS_BIN" -e -f "$WS_DIR/cfg.daemon" -p "$port" 2>"$WS_DIR/daemon.log"
ws_expect "without -D the command returns" "$?" 0
ws_wait_port "$port"
dpid=$(listener_pid "$port")
[ -n "$dpid" ] || ws_fail "no daemon listens on $port"
ws_track_pid "$dpid"
ws_expect "daemon in its own session" "$(ps -o sid= -p "$dpid" | tr -d ' ')" "$dpid"
ws_expect "daemon serves" "$(ws_ssh "$port" "$u" 'echo detached')" "detached"
kill "$dpid"
ws_poll_until 10 ws_not_running "$dpid" || ws_fail "daemon ignored SIGTERM"
ws_ok "SIGTERM stops the daemon"
grep -q "Received signal 15; terminating" "$WS_DIR/daemon.log" || ws_fail "no shutdown log line"

# no HostKey configured: generated on first start at the default path, then reused
export WARPSSHD_DEFAULT_HOST_KEY="$WS_DIR/etc/ssh_host_ed25519_key"
printf 'ListenAddress 127.0.0.1\nAuthorizedKeysFile %s\n' "$WS_DIR/authorized_keys" >"$WS_DIR/cfg.nokey"
"$WS_BIN" -t -f "$WS_DIR/cfg.nokey" || ws_fail "-t refused a config without HostKey"
[ -e "$WARPSSHD_DEFAULT_HOST_KEY" ] && ws_fail "-t must not generate a host key"
declare -A scanned
for run in first second; do
	port=$(ws_free_port)
	"$WS_BIN" -D -e -f "$WS_DIR/cfg.nokey" -p "$port" </dev/null 2>"$WS_DIR/gen.$run.log" &
	pid=$!
	ws_track_pid "$pid"
	ws_wait_port "$port"
	scanned[$run]=$(keyscan "$port")
	kill "$pid"
	wait "$pid"
done
ws_expect "host key file mode" "$(stat -c %a "$WARPSSHD_DEFAULT_HOST_KEY")" 600
fp=$(ssh-keygen -lf "$WARPSSHD_DEFAULT_HOST_KEY.pub" | awk '{print $2}')
grep -q "Generated host key $WARPSSHD_DEFAULT_HOST_KEY: ED25519 $fp" "$WS_DIR/gen.first.log" ||
	ws_fail "no fingerprint logged: $(cat "$WS_DIR/gen.first.log")"
ws_ok "generated key's fingerprint logged"
ws_expect "generated key served" "${scanned[first]}" "$(awk '{print $2}' "$WARPSSHD_DEFAULT_HOST_KEY.pub")"
ws_expect "same key on the next start" "${scanned[second]}" "${scanned[first]}"
grep -q "Generated host key" "$WS_DIR/gen.second.log" && ws_fail "key generated twice"
ws_ok "not generated again"
unset WARPSSHD_DEFAULT_HOST_KEY

# -h replaces HostKey; -o overrides the file (first value wins, as in sshd)
ws_keygen "$WS_DIR/otherkey"
port=$(ws_free_port)
"$WS_BIN" -D -e -f "$WS_DIR/cfg.daemon" -h "$WS_DIR/otherkey" -o LogLevel=DEBUG -p "$port" </dev/null \
	2>"$WS_DIR/opts.log" &
pid=$!
ws_track_pid "$pid"
ws_wait_port "$port"
ws_expect "-h host key served" "$(keyscan "$port")" "$(awk '{print $2}' "$WS_DIR/otherkey.pub")"
grep -q "^debug: " "$WS_DIR/opts.log" || ws_fail "-o LogLevel=DEBUG had no effect"
ws_ok "-o LogLevel=DEBUG"
kill "$pid"
wait "$pid"

# one process, many connections
port=$(ws_free_port)
ws_srv_start "$port" "MaxStartups 100:30:200"
ws_gen_data "$WS_DIR/d4" 4M
want=$(ws_sha "$WS_DIR/d4")
for i in $(seq 1 24); do
	ws_ssh "$port" "$u" 'cat; sleep 1' <"$WS_DIR/d4" | ws_sha_stdin >"$WS_DIR/par.$i" &
	pids[$i]=$!
	ws_track_pid ${pids[$i]}
done
busy() { [ "$(ps --ppid "$WS_SRV_PID" -o comm= | wc -l)" -ge "$1" ]; }
ws_poll_until 20 busy 12 || ws_fail "sessions did not overlap"
ws_expect "no warpsshd forked per connection" "$(ps --ppid "$WS_SRV_PID" -o comm= | grep -c warpsshd)" 0
for i in $(seq 1 24); do
	wait "${pids[$i]}"
	[ "$(cat "$WS_DIR/par.$i")" = "$want" ] || ws_fail "connection $i: bad data"
done
ws_ok "24 concurrent connections, all data intact"
echo "$WS_PASS passed"
