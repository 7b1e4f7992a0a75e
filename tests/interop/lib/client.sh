# client.sh — helpers for the warpssh client interop suite (source after interop.sh):
#   wc_setup WARPSSH           private HOME, client key, tmp dir; sets WC_DIR, WC_BIN, HOME
#   wc_start_sshd PORT [lines] private OpenSSH sshd logging to a file (-E, so nothing of its own
#                              reaches the session's stderr); sets WC_SSHD_PID, WC_SSHD_LOG
#   wc_config NAME PORT [lines]  append a "Host NAME" block (127.0.0.1, root, our key, our
#                              known_hosts, strict checking, BatchMode) to $WC_DIR/ssh_config
#   wc_trust PORT PUBFILE      put the host key into our known_hosts as [127.0.0.1]:PORT
#   wc_run ARGS…               run warpssh -F $WC_DIR/ssh_config ARGS… bounded by 60 s
#   wc_sha FILE|-              sha256 hex of a file or stdin
#   wc_ensure_user             the login user wstest (shared with the server suite), created if missing
#   wc_expect_eq WHAT GOT WANT fail with a message unless equal; wc_check counts passes
# Every process started is tracked by PID (ws_track_pid) and killed at exit.

wc_setup() {
	WC_BIN=$1
	[ -x "$WC_BIN" ] || ws_fail "warpssh binary missing: $WC_BIN"
	WC_DIR=$(ws_tmpdir)
	export HOME="$WC_DIR/home"
	mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"
	ssh-keygen -q -t ed25519 -N '' -C "warpssh-client-test" -f "$WC_DIR/id_ed25519" </dev/null >/dev/null ||
		ws_fail "ssh-keygen"
	: >"$WC_DIR/known_hosts"
	: >"$WC_DIR/ssh_config"
	WC_PASS=0
	unset SSH_AUTH_SOCK SSH_AGENT_PID DISPLAY SSH_ASKPASS SSH_ASKPASS_REQUIRE
}

wc_start_sshd() {
	local port=$1; shift
	local d="$WC_DIR/sshd.$port"
	mkdir -p "$d" /run/sshd && chmod 755 /run/sshd
	[ -f "$d/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" </dev/null >/dev/null
	cp "$WC_DIR/id_ed25519.pub" "$d/authorized_keys"
	{
		for line in "$@"; do echo "$line"; done # first: sshd keeps the first value it reads
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $d/host_key"
		echo "UsePAM no"
		echo "PidFile none"
		echo "StrictModes no"
		echo "AuthorizedKeysFile $d/authorized_keys"
		echo "PasswordAuthentication no"
		echo "KbdInteractiveAuthentication no"
		echo "AllowTcpForwarding yes"
		echo "LogLevel DEBUG1"
	} >"$d/sshd_config"
	/usr/sbin/sshd -t -f "$d/sshd_config" || ws_fail "sshd config rejected"
	WC_SSHD_LOG="$d/sshd.log"
	/usr/sbin/sshd -D -E "$WC_SSHD_LOG" -f "$d/sshd_config" -p "$port" </dev/null &
	WC_SSHD_PID=$!
	WC_SSHD_DIR=$d
	ws_track_pid "$WC_SSHD_PID"
	ws_wait_port "$port"
}

wc_trust() {
	echo "[127.0.0.1]:$1 $(cut -d' ' -f1,2 "$2")" >>"$WC_DIR/known_hosts"
}

wc_config() {
	local name=$1 port=$2; shift 2
	{
		echo "Host $name"
		for line in "$@"; do echo "  $line"; done
		echo "  HostName 127.0.0.1"
		echo "  Port $port"
		echo "  User root"
		echo "  IdentityFile $WC_DIR/id_ed25519"
		echo "  UserKnownHostsFile $WC_DIR/known_hosts"
		echo "  StrictHostKeyChecking yes"
		echo "  BatchMode yes"
		echo "  ConnectTimeout 10"
	} >>"$WC_DIR/ssh_config"
}

wc_run() {
	timeout -k 5 60 "$WC_BIN" -F "$WC_DIR/ssh_config" "$@"
}

wc_sha() {
	if [ "$1" = - ]; then sha256sum | cut -c1-64; else sha256sum "$1" | cut -c1-64; fi
}

wc_expect_eq() {
	[ "$2" = "$3" ] || ws_fail "$1: got '$2', want '$3'"
	WC_PASS=$((WC_PASS + 1))
}

wc_expect_grep() { # WHAT PATTERN FILE
	grep -q -- "$2" "$3" || { cat "$3" >&2; ws_fail "$1: '$2' not in $3"; }
	WC_PASS=$((WC_PASS + 1))
}

wc_ensure_user() {
	WC_TEST_USER=wstest
	id "$WC_TEST_USER" >/dev/null 2>&1 && return 0
	useradd -m -s /bin/sh "$WC_TEST_USER" 2>/dev/null || id "$WC_TEST_USER" >/dev/null 2>&1 ||
		ws_fail "cannot create user $WC_TEST_USER"
}

wc_done() {
	echo "$WC_PASS passed, 0 failed"
}
