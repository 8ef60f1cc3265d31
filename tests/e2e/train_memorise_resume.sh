#!/bin/bash
# vgg-train on the CPU, end to end: a tiny VGG-A memorises 64 images within a fixed number of
# steps (100% top-1 on them with --eval, and --predict names the right class), and a run
# interrupted by Ctrl-C (SIGINT) then continued with --resume ends with exactly the weights
# and momentum of an uninterrupted run.
. "$(dirname "$0")/lib.sh"
need_bin vgg-train
need_bin vgg-pack
"$PY" -c 'import numpy, PIL' 2>/dev/null || skip "python3-numpy or python3-pil missing"

# 64 images of random noise, 4 classes: only memorisation can tell them apart.
"$PY" - "$TMP/images" <<'PYEOF'
import os, sys, numpy as np
from PIL import Image
rng = np.random.default_rng(3)
for c in range(4):
    os.makedirs(f"{sys.argv[1]}/class{c}", exist_ok=True)
    for i in range(16):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(
            f"{sys.argv[1]}/class{c}/img{i:02d}.png")
PYEOF
"$BIN/vgg-pack" -q -j 1 "$TMP/images" "$TMP/store.lmdb"

# 60 epochs of 4 steps: 240 SGD steps. (BN and a wide FC make the tiny model learn quickly.)
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set data.store="$TMP/store.lmdb"
       --set model.batch_norm=true --set model.fc_width=1024 --set optim.lr=0.02
       --set train.epochs=60 -j 1 -q)
"${train[@]}" --set train.run_dir="$TMP/full" || fail "training exited $?"
out=$("$BIN/vgg-train" --eval "$TMP/full/last.safetensors" --data "$TMP/store.lmdb" --split train -j 1)
echo "$out" | tail -n 3
echo "$out" | grep -qE '^all +64 +100\.00% +100\.00%' || fail "did not memorise the 64 images"
for f in metrics.csv curves.png config.ini best.safetensors last.optim.safetensors; do
    [ -s "$TMP/full/$f" ] || fail "the run directory has no $f"
done
[ "$(wc -l < "$TMP/full/metrics.csv")" -eq 61 ] || fail "metrics.csv should have 60 rows"

pred=$("$BIN/vgg-train" --predict "$TMP/full/last.safetensors" "$TMP/images/class2/img05.png" -j 1)
echo "$pred"
echo "$pred" | sed -n 2p | grep -qE '^ +1 +[0-9.]+ +class2$' || fail "--predict did not name class2 first"

# The same run, interrupted once it is under way, then resumed.
"${train[@]}" --set train.run_dir="$TMP/split" &
pid=$!
for _ in $(seq 1 600); do
    [ -s "$TMP/split/metrics.csv" ] && [ "$(wc -l < "$TMP/split/metrics.csv")" -ge 6 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
done
kill -INT "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
if [ "$rc" -eq 1 ]; then
    echo "stopped after epoch $(tail -n 1 "$TMP/split/metrics.csv" | cut -d, -f1); resuming"
    "${train[@]}" --resume "$TMP/split/last.safetensors" || fail "--resume exited $?"
else
    # Finished before the signal came: the comparison below still has to hold.
    [ "$rc" -eq 0 ] || fail "interrupted run exited $rc, expected 1"
    echo "the run finished before SIGINT arrived"
fi
for f in last.safetensors last.optim.safetensors; do
    tensors_equal "$TMP/full/$f" "$TMP/split/$f" ||
        fail "resumed run's $f differs from the uninterrupted one"
done
echo "weights and momentum identical"
