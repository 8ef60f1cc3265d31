#!/bin/bash
# vgg-pack round trip: every record read back equals Pillow's decode of its source (JPEG via
# TurboJPEG, PNG via MagickWand), labels follow the sorted class names, meta mean/std equal
# numpy's, --info/--json/--verify/--sheet work on the result.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" zebra,apple,Mango 8 48x40
"$BIN/vgg-pack" -q -j 2 --val-fraction 0.25 --seed 3 "$TMP/in" "$TMP/s.lmdb"
"$PY" "$D" roundtrip "$TMP/s.lmdb" "$TMP/in"
"$PY" "$D" stats "$TMP/s.lmdb"

# 9 images per class, 0.25 -> round(2.25) = 2 in val per class
[ "$("$PY" "$D" split "$TMP/s.lmdb" | tr '\n' ' ')" = "train 0 7 train 1 7 train 2 7 val 0 2 val 1 2 val 2 2 " ] ||
    fail "split counts: $("$PY" "$D" split "$TMP/s.lmdb")"

"$BIN/vgg-pack" --info "$TMP/s.lmdb" > "$TMP/info.txt"
grep -q "48x40, 3 channels" "$TMP/info.txt" || fail "info: $(cat "$TMP/info.txt")"
grep -q "21 train, 6 val" "$TMP/info.txt" || fail "info counts: $(cat "$TMP/info.txt")"
"$BIN/vgg-pack" --info --json "$TMP/s.lmdb" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
assert j["classes"] == ["Mango", "apple", "zebra"], j["classes"]
assert j["counts"] == {"train": 21, "val": 6}, j["counts"]
assert (j["height"], j["width"], j["channels"], j["format_version"]) == (40, 48, 3, 1)
assert j["source"].endswith("/in") and j["bytes"] > 27 * 40 * 48 * 3
'
out=$("$BIN/vgg-pack" --verify "$TMP/s.lmdb")
echo "$out" | grep -q "27 records checked, 0 bad" || fail "verify: $out"

"$BIN/vgg-pack" --sheet "$TMP/sheet.png" "$TMP/s.lmdb"
[ "$(image_info "$TMP/sheet.png")" = "384x120 RGB PNG" ] || fail "sheet: $(image_info "$TMP/sheet.png")"
echo "pack round trip ok"
