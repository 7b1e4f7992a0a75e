#!/bin/bash
# bulk.sh WARPSSH — 1 GiB up and 1 GiB down through warpssh to a private OpenSSH sshd that
# re-keys every 64 MiB (RekeyLimit 64M): the bytes arrive intact (sha256 on both ends) and the
# key exchanges under load really happened (warpssh -v reports how many).
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port" "RekeyLimit 64M"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR

head -c $((64 << 20)) /dev/urandom >"$d/chunk"
stream() { for _ in $(seq 1 16); do cat "$d/chunk"; done; }
want=$(stream | wc_sha -)

# up: 1 GiB from our stdin to the remote sha256sum (chacha20-poly1305: its pacing once hit a
# stall when a read round budget ran out with input left over)
got=$(stream | wc_run -v -c chacha20-poly1305@openssh.com srv 'sha256sum | cut -c1-64' 2>"$d/up.err")
wc_expect_eq "1 GiB up exit" $? 0
wc_expect_eq "1 GiB up sha256" "$got" "$want"
kex=$(sed -n 's/.*Transferred: .*bytes, \([0-9]*\) key exchanges.*/\1/p' "$d/up.err")
[ "${kex:-0}" -ge 8 ] || { cat "$d/up.err" >&2; ws_fail "up: only ${kex:-0} key exchanges for 1 GiB at RekeyLimit 64M"; }
WC_PASS=$((WC_PASS + 1))

# down: 1 GiB from the remote to our stdout
got=$(set -o pipefail; wc_run -v srv "for i in \$(seq 1 16); do cat $d/chunk; done" </dev/null 2>"$d/down.err" |
	wc_sha -)
wc_expect_eq "1 GiB down exit" $? 0
wc_expect_eq "1 GiB down sha256" "$got" "$want"
kex=$(sed -n 's/.*Transferred: .*bytes, \([0-9]*\) key exchanges.*/\1/p' "$d/down.err")
[ "${kex:-0}" -ge 8 ] || { cat "$d/down.err" >&2; ws_fail "down: only ${kex:-0} key exchanges"; }
WC_PASS=$((WC_PASS + 1))

kill -0 "$WC_SSHD_PID" || ws_fail "sshd died"
wc_done
