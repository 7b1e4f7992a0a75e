#!/bin/bash
# openssh_server.sh MINI_CLIENT — our engine (mini_client) against a private OpenSSH sshd: for
# every kex x cipher x MAC both implement, the client checks sshd's host key, negotiates exactly
# those, gets SERVICE_ACCEPT and a USERAUTH_FAILURE listing the methods for "none".
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
client=$1
dir=$(ws_tmpdir)
port=$(ws_free_port)
ws_start_sshd "$dir" "$port" \
	"KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org" \
	"Ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr" \
	"MACs hmac-sha2-256,hmac-sha2-512,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"

kexes="curve25519-sha256 curve25519-sha256@libssh.org"
aead="chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com"
ctr="aes128-ctr aes192-ctr aes256-ctr"
macs="hmac-sha2-256 hmac-sha2-512 hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com"
pass=0 fail=0

one() { # kex cipher mac want_mac
	local kex=$1 cipher=$2 mac=$3 want_mac=$4 out="$dir/client.out"
	timeout 20 "$client" "$port" "$dir/ssh_host_ed25519_key.pub" "$kex" "$cipher" "$mac" \
		>"$out" 2>"$dir/client.err"
	local rc=$? ok=1
	[ $rc = 0 ] || ok=0
	grep -q "^host-key matches" "$out" || ok=0
	grep -q "kex=$kex hostkey=ssh-ed25519 cipher_c2s=$cipher cipher_s2c=$cipher mac_c2s=$want_mac mac_s2c=$want_mac strict=1" "$out" || ok=0
	grep -q "^server-version=SSH-2.0-OpenSSH_9" "$out" || ok=0
	grep -q "^service-accepted ssh-userauth" "$out" || ok=0
	grep -q "^userauth-failure methods=publickey" "$out" || ok=0
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kex=$kex cipher=$cipher mac=$mac (rc $rc)" >&2
		cat "$out" "$dir/client.err" >&2
		tail -n 20 "$dir/sshd.log" >&2
	fi
}

for kex in $kexes; do
	for c in $aead; do one "$kex" "$c" - "<implicit>"; done
	for c in $ctr; do for m in $macs; do one "$kex" "$c" "$m" "$m"; done; done
done
kill -0 "$WS_SSHD_PID" 2>/dev/null || { echo "FAIL: sshd died" >&2; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
