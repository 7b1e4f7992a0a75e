#!/bin/bash
# algs.sh WARPSSH — every kex x cipher x MAC that warpssh and OpenSSH's sshd share, chosen with
# -c / -m / -o KexAlgorithms: each connection negotiates exactly that (warpssh -v names it) and
# carries 1 MiB both ways intact (sha256).
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port" \
	"KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org" \
	"Ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr" \
	"MACs hmac-sha2-256,hmac-sha2-512,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR
head -c $((1 << 20)) /dev/urandom >"$d/data"
want=$(wc_sha "$d/data")

one() { # kex cipher mac want_mac
	local kex=$1 cipher=$2 mac=$3 want_mac=$4 margs=()
	[ "$mac" = - ] || margs=(-m "$mac")
	local got
	got=$(wc_run -v -o KexAlgorithms="$kex" -c "$cipher" "${margs[@]}" srv "sha256sum | cut -c1-64; cat $d/data" \
		<"$d/data" 2>"$d/err" | { read -r line; echo "$line"; wc_sha -; } | tr '\n' ' ')
	wc_expect_eq "$kex/$cipher/$mac data" "$got" "$want $want "
	wc_expect_grep "$kex/$cipher/$mac negotiated" \
		"kex: $kex, host key ssh-ed25519, cipher $cipher / $cipher, MAC $want_mac / $want_mac, strict kex" "$d/err"
}

for kex in curve25519-sha256 curve25519-sha256@libssh.org; do
	for c in chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com; do
		one "$kex" "$c" - "<implicit>"
	done
	for c in aes128-ctr aes192-ctr aes256-ctr; do
		for m in hmac-sha2-256 hmac-sha2-512 hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com; do
			one "$kex" "$c" "$m" "$m"
		done
	done
done
kill -0 "$WC_SSHD_PID" || ws_fail "sshd died"
wc_done
