#!/bin/bash
# dropbear.sh WARPSSHD — Dropbear's dbclient against warpsshd: it accepts the host key (-y; the
# fingerprint it prints is ours), authenticates with our ed25519 key converted to Dropbear's format, runs a
# command with its exit code, and carries 100 MiB up and 100 MiB down intact, with each cipher
# dbclient offers that we share.
set -u
[ -n "${WS_DEBUG:-}" ] && { PS4='+ $(date +%T.%N) '; set -x; }
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
command -v dbclient >/dev/null || ws_fail "dbclient not installed"
port=$(ws_free_port)
ws_srv_start "$port"
u=$WS_TEST_USER@127.0.0.1
export HOME="$WS_DIR/dbhome"
mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"
dropbearconvert openssh dropbear "$WS_DIR/id" "$WS_DIR/id.db" >/dev/null 2>&1 || ws_fail "dropbearconvert"
db() { timeout 60 dbclient -y -i "$WS_DIR/id.db" -p "$port" "$@"; }

out=$(db "$u" 'echo hello from $(id -un); exit 5' 2>"$WS_DIR/db.err")
rc=$?
ws_expect "dbclient exec" "$out" "hello from $WS_TEST_USER"
ws_expect "dbclient exit code" "$rc" 5
# the host key dbclient accepted is ours
ws_expect "host key fingerprint" "$(sed -n 's/.*ssh-ed25519 fingerprint \(SHA256:[^)]*\)).*/\1/p' "$WS_DIR/db.err")" \
	"$(ssh-keygen -lf "$WS_DIR/hostkey.pub" | awk '{print $2}')"

ws_shm_dir
ws_gen_data "$WS_SHM/d100" 100M
want=$(ws_sha "$WS_SHM/d100")
ws_expect "100 MiB up" "$(db -W 4194304 "$u" 'openssl dgst -sha256 -r | cut -d" " -f1' <"$WS_SHM/d100")" "$want"
ws_expect "100 MiB down" "$(db -W 4194304 "$u" "cat $WS_SHM/d100" | ws_sha_stdin)" "$want"

head -c 4M "$WS_SHM/d100" >"$WS_SHM/d4"
want4=$(ws_sha "$WS_SHM/d4")
ciphers=$(dbclient -c help 2>&1 | sed -n 's/.*Available ciphers: *//p' | tr ',' ' ')
[ -n "$ciphers" ] || ws_fail "dbclient lists no ciphers"
for c in $ciphers; do
	ws_expect "cipher $c: 4 MiB through cat" "$(db -c "$c" "$u" cat <"$WS_SHM/d4" | ws_sha_stdin)" "$want4"
done
echo "$WS_PASS passed"
