#!/bin/bash
# Damage is found: a flipped pixel byte makes --verify exit 1 naming the record's key; a store
# of another format version is refused (exit 2) with a message saying so.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" a,b 5 24x24
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/in" "$TMP/s.lmdb"
expect_status 0 "$BIN/vgg-pack" --verify "$TMP/s.lmdb"
key=$("$PY" "$D" flip "$TMP/s.lmdb")
[ -n "$key" ] && [ "$key" != None ] || fail "could not locate the flipped record"
rc=0; out=$("$BIN/vgg-pack" --verify "$TMP/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "--verify exited $rc on a corrupt store: $out"
echo "$out" | grep -q "${key%/*} record ${key#*/}: CRC mismatch" || fail "--verify did not name $key: $out"
echo "$out" | grep -q "12 records checked, 1 bad" || fail "summary: $out"

"$BIN/vgg-pack" -q "$TMP/in" "$TMP/v.lmdb"
"$PY" "$D" set-meta "$TMP/v.lmdb" format_version 2
rc=0; out=$("$BIN/vgg-pack" --info "$TMP/v.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "--info on a version 2 store exited $rc"
echo "$out" | grep -q "v.lmdb: store format version 2; this build reads version 1" || fail "message: $out"
expect_status 1 "$BIN/vgg-pack" --verify "$TMP/v.lmdb"   # exists, fails its checks
rm -rf "$TMP/v.lmdb"
expect_status 2 "$BIN/vgg-pack" --verify "$TMP/v.lmdb"
echo "corruption and version checks ok"
