#!/bin/bash
# kill -9 at several points of vgg-convert, vgg-pack and vgg-train: nothing that looks
# complete is partial, and a rerun (vgg-train: --resume) ends with what one uninterrupted
# run makes: the same images, the same records, and (on the CPU, as train/trainer.h
# promises) the same weights and momentum bit for bit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_helpers.bash"
need_bin vgg-convert
need_bin vgg-pack
need_bin vgg-train
D="$ROOT/tests/e2e/pack_data.py"

# kill_when PID CONDITION: kill -9 PID as soon as CONDITION (a shell command) holds; returns 1
# when the process ended first.
kill_when() {
    local pid=$1 cond=$2
    for _ in $(seq 1 1000); do
        eval "$cond" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    local killed=0
    kill -9 "$pid" 2>/dev/null && killed=1
    wait "$pid" 2>/dev/null || true
    [ $killed -eq 1 ]
}

# ---- vgg-convert, killed after 1, 15 and 40 outputs of 120 ----
"$PY" "$D" make "$TMP/raw" a,b,c 39 600x450
count() { find "$TMP/out" -name '*.jpg' ! -name '.*' 2>/dev/null | wc -l; }
"$BIN/vgg-convert" -q -j 2 "$TMP/raw" "$TMP/ref" || fail "uninterrupted convert exited $?"
kills=0
for n in 1 15 40; do
    "$BIN/vgg-convert" -q -j 2 "$TMP/raw" "$TMP/out" & pid=$!
    kill_when "$pid" "[ \$(count) -ge $n ]" && kills=$((kills + 1))
    valid_images "$TMP/out" || fail "a partial image after kill -9 at $n outputs"
done
echo "vgg-convert killed $kills times, $(count) outputs done"
[ $kills -ge 1 ] || fail "vgg-convert finished every time before it could be killed"
"$BIN/vgg-convert" -q -j 2 "$TMP/raw" "$TMP/out" || fail "convert rerun exited $?"
[ -z "$(find "$TMP/out" -name '.*')" ] || fail "temporaries left: $(find "$TMP/out" -name '.*')"
diff -r "$TMP/ref" "$TMP/out" >/dev/null || fail "the rerun's outputs differ from an uninterrupted run"

# ---- vgg-pack into a new store, killed as it starts, early and late ----
"$PY" "$D" make "$TMP/one" c 1 224x224
mkdir -p "$TMP/big/c" "$TMP/big/d"
for i in $(seq 1000); do
    ln "$TMP/one/c/img000.jpg" "$TMP/big/c/$i.jpg"
    ln "$TMP/one/c/img001.png" "$TMP/big/d/$i.png"
done
"$BIN/vgg-pack" -q -j 2 --val-fraction 0.1 "$TMP/big" "$TMP/ref.lmdb" || fail "pack exited $?"
"$PY" "$D" digest "$TMP/ref.lmdb" > "$TMP/ref.digest"
kills=0
for delay in 0 0.1 0.4; do
    "$BIN/vgg-pack" -q -j 2 --val-fraction 0.1 "$TMP/big" "$TMP/s.lmdb" & pid=$!
    if kill_when "$pid" "[ -d \"\$TMP/.s.lmdb.tmp-$pid\" ] && sleep $delay"; then
        kills=$((kills + 1))
        [ -e "$TMP/s.lmdb" ] && fail "a killed pack left something at the store's name"
    else
        echo "vgg-pack finished before kill -9 after ${delay}s"   # a fast machine
        rm -rf "$TMP/s.lmdb"
    fi
done
[ $kills -ge 1 ] || fail "vgg-pack finished every time before it could be killed"
"$BIN/vgg-pack" -q -j 2 --val-fraction 0.1 "$TMP/big" "$TMP/s.lmdb" || fail "pack rerun exited $?"
ls -a "$TMP" | grep -q '\.tmp-' && fail "leftover temporaries: $(ls -a "$TMP" | grep '\.tmp-')"
"$PY" "$D" digest "$TMP/s.lmdb" | cmp -s - "$TMP/ref.digest" || fail "the rerun's store differs"

# ---- vgg-train, killed after epoch 1, while writing a checkpoint after epoch 4 or later,
# and after epoch 8 of 12, resumed each time ----
"$PY" "$D" make "$TMP/small" a,b,c 20 32x32
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/small" "$TMP/t.lmdb"
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set data.store="$TMP/t.lmdb" -j 1 -q
       --set train.epochs=12)
"${train[@]}" --set train.run_dir="$TMP/full" || fail "training exited $?"
rows() { [ -f "$TMP/run/metrics.csv" ] && echo $(($(wc -l < "$TMP/run/metrics.csv") - 1)) || echo 0; }
# a checkpoint being written: a temporary, or the momentum staged before the main file's rename
writing() {
    compgen -G "$TMP/run/.*.tmp-*" >/dev/null || [ -e "$TMP/run/last.optim.safetensors.pending" ]
}
kills=0
for at in 0 3 7; do
    if [ -f "$TMP/run/last.safetensors" ]; then
        "${train[@]}" --resume "$TMP/run/last.safetensors" & pid=$!
    else
        "${train[@]}" --set train.run_dir="$TMP/run" & pid=$!
    fi
    when="[ \$(rows) -gt $at ]"
    [ $at -eq 3 ] && when="$when && writing"
    if kill_when "$pid" "$when"; then
        kills=$((kills + 1))
    else
        echo "training finished before kill -9 after epoch $at"
    fi
    for f in last best; do   # a checkpoint there is whole: --eval reads it
        [ -f "$TMP/run/$f.safetensors" ] || continue
        "$BIN/vgg-train" --eval "$TMP/run/$f.safetensors" --data "$TMP/t.lmdb" -j 1 >/dev/null ||
            fail "$f.safetensors unreadable after kill -9 after epoch $at"
    done
    [ ! -f "$TMP/run/last.safetensors" ] || momentum_matches "$TMP/run/last.safetensors" ||
        fail "no momentum of last.safetensors' step after kill -9 after epoch $at"
done
[ $kills -ge 1 ] || fail "training finished every time before it could be killed"
[ -f "$TMP/run/last.safetensors" ] || fail "no checkpoint after 3 kills"
"${train[@]}" --resume "$TMP/run/last.safetensors" || fail "--resume exited $?"
for f in last.safetensors last.optim.safetensors; do
    tensors_equal "$TMP/full/$f" "$TMP/run/$f" || fail "$f differs from an uninterrupted run"
done
[ -z "$(find "$TMP/run" -name '.*')" ] || fail "temporaries left: $(find "$TMP/run" -name '.*')"
echo "kill -9: nothing partial, reruns equal uninterrupted runs"
