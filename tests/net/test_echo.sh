#!/usr/bin/env bash
# test_echo.sh — TCP echo against Linux kernel TCP, both ways: (1) our echo server, socat client;
# (2) socat echo server (PIPE), our client bouncing data. Bytes checked by SHA-256.
set -u
. "$(dirname "$0")/lib.sh"
ws_init echo "$1"
ws_pair
N=$((1 << 20))
want=$(ws_pattern_sha $N 11)

# (1) Linux client -> our echo server.
ws_start srv "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
	--serve --app echo --ip "$IP_D/24" --port 7000 --timeout 60 --idle-sleep
ws_wait_line "$ws_tmp/srv.log" READY 30 || ws_fail "stack did not start"
got=$("$WS_TOOL" gen $N 11 | timeout 60 ip netns exec "$NS_K" socat -t 30 - "TCP:$IP_D:7000,connect-timeout=10" |
	sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || ws_fail "echo via our server: sha mismatch ($got)"
ws_expect_exit "$PID_srv" 30 "echo server"
[ "$(ws_field "$ws_tmp/srv.log" rx_sha256)" = "$want" ] || ws_fail "server rx hash"

# (2) our client -> Linux echo server.
ws_start lsrv "$NS_K" timeout 60 socat "TCP-LISTEN:7001,reuseaddr" PIPE
ws_wait_listen "$NS_K" 7001 10 || ws_fail "socat did not listen"
ws_start cli "$NS_D" "$WS_TOOL" $(ws_eal c 0 "$(ws_af_packet "$IF_D")") -- \
	--peer "$IP_K" --port 7001 --app bounce --bytes $N --seed 11 --ip "$IP_D/24" --timeout 60 --idle-sleep
ws_expect_exit "$PID_cli" 90 "bounce client"
[ "$(ws_field "$ws_tmp/cli.log" rx_sha256)" = "$want" ] || ws_fail "client rx hash"
[ "$(ws_field "$ws_tmp/cli.log" tx_sha256)" = "$want" ] || ws_fail "client tx hash"
echo "PASS: echo both ways ($N bytes)"
