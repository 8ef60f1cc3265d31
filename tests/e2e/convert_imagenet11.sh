#!/bin/bash
# vgg-convert converts the real data set ../shared/data/imagenet11 completely: every JPEG gives
# one 224x224 RGB output in its class folder, nothing is reported, exit 0.
. "$(dirname "$0")/lib.sh"
need_bin vgg-convert
[ -d "$IMAGENET11" ] || skip "$IMAGENET11 not present"

want=$(find -L "$IMAGENET11" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l)
"$BIN/vgg-convert" -j 2 "$IMAGENET11" "$TMP/out" > "$TMP/summary" || fail "exit $? on imagenet11"
got=$(find "$TMP/out" -type f -name '*.jpg' | wc -l)
[ "$got" -eq "$want" ] || fail "$got outputs for $want inputs"
[ "$(ls "$TMP/out" | wc -l)" -eq "$(ls "$IMAGENET11" | wc -l)" ] || fail "class folders differ"
[ ! -e "$TMP/out/convert-errors.tsv" ] || fail "errors: $(head "$TMP/out/convert-errors.tsv")"
grep -q "$want converted, 0 up to date, 0 failed" "$TMP/summary" || fail "summary: $(cat "$TMP/summary")"
# A sample of outputs: the right shape.
info=$(find "$TMP/out" -name '*.jpg' | head -n 50 | xargs "$PY" -c '
import sys
from PIL import Image
print(*sorted({f"{Image.open(p).size} {Image.open(p).mode}" for p in sys.argv[1:]}))')
[ "$info" = "(224, 224) RGB" ] || fail "outputs: $info"
