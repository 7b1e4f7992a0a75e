#!/bin/bash
# files.sh WARPSSHD — file transfer tools over warpsshd, every byte checked by sha256: scp in its
# default SFTP mode and in legacy mode (-O) both ways, an sftp batch (mkdir, put, get, rename, ls,
# rm; the sftp subsystem runs OpenSSH's sftp-server as the user), and rsync -e ssh --checksum of a
# directory tree there and back, including an incremental update.
set -u
[ -n "${WS_DEBUG:-}" ] && set -x
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/interop.sh"
source "${WS_INTEROP_LIB:-$(dirname "$0")/../lib}/server.sh"
ws_srv_setup "$1"
port=$(ws_free_port)
ws_srv_start "$port"
ws_client_opts
u=$WS_TEST_USER@127.0.0.1
remote="$WS_DIR/remote"
mkdir -p "$remote" && chown "$WS_TEST_USER" "$remote"
ws_gen_data "$WS_DIR/file" 32M
want=$(ws_sha "$WS_DIR/file")
owner() { stat -c %U "$1"; }

# scp, SFTP mode (the default since OpenSSH 9.0) and legacy scp protocol (-O)
for mode in sftp legacy; do
	flag=()
	[ $mode = legacy ] && flag=(-O)
	timeout 60 scp "${WS_OPTS[@]}" "${flag[@]}" -P "$port" "$WS_DIR/file" "$u:$remote/up.$mode" ||
		ws_fail "scp $mode upload"
	ws_expect "scp $mode upload" "$(ws_sha "$remote/up.$mode")" "$want"
	ws_expect "scp $mode upload owner" "$(owner "$remote/up.$mode")" "$WS_TEST_USER"
	timeout 60 scp "${WS_OPTS[@]}" "${flag[@]}" -P "$port" "$u:$remote/up.$mode" "$WS_DIR/down.$mode" ||
		ws_fail "scp $mode download"
	ws_expect "scp $mode download" "$(ws_sha "$WS_DIR/down.$mode")" "$want"
done

# sftp batch mode
cat >"$WS_DIR/batch" <<EOF
mkdir $remote/sftpdir
put $WS_DIR/file $remote/sftpdir/a
rename $remote/sftpdir/a $remote/sftpdir/b
get $remote/sftpdir/b $WS_DIR/sftp.back
ls $remote/sftpdir
put $WS_DIR/file $remote/sftpdir/c
rm $remote/sftpdir/c
EOF
timeout 60 sftp "${WS_OPTS[@]}" -P "$port" -b "$WS_DIR/batch" "$u" >"$WS_DIR/sftp.out" 2>&1 ||
	ws_fail "sftp batch: $(cat "$WS_DIR/sftp.out")"
ws_expect "sftp put+rename" "$(ws_sha "$remote/sftpdir/b")" "$want"
ws_expect "sftp get" "$(ws_sha "$WS_DIR/sftp.back")" "$want"
ws_expect "sftp rm" "$(ls "$remote/sftpdir")" "b"
ws_log_wait "Starting session: subsystem for $WS_TEST_USER"

# rsync of a tree: files of many sizes in nested directories, compared by content
tree="$WS_DIR/tree"
for d in a a/b c; do mkdir -p "$tree/$d"; done
for i in $(seq 1 24); do
	ws_gen_data "$tree/$([ $((i % 3)) = 0 ] && echo a/b || ([ $((i % 2)) = 0 ] && echo c || echo a))/f$i" $((i * 37 * 1024 + i))
done
: >"$tree/empty"
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
rsh="ssh ${WS_OPTS[*]} -p $port"
timeout 60 rsync -a --checksum -e "$rsh" "$tree/" "$u:$remote/tree/" || ws_fail "rsync push"
ws_expect "rsync push" "$(tree_sum "$remote/tree")" "$(tree_sum "$tree")"
ws_gen_data "$tree/c/f2" 5000
rm "$tree/a/f1"
timeout 60 rsync -a --checksum --delete -e "$rsh" "$tree/" "$u:$remote/tree/" || ws_fail "rsync update"
ws_expect "rsync incremental update" "$(tree_sum "$remote/tree")" "$(tree_sum "$tree")"
timeout 60 rsync -a --checksum -e "$rsh" "$u:$remote/tree/" "$WS_DIR/tree.back/" || ws_fail "rsync pull"
ws_expect "rsync pull" "$(tree_sum "$WS_DIR/tree.back")" "$(tree_sum "$tree")"
echo "$WS_PASS passed"
