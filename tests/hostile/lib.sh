# lib.sh — shared by the hostile tests (source it from bash after setting HOSTILE):
#   hs_setup                    temp dir, client key pair, authorized_keys
#   hs_start_server [LINE...]   start SERVER_KIND (openssh | warpsshd) on a free loopback port with
#                               extra sshd_config lines; sets HS_PID and HS_PORT
#   hs_baseline                 normal logins until the server's memory is steady: HS_BASE_KB
#   hs_check_serving WHEN       a normal `ssh ... true` must succeed within HS_SERVE_MS
#   hs_check_memory WHEN        the server's memory must come back within tolerance of baseline
#   hs_check_peak WHEN MAX_KB   the server's memory right now must be below baseline + MAX_KB
#   hs_tool_start OUT MODE ARGS start the hostile tool in the background (tracked), output in OUT
#   hs_wait_line OUT REGEX [S]  wait (bounded) for a line of the tool's output
#   hs_tool_finish [S]          wait (bounded) for the tool; fails unless it exited 0
#   hs_field OUT PHASE KEY      a key=value of the tool's last "phase=PHASE" line
# Memory is the summed VmRSS of the server process and its descendants (proctree.py): sshd forks
# per connection, warpsshd per session command. "Near baseline" = at most
# max(HS_TOL_MIN_KB, HS_TOL_PCT % of baseline) above it, reached within HS_SETTLE_S seconds.
# Every wait has a deadline; processes are killed by PID at exit (interop.sh's trap).

# shellcheck source=../interop/lib/interop.sh
source "${WS_INTEROP_LIB:?}/interop.sh"

SERVER_KIND=${SERVER_KIND:-openssh}
HS_DIR_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HS_TOL_MIN_KB=${HS_TOL_MIN_KB:-4096}
HS_TOL_PCT=${HS_TOL_PCT:-25}
HS_SETTLE_S=${HS_SETTLE_S:-5}
# A sanitizer build of the server is slower to accept: give the login more time there.
if [ -n "${ASAN_OPTIONS:-}" ]; then HS_SERVE_MS=${HS_SERVE_MS:-3000}; else HS_SERVE_MS=${HS_SERVE_MS:-1000}; fi
HS_USER=$(id -un)
HS_TOOL_PID=

hs_now_ms() { echo $(($(date +%s%N) / 1000000)); }

hs_setup() {
	[ -x "${HOSTILE:?}" ] || ws_fail "hostile tool missing: $HOSTILE"
	HS_DIR=$(ws_tmpdir)
	ws_keygen "$HS_DIR/id"
	cp "$HS_DIR/id.pub" "$HS_DIR/authorized_keys"
	echo "server kind: $SERVER_KIND"
}

hs_start_openssh() {
	ws_start_sshd "$HS_DIR" "$HS_PORT" "$@"
	HS_PID=$WS_SSHD_PID
}

# warpsshd takes the same sshd_config words; only what it reads is written.
hs_start_warpsshd() {
	[ -x "${WARPSSHD:-}" ] || ws_fail "WARPSSHD not set or not executable"
	ws_keygen "$HS_DIR/ssh_host_ed25519_key"
	{
		echo "ListenAddress 127.0.0.1"
		echo "HostKey $HS_DIR/ssh_host_ed25519_key"
		echo "AuthorizedKeysFile $HS_DIR/authorized_keys"
		echo "PasswordAuthentication no"
		echo "LogLevel DEBUG"
		for line in "$@"; do echo "$line"; done
	} >"$HS_DIR/warpsshd_config"
	"$WARPSSHD" -D -e -f "$HS_DIR/warpsshd_config" -p "$HS_PORT" 2>"$HS_DIR/warpsshd.log" &
	HS_PID=$!
	ws_track_pid "$HS_PID"
	ws_wait_port "$HS_PORT"
}

# An AddressSanitizer build of the server keeps freed memory in quarantine, so its RSS says
# nothing about what an attack left behind: the memory checks are skipped for it (LeakSanitizer
# still reports leaks at exit). OpenSSH's sshd is never instrumented.
hs_server_sanitized() {
	[ "$SERVER_KIND" = warpsshd ] && grep -q __asan_init "$WARPSSHD"
}

hs_start_server() {
	HS_PORT=$(ws_free_port)
	HS_SKIP_MEM=0
	if hs_server_sanitized; then
		HS_SKIP_MEM=1
		echo "memory checks skipped: the server is built with AddressSanitizer"
	fi
	case "$SERVER_KIND" in
	openssh) hs_start_openssh "$@" ;;
	warpsshd) hs_start_warpsshd "$@" ;;
	*) ws_fail "unknown SERVER_KIND $SERVER_KIND" ;;
	esac
	echo "server pid $HS_PID on 127.0.0.1:$HS_PORT"
}

hs_server_log() {
	if [ "$SERVER_KIND" = openssh ]; then cat "$HS_DIR/sshd.log"; else cat "$HS_DIR/warpsshd.log"; fi
}

