#!/bin/bash
# Hostile surroundings: inputs on a read-only file system are read (nothing is written
# there); files a user cannot read are named with "Permission denied" and the rest goes on
# (vgg-convert) or the run stops before writing anything (vgg-pack, vgg-train); two trainers
# reading one store at once both finish, with the same result; a configuration that needs
# more memory than the machine has stops with a clear error before any work starts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_helpers.bash"
need_bin vgg-convert
need_bin vgg-pack
need_bin vgg-train
need_cmd setpriv
D="$ROOT/tests/e2e/pack_data.py"
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set train.epochs=2 -j 1 -q)

# ---- read-only file system holding the images and a store ----
"$PY" "$D" make "$TMP/src" a,b 6 40x40
small_fs "$TMP/ro" 8m
cp -r "$TMP/src" "$TMP/ro/raw"
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/ro/raw" "$TMP/ro/s.lmdb"
mount -o remount,ro "$TMP/ro"
"$BIN/vgg-convert" -q "$TMP/ro/raw" "$TMP/conv" || fail "convert from a read-only fs exited $?"
[ "$(find "$TMP/conv" -name '*.jpg' | wc -l)" -eq 14 ] || fail "convert from a read-only fs"
"$BIN/vgg-pack" -q "$TMP/ro/raw" "$TMP/p.lmdb" || fail "pack from a read-only fs exited $?"
"${train[@]}" --set data.store="$TMP/ro/s.lmdb" --set train.run_dir="$TMP/run-ro" ||
    fail "training on a store on a read-only fs exited $?"
expect_status 0 "$BIN/vgg-pack" -q --verify "$TMP/ro/s.lmdb"

# ---- files nobody may read, as user nobody ----
as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
chmod 755 "$TMP"
cp -r "$TMP/src" "$TMP/raw"
chmod 000 "$TMP/raw/a/img002.jpg" "$TMP/raw/b"
mkdir -m 777 "$TMP/w"
"${as_nobody[@]}" cat "$TMP/raw/a/img002.jpg" >/dev/null 2>&1 && skip "setpriv did not drop root"
rc=$(run_status "${as_nobody[@]}" "$BIN/vgg-convert" -q "$TMP/raw" "$TMP/w/conv" 2>"$TMP/err")
[ "$rc" -eq 1 ] || fail "convert with unreadable inputs exited $rc (expected 1): $(cat "$TMP/err")"
grep -q "raw/a/img002.jpg.*Permission denied" "$TMP/err" || fail "convert: $(cat "$TMP/err")"
grep -q "raw/b.*Permission denied" "$TMP/err" || fail "convert did not name raw/b: $(cat "$TMP/err")"
[ "$(find "$TMP/w/conv" -name '*.jpg' | wc -l)" -eq 6 ] || fail "convert did not do the readable rest"
rc=$(run_status "${as_nobody[@]}" "$BIN/vgg-pack" -q "$TMP/raw" "$TMP/w/p.lmdb" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "pack with unreadable inputs exited $rc (expected 2)"
grep -q "Permission denied" "$TMP/err" || fail "pack: $(cat "$TMP/err")"
[ -e "$TMP/w/p.lmdb" ] && fail "pack wrote a store"
cp -r "$TMP/p.lmdb" "$TMP/locked.lmdb"
chmod 000 "$TMP/locked.lmdb/data.mdb"
rc=$(run_status "${as_nobody[@]}" "${train[@]}" --set data.store="$TMP/locked.lmdb" \
     --set train.run_dir="$TMP/w/run" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "training on an unreadable store exited $rc (expected 2)"
grep -q "locked.lmdb.*Permission denied" "$TMP/err" || fail "train: $(cat "$TMP/err")"
[ -e "$TMP/w/run/last.safetensors" ] && fail "training on an unreadable store wrote a checkpoint"
cp "$ROOT/configs/tiny.ini" "$TMP/secret.ini" && chmod 000 "$TMP/secret.ini"
rc=$(run_status "${as_nobody[@]}" "$BIN/vgg-train" --config "$TMP/secret.ini" 2>"$TMP/err")
[ "$rc" -eq 2 ] || fail "training with an unreadable config exited $rc (expected 2)"
grep -q "secret.ini.*Permission denied" "$TMP/err" || fail "config: $(cat "$TMP/err")"

# ---- two trainers on one store at once ----
"$PY" "$D" make "$TMP/more" a,b,c 30 32x32
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/more" "$TMP/two.lmdb"
two=("${train[@]}" --set data.store="$TMP/two.lmdb" --set train.epochs=6)
"${two[@]}" --set train.run_dir="$TMP/run1" & p1=$!
"${two[@]}" --set train.run_dir="$TMP/run2" & p2=$!
wait "$p1" || fail "the first of two trainers exited $?"
wait "$p2" || fail "the second of two trainers exited $?"
tensors_equal "$TMP/run1/last.safetensors" "$TMP/run2/last.safetensors" ||
    fail "two trainers on one store ended with different weights"

# ---- more memory than the machine has ----
# vgg-train estimates what the run needs before any work and compares it with the memory
# available, RLIMIT_AS included: under an address-space limit (half the available memory, at
# most 8 GiB) it must say so clearly instead of failing an allocation halfway.
# AddressSanitizer cannot run under such a limit (its shadow memory): not checked there.
huge=("${train[@]}" --set data.store="$TMP/two.lmdb" --set train.run_dir="$TMP/huge"
      --set train.batch=65536 --set model.width_div=1 --set model.fc_width=4096)
check_refused() {
    [ "$1" -eq 2 ] || fail "a config needing more memory than there is exited $1 (expected 2)"
    grep -q "tiny.ini: this run needs about [0-9.]* GiB of memory (batch 65536), [0-9.]* [GM]iB are available; lower train.batch or use train.accumulate" "$TMP/err" ||
        fail "no clear error for too much memory: $(cat "$TMP/err")"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "not one line: $(cat "$TMP/err")"
    [ -e "$TMP/huge" ] && fail "work started before the memory check"
    return 0
}
# Batch 65536 at 512x512: petabytes, more than any machine.
rc=$(run_status timeout 300 "${huge[@]}" --set model.input_size=512 2>"$TMP/err")
check_refused "$rc"
if grep -q __asan_init "$BIN/vgg-train"; then
    echo "memory limit not checked: vgg-train is built with AddressSanitizer"
else
    avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
    limit_kb=$((avail_kb / 2 < 8388608 ? avail_kb / 2 : 8388608))
    # Batch 8192 at 32x32: about 14 GiB, more than the limit.
    rc=$(ulimit -v "$limit_kb"; run_status timeout 300 "${huge[@]}" --set train.batch=8192 \
         2>"$TMP/err")
    [ "$rc" -eq 2 ] || fail "a config needing more than the address-space limit exited $rc"
    grep -q "needs about [0-9.]* GiB of memory (batch 8192), [0-9.]* [GM]iB are available" \
        "$TMP/err" || fail "no clear error under ulimit -v: $(cat "$TMP/err")"
    [ -e "$TMP/huge" ] && fail "work started before the memory check under ulimit -v"
fi
echo "read-only, unreadable, shared store and memory limits handled"
