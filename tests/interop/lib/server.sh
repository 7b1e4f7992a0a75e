# server.sh — helpers for the warpsshd interop suite (source after interop.sh):
#   ws_srv_setup WARPSSHD       temp dir, client key (WS_DIR/id), host key, the test user wstest;
#                               sets WS_DIR, WS_BIN
#   ws_srv_start PORT [lines]   start `warpsshd -D -e` on 127.0.0.1:PORT with a private config
#                               (host key, AuthorizedKeysFile WS_DIR/authorized_keys, LogLevel
#                               VERBOSE) plus extra lines; sets WS_SRV_PID, WS_SRV_LOG; the host
#                               key is pinned in WS_DIR/known_hosts for the clients
#   ws_srv_stop                 stop that server (by PID) and wait for it
#   ws_ssh PORT ARGS…           OpenSSH ssh with private options (our key, or WS_ID if set;
#                               pinned host key, BatchMode), bounded by 60 s
#   ws_client_opts              WS_OPTS: those options as an array, for scp / sftp / rsync -e
#                               (LogLevel ERROR unless WS_LOGLEVEL is set)
#   ws_sha FILE                 sha256 hex of a file
#   ws_expect WHAT GOT WANT     fail unless equal; ws_ok WHAT counts a pass
#   ws_log_wait PATTERN [S]     poll the server log until an extended regex matches (bounded)
#   ws_ensure_user              create the login user wstest (useradd -m -s /bin/sh) if missing
#   ws_shm_dir                  a private directory in /dev/shm for big files: WS_SHM
#   ws_gen_data FILE SIZE       SIZE bytes (1G, 100M) of fast pseudo-random data
#   ws_sha_stdin                sha256 hex of stdin (OpenSSL: SHA-NI, fast enough for GiBs)
#   ws_wait_listen PORT [S]     wait until PORT is listening, without connecting to it
# Every process started is tracked by PID (ws_track_pid) and killed at exit.

WS_TEST_USER=wstest
WS_PASS=0

ws_ensure_user() {
	id "$WS_TEST_USER" >/dev/null 2>&1 && return 0
	useradd -m -s /bin/sh "$WS_TEST_USER" 2>/dev/null || id "$WS_TEST_USER" >/dev/null 2>&1 ||
		ws_fail "cannot create user $WS_TEST_USER"
}

ws_srv_setup() {
	WS_BIN=$1
	[ -x "$WS_BIN" ] || ws_fail "warpsshd binary missing: $WS_BIN"
	WS_DIR=$(ws_tmpdir)
	ws_keygen "$WS_DIR/id"
	ws_keygen "$WS_DIR/hostkey"
	cp "$WS_DIR/id.pub" "$WS_DIR/authorized_keys"
	chmod 644 "$WS_DIR/authorized_keys"
	ws_ensure_user
	unset SSH_AUTH_SOCK SSH_AGENT_PID DISPLAY SSH_ASKPASS SSH_ASKPASS_REQUIRE
}

ws_srv_start() {
	local port=$1; shift
	WS_SRV_LOG="$WS_DIR/warpsshd.$port.log"
	{
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $WS_DIR/hostkey"
		echo "AuthorizedKeysFile $WS_DIR/authorized_keys"
		echo "LogLevel VERBOSE"
		for line in "$@"; do echo "$line"; done
	} >"$WS_DIR/warpsshd_config.$port"
	"$WS_BIN" -t -f "$WS_DIR/warpsshd_config.$port" || ws_fail "warpsshd -t rejected the config"
	"$WS_BIN" -D -e -f "$WS_DIR/warpsshd_config.$port" -p "$port" </dev/null 2>"$WS_SRV_LOG" &
	WS_SRV_PID=$!
	ws_track_pid "$WS_SRV_PID"
	echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$WS_DIR/hostkey.pub")" >>"$WS_DIR/known_hosts"
	ws_wait_port "$port"
}

ws_srv_stop() {
	kill "$WS_SRV_PID" 2>/dev/null
	ws_poll_until 10 ws_not_running "$WS_SRV_PID" || kill -9 "$WS_SRV_PID" 2>/dev/null
	wait "$WS_SRV_PID" 2>/dev/null
}

ws_not_running() {
	! kill -0 "$1" 2>/dev/null
}

# The client options every OpenSSH tool (ssh, scp, sftp, rsync -e) gets, in WS_OPTS.
ws_client_opts() {
	WS_OPTS=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes
		-o UserKnownHostsFile="$WS_DIR/known_hosts" -o IdentitiesOnly=yes -o IdentityAgent=none
		-o ConnectTimeout=10 -o LogLevel="${WS_LOGLEVEL:-ERROR}" -i "${WS_ID:-$WS_DIR/id}")
}

ws_ssh() {
	local port=$1; shift
	ws_client_opts
	timeout 60 ssh "${WS_OPTS[@]}" -p "$port" "$@"
}

ws_sha() {
	openssl dgst -sha256 -r "$1" | cut -d' ' -f1
}

ws_sha_stdin() {
	openssl dgst -sha256 -r | cut -d' ' -f1
}

ws_ok() {
	WS_PASS=$((WS_PASS + 1))
	echo "ok: $1"
}

ws_expect() {
	if [ "$2" != "$3" ]; then
		echo "server log (tail):" >&2
		tail -n 20 "$WS_SRV_LOG" >&2 2>/dev/null
		ws_fail "$1: got [$2], want [$3]"
	fi
	ws_ok "$1"
}

ws_log_has() {
	grep -Eq "$1" "$WS_SRV_LOG"
}

ws_log_wait() {
	ws_poll_until "${2:-10}" ws_log_has "$1" || {
		tail -n 20 "$WS_SRV_LOG" >&2
		ws_fail "server log never matched: $1"
	}
	ws_ok "log: $1"
}

# A private directory in /dev/shm (tmpfs: big test files stay off the disk), removed at exit;
# sets WS_SHM (not echoed: the cleanup list must be extended in this shell, not a subshell).
ws_shm_dir() {
	WS_SHM=$(mktemp -d /dev/shm/ws-srv.XXXXXX) || ws_fail "mktemp /dev/shm"
	chmod 755 "$WS_SHM"
	WS_TMPDIRS+=("$WS_SHM")
}

# ws_gen_data FILE SIZE: SIZE bytes (head -c syntax: 1G, 100M) of fast pseudo-random data.
ws_gen_data() {
	openssl enc -aes-128-ctr -pass pass:warpssh -nosalt -pbkdf2 -in /dev/zero 2>/dev/null |
		head -c "$2" >"$1" || ws_fail "cannot generate $1"
	chmod 644 "$1"
}

# Wait (bounded) until something listens on 127.0.0.1:PORT without connecting to it (a probe
# connection would use up a one-shot listener such as `socat -u TCP-LISTEN:…`).
ws_listening() {
	ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

ws_wait_listen() {
	ws_poll_until "${2:-10}" ws_listening "$1" || ws_fail "nothing listens on port $1"
}
