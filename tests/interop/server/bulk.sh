#!/bin/bash
# bulk.sh WARPSSHD — 1 GiB pushed up through an exec channel (hashed by the remote command) and
# 1 GiB pulled down (hashed locally), both checked against the source's sha256; then 256 MiB each
# way with RekeyLimit 64M — once asked by the client (ssh -o RekeyLimit), once by the server
# (sshd_config RekeyLimit) — so several key re-exchanges happen in the middle of the data.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
size=${WS_BULK_SIZE:-1G}
ws_shm_dir
data=$WS_SHM
ws_gen_data "$data/big" "$size"
want=$(ws_sha "$data/big")
head -c 256M "$data/big" >"$data/small"
want_small=$(ws_sha "$data/small")
u=$WS_TEST_USER@127.0.0.1
newkeys() { grep -c "SSH2_MSG_NEWKEYS received" "$1"; }

port=$(ws_free_port)
ws_srv_start "$port"
ws_expect "$size up" "$(ws_ssh "$port" "$u" 'openssl dgst -sha256 -r | cut -d" " -f1' <"$data/big")" "$want"
ws_expect "$size down" "$(ws_ssh "$port" "$u" "cat $data/big" | ws_sha_stdin)" "$want"

# client-initiated rekeys every 64 MiB, in both directions of data
got=$(ws_ssh "$port" -v -o RekeyLimit=64M "$u" 'openssl dgst -sha256 -r | cut -d" " -f1' \
	<"$data/small" 2>"$WS_DIR/up.log")
ws_expect "256 MiB up with client rekeys" "$got" "$want_small"
[ "$(newkeys "$WS_DIR/up.log")" -ge 4 ] || ws_fail "client rekeyed only $(newkeys "$WS_DIR/up.log") times"
ws_ok "client rekeyed $(newkeys "$WS_DIR/up.log") times during the upload"
got=$(ws_ssh "$port" -v -o RekeyLimit=64M "$u" "cat $data/small" 2>"$WS_DIR/down.log" | ws_sha_stdin)
ws_expect "256 MiB down with client rekeys" "$got" "$want_small"
[ "$(newkeys "$WS_DIR/down.log")" -ge 4 ] || ws_fail "client rekeyed only $(newkeys "$WS_DIR/down.log") times"
ws_ok "client rekeyed $(newkeys "$WS_DIR/down.log") times during the download"
ws_srv_stop

# server-initiated rekeys (sshd_config RekeyLimit)
port=$(ws_free_port)
ws_srv_start "$port" "RekeyLimit 64M"
got=$(ws_ssh "$port" -v "$u" "cat $data/small" 2>"$WS_DIR/srv.log" | ws_sha_stdin)
ws_expect "256 MiB down with server rekeys" "$got" "$want_small"
[ "$(newkeys "$WS_DIR/srv.log")" -ge 4 ] || ws_fail "server rekeyed only $(newkeys "$WS_DIR/srv.log") times"
ws_ok "server rekeyed $(newkeys "$WS_DIR/srv.log") times during the download"
echo "$WS_PASS passed"
