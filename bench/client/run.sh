#!/bin/bash
# run.sh [BUILD_DIR] — warpssh vs OpenSSH's ssh as clients of the same private sshd on loopback,
# same run, same data: SIZE bytes (default 2 GiB) up (`… | client host 'cat >/dev/null'`) and
# down (`client host 'head -c SIZE /dev/zero' >/dev/null`) per cipher, REPS runs each (default
# 3, median). Prints a markdown table: wall MB/s and the client process's own CPU seconds
# (user+sys, measured by /usr/bin/time on the client alone), and warpssh/ssh ratios.
# Env: SIZE (bytes, default 2147483648), REPS, CIPHERS (space-separated).
set -u
build=${1:-build-client}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case $build in /*) ;; *) build="$root/$build" ;; esac
warpssh="$build/apps/warpssh"
[ -x "$warpssh" ] || { echo "no $warpssh: build first" >&2; exit 1; }
source "$root/tests/interop/lib/interop.sh"
source "$root/tests/interop/lib/client.sh"
SIZE=${SIZE:-2147483648}
REPS=${REPS:-3}
CIPHERS=${CIPHERS:-"aes128-gcm@openssh.com chacha20-poly1305@openssh.com aes128-ctr"}
wc_setup "$warpssh"
port=$(ws_free_port)
wc_start_sshd "$port" "LogLevel ERROR"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR

# one run: prints "wall user sys" of the client alone
one() { # client cipher dir
	local client=$1 cipher=$2 dir=$3 margs=() out="$d/time.out"
	[ "$cipher" = aes128-ctr ] && margs=(-m hmac-sha2-256-etm@openssh.com)
	if [ "$dir" = up ]; then
		head -c "$SIZE" /dev/zero | /usr/bin/time -o "$out" -f "%e %U %S" \
			"$client" -F "$d/ssh_config" -c "$cipher" "${margs[@]}" srv 'cat >/dev/null'
	else
		/usr/bin/time -o "$out" -f "%e %U %S" "$client" -F "$d/ssh_config" -c "$cipher" "${margs[@]}" srv \
			"head -c $SIZE /dev/zero" </dev/null >/dev/null
	fi || { echo "run failed: $client $cipher $dir" >&2; exit 1; }
	cat "$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| cipher | dir | ssh MB/s | warpssh MB/s | wall ratio | ssh CPU s | warpssh CPU s | CPU ratio (ssh/warpssh) |"
echo "|---|---|---|---|---|---|---|---|"
for cipher in $CIPHERS; do
	for dir in up down; do
		: >"$d/ssh.w"; : >"$d/ssh.c"; : >"$d/ws.w"; : >"$d/ws.c"
		for _ in $(seq 1 "$REPS"); do # interleaved so both see the same machine state
			read -r w u s < <(one ssh "$cipher" "$dir"); echo "$w" >>"$d/ssh.w"; echo "$u + $s" | bc >>"$d/ssh.c"
			read -r w u s < <(one "$warpssh" "$cipher" "$dir"); echo "$w" >>"$d/ws.w"; echo "$u + $s" | bc >>"$d/ws.c"
		done
		sw=$(median <"$d/ssh.w"); sc=$(median <"$d/ssh.c"); ww=$(median <"$d/ws.w"); wcpu=$(median <"$d/ws.c")
		awk -v c="$cipher" -v dir="$dir" -v n="$SIZE" -v sw="$sw" -v sc="$sc" -v ww="$ww" -v wc="$wcpu" 'BEGIN {
			printf "| %s | %s | %.0f | %.0f | %.2f | %.2f | %.2f | %.2f |\n", c, dir, n / sw / 1e6, n / ww / 1e6,
				sw / ww, sc, wc, (wc > 0 ? sc / wc : 0) }'
	done
done
