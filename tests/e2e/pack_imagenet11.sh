#!/bin/bash
# The real data set: all of ../shared/data/imagenet11 (11 classes, 224x224 JPEGs) packed with a
# 10% val split; --verify passes and every record equals Pillow's decode of its source.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
[ -d "$IMAGENET11" ] || skip "$IMAGENET11 not present"
D="$ROOT/tests/e2e/pack_data.py"

n=$(find "$IMAGENET11" -type f -iname '*.jp*g' | wc -l)
"$BIN/vgg-pack" -q --val-fraction 0.1 "$IMAGENET11" "$TMP/i11.lmdb"
out=$("$BIN/vgg-pack" --verify "$TMP/i11.lmdb")
echo "$out" | grep -q "$n records checked, 0 bad" || fail "verify: $out"
"$BIN/vgg-pack" --info --json "$TMP/i11.lmdb" | "$PY" -c '
import json, os, sys
j = json.load(sys.stdin)
assert j["classes"] == sorted(os.listdir(sys.argv[1])), j["classes"]
assert (j["height"], j["width"]) == (224, 224)
raw = (j["counts"]["train"] + j["counts"]["val"]) * (32 + 224 * 224 * 3)
assert j["bytes"] < raw * 1.01, (j["bytes"], raw)
' "$IMAGENET11"
"$PY" "$D" roundtrip "$TMP/i11.lmdb" "$IMAGENET11"
"$PY" "$D" stats "$TMP/i11.lmdb"
