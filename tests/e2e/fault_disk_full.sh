#!/bin/bash
# Disk full (a small tmpfs) while converting, packing and checkpointing: each program stops or
# skips with "No space left on device" (or "disk full"), leaves nothing partial that looks
# complete, keeps what was there before intact, and a rerun once there is space completes.
# Needs root (mount).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_helpers.bash"
need_bin vgg-convert
need_bin vgg-pack
need_bin vgg-train
D="$ROOT/tests/e2e/pack_data.py"
nospace() { grep -qE "No space left on device|disk full" "$1" || fail "$2: no clear error: $(head -c 600 "$1")"; }

# ---- vgg-convert: 42 outputs of about 10 KB into 120 KB ----
# A full disk is fatal (exit 2, one line naming the output that did not fit), not one skipped
# input per remaining image; the outputs written before it are whole and kept.
"$PY" "$D" make "$TMP/raw" a,b 20 256x256
small_fs "$TMP/c" 120k
rc=$(run_status "$BIN/vgg-convert" -q -j 2 "$TMP/raw" "$TMP/c/out" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "vgg-convert on a full disk exited $rc (expected 2): $(head -c 600 "$TMP/err")"
grep -qxE "vgg-convert: $TMP/c/out/[ab]/[^/]+\.jpg: No space left on device" "$TMP/err" ||
    fail "vgg-convert: no clear disk-full line: $(head -c 600 "$TMP/err")"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "vgg-convert: more than the one line: $(head -c 600 "$TMP/err")"
[ ! -e "$TMP/c/out/convert-errors.tsv" ] || fail "vgg-convert listed the disk-full as skipped inputs"
[ -z "$(find "$TMP/c/out" -name '.*')" ] || fail "temporaries left: $(find "$TMP/c/out" -name '.*')"
n=$(find "$TMP/c/out" -name '*.jpg' | wc -l)
[ "$n" -ge 1 ] && [ "$n" -lt 42 ] || fail "$n outputs on a 120 KB disk"
valid_images "$TMP/c/out" || fail "vgg-convert left a partial image"
find "$TMP/c/out" -name '*.jpg' -exec sha256sum {} + | sort > "$TMP/done"
# Read-only: the same, and --force replaces nothing.
mount -o remount,ro "$TMP/c"
rc=$(run_status "$BIN/vgg-convert" -q -j 1 --force "$TMP/raw" "$TMP/c/out" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "vgg-convert on a read-only disk exited $rc (expected 2)"
grep -qx "vgg-convert: $TMP/c/out/[ab]/[^/]*: Read-only file system" "$TMP/err" ||
    fail "vgg-convert: no clear read-only line: $(head -c 600 "$TMP/err")"
mount -o remount,rw,size=8m "$TMP/c"
sha256sum -c --quiet "$TMP/done" || fail "outputs changed on a read-only disk"
"$BIN/vgg-convert" -j 1 "$TMP/raw" "$TMP/c/out" > "$TMP/out" || fail "convert rerun exited $?"
grep -q "0 failed" "$TMP/out" || fail "convert rerun: $(cat "$TMP/out")"
[ "$(find "$TMP/c/out" -name '*.jpg' ! -name '.*' | wc -l)" -eq 42 ] || fail "rerun: not 42 outputs"
[ -z "$(find "$TMP/c/out" -name '.*')" ] || fail "temporaries left: $(find "$TMP/c/out" -name '.*')"
sha256sum -c --quiet "$TMP/done" || fail "outputs written before the disk filled changed"
valid_images "$TMP/c/out" || fail "convert rerun wrote a bad image"

# ---- vgg-pack: a store that fits, then a bigger one replacing it that does not ----
"$PY" "$D" make "$TMP/small" a,b 5 32x32
"$PY" "$D" make "$TMP/big" a,b 100 64x64
small_fs "$TMP/p" 400k
"$BIN/vgg-pack" -q "$TMP/small" "$TMP/p/s.lmdb" || fail "small pack exited $?"
"$PY" "$D" digest "$TMP/p/s.lmdb" > "$TMP/before"
rc=$(run_status "$BIN/vgg-pack" -q -j 1 --force "$TMP/big" "$TMP/p/s.lmdb" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "vgg-pack on a full disk exited $rc (expected 2): $(head -c 300 "$TMP/err")"
nospace "$TMP/err" vgg-pack
"$PY" "$D" digest "$TMP/p/s.lmdb" > "$TMP/after"
cmp -s "$TMP/before" "$TMP/after" || fail "the old store changed"
expect_status 0 "$BIN/vgg-pack" -q --verify "$TMP/p/s.lmdb"
resize_fs "$TMP/p" 16m
"$BIN/vgg-pack" -q -j 1 --force "$TMP/big" "$TMP/p/s.lmdb" || fail "pack rerun exited $?"
out=$("$BIN/vgg-pack" --verify "$TMP/p/s.lmdb")
echo "$out" | grep -q "202 records checked, 0 bad" || fail "pack rerun: $out"
ls -a "$TMP/p" | grep -q '\.tmp-' && fail "leftover temporary: $(ls -a "$TMP/p")"

# ---- vgg-train: 2 epochs fit; epoch 3's checkpoint does not ----
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/small" "$TMP/t.lmdb"
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set data.store="$TMP/t.lmdb" -j 1 -q)
"${train[@]}" --set train.epochs=4 --set train.run_dir="$TMP/full" || fail "training exited $?"
small_fs "$TMP/t" 4m
"${train[@]}" --set train.epochs=2 --set train.run_dir="$TMP/t/run" || fail "training exited $?"
sha256sum "$TMP/t/run/"*.safetensors > "$TMP/ckpt"
fill_fs "$TMP/t" 64
rc=$(run_status "${train[@]}" --resume "$TMP/t/run/last.safetensors" --set train.epochs=4 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "vgg-train on a full disk exited $rc (expected 2)"
nospace "$TMP/err" vgg-train
sha256sum -c --quiet "$TMP/ckpt" || fail "the epoch-2 checkpoints changed"
[ -z "$(find "$TMP/t/run" -name '.*')" ] || fail "temporaries left: $(find "$TMP/t/run" -name '.*')"
rm "$TMP/t/.filler"
"${train[@]}" --resume "$TMP/t/run/last.safetensors" --set train.epochs=4 || fail "resume exited $?"
for f in last.safetensors last.optim.safetensors; do
    tensors_equal "$TMP/full/$f" "$TMP/t/run/$f" || fail "$f differs from an uninterrupted run"
done
[ "$(cut -d, -f1 "$TMP/t/run/metrics.csv" | tail -n +2 | tr '\n' ' ')" = "1 2 3 4 " ] ||
    fail "metrics.csv after the rerun: $(cat "$TMP/t/run/metrics.csv")"
echo "disk full: clear errors, earlier outputs intact, reruns complete"
