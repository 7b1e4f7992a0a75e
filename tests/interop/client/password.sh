#!/bin/bash
# password.sh WARPSSH — password authentication against a private sshd (PasswordAuthentication
# yes, UsePAM no) for the test user wstest with a fresh random password: without a terminal the
# password comes from SSH_ASKPASS (SSH_ASKPASS_REQUIRE=force); a wrong one is retried 3 times
# ("Permission denied, please try again.") and ends in 255; BatchMode never asks.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
command -v chpasswd >/dev/null && command -v setsid >/dev/null || { echo "no chpasswd/setsid: skipped"; exit 77; }
wc_ensure_user
u=$WC_TEST_USER
d=$WC_DIR
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$u:$pw" | chpasswd || ws_fail "chpasswd"
lock_again() { usermod -p '!' "$u" 2>/dev/null; ws_cleanup; }
trap lock_again EXIT
port=$(ws_free_port)
wc_start_sshd "$port" "PasswordAuthentication yes"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
printf '#!/bin/sh\necho "$1" >>%s/prompts\ncat %s/pw\n' "$d" "$d" >"$d/askpass"
chmod 755 "$d/askpass"
pw_login() { # password [options]
	echo "$1" >"$d/pw"
	shift
	: >"$d/prompts"
	SSH_ASKPASS="$d/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none timeout 60 setsid -w "$WC_BIN" -F /dev/null \
		-o UserKnownHostsFile="$d/known_hosts" -o IdentitiesOnly=yes -i "$d/none" -p "$port" "$@" \
		"$u@127.0.0.1" 'echo pw-ok' </dev/null
}
got=$(pw_login "$pw" 2>"$d/e1")
wc_expect_eq "right password" "$got" "pw-ok"
wc_expect_grep "askpass prompt" "^$u@127.0.0.1's password: $" "$d/prompts"
wc_expect_grep "sshd accepted the password" "Accepted password for $u" "$WC_SSHD_LOG"
got=$(pw_login "wrong-$pw" 2>"$d/e2")
wc_expect_eq "wrong password exit" $? 255
wc_expect_eq "three prompts" "$(wc -l <"$d/prompts")" 3
wc_expect_grep "retry message" "Permission denied, please try again." "$d/e2"
wc_expect_grep "final message" "^$u@127.0.0.1: Permission denied (publickey,password).$" "$d/e2"
pw_login "$pw" -o BatchMode=yes >/dev/null 2>"$d/e3"
wc_expect_eq "BatchMode never asks" $? 255
wc_expect_eq "BatchMode: no prompt" "$(wc -l <"$d/prompts")" 0
wc_done
