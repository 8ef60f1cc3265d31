#!/bin/bash
# vgg-convert killed with -9 in the middle leaves no truncated image (only temporaries, which
# the rerun removes); the rerun keeps what is done and completes the rest; a source touched
# later is redone; --force redoes everything.
. "$(dirname "$0")/lib.sh"
need_bin vgg-convert

# 300 JPEGs of 1000x750 (slow enough to interrupt), written by Pillow in one process.
"$PY" - "$TMP/raw" <<'EOF'
import os, sys
from PIL import Image
root = sys.argv[1]
base = Image.radial_gradient("L").resize((1000, 750))
for c in range(3):
    os.makedirs(f"{root}/c{c}")
    for i in range(100):
        Image.merge("RGB", (base, base.rotate(i), base.rotate(c * 90))).save(f"{root}/c{c}/{i:03d}.jpg", quality=90)
EOF
total=300
out=$TMP/out

count_outputs() { find "$out" -name '*.jpg' ! -name '.*' 2>/dev/null | wc -l; }

"$BIN/vgg-convert" -q -j 1 "$TMP/raw" "$out" &
pid=$!
for _ in $(seq 1 400); do
    [ "$(count_outputs)" -ge 20 ] && break
    sleep 0.02
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
done_before=$(count_outputs)
[ "$done_before" -lt "$total" ] || skip "the run finished before it could be killed"

# Every output that looks complete is a whole image.
find "$out" -name '*.jpg' ! -name '.*' -print0 | xargs -0 -r "$PY" -c '
import sys
from PIL import Image
for p in sys.argv[1:]:
    with Image.open(p) as im:
        im.load()
        assert im.size == (224, 224), p' || fail "a partial output after kill -9"

"$BIN/vgg-convert" -j 2 "$TMP/raw" "$out" > "$TMP/rerun.out" || fail "rerun failed"
[ "$(count_outputs)" -eq "$total" ] || fail "rerun left $(count_outputs) of $total outputs"
grep -q "$((total - done_before)) converted, $done_before up to date, 0 failed" "$TMP/rerun.out" ||
    fail "rerun summary: $(cat "$TMP/rerun.out") (done before: $done_before)"
[ -z "$(find "$out" -name '.*')" ] || fail "temporaries left: $(find "$out" -name '.*')"

# A source changed after its output: redone, and only it.
touch -d '+2 seconds' "$TMP/raw/c1/050.jpg"
"$BIN/vgg-convert" -j 2 "$TMP/raw" "$out" > "$TMP/touch.out"
grep -q "1 converted, $((total - 1)) up to date" "$TMP/touch.out" || fail "after touch: $(cat "$TMP/touch.out")"

"$BIN/vgg-convert" -j 2 --force "$TMP/raw" "$out" > "$TMP/force.out"
grep -q "$total converted, 0 up to date" "$TMP/force.out" || fail "--force: $(cat "$TMP/force.out")"
