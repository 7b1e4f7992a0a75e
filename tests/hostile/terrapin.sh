#!/usr/bin/env bash
# terrapin.sh HOSTILE — a plaintext SSH_MSG_IGNORE injected after our KEXINIT, over the wire:
# under strict kex (kex-strict-*-v00@openssh.com, CVE-2023-48795) the server MUST end the
# connection before the key exchange completes. Control run without strict kex (chacha20-poly1305):
# the IGNORE is legal there, so kex completes, but it shifted the server's sequence numbers and the
# server MUST then reject our first encrypted packet (proves the injection reached its counter).
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
hs_setup
hs_start_server
hs_baseline
out=$HS_DIR/strict.out
hs_tool_run "$out" terrapin
[ "$(hs_field "$out" done kex_done)" = 0 ] || ws_fail "strict kex: the server completed kex after an injected IGNORE"
[ "$(hs_field "$out" done server_ended)" = 1 ] || ws_fail "strict kex: the server kept the connection"
out=$HS_DIR/control.out
hs_tool_run "$out" terrapin -S
[ "$(hs_field "$out" done kex_done)" = 1 ] || ws_fail "control: kex did not complete without strict kex"
[ "$(hs_field "$out" done service_accepted)" = 0 ] || ws_fail "control: a shifted sequence number was accepted"
[ "$(hs_field "$out" done server_ended)" = 1 ] || ws_fail "control: the server kept the connection"
hs_check_serving "after terrapin"
hs_check_memory "after terrapin"
echo "PASS terrapin ($SERVER_KIND)"
