#!/bin/bash
# Read-only use: a store made unwritable (chmod -R a-w) is read by a user who cannot write
# anything there (nobody, when this runs as root), by several processes at once, from C
# (--verify, --info, --sheet to a writable place) and from Python; nothing is created in it.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" a,b,c 6 40x40
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/in" "$TMP/s.lmdb"
chmod 755 "$TMP"
chmod -R a-w "$TMP/s.lmdb"
mkdir -m 777 "$TMP/out"

as_reader=()
if [ "$(id -u)" -eq 0 ]; then
    need_cmd setpriv
    as_reader=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    # root ignores permissions; make sure nobody really cannot write the store
    "${as_reader[@]}" touch "$TMP/s.lmdb/probe" 2>/dev/null && fail "nobody can write the store"
fi

pids=()
for i in 1 2 3 4; do
    "${as_reader[@]}" "$BIN/vgg-pack" --verify "$TMP/s.lmdb" > "$TMP/out/verify$i.txt" 2>&1 & pids+=($!)
done
"${as_reader[@]}" "$BIN/vgg-pack" --info --json "$TMP/s.lmdb" > "$TMP/out/info.json" 2>&1 & pids+=($!)
"${as_reader[@]}" "$BIN/vgg-pack" --sheet "$TMP/out/sheet.png" "$TMP/s.lmdb" > "$TMP/out/sheet.txt" 2>&1 & pids+=($!)
"${as_reader[@]}" "$PY" "$D" roundtrip "$TMP/s.lmdb" "$TMP/in" > "$TMP/out/py.txt" 2>&1 & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || fail "a reader failed: $(cat "$TMP"/out/*.txt)"; done
for i in 1 2 3 4; do
    grep -q "21 records checked, 0 bad" "$TMP/out/verify$i.txt" || fail "verify $i: $(cat "$TMP/out/verify$i.txt")"
done
grep -q '"train": 18' "$TMP/out/info.json" || fail "info: $(cat "$TMP/out/info.json")"
[ -s "$TMP/out/sheet.png" ] || fail "no sheet"
[ "$(ls "$TMP/s.lmdb")" = "data.mdb" ] || fail "a reader created files in the store: $(ls "$TMP/s.lmdb")"
chmod -R u+w "$TMP/s.lmdb"
echo "read-only and concurrent readers ok"
