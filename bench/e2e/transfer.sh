#!/bin/bash
# transfer.sh [BUILD_DIR] — the main job's measurement: a real encrypted bulk transfer on loopback.
# warpsshd (BUILD_DIR/apps/warpsshd, default build/) and a private OpenSSH sshd serve the same
# user with the same keys on free ports; OpenSSH's ssh pushes SIZE bytes up through an exec
# channel (the remote command hashes them) and pulls them down (`cat`, hashed locally), per
# cipher, against each server; both hashes must equal the source's sha256 or the run fails.
# When BUILD_DIR/apps/warpssh exists, warpssh -> warpsshd runs too (the all-warpssh stack).
# Prints wall-clock MB/s, the server's CPU seconds (daemon + session processes, minus the remote
# command's own CPU), MB per server CPU second, and warpsshd/OpenSSH ratios. Nothing is built.
# Env: WS_MAIN_SIZE (head -c syntax, default 2G), WS_MAIN_CIPHERS (default aes128-gcm and
# chacha20-poly1305), WS_MAIN_REPS (default 2; the fastest run of each pair counts; on a busy
# machine raise it, e.g. WS_MAIN_SIZE=4G WS_MAIN_REPS=3). Every process started is killed by PID at exit.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac
warpsshd="$build/apps/warpsshd"
warpssh="$build/apps/warpssh"
source "$root/tests/interop/lib/interop.sh"
source "$root/tests/interop/lib/server.sh"
[ -x "$warpsshd" ] || ws_fail "no $warpsshd: build first (scripts/main.sh builds)"
SIZE=${WS_MAIN_SIZE:-2G}
CIPHERS=${WS_MAIN_CIPHERS:-"aes128-gcm@openssh.com chacha20-poly1305@openssh.com"}
REPS=${WS_MAIN_REPS:-2}
TCK=$(getconf CLK_TCK)
user=$(id -un)
unset SSH_AUTH_SOCK SSH_AGENT_PID

# ---------------------------------------------------------------- setup
d=$(ws_tmpdir)
WS_TMPDIRS+=("$d")
ws_shm_dir
data="$WS_SHM/data"
ws_keygen "$d/id"
ws_keygen "$d/hostkey"
cp "$d/id.pub" "$d/authorized_keys" && chmod 600 "$d/authorized_keys"
: >"$d/known_hosts"
ws_gen_data "$data" "$SIZE"
bytes=$(stat -c %s "$data")
want=$(ws_sha "$data")

start_warpsshd() {
	WD_PORT=$(ws_free_port)
	printf 'ListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nLogLevel ERROR\n' \
		"$d/hostkey" "$d/authorized_keys" >"$d/warpsshd_config"
	"$warpsshd" -D -e -f "$d/warpsshd_config" -p "$WD_PORT" </dev/null 2>"$d/warpsshd.log" &
	WD_PID=$!
	ws_track_pid "$WD_PID"
	echo "[127.0.0.1]:$WD_PORT $(cut -d' ' -f1,2 "$d/hostkey.pub")" >>"$d/known_hosts"
	ws_wait_port "$WD_PORT"
}

start_sshd() {
	OS_PORT=$(ws_free_port)
	mkdir -p /run/sshd && chmod 755 /run/sshd
	printf 'ListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nUsePAM no\nPidFile none\nStrictModes no\nLogLevel ERROR\n' \
		"$d/hostkey" "$d/authorized_keys" >"$d/sshd_config"
	/usr/sbin/sshd -t -f "$d/sshd_config" || ws_fail "sshd rejected its config"
	/usr/sbin/sshd -D -e -f "$d/sshd_config" -p "$OS_PORT" </dev/null 2>"$d/sshd.log" &
	OS_PID=$!
	ws_track_pid "$OS_PID"
	echo "[127.0.0.1]:$OS_PORT $(cut -d' ' -f1,2 "$d/hostkey.pub")" >>"$d/known_hosts"
	ws_wait_port "$OS_PORT"
}

# ---------------------------------------------------------------- measuring

# CPU ticks of a server so far: itself plus every session process it has reaped (after waiting,
# bounded, until it has no child left, so the transfer's processes are all counted).
no_children() { [ -z "$(cat "/proc/$1/task/$1/children" 2>/dev/null)" ]; }
server_ticks() {
	ws_poll_until 10 no_children "$1" || ws_fail "server $1 still has children"
	awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"
}

