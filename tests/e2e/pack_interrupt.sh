#!/bin/bash
# Interruption: kill -9 in the middle of a pack that replaces a store leaves the old store
# intact (and nothing that looks like a store at the new name); the next run removes the
# leftover temporary and succeeds. Ctrl-C (SIGINT) removes its temporary at once.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/small" a,b 3 64x64
"$BIN/vgg-pack" -q "$TMP/small" "$TMP/s.lmdb"
"$PY" "$D" digest "$TMP/s.lmdb" > "$TMP/before"

# a big input cheaply: 3000 links to one 224x224 JPEG
"$PY" "$D" make "$TMP/one" c 1 224x224
mkdir -p "$TMP/big/c"
for i in $(seq 3000); do ln "$TMP/one/c/img000.jpg" "$TMP/big/c/$i.jpg"; done

# start_pack: runs a replacing pack in the background, waits until it writes its temporary
start_pack() {
    "$BIN/vgg-pack" -q -j 1 --force "$TMP/big" "$TMP/s.lmdb" & pid=$!
    for _ in $(seq 500); do
        [ -s "$TMP/.s.lmdb.tmp-$pid/data.mdb" ] && return 0
        sleep 0.01
    done
    fail "the pack never started writing"
}

start_pack
sleep 0.2
kill -9 "$pid" 2>/dev/null || fail "the pack finished before it could be killed"
wait "$pid" 2>/dev/null || true
[ -d "$TMP/.s.lmdb.tmp-$pid" ] || fail "expected the killed run's temporary"
"$PY" "$D" digest "$TMP/s.lmdb" > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || fail "the old store changed"
expect_status 0 "$BIN/vgg-pack" -q --verify "$TMP/s.lmdb"

start_pack
kill -INT "$pid" 2>/dev/null || fail "the pack finished before it could be interrupted"
wait "$pid" 2>/dev/null || true
[ -e "$TMP/.s.lmdb.tmp-$pid" ] && fail "Ctrl-C left its temporary"
"$PY" "$D" digest "$TMP/s.lmdb" > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || fail "the old store changed after Ctrl-C"

"$BIN/vgg-pack" -q --force "$TMP/big" "$TMP/s.lmdb"
ls -a "$TMP" | grep -q '\.tmp-' && fail "leftover temporary not removed: $(ls -a "$TMP")"
out=$("$BIN/vgg-pack" --verify "$TMP/s.lmdb")
echo "$out" | grep -q "3000 records checked, 0 bad" || fail "rerun: $out"
echo "interruption ok"
