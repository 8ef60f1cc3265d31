#!/bin/bash
# Splits: --val-fraction is stratified (round(f*n) per class) and, with the record order,
# fixed by --seed (same seed, same store; another seed, another order); train/ and val/
# folders become the splits as given.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" a,b,c,d 19 16x16          # 20 images per class
for s in 1 2; do "$BIN/vgg-pack" -q -j 2 --val-fraction 0.3 --seed 11 "$TMP/in" "$TMP/s$s.lmdb"; done
"$BIN/vgg-pack" -q -j 1 --val-fraction 0.3 --seed 12 "$TMP/in" "$TMP/other.lmdb"

for st in s1 other; do
    "$PY" "$D" split "$TMP/$st.lmdb" > "$TMP/$st.split"
    grep -c '^val [0-3] 6$' "$TMP/$st.split" | grep -qx 4 || fail "$st: not 6 val per class: $(cat "$TMP/$st.split")"
    grep -c '^train [0-3] 14$' "$TMP/$st.split" | grep -qx 4 || fail "$st: not 14 train per class"
done
"$PY" "$D" digest "$TMP/s1.lmdb" > "$TMP/s1.d"
"$PY" "$D" digest "$TMP/s2.lmdb" > "$TMP/s2.d"
"$PY" "$D" digest "$TMP/other.lmdb" > "$TMP/other.d"
[ "$(wc -l < "$TMP/s1.d")" -eq 80 ] || fail "expected 80 records"
cmp -s "$TMP/s1.d" "$TMP/s2.d" || fail "same seed, different stores (-j 2 twice)"
cmp -s "$TMP/s1.d" "$TMP/other.d" && fail "another seed gave the same order"
# the same images either way
[ "$(cut -d' ' -f3,4 "$TMP/s1.d" | sort)" = "$(cut -d' ' -f3,4 "$TMP/s2.d" | sort)" ] || fail "content differs"
# class-mixed order: the first 20 train records are not all one class
[ "$(grep '^train' "$TMP/s1.d" | head -20 | cut -d' ' -f3 | sort -u | wc -l)" -gt 1 ] || fail "order not mixed"

mkdir -p "$TMP/given"
"$PY" "$D" make "$TMP/given/train" x,y 4 16x16
"$PY" "$D" make "$TMP/given/val" x,y 1 16x16 7
"$BIN/vgg-pack" -q "$TMP/given" "$TMP/given.lmdb"
[ "$("$PY" "$D" split "$TMP/given.lmdb" | tr '\n' ' ')" = "train 0 5 train 1 5 val 0 2 val 1 2 " ] ||
    fail "given splits: $("$PY" "$D" split "$TMP/given.lmdb")"
"$PY" "$D" roundtrip "$TMP/given.lmdb" "$TMP/given/train" "$TMP/given/val"
expect_status 2 "$BIN/vgg-pack" -q --val-fraction 0.1 "$TMP/given" "$TMP/g2.lmdb"
echo "splits ok"
