#!/usr/bin/env bash
# test_tap.sh — our stack on net_tap (the kernel endpoint is the TAP interface in the same
# namespace), where the PMD offers TX checksum offload and TSO: 64 MiB each way, SHA-256.
set -u
. "$(dirname "$0")/lib.sh"
ws_init tap "$1"
NS="wst${WS_ID}"
TAP="wt${WS_ID}"
ws_netns_add "$NS"
net=$((WS_ID % 200 + 20))
IP_K="10.${net}.1.1"
IP_D="10.${net}.1.2"
N=$((64 << 20))
want=$(ws_pattern_sha "$N" 51)
ws_start stack "$NS" "$WS_TOOL" $(ws_eal t 0 "--vdev=net_tap0,iface=$TAP") -- \
	--serve --app source --bytes "$N" --seed 51 --ip "$IP_D/24" --port 7700 --timeout 100
ws_wait_line "$ws_tmp/stack.log" READY 30 || ws_fail "stack did not start"
for i in $(seq 1 100); do
	ip -n "$NS" link show "$TAP" >/dev/null 2>&1 && break
	sleep 0.05
done
ip -n "$NS" addr add "$IP_K/24" dev "$TAP"
ip -n "$NS" link set "$TAP" up
got=$(timeout 100 ip netns exec "$NS" socat -u "TCP:$IP_D:7700,connect-timeout=10" - | sha256sum | cut -d' ' -f1)
ws_expect_exit "$PID_stack" 60 "stack"
[ "$got" = "$want" ] || ws_fail "stack->linux over tap: sha mismatch"
off=$(grep -o 'offloads=0x[0-9a-f]*' "$ws_tmp/stack.log" | cut -d= -f2)
frames=$(ws_json "$ws_tmp/stack.log" tx_frames)
# With TSO (WSNET_OFF_TSO = 0x4) the stack hands the PMD far fewer frames than MSS-sized segments.
if [ $((off & 4)) -ne 0 ]; then
	[ "${frames:-0}" -lt $((N / 1448 / 4)) ] || ws_fail "TSO offered but $frames frames sent"
fi
echo "PASS: tap $N bytes (offloads=$off, tx_frames=$frames)"
