# lib.sh — shared helpers for the netns tests of the userspace stack: per-test namespaces and
# veth pairs with unique names (deleted by a trap), DPDK tool launch with unique --file-prefix,
# bounded waits, and kill-by-PID. Source it, then call ws_init <short-name> <tool-path>.

ws_pids=()
ws_netns=()
ws_links=()
ws_tmp=""

ws_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces)"
		exit 77
	fi
	WS_NAME="$1"
	WS_TOOL="$2"
	WS_ID="$$"
	ws_tmp=$(mktemp -d "/tmp/wsnet_${WS_NAME}.XXXXXX")
	trap ws_cleanup EXIT
	trap 'exit 1' INT TERM
}

ws_cleanup() {
	local p
	for p in "${ws_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${ws_pids[@]}"; do
		ws_wait_exit "$p" 5 || kill -9 "$p" 2>/dev/null
	done
	for p in "${ws_links[@]}"; do
		ip link del "$p" 2>/dev/null
	done
	for p in "${ws_netns[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	if [ -n "$ws_tmp" ] && [ -z "${WS_KEEP_TMP:-}" ]; then
		rm -rf "$ws_tmp"
	fi
}

ws_fail() {
	echo "FAIL: $*"
	local f
	for f in "$ws_tmp"/*.log; do
		[ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
	done
	exit 1
}

# ws_netns_add NAME: create a namespace that the cleanup deletes.
ws_netns_add() {
	ip netns add "$1" || ws_fail "netns add $1"
	ws_netns+=("$1")
	ip -n "$1" link set lo up
}

# ws_veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both up.
ws_veth() {
	ip link add "$2" type veth peer name "$4" || ws_fail "veth $2/$4"
	ws_links+=("$2")
	ip link set "$2" netns "$1"
	ip link set "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# ws_kernel_if NS IF ADDR/LEN: a kernel endpoint; checksums filled in software (no 64 KiB TSO frames).
ws_kernel_if() {
	ip -n "$1" addr add "$3" dev "$2"
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1
}

# ws_dpdk_if NS IF: the DPDK side gets no address and no IPv6 chatter.
ws_dpdk_if() {
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1
}

# ws_pair: kernel namespace NS_K (IP_K) <-> DPDK namespace NS_D (interface IF_D, our IP_D).
ws_pair() {
	NS_K="wsk${WS_ID}"
	NS_D="wsd${WS_ID}"
	IF_K="wk${WS_ID}"
	IF_D="wd${WS_ID}"
	local net=$((WS_ID % 200 + 20))
	IP_K="10.${net}.0.1"
	IP_D="10.${net}.0.2"
	ws_netns_add "$NS_K"
	ws_netns_add "$NS_D"
	ws_veth "$NS_K" "$IF_K" "$NS_D" "$IF_D"
	ws_kernel_if "$NS_K" "$IF_K" "$IP_K/24"
	ws_dpdk_if "$NS_D" "$IF_D"
}

# ws_eal TAG LCORE VDEV...: EAL arguments for one process (unique --file-prefix, no PCI). Memory is
# --no-huge by default; WS_HUGE=1 uses reserved 2 MiB hugepages instead (files unlinked at once).
ws_eal() {
	local tag="$1" lcore="$2" mem="--no-huge -m 768"
	shift 2
	[ -n "${WS_HUGE:-}" ] && mem="--socket-mem 512 --huge-unlink"
	echo "-l $lcore $mem --no-pci --file-prefix=wsn${WS_ID}${tag} --log-level=lib.eal:error --log-level=pmd:error $*"
}

ws_af_packet() {
	echo "--vdev=net_af_packet${2:-0},iface=$1,blocksz=4096,framesz=2048,framecnt=8192"
}

# ws_start NAME NS CMD...: run a command in a namespace ("" = this one) in the background,
# logging to $ws_tmp/NAME.log.
ws_start() {
	local name="$1" ns="$2"
	shift 2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" >"$ws_tmp/$name.log" 2>&1 &
	else
		"$@" >"$ws_tmp/$name.log" 2>&1 &
	fi
	local pid=$!
	ws_pids+=("$pid")
	eval "PID_${name}=$pid"
}

# ws_wait_line FILE PATTERN SECONDS: poll until a line matching PATTERN appears.
ws_wait_line() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# ws_wait_exit PID SECONDS: poll until PID exits; its status goes to WS_RC. Fails on timeout.
# (Call it directly, not in $(...): only this shell can wait for its children.)
ws_wait_exit() {
	local i
	WS_RC=""
	for ((i = 0; i < $2 * 20; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1" 2>/dev/null
			WS_RC=$?
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# ws_expect_exit PID SECONDS WHAT: wait, and fail the test unless the process exited 0.
ws_expect_exit() {
	ws_wait_exit "$1" "$2" || ws_fail "$3 did not finish in $2 s"
	[ "$WS_RC" = 0 ] || ws_fail "$3 exited with $WS_RC"
}

# ws_field FILE KEY: value of KEY=... from the first RESULT/CONNSTATS/SUMMARY line that has it.
ws_field() {
	grep -o "\b$2=[^ ]*" "$1" | head -n1 | cut -d= -f2
}

# ws_json FILE KEY: a counter from the STATS JSON line.
ws_json() {
	grep '^STATS ' "$1" | grep -o "\"$2\":[0-9]*" | head -n1 | cut -d: -f2
}

ws_pattern_sha() {
	"$WS_TOOL" gen "$1" "$2" | sha256sum | cut -d' ' -f1
}

# ws_wait_listen NS PORT SECONDS: poll until a kernel socket listens on PORT in NS.
ws_wait_listen() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		ip netns exec "$1" ss -ltn 2>/dev/null | grep -q ":$2 " && return 0
		sleep 0.05
	done
	return 1
}

# ws_wired_pair: kernel NS_K (IF_K, IP_K) <-> wire NS_W (WIF_A, WIF_B) <-> DPDK NS_D (IF_D, IP_D).
ws_wired_pair() {
	NS_K="wsk${WS_ID}"
	NS_W="wsw${WS_ID}"
	NS_D="wsd${WS_ID}"
	IF_K="wk${WS_ID}"
	IF_D="wd${WS_ID}"
	WIF_A="wa${WS_ID}"
	WIF_B="wb${WS_ID}"
	local net=$((WS_ID % 200 + 20))
	IP_K="10.${net}.0.1"
	IP_D="10.${net}.0.2"
	ws_netns_add "$NS_K"
	ws_netns_add "$NS_W"
	ws_netns_add "$NS_D"
	ws_veth "$NS_K" "$IF_K" "$NS_W" "$WIF_A"
	ws_veth "$NS_W" "$WIF_B" "$NS_D" "$IF_D"
	ws_kernel_if "$NS_K" "$IF_K" "$IP_K/24"
	ws_dpdk_if "$NS_W" "$WIF_A"
	ws_dpdk_if "$NS_W" "$WIF_B"
	ws_dpdk_if "$NS_D" "$IF_D"
}

# ws_start_wire WIRE-TOOL ARGS...: the impairment bridge between WIF_A and WIF_B on lcore 1.
ws_start_wire() {
	local tool="$1"
	shift
	ws_start wire "$NS_W" "$tool" $(ws_eal w 1 "$(ws_af_packet "$WIF_A" 0)" "$(ws_af_packet "$WIF_B" 1)") -- "$@"
	ws_wait_line "$ws_tmp/wire.log" READY 30 || ws_fail "wire did not start"
}
