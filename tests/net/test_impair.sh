#!/usr/bin/env bash
# test_impair.sh MODE — transfers against Linux TCP through the impairment wire. MODE fast: 1 GiB
# (WS_IMPAIR_BYTES) from our stack with 1% loss, 1% reordering and 1% duplication at 100 µs delay.
# MODE slow: 16 MiB each way with 1% loss and 20 ms delay. MODE linux: the wire between two Linux
# kernels (8 MiB, 2% loss, reordering, duplication). Hashes must match, retransmits non-zero.
set -u
. "$(dirname "$0")/lib.sh"
ws_init impair "$1"
WIRE="$2"
MODE="$3"
N=${WS_IMPAIR_BYTES:-$((1 << 30))}
ws_wired_pair

# run_out BYTES SEED PORT: our stack sends BYTES to a socat reader; checks hashes, retransmits.
run_out() {
	local want got
	want=$(ws_pattern_sha "$1" "$2")
	ws_start src "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
		--serve --app source --bytes "$1" --seed "$2" --ip "$IP_D/24" --port "$3" --timeout 420
	ws_wait_line "$ws_tmp/src.log" READY 30 || ws_fail "stack did not start"
	got=$(timeout 420 ip netns exec "$NS_K" socat -u -b 262144 "TCP:$IP_D:$3,connect-timeout=10" - |
		sha256sum | cut -d' ' -f1)
	ws_expect_exit "$PID_src" 60 "source"
	[ "$got" = "$want" ] || ws_fail "stack->linux $1 bytes: sha mismatch"
	local rt
	rt=$(ws_field "$ws_tmp/src.log" retransmits)
	[ "${rt:-0}" -gt 0 ] || ws_fail "stack->linux: no retransmits through a lossy wire"
	echo "stack->linux $1 bytes: $(grep CONNSTATS "$ws_tmp/src.log")"
	mv "$ws_tmp/src.log" "$ws_tmp/src-$3.txt"
}

# run_in BYTES SEED PORT: Linux sends BYTES to our sink.
run_in() {
	local want
	want=$(ws_pattern_sha "$1" "$2")
	ws_start sink "$NS_D" "$WS_TOOL" $(ws_eal s 0 "$(ws_af_packet "$IF_D")") -- \
		--serve --app sink --ip "$IP_D/24" --port "$3" --timeout 420
	ws_wait_line "$ws_tmp/sink.log" READY 30 || ws_fail "stack did not start"
	"$WS_TOOL" gen "$1" "$2" | timeout 420 ip netns exec "$NS_K" socat -u -b 262144 - "TCP:$IP_D:$3,connect-timeout=10" ||
		ws_fail "socat sender failed"
	ws_expect_exit "$PID_sink" 60 "sink"
	[ "$(ws_field "$ws_tmp/sink.log" rx_sha256)" = "$want" ] || ws_fail "linux->stack $1 bytes: sha mismatch"
	local retx
	retx=$(ip netns exec "$NS_K" nstat -az TcpRetransSegs 2>/dev/null | awk '/TcpRetransSegs/ {print $2}')
	echo "linux->stack $1 bytes: linux TcpRetransSegs=${retx:-?} $(grep CONNSTATS "$ws_tmp/sink.log")"
	mv "$ws_tmp/sink.log" "$ws_tmp/sink-$3.txt"
}

stop_wire() {
	kill "$PID_wire"
	ws_expect_exit "$PID_wire" 10 "wire"
	grep WIRE "$ws_tmp/wire.log"
	local d
	d=$(grep -o 'dropped=[0-9]*' "$ws_tmp/wire.log" | head -n1 | cut -d= -f2)
	[ "${d:-0}" -gt 0 ] || ws_fail "wire dropped nothing"
	mv "$ws_tmp/wire.log" "$ws_tmp/wire-$1.txt"
}

if [ "$MODE" = linux ]; then
	ws_kernel_if "$NS_D" "$IF_D" "$IP_D/24"
	ws_start_wire "$WIRE" --loss 2 --reorder 2 --dup 2 --delay-us 200 --seed 3
	M=$((8 << 20))
	want=$(ws_pattern_sha "$M" 34)
	ws_start ksink "$NS_D" socat -u -b 262144 TCP-LISTEN:7203,reuseaddr "OPEN:$ws_tmp/recv.bin,creat,trunc"
	ws_wait_listen "$NS_D" 7203 10 || ws_fail "kernel listener"
	"$WS_TOOL" gen "$M" 34 | timeout 120 ip netns exec "$NS_K" socat -u - "TCP:$IP_D:7203,connect-timeout=10" ||
		ws_fail "kernel sender failed"
	ws_expect_exit "$PID_ksink" 30 "kernel receiver"
	[ "$(sha256sum <"$ws_tmp/recv.bin" | cut -d' ' -f1)" = "$want" ] || ws_fail "linux->linux: sha mismatch"
	retx=$(ip netns exec "$NS_K" nstat -az TcpRetransSegs 2>/dev/null | awk '/TcpRetransSegs/ {print $2}')
	[ "${retx:-0}" -gt 0 ] || ws_fail "linux sender retransmitted nothing through a lossy wire"
	echo "linux->linux $M bytes: TcpRetransSegs=$retx"
	stop_wire linux
elif [ "$MODE" = fast ]; then
	ws_start_wire "$WIRE" --loss 1 --reorder 1 --dup 1 --delay-us 100 --jitter-us 50 --reorder-us 300 --seed 7
	run_out "$N" 31 7200
	stop_wire fast
else
	ws_start_wire "$WIRE" --loss 1 --delay-us 20000 --seed 9
	run_out $((16 << 20)) 32 7201
	run_in $((16 << 20)) 33 7202
	stop_wire slow
fi
echo "PASS: impaired transfers ($MODE)"
