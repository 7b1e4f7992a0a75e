#!/bin/bash
# openssh_client.sh MINI_SERVER — OpenSSH's ssh against our engine (mini_server): for every kex x
# cipher x MAC both implement, ssh must negotiate exactly those, reach the userauth phase
# (SERVICE_ACCEPT) and end with "Permission denied"; ssh-keyscan must return our host key with the
# fingerprint the engine computes; and for every cipher x MAC, ssh must follow a server-initiated
# key re-exchange after user auth (mini_server "rekey" mode).
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
server=$1
dir=$(ws_tmpdir)
ws_keygen "$dir/hostkey"
"$server" "$dir/hostkey" "$dir/port" >"$dir/server.out" 2>"$dir/server.err" &
ws_track_pid $!
ws_wait_file "$dir/port"
port=$(cat "$dir/port")
ws_wait_port "$port"

kexes="curve25519-sha256 curve25519-sha256@libssh.org"
aead="chacha20-poly1305@openssh.com aes128-gcm@openssh.com aes256-gcm@openssh.com"
ctr="aes128-ctr aes192-ctr aes256-ctr"
macs="hmac-sha2-256 hmac-sha2-512 hmac-sha2-256-etm@openssh.com hmac-sha2-512-etm@openssh.com"
pass=0 fail=0

one() { # kex cipher mac(or -) expected_mac_text
	local kex=$1 cipher=$2 mac=$3 want_mac=$4 log="$dir/ssh.log"
	local macopt=()
	[ "$mac" != "-" ] && macopt=(-m "$mac")
	timeout 20 ssh -vvv -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -o KexAlgorithms="$kex" \
		-c "$cipher" "${macopt[@]}" -p "$port" nobody@127.0.0.1 true 2>&1 | tr -d '\r' >"$log"
	local ok=1
	grep -q "kex: algorithm: $kex\$" "$log" || ok=0
	grep -q "kex: server->client cipher: $cipher MAC: $want_mac compression: none" "$log" || ok=0
	grep -q "kex: client->server cipher: $cipher MAC: $want_mac compression: none" "$log" || ok=0
	grep -q "SSH2_MSG_SERVICE_ACCEPT received" "$log" || ok=0
	grep -q "Authentications that can continue: publickey" "$log" || ok=0
	grep -q "Permission denied (publickey)" "$log" || ok=0
	if [ $ok = 1 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: kex=$kex cipher=$cipher mac=$mac" >&2
		tail -n 30 "$log" >&2; tail -n 5 "$dir/server.err" >&2
	fi
}

for kex in $kexes; do
	for c in $aead; do one "$kex" "$c" - "<implicit>"; done
	for c in $ctr; do for m in $macs; do one "$kex" "$c" "$m" "$m"; done; done
done
# server-initiated re-exchange after auth, then the channel open is refused
"$server" "$dir/hostkey" "$dir/port2" 1000 rekey >"$dir/server2.out" 2>"$dir/server2.err" &
ws_track_pid $!
ws_wait_file "$dir/port2"
port2=$(cat "$dir/port2")
ws_wait_port "$port2"
rekey_one() { # cipher mac(or -)
	local cipher=$1 mac=$2 log="$dir/ssh2.log" macopt=()
	[ "$mac" != "-" ] && macopt=(-m "$mac")
	timeout 20 ssh -vvv -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 -c "$cipher" "${macopt[@]}" \
		-p "$port2" nobody@127.0.0.1 true 2>&1 | tr -d '\r' >"$log"
	if [ "$(grep -c "SSH2_MSG_NEWKEYS received" "$log")" = 2 ] &&
		grep -q "Authenticated to 127.0.0.1 .* using \"none\"" "$log" &&
		grep -q "open failed: administratively prohibited: no channels here" "$log"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: rekey cipher=$cipher mac=$mac" >&2
		tail -n 30 "$log" >&2
	fi
}
for c in $aead; do rekey_one "$c" -; done
for c in $ctr; do for m in $macs; do rekey_one "$c" "$m"; done; done
grep -q "kex-count=2" "$dir/server2.out" || { echo "FAIL: no kex-count=2" >&2; fail=$((fail + 1)); }

# strict kex was negotiated (OpenSSH 9.2 in Debian 12 has kex-strict)
grep -q "strict=1" "$dir/server.out" || { echo "FAIL: strict kex not negotiated" >&2; fail=$((fail + 1)); }

# ssh-keyscan returns our host key; its fingerprint equals the engine's
timeout 20 ssh-keyscan -t ed25519 -p "$port" 127.0.0.1 >"$dir/keyscan" 2>"$dir/keyscan.err"
scanned=$(awk '{print $2 " " $3}' "$dir/keyscan")
expected=$(awk '{print $1 " " $2}' "$dir/hostkey.pub")
fp_scan=$(ssh-keygen -lf "$dir/keyscan" | awk '{print $2}')
fp_ours=$(sed -n 's/^fingerprint=//p' "$dir/server.out")
if [ -n "$scanned" ] && [ "$scanned" = "$expected" ] && [ "$fp_scan" = "$fp_ours" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: keyscan [$scanned] vs [$expected], fingerprints [$fp_scan] vs [$fp_ours]" >&2
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
