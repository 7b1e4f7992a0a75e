#!/bin/bash
# ciphers.sh WARPSSHD — every key exchange x cipher x MAC that OpenSSH's ssh and warpsshd share:
# ssh must negotiate exactly that combination (its -v log says so) and carry 1 MiB up and back
# intact through `cat`.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
port=$(ws_free_port)
ws_srv_start "$port"
u=$WS_TEST_USER@127.0.0.1
ws_gen_data "$WS_DIR/data" 1M
want=$(ws_sha "$WS_DIR/data")

kexes="curve25519-sha256 curve25519-sha256@libssh.org"
aead="chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com"
ctr="aes128-ctr aes192-ctr aes256-ctr"
macs="hmac-sha2-256 hmac-sha2-512 hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com"

one() { # kex cipher mac|- mac-as-logged
	local kex=$1 cipher=$2 mac=$3 logged=$4 log="$WS_DIR/ssh.log" macopt=()
	[ "$mac" != "-" ] && macopt=(-m "$mac")
	local got
	got=$(ws_ssh "$port" -v -o KexAlgorithms="$kex" -c "$cipher" "${macopt[@]}" "$u" cat \
		<"$WS_DIR/data" 2>"$log" | ws_sha_stdin)
	local what="kex=$kex cipher=$cipher mac=$mac"
	tr -d '\r' <"$log" >"$log.txt" && log="$log.txt"
	grep -q "kex: algorithm: $kex\$" "$log" || ws_fail "$what: kex not negotiated"
	grep -q "kex: client->server cipher: $cipher MAC: $logged compression: none" "$log" ||
		ws_fail "$what: client->server not negotiated"
	grep -q "kex: server->client cipher: $cipher MAC: $logged compression: none" "$log" ||
		ws_fail "$what: server->client not negotiated"
	ws_expect "$what" "$got" "$want"
}

for kex in $kexes; do
	for c in $aead; do one "$kex" "$c" - "<implicit>"; done
	for c in $ctr; do for m in $macs; do one "$kex" "$c" "$m" "$m"; done; done
done
echo "$WS_PASS passed"
