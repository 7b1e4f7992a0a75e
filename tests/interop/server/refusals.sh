#!/bin/bash
# refusals.sh WARPSSHD — what warpsshd refuses, with the message each side shows, while it keeps
# serving others: a key not in authorized_keys, an unknown user, a key whose from= does not match
# 127.0.0.1, a key with an unknown option, too many attempts (MaxAuthTries), a client speaking
# HTTP, SSH-1 or garbage after its version line, a client idle past LoginGraceTime, connections
# past MaxStartups; password authentication off by default and, when configured, checked against
# the shadow database; the Banner; and configuration errors reported by -t with line numbers.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
echo "Welcome to the warpsshd refusals test" >"$WS_DIR/banner"
port=$(ws_free_port)
ws_srv_start "$port" "MaxAuthTries 3" "LoginGraceTime 3" "MaxStartups 3:100:3" "Banner $WS_DIR/banner"
u=$WS_TEST_USER@127.0.0.1
serving() { ws_expect "still serving after: $1" "$(ws_ssh "$port" "$u" 'echo served')" "served"; }
denied() { # what key user
	local out
	out=$(WS_ID=$2 ws_ssh "$port" "$3@127.0.0.1" true 2>&1)
	ws_expect "$1: exit status" "$?" 255
	echo "$out" | grep -q "Permission denied (publickey)" || ws_fail "$1: ssh said: $out"
	ws_ok "$1: Permission denied (publickey)"
}

ws_keygen "$WS_DIR/stranger"
denied "wrong key" "$WS_DIR/stranger" "$WS_TEST_USER"
ws_log_wait "Failed publickey for $WS_TEST_USER from 127.0.0.1 port [0-9]+ ssh2: ED25519 SHA256:"
serving "wrong key"

denied "unknown user" "$WS_DIR/id" nosuchuser
ws_log_wait "Invalid user nosuchuser from 127.0.0.1 port [0-9]+"
ws_log_wait "Failed publickey for invalid user nosuchuser from 127.0.0.1"

ws_keygen "$WS_DIR/remote_only"
echo "from=\"10.0.0.0/8,!127.0.0.1\" $(cat "$WS_DIR/remote_only.pub")" >>"$WS_DIR/authorized_keys"
denied "from= not matching" "$WS_DIR/remote_only" "$WS_TEST_USER"
ws_log_wait "Authentication refused for $WS_TEST_USER from 127.0.0.1 .*line 2"

ws_keygen "$WS_DIR/oddopt"
echo "frobnicate=\"yes\" $(cat "$WS_DIR/oddopt.pub")" >>"$WS_DIR/authorized_keys"
denied "unknown key option" "$WS_DIR/oddopt" "$WS_TEST_USER"
ws_log_wait "Authentication refused for $WS_TEST_USER .*line 3"
serving "refused keys"
grep -q "Welcome to the warpsshd refusals test" <<<"$(WS_LOGLEVEL=INFO ws_ssh "$port" "$u" true 2>&1 >/dev/null)" ||
	ws_fail "banner not shown"
ws_ok "Banner shown before authentication"

