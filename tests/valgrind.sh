#!/bin/bash
# make valgrind: each program's end-to-end path under valgrind memcheck: convert a few images
# (TurboJPEG and MagickWand paths), pack them, --verify and --info, train a tiny model for one
# epoch on the CPU, --resume it, --eval and --predict. Fails on any memcheck error or definite
# leak (suppressions: tests/valgrind.supp, third-party only). Usage: BIN=bin bash tests/valgrind.sh
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/bin}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }

failed=0
vg() {
    local name=$1 rc=0
    shift
    echo "== valgrind: $name"
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --num-callers=30 --suppressions="$ROOT/tests/valgrind.supp" \
        "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" || rc=$?
    if [ $rc -ne 0 ]; then
        failed=$((failed + 1))
        echo "FAIL  $name (exit $rc)"
        grep -E '^==[0-9]+==' "$TMP/$name.log" | head -n 60 || tail -n 20 "$TMP/$name.log"
    fi
}

"$PY" "$ROOT/tests/e2e/pack_data.py" make "$TMP/raw" a,b,c 8 96x72
convert -size 80x60 -seed 7 plasma:red-blue -colorspace CMYK "$TMP/raw/a/cmyk.jpg"   # MagickWand
convert -size 60x80 -seed 7 plasma:red-blue "$TMP/raw/b/plain.gif"
vg convert "$BIN/vgg-convert" -q -j 2 --size 32 "$TMP/raw" "$TMP/img"
vg pack "$BIN/vgg-pack" -q -j 2 --val-fraction 0.25 "$TMP/img" "$TMP/s.lmdb"
vg verify "$BIN/vgg-pack" --verify "$TMP/s.lmdb"
vg info "$BIN/vgg-pack" --info "$TMP/s.lmdb"
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set data.store="$TMP/s.lmdb"
       --set train.run_dir="$TMP/run" --device cpu -j 2 -q)
vg train "${train[@]}" --set train.epochs=1
vg resume "$BIN/vgg-train" --resume "$TMP/run/last.safetensors" --set train.epochs=2 -j 2 -q
vg eval "$BIN/vgg-train" --eval "$TMP/run/last.safetensors" --data "$TMP/s.lmdb" -j 2
vg predict "$BIN/vgg-train" --predict "$TMP/run/last.safetensors" "$TMP/raw/a/cmyk.jpg" -j 2
echo "valgrind: $failed of 8 runs with errors"
[ $failed -eq 0 ]
