#!/bin/bash
# dropbear.sh WARPSSH — warpssh against Dropbear's server (dropbear -F -E -r key -p 127.0.0.1:PORT)
# with a host key made by dropbearkey: every cipher both share, exit codes, stderr apart, 64 MiB
# each way by sha256. Dropbear reads ~/.ssh/authorized_keys of the login user, so it runs in a
# private mount namespace where the test's own directory is bind-mounted over /root.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
command -v dropbear >/dev/null || { echo "dropbear missing: skipped"; exit 77; }
unshare --mount --propagation private true 2>/dev/null || { echo "no mount namespaces: skipped"; exit 77; }
d=$WC_DIR
mkdir -p "$d/droot/.ssh"
chmod 700 "$d/droot" "$d/droot/.ssh"
cp "$WC_DIR/id_ed25519.pub" "$d/droot/.ssh/authorized_keys"
chmod 600 "$d/droot/.ssh/authorized_keys"
dropbearkey -t ed25519 -f "$d/db_host_key" >/dev/null 2>&1 || ws_fail "dropbearkey"
dropbearkey -y -f "$d/db_host_key" | grep '^ssh-ed25519 ' >"$d/db_host_key.pub"
port=$(ws_free_port)
unshare --mount --propagation private sh -c \
	"mount --bind '$d/droot' /root && exec dropbear -F -E -s -r '$d/db_host_key' -p 127.0.0.1:$port -P '$d/db.pid'" \
	</dev/null 2>"$d/dropbear.log" &
ws_track_pid $!
ws_wait_port "$port"
wc_trust "$port" "$d/db_host_key.pub"
wc_config db "$port"

wc_run db 'exit 9' </dev/null
wc_expect_eq "exit code" $? 9
head -c 100000 /dev/urandom >"$d/small"
wc_run db "cat $d/small >&2; echo out" </dev/null >"$d/o" 2>"$d/e"
wc_expect_eq "stdout" "$(cat "$d/o")" "out"
wc_expect_eq "stderr apart" "$(wc_sha "$d/e")" "$(wc_sha "$d/small")"

head -c $((64 << 20)) /dev/urandom >"$d/data"
want=$(wc_sha "$d/data")
for c in chacha20-poly1305@openssh.com aes128-ctr aes256-ctr; do
	margs=()
	[ "$c" = chacha20-poly1305@openssh.com ] || margs=(-m hmac-sha2-256)
	got=$(wc_run -v -c "$c" "${margs[@]}" db 'sha256sum | cut -c1-64' <"$d/data" 2>"$d/e.$c")
	wc_expect_eq "$c: 64 MiB up" "$got" "$want"
	wc_expect_grep "$c negotiated" "cipher $c / $c" "$d/e.$c"
	got=$(wc_run -c "$c" "${margs[@]}" db "cat $d/data" </dev/null | wc_sha -)
	wc_expect_eq "$c: 64 MiB down" "$got" "$want"
done
wc_done