# MaxAuthTries 3: the fourth key is never tried; the server disconnects
for k in k1 k2 k3 k4; do ws_keygen "$WS_DIR/$k"; done
out=$(timeout 60 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$WS_DIR/known_hosts" -o IdentitiesOnly=yes -o IdentityAgent=none \
	-i "$WS_DIR/k1" -i "$WS_DIR/k2" -i "$WS_DIR/k3" -i "$WS_DIR/k4" -p "$port" "$u" true 2>&1)
echo "$out" | grep -qi "too many authentication failures" || ws_fail "MaxAuthTries: ssh said: $out"
ws_ok "MaxAuthTries: ssh told too many authentication failures"
ws_log_wait "Disconnecting authenticating user $WS_TEST_USER 127.0.0.1 port [0-9]+: Too many authentication failures"
serving "too many attempts"

# clients speaking something else: each connection ends with a clear log line
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - TCP:127.0.0.1:"$port" >"$WS_DIR/http.out" 2>&1
grep -q "^SSH-2.0-" "$WS_DIR/http.out" || ws_fail "no version line sent to the HTTP client"
ws_log_wait "client sent no version line"
printf 'SSH-1.5-old\r\n' | timeout 10 socat -t 5 - TCP:127.0.0.1:"$port" >/dev/null 2>&1
ws_log_wait "only SSH-2 is supported"
{ printf 'SSH-2.0-garbage\r\n'; head -c 4096 /dev/urandom; } | timeout 10 socat -t 5 - TCP:127.0.0.1:"$port" >/dev/null 2>&1
ws_log_wait "Connection from 127.0.0.1 port [0-9]+ ended: .*(packet|length|padding|KEXINIT|unexpected).*\[preauth\]"
serving "garbage"

# password authentication: off unless configured. A user of its own (wssrvpw), so no other suite
# that sets wstest's password can race with this one; locked again at exit.
pw_user=wssrvpw
id "$pw_user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$pw_user" 2>/dev/null || id "$pw_user" >/dev/null 2>&1 ||
	ws_fail "cannot create $pw_user"
relock() { usermod -p '!' "$pw_user" 2>/dev/null; ws_cleanup; }
trap relock EXIT
WS_PW=$(openssl rand -hex 12)
echo "$pw_user:$WS_PW" | chpasswd || ws_fail "chpasswd"
askpass="$WS_DIR/askpass"
printf '#!/bin/sh\ncat %s\n' "$WS_DIR/pw" >"$askpass" && chmod 755 "$askpass"
pw_login() { # port password
	echo "$2" >"$WS_DIR/pw"
	SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 30 setsid -w ssh -F /dev/null \
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WS_DIR/known_hosts" \
		-o PubkeyAuthentication=no -o PreferredAuthentications=password \
		-o NumberOfPasswordPrompts=1 -p "$1" "$pw_user@127.0.0.1" 'echo pw-ok' 2>&1 </dev/null
}
echo "$(pw_login "$port" "$WS_PW")" | grep -q "Permission denied (publickey)" || ws_fail "password offered by default"
ws_ok "password authentication off by default"

# LoginGraceTime 3: a client that only connects is disconnected
timeout 20 socat -t 15 TCP:127.0.0.1:"$port" EXEC:'sleep 10' >/dev/null 2>&1 &
ws_track_pid $!
ws_log_wait "Timeout before authentication for 127.0.0.1 port [0-9]+" 10

# MaxStartups 3:100:3: with three unauthenticated connections open, a fourth is dropped
connections_seen() { [ "$(grep -c 'Connection from 127.0.0.1 port .* on' "$WS_SRV_LOG")" -ge "$1" ]; }
before=$(grep -c 'Connection from 127.0.0.1 port .* on' "$WS_SRV_LOG")
for i in 1 2 3; do
	timeout 20 socat -t 10 TCP:127.0.0.1:"$port" EXEC:'sleep 5' >/dev/null 2>&1 &
	ws_track_pid $!
done
ws_poll_until 5 connections_seen $((before + 3)) || ws_fail "three idle connections not seen"
out=$(ws_ssh "$port" "$u" true 2>&1)
ws_expect "MaxStartups: dropped" "$?" 255
ws_log_wait "drop connection #3 from \[127.0.0.1\]:[0-9]+ past MaxStartups"

ws_srv_stop
port=$(ws_free_port)
ws_srv_start "$port" "PasswordAuthentication yes"
ws_expect "password: right one" "$(pw_login "$port" "$WS_PW" | grep pw-ok)" "pw-ok"
ws_log_wait "Accepted password for $pw_user from 127.0.0.1 port [0-9]+ ssh2"
pw_login "$port" "wrong-$WS_PW" | grep -q "Permission denied" || ws_fail "wrong password accepted"
ws_ok "password: wrong one refused"
ws_log_wait "Failed password for $pw_user from 127.0.0.1 port [0-9]+ ssh2"

grep -q "Welcome to the warpsshd refusals test" <<<"$(WS_LOGLEVEL=INFO ws_ssh "$port" "$u" true 2>&1 >/dev/null)" &&
	ws_fail "banner sent without Banner configured"
ws_ok "no banner unless configured"

# configuration errors: -t says which line, exit status 1
printf 'Port 22\n\nNoSuchKeyword yes\n' >"$WS_DIR/bad1"
msg=$("$WS_BIN" -t -f "$WS_DIR/bad1" 2>&1)
ws_expect "-t unknown keyword: status" "$?" 1
echo "$msg" | grep -q "bad1:3:" || ws_fail "-t unknown keyword: $msg"
ws_ok "-t names the line of an unknown keyword: $msg"
printf 'UsePAM yes\n' >"$WS_DIR/bad2"
"$WS_BIN" -t -f "$WS_DIR/bad2" >/dev/null 2>&1
ws_expect "-t unsupported keyword: status" "$?" 1
"$WS_BIN" -t -f "$WS_DIR/bad1" -o "MaxAuthTries=zero" >/dev/null 2>&1
ws_expect "-t bad -o value: status" "$?" 1
"$WS_BIN" -t -f "$WS_DIR/nonexistent" >/dev/null 2>&1
ws_expect "-t missing -f file: status" "$?" 1
printf 'HostKey %s/missing_key\n' "$WS_DIR" >"$WS_DIR/nokey"
"$WS_BIN" -t -f "$WS_DIR/nokey" >/dev/null 2>&1
ws_expect "-t missing host key: status" "$?" 1
ws_expect "-t good config: status" "$("$WS_BIN" -t -f "$WS_DIR/warpsshd_config.$port"; echo $?)" 0
echo "$WS_PASS passed"
