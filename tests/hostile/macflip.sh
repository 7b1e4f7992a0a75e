#!/usr/bin/env bash
# macflip.sh HOSTILE — OpenSSH's ssh uploads 8 MB through the tool's proxy, which flips one bit
# of the client-to-server stream at offset 1 MB (inside an encrypted packet): the server MUST
# reject the packet, so the upload fails (the client never sees the flipped byte: only the server
# can have stopped it) and the connection ends within 1 s of the flip — by the server closing
# (sshd) or by its DISCONNECT "MAC error" making the client close first (warpsshd lingers for the
# peer's close). Then a normal login within HS_SERVE_MS and memory back at baseline.
set -u
HOSTILE=$1
source "$(dirname "$0")/lib.sh"
hs_setup
hs_start_server
hs_baseline
out=$HS_DIR/tool.out
hs_tool_start "$out" macflip -o 1000000 -T 40
hs_wait_line "$out" "phase=listening"
lport=$(hs_field "$out" listening port)
head -c 8000000 /dev/zero | timeout 30 ssh -p "$lport" -i "$HS_DIR/id" -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	"$HS_USER@127.0.0.1" 'cat > /dev/null'
client_rc=$?
hs_tool_finish 40
cat "$out"
[ "$(hs_field "$out" done flipped)" = 1 ] || ws_fail "no byte was flipped"
((client_rc != 0)) || ws_fail "the upload succeeded despite a corrupted packet"
ms=$(hs_field "$out" done end_after_flip_ms)
((ms >= 0 && ms <= 1000)) || ws_fail "the corrupted connection ended $ms ms after the flip"
echo "corrupted stream ended by the $(hs_field "$out" done closed_by) $ms ms after the flip"
hs_check_serving "after macflip"
hs_check_memory "after macflip"
echo "PASS macflip ($SERVER_KIND)"
