#!/bin/bash
# make pipeline RAW=... CONFIG=... WORK=... SIZE=... VAL=... on a small raw folder: the four
# stages run and the summary says where everything is; a bad raw file is skipped, not fatal;
# then Make tracks the parameters (SIZE reconverts, VAL repacks only), a removed product is
# remade, and a second run redoes nothing. The programs are taken as built (-o): this test
# never rebuilds them.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/bin}
gen=${SAMPLE_GEN_PATH:-$root/build/data/gen-sample}
for p in "$BIN/vgg-convert" "$BIN/vgg-pack" "$BIN/vgg-train" "$gen"; do
    if [ ! -x "$p" ]; then echo "not built: $p"; exit 77; fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/log" ] && tail -n 30 "$tmp/log"; exit 1; }

"$gen" -q --per-class 8 --seed 3 "$tmp/raw"
echo "not a picture" > "$tmp/raw/discs/broken.jpg"
w=$tmp/work run=$tmp/work/runs/tiny

pipe() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice make --no-print-directory -C "$root" BIN="$BIN" \
        -o "$BIN/vgg-convert" -o "$BIN/vgg-pack" -o "$BIN/vgg-train" \
        RAW="$tmp/raw" CONFIG=configs/tiny.ini WORK="$w/" "$@"
}

pipe SIZE=32 VAL=0.25 pipeline > "$tmp/log" 2>&1 || fail "make pipeline exited $?"
grep -q 'pipeline: some inputs were skipped' "$tmp/log" || fail "the skipped input is not reported"
grep -q 'broken.jpg' "$w/images/convert-errors.tsv" || fail "broken.jpg not in convert-errors.tsv"
grep -qE '^pipeline: validation accuracy of the best checkpoint on 10 images: top-1 [0-9.]+%' "$tmp/log" ||
    fail "no accuracy line for 10 validation images (25% of 40)"
for f in "$w/data.lmdb/data.mdb" "$run/best.safetensors" "$run/last.safetensors" "$run/metrics.csv" \
         "$run/curves.png" "$run/eval.txt"; do
    [ -s "$f" ] || fail "$f missing"
    grep -q "${f%/*}" "$tmp/log" || fail "the summary does not say where $f is"
done
[ "$(identify -format '%wx%h' "$(find "$w/images/rings" -name '*.jpg' | head -n 1)")" = 32x32 ] ||
    fail "SIZE=32 not applied"

target=$run/eval.txt
pipe SIZE=32 VAL=0.25 -q "$target" || fail "make -q: not up to date after a run"
# The stages a run would do, from make -n: each stage's command line as the recipe has it.
stage_re='vgg-(convert --size|pack --force|train --config|train --eval)'
stages() { pipe "$@" -n "$target" 2>&1 | grep -oE "$stage_re" | LC_ALL=C sort -u | tr '\n' ' '; }
[ "$(stages SIZE=48 VAL=0.25)" = "vgg-convert --size vgg-pack --force vgg-train --config vgg-train --eval " ] ||
    fail "SIZE changed: expected every stage, got: $(stages SIZE=48 VAL=0.25)"
[ "$(stages SIZE=32 VAL=0.5)" = "vgg-pack --force vgg-train --config vgg-train --eval " ] ||
    fail "VAL changed: expected pack, train, eval, got: $(stages SIZE=32 VAL=0.5)"
rm "$run/best.safetensors"
[ "$(stages SIZE=32 VAL=0.25)" = "vgg-train --config vgg-train --eval " ] ||
    fail "best.safetensors removed: expected train and eval, got: $(stages SIZE=32 VAL=0.25)"

pipe SIZE=32 VAL=0.25 pipeline > "$tmp/log" 2>&1 || fail "the rerun exited $?"
if grep -qE 'vgg-(convert --size|pack --force)' "$tmp/log"; then fail "the rerun redid convert or pack"; fi
pipe SIZE=32 VAL=0.25 pipeline > "$tmp/log" 2>&1 || fail "the third run exited $?"
if grep -qE "$stage_re" "$tmp/log"; then fail "a run with nothing to do ran a stage"; fi

# Without RAW or CONFIG: a usage message and exit 2 (make reports the recipe's failure).
set +e
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u RAW -u CONFIG make --no-print-directory -C "$root" pipeline > "$tmp/log" 2>&1
rc=$?
set -e
[ $rc -ne 0 ] && grep -q 'usage: make pipeline RAW=' "$tmp/log" || fail "make pipeline without RAW: exit $rc"
echo "ok"
