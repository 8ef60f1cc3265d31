#!/bin/bash
# vgg-train's failures are clear one-line errors with the documented exit status: a store of
# the wrong format or no store at all (2), a checkpoint of another architecture for --resume
# and --eval on a store with other classes (2), an unreadable image among --predict's files
# (named, the others still predicted, 1), a non-finite loss (2), and a run that needs more
# memory than there is (2, before any work).
. "$(dirname "$0")/lib.sh"
need_bin vgg-train
need_bin vgg-pack
"$PY" -c 'import lmdb, numpy, PIL' 2>/dev/null || skip "python3-lmdb, numpy or pil missing"
T="$BIN/vgg-train"
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" a,b,c 8 32x32
"$BIN/vgg-pack" -q -j 1 "$TMP/in" "$TMP/s.lmdb"
tiny=("$T" --config "$ROOT/configs/tiny.ini" --set data.store="$TMP/s.lmdb" -j 1 -q)

# A store of another format version, and a folder that is no store.
cp -r "$TMP/s.lmdb" "$TMP/v2.lmdb"
"$PY" "$D" set-meta "$TMP/v2.lmdb" format_version 2
expect_status 2 "${tiny[@]}" --set data.store="$TMP/v2.lmdb" --set train.run_dir="$TMP/r" 2> "$TMP/err"
grep -q "v2.lmdb" "$TMP/err" && grep -qi "version 2" "$TMP/err" || fail "$(cat "$TMP/err")"
expect_status 2 "${tiny[@]}" --set data.store="$TMP/in" --set train.run_dir="$TMP/r" 2> "$TMP/err"
grep -q "$TMP/in" "$TMP/err" || fail "$(cat "$TMP/err")"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "not one line: $(cat "$TMP/err")"

# A checkpoint to work with.
"${tiny[@]}" --set train.epochs=1 --set train.run_dir="$TMP/a" || fail "training exited $?"
ck="$TMP/a/last.safetensors"

# --resume with a configuration of another architecture.
expect_status 2 "${tiny[@]}" --set model.arch=vgg13 --resume "$ck" 2> "$TMP/err"
grep -q "another architecture" "$TMP/err" || fail "$(cat "$TMP/err")"

# --eval on a store whose classes differ.
"$PY" "$D" make "$TMP/in2" a,b 4 32x32
"$BIN/vgg-pack" -q -j 1 "$TMP/in2" "$TMP/s2.lmdb"
expect_status 2 "$T" --eval "$ck" --data "$TMP/s2.lmdb" --split train -j 1 2> "$TMP/err"
grep -q "s2.lmdb has 2 classes" "$TMP/err" || fail "$(cat "$TMP/err")"
# --eval of a split the store does not have.
expect_status 2 "$T" --eval "$ck" --data "$TMP/s.lmdb" -j 1 2> "$TMP/err"
grep -q "s.lmdb has no val split" "$TMP/err" || fail "$(cat "$TMP/err")"
# --eval of something that is no checkpoint.
expect_status 2 "$T" --eval "$TMP/in/a/img000.jpg" --data "$TMP/s.lmdb" -j 1 2> "$TMP/err"
grep -q "img000.jpg: not a safetensors file" "$TMP/err" || fail "$(cat "$TMP/err")"

# --predict: an unreadable file is named, the good images are still predicted, exit 1.
printf 'not an image' > "$TMP/broken.jpg"
rc=0
"$T" --predict "$ck" "$TMP/in/a/img000.jpg" "$TMP/broken.jpg" "$TMP/missing.png" \
    "$TMP/in/b/img001.jpg" -j 1 > "$TMP/out" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 1 ] || fail "--predict with unreadable images exited $rc"
grep -q "broken.jpg: cannot read the image" "$TMP/err" || fail "$(cat "$TMP/err")"
grep -q "missing.png" "$TMP/err" || fail "$(cat "$TMP/err")"
[ "$(grep -c '^ *1 ' "$TMP/out")" -eq 2 ] || fail "good images not predicted: $(cat "$TMP/out")"
grep -q "img001.jpg" "$TMP/out" || fail "$(cat "$TMP/out")"

# A diverging run stops at once with a clear message (the trainer's unit tests check that the
# last good checkpoint is kept when this happens later in a run).
expect_status 2 "${tiny[@]}" --set optim.lr=100 --set optim.momentum=0.99 --set train.batch=4 \
    --set train.epochs=3 --set train.run_dir="$TMP/nan" 2> "$TMP/err"
grep -q "epoch 1, step [0-9]*: the loss is not finite" "$TMP/err" || fail "$(cat "$TMP/err")"
[ -e "$TMP/nan/last.safetensors" ] && fail "a diverged run wrote a checkpoint"

# Batch 65536 of a full-width VGG-A at 512x512 needs petabytes: refused before any work.
expect_status 2 "${tiny[@]}" --set train.batch=65536 --set model.width_div=1 \
    --set model.input_size=512 --set train.run_dir="$TMP/huge" 2> "$TMP/err"
grep -q "tiny.ini: this run needs about [0-9.]* GiB of memory (batch 65536), [0-9.]* [GM]iB are available; lower train.batch or use train.accumulate\$" "$TMP/err" ||
    fail "$(cat "$TMP/err")"
[ -e "$TMP/huge" ] && fail "the run directory was made before the memory check"
echo "ok"
