#!/usr/bin/env bash
# drip.sh HOSTILE — a version line sent one byte per second (20 bytes): while it drips the server
# must serve a normal login within HS_SERVE_MS (no head-of-line blocking), and it must cut the
# dripping client at LoginGraceTime (5 s here) + 2 s; afterwards serve again at baseline memory.
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
GRACE_S=5
hs_setup
hs_start_server "LoginGraceTime $GRACE_S"
hs_baseline
out=$HS_DIR/tool.out
hs_tool_start "$out" drip -n 20 -I 1000 -T 40
hs_wait_line "$out" "phase=holding"
hs_check_serving "during drip"
hs_tool_finish 40
cat "$out"
[ "$(hs_field "$out" done server_closed)" = 1 ] || ws_fail "the server let a 1 byte/s client go on"
after=$(hs_field "$out" done closed_after_ms)
((after <= (GRACE_S + 2) * 1000)) || ws_fail "dripping client closed only after $after ms"
hs_check_serving "after drip"
hs_check_memory "after drip"
echo "PASS drip ($SERVER_KIND)"
