#!/usr/bin/env bash
# test_bulk.sh — bulk transfer against Linux kernel TCP over veth/af_packet, each direction
# (default 1 GiB; WS_BULK_BYTES overrides), checked end to end by SHA-256.
set -u
. "$(dirname "$0")/lib.sh"
ws_init bulk "$1"
N=${WS_BULK_BYTES:-$((1 << 30))}
ws_pair
want=$(ws_pattern_sha "$N" 21)

# Linux -> our stack (sink).
ws_start sink "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app sink --ip "$IP_D/24" --port 7100 --timeout 200
ws_wait_line "$ws_tmp/sink.log" READY 30 || ws_fail "stack did not start"
t0=$(date +%s.%N)
"$WS_TOOL" gen "$N" 21 | timeout 200 ip netns exec "$NS_K" socat -u -b 262144 - "TCP:$IP_D:7100,connect-timeout=10" ||
	ws_fail "socat sender failed"
ws_expect_exit "$PID_sink" 60 "sink"
t1=$(date +%s.%N)
[ "$(ws_field "$ws_tmp/sink.log" rx_sha256)" = "$want" ] || ws_fail "linux->stack: sha mismatch"
[ "$(ws_field "$ws_tmp/sink.log" rcvd)" = "$N" ] || ws_fail "linux->stack: byte count"

# Our stack -> Linux (source).
ws_start src "$NS_D" "$WS_TOOL" $(ws_eal c 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app source --bytes "$N" --seed 21 --ip "$IP_D/24" --port 7101 --timeout 200
ws_wait_line "$ws_tmp/src.log" READY 30 || ws_fail "stack did not start"
t2=$(date +%s.%N)
got=$(timeout 200 ip netns exec "$NS_K" socat -u -b 262144 "TCP:$IP_D:7101,connect-timeout=10" - | sha256sum | cut -d' ' -f1)
t3=$(date +%s.%N)
ws_expect_exit "$PID_src" 60 "source"
[ "$got" = "$want" ] || ws_fail "stack->linux: sha mismatch"
[ "$(ws_field "$ws_tmp/src.log" tx_sha256)" = "$want" ] || ws_fail "stack->linux: tx hash"
echo "linux->stack: $(ws_field "$ws_tmp/sink.log" retransmits) retransmits; stack->linux: $(ws_field "$ws_tmp/src.log" retransmits) retransmits"
awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
	'BEGIN { printf "elapsed (not a benchmark): in %.1f s, out %.1f s for %d bytes\n", b - a, d - c, n }'
echo "PASS: bulk $N bytes each way"
