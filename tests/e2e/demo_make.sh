#!/bin/bash
# make demo, as a new user meets it: in a fresh copy of the repository (the tracked and
# untracked-but-not-ignored files, as a clean clone has them: nothing built), one `make demo`
# builds, makes the sample, converts, packs, trains and evaluates; it prints the validation
# accuracy, far above chance, and where everything is, and the files are there. Then Make's
# dependencies are real: a second `make demo` redoes nothing (and `make -q` agrees), editing
# the config retrains only, and touching a raw picture reconverts that picture alone.
set -eu
if [ -n "${SANITIZE:-}" ]; then   # the copy would build and train under ASan: far too slow
    echo "make demo is checked by the plain make test"
    exit 77
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "not a git checkout: cannot make a clean copy"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/log" ] && tail -n 40 "$tmp/log"; exit 1; }

# The clean copy. Files deleted from the working tree but still in the index are left out.
src=$tmp/src
mkdir "$src"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$src"
[ ! -e "$src/bin" ] && [ ! -e "$src/build" ] && [ ! -e "$src/work" ] || fail "the copy is not clean"

# The copy's make must not see this run's settings: BIN (set by make test) would send its
# programs into this checkout's bin/, and an outer make's flags would leak its jobserver.
m() {
    env -u BIN -u BUILD -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAMPLE_GEN_PATH -u RAW -u CONFIG \
        -u WORK -u SIZE -u VAL nice make --no-print-directory -C "$src" "$@"
}

# CUDA=0: the demo trains on the CPU; building the CUDA kernels too would only add minutes
# (make test builds and tests them in the checkout itself).
start=$(date +%s)
m CUDA=0 demo > "$tmp/log" 2>&1 || fail "make demo exited $?"
echo "make demo took $(( $(date +%s) - start )) s"

# The summary: where everything is, and the accuracy.
w=$src/work/demo run=$src/work/demo/runs/demo
line=$(grep -E '^demo: validation accuracy' "$tmp/log") || fail "no accuracy line"
echo "$line"
top1=$(echo "$line" | sed -E 's/.*top-1 ([0-9.]+)%.*/\1/')
# 5 classes: chance is 20%.
awk -v t="$top1" 'BEGIN { exit !(t >= 70) }' || fail "validation top-1 $top1% is not far above chance (20%)"
for p in work/demo/data.lmdb best.safetensors last.safetensors metrics.csv curves.png eval.txt; do
    grep -q -- "$p" "$tmp/log" || fail "the summary does not say where $p is"
done

# The files.
[ "$(find "$w/raw" -type f | wc -l)" -eq 1500 ] || fail "raw sample: expected 1500 pictures"
[ "$(find "$w/images" -type f -name '*.jpg' | wc -l)" -eq 1500 ] || fail "converted: expected 1500 pictures"
[ "$(identify -format '%wx%h' "$(find "$w/images/rings" -name '*.jpg' | head -n 1)")" = 72x72 ] ||
    fail "converted pictures are not 72x72"
"$src/bin/vgg-pack" --verify "$w/data.lmdb" > /dev/null || fail "vgg-pack --verify failed on the demo store"
for f in best.safetensors last.safetensors metrics.csv curves.png eval.txt; do
    [ -s "$run/$f" ] || fail "$run/$f missing or empty"
done
epochs=$(awk -F= '$1 ~ /^ *epochs *$/ { gsub(/ /, "", $2); print $2 }' "$src/configs/demo.ini")
[ "$(tail -n +2 "$run/metrics.csv" | wc -l)" -eq "$epochs" ] || fail "metrics.csv: expected $epochs epochs"
[ "$(identify -format '%m' "$run/curves.png")" = PNG ] || fail "curves.png is not a PNG"

# A second make demo redoes nothing: no stage runs, no stamp or product changes.
# A stage's command line as make prints it (echoed, or quoted by convert_cmd).
stages="(^|')(build/data/gen-sample|bin/vgg-convert|bin/vgg-pack|bin/vgg-train) "
snapshot() { find "$w" -maxdepth 4 \( -name '.*.stamp' -o -name '*.safetensors' -o -name data.mdb \
                                      -o -name eval.txt \) -printf '%p %T@\n' | sort; }
snapshot > "$tmp/before"
m CUDA=0 demo > "$tmp/log2" 2>&1 || fail "second make demo exited $?"
if grep -E "$stages" "$tmp/log2"; then fail "second make demo reran a stage"; fi
grep -q '^demo: validation accuracy' "$tmp/log2" || fail "second make demo did not print the summary"
snapshot | cmp -s - "$tmp/before" || fail "second make demo changed files"
m CUDA=0 -q work/demo/runs/demo/eval.txt || fail "make -q: the demo's results are not up to date"

# Editing the config retrains and re-evaluates, nothing before.
touch "$src/configs/demo.ini"
m CUDA=0 -n demo-results > "$tmp/plan" 2>&1 || fail "make -n after touching the config failed"
grep -q '^bin/vgg-train --config' "$tmp/plan" && grep -q '^bin/vgg-train --eval' "$tmp/plan" ||
    fail "touching the config does not retrain"
if grep -E "(^|')(build/data/gen-sample|bin/vgg-convert|bin/vgg-pack) " "$tmp/plan"; then fail "touching the config redoes earlier stages"; fi

# Touching one raw picture reconverts it alone (then the later stages follow), and does not
# regenerate the sample.
picture=$(find "$w/raw/discs" -type f | LC_ALL=C sort | head -n 1)
touch -c "$picture"
m CUDA=0 -n demo-results > "$tmp/plan" 2>&1 || fail "make -n after touching a raw picture failed"
if grep -q '^build/data/gen-sample ' "$tmp/plan"; then fail "touching a raw picture regenerates the sample"; fi
grep -q '^bin/vgg-pack ' "$tmp/plan" || fail "touching a raw picture does not repack"
m CUDA=0 work/demo/.convert.stamp > "$tmp/log3" 2>&1 || fail "reconverting failed"
grep -q '1 converted, 1499 up to date' "$tmp/log3" || { cat "$tmp/log3"; fail "expected exactly one picture reconverted"; }
echo "ok"
