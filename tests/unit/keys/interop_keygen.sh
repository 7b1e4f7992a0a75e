#!/bin/sh
# interop_keygen.sh — OpenSSH's ssh-keygen and warpssh read each other's key files: ssh-keygen -y
# and -l on keys we write, our public line and fingerprint for keys ssh-keygen writes, refusal of
# encrypted keys, and known_hosts entries (hashed and plain) found by ssh-keygen -F and by us.
# Usage: interop_keygen.sh /path/to/keytool
set -eu
KT=$1
command -v ssh-keygen >/dev/null 2>&1 || { echo "ssh-keygen not installed: skipped"; exit 77; }
D=$(mktemp -d /tmp/ws-keygen-XXXXXX)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
fields12() { cut -d' ' -f1,2 "$1"; }

# 1. Ours, read by ssh-keygen.
"$KT" gen "$D/ours" "ours@warpssh"
[ "$(stat -c %a "$D/ours")" = 600 ] || fail "private key mode is not 0600"
ssh-keygen -y -f "$D/ours" > "$D/ours.y" || fail "ssh-keygen -y cannot read our key"
[ "$(fields12 "$D/ours.y")" = "$(fields12 "$D/ours.pub")" ] || fail "ssh-keygen -y gives another public key"
[ "$(ssh-keygen -lf "$D/ours" | cut -d' ' -f2)" = "$("$KT" fingerprint "$D/ours")" ] || fail "fingerprints differ"
[ "$(ssh-keygen -lf "$D/ours.pub" | cut -d' ' -f3)" = "ours@warpssh" ] || fail "comment lost"
# ssh-keygen rewrites our file (new comment); we read its rewrite back.
ssh-keygen -q -c -C "renamed@warpssh" -P '' -f "$D/ours" >/dev/null || fail "ssh-keygen -c on our key"
[ "$("$KT" pub "$D/ours" | cut -d' ' -f3)" = "renamed@warpssh" ] || fail "rewritten key not read back"

# 2. ssh-keygen's, read by us; our rewrite of it still readable by ssh-keygen.
ssh-keygen -q -t ed25519 -N '' -C 'theirs@openssh' -f "$D/theirs"
[ "$("$KT" pub "$D/theirs")" = "$(cat "$D/theirs.pub")" ] || fail "our public line differs from ssh-keygen's"
[ "$("$KT" fingerprint "$D/theirs")" = "$(ssh-keygen -lf "$D/theirs" | cut -d' ' -f2)" ] || fail "fingerprint differs"
"$KT" reformat "$D/theirs" "$D/theirs2"
[ "$(wc -c < "$D/theirs2")" = "$(wc -c < "$D/theirs")" ] || fail "reformatted file has another layout"
[ "$(fields12 "$D/theirs.pub")" = "$(ssh-keygen -y -f "$D/theirs2" | cut -d' ' -f1,2)" ] || fail "reformat broke the key"

# 3. Encrypted and foreign keys are refused with the documented reason.
ssh-keygen -q -t ed25519 -N 'pass phrase' -f "$D/enc"
if "$KT" pub "$D/enc" 2> "$D/enc.err"; then fail "encrypted key accepted"; fi
grep -q "$D/enc: key file is encrypted" "$D/enc.err" || fail "no 'encrypted' message: $(cat "$D/enc.err")"
ssh-keygen -q -t ecdsa -N '' -f "$D/ec"
if "$KT" pub "$D/ec" 2> "$D/ec.err"; then fail "ecdsa key accepted"; fi
grep -q "unsupported key type" "$D/ec.err" || fail "no 'unsupported key type' message"

# 4. known_hosts: our entries found by ssh-keygen -F, ssh-keygen -H entries found by us.
"$KT" kh-add "$D/kh" host.example 2222 "$D/ours.pub" hashed
"$KT" kh-add "$D/kh" plain.example 22 "$D/ours.pub" plain
ssh-keygen -F '[host.example]:2222' -f "$D/kh" | grep -q '^|1|' || fail "ssh-keygen -F misses our hashed entry"
ssh-keygen -F plain.example -f "$D/kh" | grep -q '^plain.example ssh-ed25519 ' || fail "ssh-keygen -F misses plain entry"
printf '[a.example]:2200 %s\nb.example %s\n' "$(fields12 "$D/theirs.pub")" "$(fields12 "$D/ours.pub")" > "$D/kh2"
ssh-keygen -q -H -f "$D/kh2" >/dev/null 2>&1
! grep -q 'example' "$D/kh2" || fail "ssh-keygen -H left names in clear"
[ "$("$KT" kh-lookup "$D/kh2" a.example 2200 "$D/theirs.pub")" = "MATCH 1" ] || fail "hashed [host]:port not found"
[ "$("$KT" kh-lookup "$D/kh2" b.example 22 "$D/theirs.pub")" = "MISMATCH 2" ] || fail "changed key not reported"
[ "$("$KT" kh-lookup "$D/kh2" c.example 22 "$D/theirs.pub")" = "NOT_FOUND 0" ] || fail "unknown host found"
echo "ssh-keygen interop: all checks passed"
