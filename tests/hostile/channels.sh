#!/usr/bin/env bash
# channels.sh HOSTILE [N] — after publickey auth, N (default 10000) CHANNEL_OPEN "session" written
# without reading one reply: while they sit there the server must serve a normal login within
# HS_SERVE_MS and stay below baseline + HS_CHANNELS_PEAK_KB (32 MiB); once the client goes, memory
# returns to baseline. With N = 1000000 ("openflood") the replies alone would outgrow the limit, so
# the server has to stop reading a client that does not read its answers (sshd does).
set -u
HOSTILE=$1
COUNT=${2:-10000}
source "$(dirname "$0")/lib.sh"
PEAK_KB=${HS_CHANNELS_PEAK_KB:-32768}
hs_setup
hs_start_server
hs_baseline
out=$HS_DIR/tool.out
hs_tool_start "$out" channels -n "$COUNT" -t 20 -T 60 -i "$HS_DIR/id"
hs_wait_line "$out" "phase=(holding|done)" 30
[ "$(hs_field "$out" holding sent)" -gt 0 ] 2>/dev/null || { cat "$out" "$out.err"; ws_fail "no channel open was sent"; }
hs_check_serving "during channels"
hs_check_peak "during channels" "$PEAK_KB"
hs_tool_release
hs_tool_finish 30
cat "$out"
echo "server answered $(hs_field "$out" done confirmed) confirmations, $(hs_field "$out" done refused) refusals"
hs_check_serving "after channels"
hs_check_memory "after channels"
ws_poll_until "$HS_SETTLE_S" hs_no_descendants || ws_fail "server processes left after the channel flood"
echo "PASS channels ($SERVER_KIND)"