# "RSS_KB DESCENDANTS" of the server's process tree.
hs_tree() { python3 "$HS_DIR_SELF/proctree.py" "$HS_PID"; }
hs_rss_kb() { hs_tree | cut -d' ' -f1; }

hs_ssh() {
	ssh -p "$HS_PORT" -i "$HS_DIR/id" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=2 "$HS_USER@127.0.0.1" "$@"
}

hs_no_descendants() { [ "$(hs_tree | cut -d' ' -f2)" = 0 ]; }

# Warm the server up with normal logins until its memory is steady (the same value after
# HS_WARM_STEADY logins in a row; at most HS_WARM_MAX), so allocator growth on the first
# connections is not mistaken for what an attack left behind. That value is HS_BASE_KB.
hs_login_settled() {
	hs_ssh true </dev/null 2>"$HS_DIR/baseline.err" || { cat "$HS_DIR/baseline.err" >&2; ws_fail "baseline login failed"; }
	ws_poll_until 5 hs_no_descendants || ws_fail "server children did not exit after a login"
}

hs_baseline() {
	local prev=-1 now same=0 i
	local max=${HS_WARM_MAX:-12}
	((HS_SKIP_MEM == 0)) || max=1
	for ((i = 1; i <= max; i++)); do
		hs_login_settled
		now=$(hs_rss_kb)
		if ((now == prev)); then same=$((same + 1)); else same=0; fi
		prev=$now
		((same + 1 >= ${HS_WARM_STEADY:-3})) && break
	done
	HS_BASE_KB=$now
	echo "baseline: ${HS_BASE_KB} kB after $i warm-up logins"
}

# Retry `ssh true` until it succeeds or HS_SERVE_MS passed (each try gets the time left).
hs_check_serving() {
	local start end left rc=1
	start=$(hs_now_ms)
	end=$((start + HS_SERVE_MS))
	while :; do
		left=$((end - $(hs_now_ms)))
		((left > 0)) || break
		if timeout "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))" \
			ssh -p "$HS_PORT" -i "$HS_DIR/id" -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$HS_USER@127.0.0.1" true \
			</dev/null 2>"$HS_DIR/serving.err"; then
			rc=0
			break
		fi
	done
	if ((rc != 0)); then
		cat "$HS_DIR/serving.err" >&2
		hs_server_log | tail -20 >&2
		ws_fail "$1: no normal login within ${HS_SERVE_MS} ms"
	fi
	echo "$1: normal login served in $(($(hs_now_ms) - start)) ms"
}

hs_tolerance_kb() {
	local pct=$((HS_BASE_KB * HS_TOL_PCT / 100))
	((pct > HS_TOL_MIN_KB)) && echo "$pct" || echo "$HS_TOL_MIN_KB"
}

hs_rss_near_base() { (($(hs_rss_kb) <= HS_BASE_KB + $(hs_tolerance_kb))); }

hs_check_memory() {
	((HS_SKIP_MEM == 0)) || return 0
	if ! ws_poll_until "$HS_SETTLE_S" hs_rss_near_base; then
		hs_tree >&2
		ws_fail "$1: server memory $(hs_rss_kb) kB did not return within $(hs_tolerance_kb) kB of ${HS_BASE_KB} kB"
	fi
	echo "$1: server memory $(hs_rss_kb) kB (baseline ${HS_BASE_KB} kB, tolerance $(hs_tolerance_kb) kB)"
}

hs_check_peak() {
	local now
	((HS_SKIP_MEM == 0)) || return 0
	now=$(hs_rss_kb)
	echo "$1: server memory under attack ${now} kB (baseline ${HS_BASE_KB} kB, limit +$2 kB)"
	((now <= HS_BASE_KB + $2)) || ws_fail "$1: server memory grew by $((now - HS_BASE_KB)) kB"
}

hs_tool_start() {
	local out=$1
	shift
	"$HOSTILE" "$@" -p "$HS_PORT" >"$out" 2>"$out.err" &
	HS_TOOL_PID=$!
	ws_track_pid "$HS_TOOL_PID"
}

hs_has_line() { grep -Eq "$2" "$1" 2>/dev/null; }

hs_wait_line() {
	ws_poll_until "${3:-10}" hs_has_line "$1" "$2" || { cat "$1" "$1.err" >&2; ws_fail "no '$2' from the tool"; }
}

hs_tool_gone() { ! kill -0 "$HS_TOOL_PID" 2>/dev/null; }

hs_tool_finish() {
	ws_poll_until "${1:-60}" hs_tool_gone || ws_fail "hostile tool did not finish"
	wait "$HS_TOOL_PID"
	local rc=$?
	((rc == 0)) || ws_fail "hostile tool exit $rc (action not performed)"
}

# Stop the tool's hold early (it prints its final line and exits).
hs_tool_release() { kill -USR1 "$HS_TOOL_PID" 2>/dev/null; }

hs_field() {
	grep "phase=$2 " "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# Run the tool in the foreground; its output in OUT.
hs_tool_run() {
	local out=$1
	shift
	hs_tool_start "$out" "$@"
	hs_tool_finish 120
	cat "$out"
}
