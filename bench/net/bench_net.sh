#!/usr/bin/env bash
# bench_net.sh — throughput of the userspace TCP/IP stack, as bench numbers (not tests):
#  1. bulk over veth/af_packet, our stack <-> Linux kernel TCP, each direction;
#  2. Linux kernel TCP <-> Linux kernel TCP over an identical veth pair (same offloads off), same run;
#     the ratio ours/kernel is printed;
#  3. memif stack-to-stack (two of our processes, one lcore each): Gbps per stack core.
# Usage (root): bench/net/bench_net.sh [BUILD_DIR=build-dpdk] [BYTES=1 GiB]. No hashing in the timed runs.
set -u
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build-dpdk}"
N="${2:-$((1 << 30))}"
. "$ROOT/tests/net/lib.sh"
ws_init bench "$BUILD/dpdk/wsnet_tool"
now() { date +%s.%N; }
gbps() { awk -v n="$N" -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", n * 8 / (b - a) / 1e9 }'; }

# --- our stack <-> Linux over veth/af_packet
ws_pair
ws_start sink "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app sink --nohash --ip "$IP_D/24" --port 9100 --timeout 300
ws_wait_line "$ws_tmp/sink.log" READY 30 || ws_fail "stack did not start"
t0=$(now)
"$WS_TOOL" gen "$N" 1 | ip netns exec "$NS_K" socat -u -b 262144 - "TCP:$IP_D:9100"
ws_wait_exit "$PID_sink" 60 || ws_fail "sink"
t1=$(now)
ws_start src "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app source --nohash --bytes "$N" --ip "$IP_D/24" --port 9101 --timeout 300
ws_wait_line "$ws_tmp/src.log" READY 30 || ws_fail "stack did not start"
t2=$(now)
ip netns exec "$NS_K" socat -u -b 262144 "TCP:$IP_D:9101" - >/dev/null
t3=$(now)
ws_wait_exit "$PID_src" 60 || ws_fail "source"
ours_in=$(gbps "$t0" "$t1")
ours_out=$(gbps "$t2" "$t3")

# --- Linux <-> Linux over an identical veth pair (checksum/TSO/GSO/GRO off on both ends)
NS_A="wsa${WS_ID}"; NS_B="wsb${WS_ID}"; IF_A="xa${WS_ID}"; IF_B="xb${WS_ID}"
ws_netns_add "$NS_A"; ws_netns_add "$NS_B"
ws_veth "$NS_A" "$IF_A" "$NS_B" "$IF_B"
ws_kernel_if "$NS_A" "$IF_A" 10.250.0.1/24
ws_kernel_if "$NS_B" "$IF_B" 10.250.0.2/24
ws_start ksink "$NS_B" socat -u -b 262144 TCP-LISTEN:9200,reuseaddr -
ws_wait_listen "$NS_B" 9200 10 || ws_fail "kernel listener"
t4=$(now)
"$WS_TOOL" gen "$N" 1 | ip netns exec "$NS_A" socat -u -b 262144 - TCP:10.250.0.2:9200
ws_wait_exit "$PID_ksink" 60 || ws_fail "kernel sink"
t5=$(now)
kern=$(gbps "$t4" "$t5")

# --- memif stack-to-stack
SOCK="$ws_tmp/bench.sock"
ws_start msrv "" "$WS_TOOL" $(ws_eal ma 0 "--vdev=net_memif0,role=server,socket=$SOCK") -- \
	--serve --app sink --nohash --ip 10.251.0.1/24 --port 9300 --timeout 300
ws_wait_line "$ws_tmp/msrv.log" READY 30 || ws_fail "memif server"
t6=$(now)
ws_start mcli "" "$WS_TOOL" $(ws_eal mb 1 "--vdev=net_memif0,role=client,socket=$SOCK") -- \
	--peer 10.251.0.1 --port 9300 --app source --nohash --bytes "$N" --ip 10.251.0.2/24 --timeout 300
ws_wait_exit "$PID_msrv" 300 || ws_fail "memif sink"
t7=$(now)
ws_wait_exit "$PID_mcli" 30
memif=$(gbps "$t6" "$t7")

echo "bytes=$N (wall clock includes connection setup and teardown; af_packet has no offloads)"
echo "veth/af_packet linux->stack  Gbps=$ours_in"
echo "veth/af_packet stack->linux  Gbps=$ours_out"
echo "veth kernel->kernel          Gbps=$kern (same veth settings)"
awk -v a="$ours_in" -v b="$ours_out" -v k="$kern" \
	'BEGIN { printf "ratio ours/kernel: linux->stack %.2f, stack->linux %.2f\n", a / k, b / k }'
echo "memif stack->stack           Gbps=$memif (one lcore per stack; Gbps per core = $memif)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
