#!/bin/bash
# config.sh WARPSSH — ssh_config as ssh reads it: the default ~/.ssh/config and ~/.ssh/id_ed25519,
# Host blocks with patterns (first obtained value wins, so earlier blocks beat "Host *"), HostName /
# Port / User / IdentityFile, command-line -p / -l / -o before the file, Compression=yes warned
# and ignored, bad keywords refused with 255.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
d=$WC_DIR
cp "$d/id_ed25519" "$HOME/.ssh/id_ed25519"
cat >"$HOME/.ssh/config" <<CFG
# the default file, found through HOME
Host decoy
  Port 1
Host box-* !box-bad
  HostName 127.0.0.1
  Port $port
Host *
  User root
  Port 2
  UserKnownHostsFile $d/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
CFG
w() { timeout 60 "$WC_BIN" "$@" </dev/null; }
wc_expect_eq "alias via ~/.ssh/config and the default key" "$(w box-1 'echo $USER')" "root"
w box-bad true 2>"$d/e1"
wc_expect_eq "negated pattern: no HostName, Port 2" $? 255
wc_expect_grep "negated pattern error" "Could not resolve hostname box-bad\|connect to host box-bad" "$d/e1"
w -p 1 box-1 true 2>"$d/e2"
wc_expect_eq "-p beats the file" $? 255
wc_expect_grep "-p used" "port 1:" "$d/e2"
w -o Port=1 box-1 true 2>/dev/null
wc_expect_eq "-o Port beats the file" $? 255
w -l nobody-here box-1 true 2>"$d/e3"
wc_expect_eq "-l beats the file" $? 255
wc_expect_grep "-l user in message" "nobody-here@127.0.0.1: Permission denied" "$d/e3"
got=$(w -o Compression=yes box-1 'echo compressed?' 2>"$d/e4")
wc_expect_eq "Compression=yes continues" "$got" "compressed?"
wc_expect_grep "Compression warning" "does not offer compression" "$d/e4"
w -o NoSuchOption=1 box-1 true 2>"$d/e5"
wc_expect_eq "unknown option refused" $? 255
wc_expect_grep "unknown option named" "NoSuchOption" "$d/e5"
w -F "$d/missing.conf" box-1 true 2>"$d/e6"
wc_expect_eq "missing -F file" $? 255
w -o Ciphers=aes256-gcm@openssh.com -v box-1 true 2>"$d/e7"
wc_expect_grep "-o Ciphers used" "cipher aes256-gcm@openssh.com" "$d/e7"
head -c 8000000 /dev/zero | timeout 60 "$WC_BIN" -o RekeyLimit=1M -v box-1 'cat >/dev/null' 2>"$d/e8"
kex=$(sed -n 's/.*bytes, \([0-9]*\) key exchanges.*/\1/p' "$d/e8")
[ "${kex:-0}" -ge 4 ] || ws_fail "RekeyLimit=1M: ${kex:-0} key exchanges for 8 MB"
WC_PASS=$((WC_PASS + 1))
wc_done