# one CLIENT PORT PID CIPHER DIR: prints "wall_seconds server_cpu_seconds"
one() {
	local client=$1 port=$2 pid=$3 cipher=$4 dir=$5 got t0 t1 c0 c1
	local opts=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$d/known_hosts"
		-o IdentitiesOnly=yes -o LogLevel=ERROR -i "$d/id" -c "$cipher" -p "$port")
	local timed="/usr/bin/time -f '%U %S' -o $d/cmd.time"
	rm -f "$d/cmd.time"
	c0=$(server_ticks "$pid")
	t0=$(date +%s.%N)
	if [ "$dir" = up ]; then
		got=$(timeout 300 "$client" "${opts[@]}" "$user@127.0.0.1" "$timed openssl dgst -sha256 -r" <"$data" | cut -d' ' -f1)
	else
		got=$(timeout 300 "$client" "${opts[@]}" "$user@127.0.0.1" "$timed cat $data" | openssl dgst -sha256 -r | cut -d' ' -f1)
	fi
	t1=$(date +%s.%N)
	c1=$(server_ticks "$pid")
	[ "$got" = "$want" ] || ws_fail "$(basename "$client") $cipher $dir on port $port: sha256 $got, want $want"
	[ -s "$d/cmd.time" ] || ws_fail "the remote command's CPU time is missing"
	awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v tck="$TCK" -v cmd="$(tail -n1 "$d/cmd.time")" 'BEGIN {
		split(cmd, a, " "); printf "%.3f %.3f\n", t1 - t0, (c1 - c0) / tck - a[1] - a[2] }'
}

# best CLIENT PORT PID CIPHER DIR: the fastest of REPS runs, "wall cpu"
best() {
	local i r out=""
	for i in $(seq 1 "$REPS"); do
		r=$(one "$@") || exit 1
		out+="$r"$'\n'
	done
	printf '%s' "$out" | sort -n | head -n1
}

row() { # label dir size wall_ref cpu_ref wall cpu
	awk -v l="$1" -v dir="$2" -v n="$3" -v wr="$4" -v cr="$5" -v w="$6" -v c="$7" 'BEGIN {
		printf "| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f | %.0f |\n", l, dir, n / wr / 1e6, n / w / 1e6,
			wr / w, cr, c, (cr > 0 ? n / cr / 1e6 : 0), (c > 0 ? n / c / 1e6 : 0) }'
}

# ---------------------------------------------------------------- the runs
start_warpsshd
start_sshd
echo "# warpsshd vs OpenSSH sshd: $SIZE ($bytes bytes) per transfer, best of $REPS, sha256 checked"
echo "client OpenSSH $(ssh -V 2>&1 | cut -d, -f1); $(nproc) cores; $(uptime | sed 's/.*load/load/')"
echo
echo "| client -> server | dir | sshd MB/s | warpsshd MB/s | throughput ratio | sshd CPU s | warpsshd CPU s | sshd MB/CPU-s | warpsshd MB/CPU-s |"
echo "|---|---|---|---|---|---|---|---|---|"
ratios=()
for cipher in $CIPHERS; do
	for dir in up down; do
		read -r ow oc < <(best ssh "$OS_PORT" "$OS_PID" "$cipher" "$dir")
		read -r ww wc < <(best ssh "$WD_PORT" "$WD_PID" "$cipher" "$dir")
		[ -n "${ow:-}" ] && [ -n "${ww:-}" ] || ws_fail "a run failed ($cipher $dir)"
		row "ssh, $cipher" "$dir" "$bytes" "$ow" "$oc" "$ww" "$wc"
		ratios+=("$(awk -v a="$ow" -v b="$ww" 'BEGIN {print a / b}')")
		if [ -x "$warpssh" ]; then
			read -r xw xc < <(best "$warpssh" "$WD_PORT" "$WD_PID" "$cipher" "$dir")
			[ -n "${xw:-}" ] || ws_fail "warpssh run failed ($cipher $dir)"
			row "warpssh vs ssh->sshd, $cipher" "$dir" "$bytes" "$ow" "$oc" "$xw" "$xc"
		fi
	done
done
echo
printf '%s\n' "${ratios[@]}" | awk '{s += log($1); n++} END {
	printf "main: OpenSSH ssh -> warpsshd vs -> sshd, throughput ratio (geometric mean of %d): %.2fx\n", n, exp(s / n) }'
