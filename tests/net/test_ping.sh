#!/usr/bin/env bash
# test_ping.sh — the kernel pings our stack over veth/af_packet: ARP resolution and ICMP echo replies.
set -u
. "$(dirname "$0")/lib.sh"
ws_init ping "$1"
ws_pair
ws_start stack "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --ip "$IP_D/24" --port 7 --timeout 60 --idle-sleep
ws_wait_line "$ws_tmp/stack.log" READY 30 || ws_fail "stack did not start"
PING="$(dirname "$0")/icmp_ping.py"
ip netns exec "$NS_K" python3 "$PING" "$IP_D" 5 56 5 >"$ws_tmp/ping.log" 2>&1 || ws_fail "ping failed"
# Full-MTU echo (1472 payload bytes) must come back intact too.
ip netns exec "$NS_K" python3 "$PING" "$IP_D" 2 1472 5 >>"$ws_tmp/ping.log" 2>&1 || ws_fail "large ping failed"
kill "$PID_stack"
ws_expect_exit "$PID_stack" 10 "stack"
echo="$(ws_json "$ws_tmp/stack.log" icmp_echo)"
[ "${echo:-0}" -ge 7 ] || ws_fail "icmp_echo counter ${echo:-none} < 7"
echo "PASS: ping (icmp_echo=$echo)"
