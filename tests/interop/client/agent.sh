#!/bin/bash
# agent.sh WARPSSH — an encrypted ed25519 key used through ssh-agent: the test starts ssh-agent,
# ssh-add reads the passphrase from an SSH_ASKPASS script (SSH_ASKPASS_REQUIRE=force, DISPLAY set),
# warpssh -i enc_key signs through the agent (with and without the .pub file beside it); agent
# keys are offered unless IdentitiesOnly; with no agent the encrypted key is named and refused.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
d=$WC_DIR
ssh-keygen -q -t ed25519 -N 'agent test passphrase' -C enc-key -f "$d/enc_key" </dev/null >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$d/other" </dev/null >/dev/null
cp "$d/enc_key.pub" "$WC_SSHD_DIR/authorized_keys" # only the encrypted key may log in
enc_fp=$(ssh-keygen -l -f "$d/enc_key.pub" | cut -d' ' -f2)

ssh-agent -D -a "$d/agent.sock" </dev/null >/dev/null &
ws_track_pid $!
ws_poll_until 10 test -S "$d/agent.sock" || ws_fail "ssh-agent socket missing"
printf '#!/bin/sh\necho "agent test passphrase"\n' >"$d/askpass"
chmod 700 "$d/askpass"
SSH_AUTH_SOCK="$d/agent.sock" SSH_ASKPASS="$d/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
	timeout 20 ssh-add "$d/enc_key" </dev/null 2>"$d/add.err" || { cat "$d/add.err"; ws_fail "ssh-add"; }
wc_expect_grep "key in the agent" "$enc_fp" <(SSH_AUTH_SOCK="$d/agent.sock" ssh-add -l)

w() { timeout 60 "$WC_BIN" -F /dev/null -o BatchMode=yes -o UserKnownHostsFile="$d/known_hosts" -p "$port" "$@" </dev/null; }
export SSH_AUTH_SOCK="$d/agent.sock"
got=$(w -o IdentitiesOnly=yes -i "$d/enc_key" root@127.0.0.1 'echo via-agent' 2>"$d/e1")
wc_expect_eq "encrypted key signs through the agent" "$got" "via-agent"
wc_expect_grep "sshd accepted the agent's key" "Accepted publickey for root .* ED25519 $enc_fp" "$WC_SSHD_LOG"
mv "$d/enc_key.pub" "$d/enc_key.pub.away"
got=$(w -o IdentitiesOnly=yes -i "$d/enc_key" root@127.0.0.1 'echo no-pub' 2>"$d/e2")
wc_expect_eq "public half read from the key file header" "$got" "no-pub"

# agent keys are offered after the configured ones, unless IdentitiesOnly
got=$(w -i "$d/other" root@127.0.0.1 'echo agent-extra' 2>"$d/e3")
wc_expect_eq "agent key offered" "$got" "agent-extra"
w -o IdentitiesOnly=yes -i "$d/other" root@127.0.0.1 true 2>"$d/e4"
wc_expect_eq "IdentitiesOnly keeps the agent key out" $? 255
wc_expect_grep "IdentitiesOnly denial" "Permission denied (publickey)." "$d/e4"

# no agent: the encrypted key is named, and the login fails cleanly
unset SSH_AUTH_SOCK
w -i "$d/enc_key" root@127.0.0.1 true 2>"$d/e5"
wc_expect_eq "encrypted key without agent" $? 255
wc_expect_grep "encrypted key named" "Load key \"$d/enc_key\": the key is encrypted and no ssh-agent" "$d/e5"
wc_done
