#!/usr/bin/env bash
# hugelen.sh HOSTILE — right after the version exchange a packet_length of 2^31: the server must
# refuse it (close within 2 s, without trying to buffer 2 GiB), then serve a normal login within
# HS_SERVE_MS and stay at its baseline memory.
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
hs_setup
hs_start_server
hs_baseline
out=$HS_DIR/tool.out
hs_tool_run "$out" hugelen -t 5
[ "$(hs_field "$out" done sent)" = 1 ] || ws_fail "the huge length was not sent"
[ "$(hs_field "$out" done server_closed)" = 1 ] || ws_fail "the server kept a 2^31-byte packet open"
ms=$(hs_field "$out" done close_ms)
((ms <= 2000)) || ws_fail "the server closed only after $ms ms"
hs_check_serving "after hugelen"
hs_check_memory "after hugelen"
echo "PASS hugelen ($SERVER_KIND)"
