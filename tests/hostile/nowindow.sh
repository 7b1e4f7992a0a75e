#!/usr/bin/env bash
# nowindow.sh HOSTILE — a session runs `cat /dev/zero` for a client that never adjusts the window:
#  1. window 64 KiB, read until it is used: the server must send no byte past the window;
#  2. window 2^31-1 and the socket never read after the first MiB: for 2 s the server must stay
#     below baseline + HS_NOWINDOW_PEAK_KB (it must stop reading the command, not buffer its output)
#     and serve a normal login within HS_SERVE_MS; after the client leaves, memory returns to
#     baseline and the command is gone (no descendant processes left).
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
PEAK_KB=${HS_NOWINDOW_PEAK_KB:-65536}
hs_setup
hs_start_server
hs_baseline
out=$HS_DIR/small.out
hs_tool_run "$out" nowindow -w 65536 -t 1 -i "$HS_DIR/id"
[ "$(hs_field "$out" done exec_ok)" = 1 ] || ws_fail "exec was refused"
[ "$(hs_field "$out" done violation)" = 0 ] || ws_fail "the server sent past the channel window"
(($(hs_field "$out" done received) > 0)) || ws_fail "no output arrived"

out=$HS_DIR/huge.out
hs_tool_start "$out" nowindow -w 2147483647 -t 20 -T 60 -i "$HS_DIR/id"
hs_wait_line "$out" "phase=(holding|done)" 20
peak=0
end=$((SECONDS + 2))
while ((SECONDS < end)); do
	now=$(hs_rss_kb)
	((now > peak)) && peak=$now
	sleep 0.1 # sampling interval of the measurement, not a synchronization
done
echo "peak while unread: ${peak} kB"
((HS_SKIP_MEM == 1 || peak <= HS_BASE_KB + PEAK_KB)) ||
	ws_fail "server memory grew by $((peak - HS_BASE_KB)) kB for an unread session"
hs_check_serving "during nowindow"
hs_tool_release
hs_tool_finish 30
cat "$out"
[ "$(hs_field "$out" done exec_ok)" = 1 ] || ws_fail "exec was refused"
hs_check_serving "after nowindow"
hs_check_memory "after nowindow"
ws_poll_until "$HS_SETTLE_S" hs_no_descendants || ws_fail "the command outlived its connection"
echo "PASS nowindow ($SERVER_KIND)"
