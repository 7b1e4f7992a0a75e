#!/bin/bash
# rsync_tar.sh WARPSSH — warpssh as a pipeline transport, unchanged tools: `rsync -e warpssh`
# (-l user host rsync --server …) of a tree with --checksum, an incremental re-sync after edits,
# and `tar c | warpssh host 'tar x -C dst'`; trees compared file by file with sha256.
set -u
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/client.sh"
wc_setup "$1"
port=$(ws_free_port)
wc_start_sshd "$port"
wc_trust "$port" "$WC_SSHD_DIR/host_key.pub"
wc_config srv "$port"
d=$WC_DIR

tree_sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-64; }
mkdir -p "$d/src/a/b/c" "$d/src/empty"
for i in $(seq 1 200); do head -c $((i * 173)) /dev/urandom >"$d/src/a/f$i"; done
head -c $((20 << 20)) /dev/urandom >"$d/src/a/b/big"
printf 'x' >"$d/src/a/b/c/one"
ln -s f1 "$d/src/a/link"

rs() { timeout -k 5 120 rsync -a --checksum --delete -e "$WC_BIN -F $d/ssh_config" "$@"; }
rs "$d/src/" srv:"$d/dst/"
wc_expect_eq "rsync exit" $? 0
wc_expect_eq "rsync tree" "$(tree_sums "$d/dst")" "$(tree_sums "$d/src")"
wc_expect_eq "rsync symlink" "$(readlink "$d/dst/a/link")" "f1"

# incremental: change, add and delete files, sync again, and pull back the other way
head -c 4096 /dev/urandom >"$d/src/a/f7"
rm "$d/src/a/f9"
echo new >"$d/src/a/b/c/added"
rs "$d/src/" srv:"$d/dst/"
wc_expect_eq "rsync incremental" "$(tree_sums "$d/dst")" "$(tree_sums "$d/src")"
rs srv:"$d/dst/" "$d/back/"
wc_expect_eq "rsync pull" "$(tree_sums "$d/back")" "$(tree_sums "$d/src")"

# tar through a pipe both ways
tar c -C "$d/src" . | wc_run srv "mkdir -p $d/tar && tar x -C $d/tar"
wc_expect_eq "tar up exit" $? 0
wc_expect_eq "tar up tree" "$(tree_sums "$d/tar")" "$(tree_sums "$d/src")"
mkdir -p "$d/tar2"
wc_run srv "tar c -C $d/src ." </dev/null | tar x -C "$d/tar2"
wc_expect_eq "tar down tree" "$(tree_sums "$d/tar2")" "$(tree_sums "$d/src")"

kill -0 "$WC_SSHD_PID" || ws_fail "sshd died"
wc_done
