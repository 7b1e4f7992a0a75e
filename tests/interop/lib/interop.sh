# interop.sh — shell helpers shared by the interop suites (source it from bash):
#   ws_tmpdir               make a private temp dir (removed at exit), echo its path
#   ws_free_port            echo a free TCP port on 127.0.0.1
#   ws_wait_port PORT [S]   wait until 127.0.0.1:PORT accepts connections (bounded, default 10 s)
#   ws_wait_file FILE [S]   wait until FILE exists and is non-empty (bounded)
#   ws_track_pid PID        kill PID (and wait for it) when the script exits, on failure too
#   ws_start_sshd DIR PORT  start a private sshd (own config, ed25519 host key, authorized_keys in
#                           DIR, no PAM, no pid file) in the foreground-daemon mode, tracked
#   ws_keygen FILE          ssh-keygen an unencrypted ed25519 key pair FILE / FILE.pub
#   ws_fail MSG             print MSG and exit 1
# Processes are killed by PID only; every wait has a deadline.

WS_PIDS=()
WS_TMPDIRS=()
# ws_tmpdir is called as $(ws_tmpdir), i.e. in a subshell, so it registers its directories in this
# file, which the script's own shell reads at cleanup.
WS_TMPLIST=$(mktemp /tmp/ws-interop-dirs.XXXXXX)

ws_cleanup() {
	local pid
	for pid in "${WS_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
			kill -9 "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	local d
	for d in "${WS_TMPDIRS[@]}"; do rm -rf "$d"; done
	if [ -f "$WS_TMPLIST" ]; then
		while IFS= read -r d; do
			case "$d" in /tmp/ws-interop.*) rm -rf "$d" ;; esac
		done <"$WS_TMPLIST"
		rm -f "$WS_TMPLIST"
	fi
}
trap ws_cleanup EXIT

ws_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ws_tmpdir() {
	local d
	d=$(mktemp -d /tmp/ws-interop.XXXXXX) || ws_fail "mktemp"
	chmod 755 "$d"
	echo "$d" >>"$WS_TMPLIST"
	echo "$d"
}

ws_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

ws_track_pid() {
	WS_PIDS+=("$1")
}

# Poll for a condition (command) every 20 ms until it holds or the deadline passes.
ws_poll_until() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while ((SECONDS <= end)); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

ws_port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ws_wait_port() {
	ws_poll_until "${2:-10}" ws_port_open "$1" || ws_fail "nothing listens on 127.0.0.1:$1"
}

ws_file_ready() {
	[ -s "$1" ]
}

ws_wait_file() {
	ws_poll_until "${2:-10}" ws_file_ready "$1" || ws_fail "$1 did not appear"
}

ws_keygen() {
	ssh-keygen -q -t ed25519 -N '' -C "warpssh-interop" -f "$1" </dev/null >/dev/null ||
		ws_fail "ssh-keygen $1"
}

# ws_start_sshd DIR PORT [extra sshd_config lines...]: the host key is DIR/ssh_host_ed25519_key,
# authorized keys DIR/authorized_keys, the log DIR/sshd.log. Sets WS_SSHD_PID.
ws_start_sshd() {
	local dir=$1 port=$2; shift 2
	mkdir -p /run/sshd && chmod 755 /run/sshd
	[ -f "$dir/ssh_host_ed25519_key" ] || ws_keygen "$dir/ssh_host_ed25519_key"
	touch "$dir/authorized_keys"
	{
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $dir/ssh_host_ed25519_key"
		echo "UsePAM no"
		echo "PidFile none"
		echo "StrictModes no"
		echo "AuthorizedKeysFile $dir/authorized_keys"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "LogLevel DEBUG1"
		for line in "$@"; do echo "$line"; done
	} >"$dir/sshd_config"
	/usr/sbin/sshd -t -f "$dir/sshd_config" || ws_fail "sshd config rejected"
	/usr/sbin/sshd -D -e -f "$dir/sshd_config" -p "$port" -h "$dir/ssh_host_ed25519_key" \
		2>"$dir/sshd.log" &
	WS_SSHD_PID=$!
	ws_track_pid "$WS_SSHD_PID"
	ws_wait_port "$port"
}
