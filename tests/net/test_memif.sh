#!/usr/bin/env bash
# test_memif.sh — two of our stacks talk over net_memif (shared memory, no kernel): a transfer
# (WS_MEMIF_BYTES, default 256 MiB) from one stack to the other, checked by SHA-256 on both ends.
set -u
. "$(dirname "$0")/lib.sh"
ws_init memif "$1"
N=${WS_MEMIF_BYTES:-$((256 << 20))}
SOCK="$ws_tmp/memif.sock"
want=$(ws_pattern_sha "$N" 41)
ws_start srv "" "$WS_TOOL" $(ws_eal a 0 "--vdev=net_memif0,role=server,socket=$SOCK") -- \
	--serve --app sink --ip 10.77.0.1/24 --port 7400 --timeout 120
ws_wait_line "$ws_tmp/srv.log" READY 30 || ws_fail "server stack did not start"
ws_start cli "" "$WS_TOOL" $(ws_eal b 1 "--vdev=net_memif0,role=client,socket=$SOCK") -- \
	--peer 10.77.0.1 --port 7400 --app source --bytes "$N" --seed 41 --ip 10.77.0.2/24 --timeout 120
ws_expect_exit "$PID_cli" 150 "memif client"
ws_expect_exit "$PID_srv" 30 "memif server"
[ "$(ws_field "$ws_tmp/srv.log" rx_sha256)" = "$want" ] || ws_fail "server rx hash"
[ "$(ws_field "$ws_tmp/cli.log" tx_sha256)" = "$want" ] || ws_fail "client tx hash"
[ "$(ws_field "$ws_tmp/srv.log" rcvd)" = "$N" ] || ws_fail "byte count"
echo "PASS: memif stack-to-stack $N bytes"
