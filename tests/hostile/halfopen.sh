#!/usr/bin/env bash
# halfopen.sh HOSTILE — 40 TCP connections that never send a version line (above sshd's
# MaxStartups start of 10): the server must close every one of them by LoginGraceTime (3 s here)
# plus 2 s, then serve a normal login within HS_SERVE_MS and return to its baseline memory.
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
GRACE_S=3
hs_setup
hs_start_server "LoginGraceTime $GRACE_S"
hs_baseline
out=$HS_DIR/tool.out
hs_tool_run "$out" halfopen -n 40 -t $((GRACE_S + 5))
connected=$(hs_field "$out" done connected)
closed=$(hs_field "$out" done server_closed)
last=$(hs_field "$out" done last_close_ms)
((connected > 0)) || ws_fail "no connection was made"
((closed == connected)) || ws_fail "server left $((connected - closed)) silent connections open"
((last <= (GRACE_S + 2) * 1000)) || ws_fail "last silent connection closed after $last ms"
hs_check_serving "after halfopen"
hs_check_memory "after halfopen"
echo "PASS halfopen ($SERVER_KIND)"
