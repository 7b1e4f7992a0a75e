#!/usr/bin/env bash
# test_conns.sh — connection handling against Linux: 1000 concurrent connections opened, bounced
# and closed; RST for a closed port; a bounded SYN flood that must not exhaust the stack (half-open
# cap and counters) while a real connection still gets served.
set -u
. "$(dirname "$0")/lib.sh"
ws_init conns "$1"
ws_pair
HERE="$(dirname "$0")"

# 1000 connections from our stack to an asyncio echo server.
ws_start pysrv "$NS_K" python3 "$HERE/echo_server.py" "$IP_K" 7500 100
ws_wait_line "$ws_tmp/pysrv.log" LISTENING 20 || ws_fail "echo server did not start"
ws_start many "$NS_D" "$WS_TOOL" $(ws_eal m 0 "$(ws_af_packet "$IF_D")") -- \
	--peer "$IP_K" --port 7500 --app bounce --bytes 2000 --seed 5 --conns 1000 --rcvbuf 65536 --sndbuf 65536 \
	--ip "$IP_D/24" --timeout 90 --idle-sleep
ws_expect_exit "$PID_many" 120 "1000-connection client"
grep -q "SUMMARY done=1000 failed=0 timed_out=0" "$ws_tmp/many.log" || ws_fail "not all 1000 connections bounced"
[ "$(ws_json "$ws_tmp/many.log" conns_opened)" = 1000 ] || ws_fail "conns_opened != 1000"
kill "$PID_pysrv"

# Server side: RST for a closed port, then a SYN flood, then a real client still served.
ws_start srv "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app echo --ip "$IP_D/24" --port 7600 --syn-backlog 64 --max-conns 512 --timeout 90 --idle-sleep
ws_wait_line "$ws_tmp/srv.log" READY 30 || ws_fail "stack did not start"
if timeout 20 ip netns exec "$NS_K" socat -u /dev/null "TCP:$IP_D:7999,connect-timeout=10" 2>"$ws_tmp/refused.txt"; then
	ws_fail "connect to a closed port succeeded"
fi
grep -q "Connection refused" "$ws_tmp/refused.txt" || ws_fail "closed port: no RST ($(cat "$ws_tmp/refused.txt"))"
net="${IP_K%.*}"
ip netns exec "$NS_K" python3 "$HERE/syn_flood.py" "$IP_D" 7600 "$net" 20000 >"$ws_tmp/flood.txt" || ws_fail "flood"
got=$(echo "still alive" | timeout 30 ip netns exec "$NS_K" socat -t 10 - "TCP:$IP_D:7600,connect-timeout=20")
[ "$got" = "still alive" ] || ws_fail "echo after SYN flood failed ($got)"
kill "$PID_srv"
ws_wait_exit "$PID_srv" 20 || ws_fail "server did not exit"
drops=$(ws_json "$ws_tmp/srv.log" syn_backlog_drops)
rst=$(ws_json "$ws_tmp/srv.log" tcp_rst_sent)
[ "${drops:-0}" -gt 10000 ] || ws_fail "SYN backlog cap not enforced (drops=${drops:-none})"
[ "${rst:-0}" -ge 1 ] || ws_fail "no RST counted"
[ "$(ws_json "$ws_tmp/srv.log" conn_slots_exhausted)" = 0 ] || ws_fail "slots exhausted"
echo "PASS: 1000 connections, RST on closed port, SYN flood (backlog drops=$drops)"
