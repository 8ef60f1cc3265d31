#!/bin/bash
# Disk full: packing onto a file system too small for the store fails with a clear message
# (exit 2), leaves no temporary behind and the old store intact. Needs root to mount a small
# tmpfs; skips otherwise.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
mkdir -p "$TMP/fs"
mount -t tmpfs -o size=6m tmpfs "$TMP/fs" 2>/dev/null || skip "cannot mount a tmpfs here"
trap 'umount "$TMP/fs" 2>/dev/null; rm -rf "$TMP"' EXIT

"$PY" "$D" make "$TMP/small" a 2 64x64
"$PY" "$D" make "$TMP/big" a,b 30 224x224          # about 9 MB of pixels
"$BIN/vgg-pack" -q "$TMP/small" "$TMP/fs/s.lmdb"
"$PY" "$D" digest "$TMP/fs/s.lmdb" > "$TMP/before"

rc=0; out=$("$BIN/vgg-pack" -q --force "$TMP/big" "$TMP/fs/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "a pack onto a full disk exited $rc: $out"
echo "$out" | grep -q "disk full" || fail "message: $out"
[ "$(ls -A "$TMP/fs")" = "s.lmdb" ] || fail "left behind: $(ls -A "$TMP/fs")"
"$PY" "$D" digest "$TMP/fs/s.lmdb" > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || fail "the old store changed"
echo "disk full ok"
