#!/bin/bash
# knownhosts.sh WARPSSH — host key trust as ssh(1): StrictHostKeyChecking=yes refuses an unknown
# host; accept-new adds "[127.0.0.1]:port" (plain, or hashed |1| with HashKnownHosts) and then
# matches; entries written by ssh-keyscan -H and by OpenSSH's ssh are honoured and ours are
# honoured by OpenSSH's ssh; after the server's host key changes the connection is refused in
# every mode with the warning, before authentication (the server logs no userauth request).
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_config srv "$port"
d=$WC_DIR
kh="$d/kh_test"
w() { wc_run -o UserKnownHostsFile="$kh" "$@" </dev/null; }
entry_key() { cut -d' ' -f1,2 "$WC_SSHD_DIR/host_key.pub"; }

# unknown host, strict checking: refused
: >"$kh"
w srv true 2>"$d/e1"
wc_expect_eq "unknown host refused" $? 255
wc_expect_grep "unknown host message" "No ED25519 host key is known for \[127.0.0.1\]:$port" "$d/e1"
wc_expect_grep "verification failed" "^Host key verification failed.$" "$d/e1"
wc_expect_eq "nothing added under yes" "$(wc -c <"$kh")" 0

# accept-new: added as [host]:port, then matched
w -o StrictHostKeyChecking=accept-new srv 'echo ok' >"$d/o2" 2>"$d/e2"
wc_expect_eq "accept-new connects" "$(cat "$d/o2")" "ok"
wc_expect_grep "accept-new announces" "Permanently added '\[127.0.0.1\]:$port' (ED25519)" "$d/e2"
wc_expect_eq "accept-new entry" "$(cat "$kh")" "[127.0.0.1]:$port $(entry_key)"
wc_expect_eq "known host matches" "$(w srv 'echo again')" "again"
# OpenSSH's ssh trusts what warpssh wrote
got=$(timeout 30 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$kh" \
	-i "$d/id_ed25519" -p "$port" root@127.0.0.1 echo ssh-ok </dev/null)
wc_expect_eq "ssh accepts our entry" "$got" "ssh-ok"

# hashed entries: ours (HashKnownHosts) and ssh-keyscan -H's
: >"$kh"
w -o StrictHostKeyChecking=accept-new -o HashKnownHosts=yes srv true 2>/dev/null
wc_expect_eq "hashed entry written" "$(cut -c1-3 "$kh")" "|1|"
wc_expect_eq "hashed entry matches" "$(w srv 'echo hashed')" "hashed"
timeout 30 ssh-keyscan -H -t ed25519 -p "$port" 127.0.0.1 2>/dev/null >"$kh"
wc_expect_eq "keyscan entry hashed" "$(cut -c1-3 "$kh")" "|1|"
wc_expect_eq "ssh-keyscan -H entry matches" "$(w srv 'echo keyscan')" "keyscan"
# an entry OpenSSH's ssh added (accept-new)
: >"$kh"
timeout 30 ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$kh" \
	-o HashKnownHosts=no -i "$d/id_ed25519" -p "$port" root@127.0.0.1 true </dev/null 2>/dev/null
wc_expect_eq "ssh's entry matches" "$(w srv 'echo from-ssh')" "from-ssh"

# the server's host key changes: refused in every mode, before any user authentication
kill "$WC_SSHD_PID"
ws_poll_until 10 eval '! ws_port_open $port' || ws_fail "old sshd still listening"
rm -f "$WC_SSHD_DIR/host_key" "$WC_SSHD_DIR/host_key.pub" "$WC_SSHD_LOG"
wc_start_sshd "$port"
for mode in yes accept-new no ask; do
	w -o StrictHostKeyChecking=$mode srv 'echo SHOULD-NOT-RUN' >"$d/o3" 2>"$d/e3"
	wc_expect_eq "changed key refused ($mode)" $? 255
	wc_expect_eq "changed key: nothing ran ($mode)" "$(cat "$d/o3")" ""
	wc_expect_grep "changed key warning ($mode)" "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!" "$d/e3"
	wc_expect_grep "offending line ($mode)" "Offending ED25519 key in $kh:1" "$d/e3"
done
[ "$(grep -c 'Connection from 127.0.0.1' "$WC_SSHD_LOG")" -ge 4 ] || ws_fail "the new sshd saw no attempts"
wc_expect_eq "no userauth after a changed key" "$(grep -c 'userauth-request' "$WC_SSHD_LOG")" 0
wc_expect_eq "known_hosts untouched" "$(wc -l <"$kh")" 1
wc_done
