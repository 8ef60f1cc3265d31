#!/bin/bash
# A store damaged after packing (one flipped byte in a record's pixels, or in a record's
# header): vgg-train stops with exit 2 naming the store, the split and the record's index
# before it trains on the damage, keeping the last good checkpoint of a resumed run; with
# data.skip_corrupt = true it leaves the record out, warns once and counts it in metrics.csv;
# vgg-pack --verify names the same record.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
need_bin vgg-train
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" a,b,c 20 32x32
train=("$BIN/vgg-train" --config "$ROOT/configs/tiny.ini" --set train.epochs=2 -j 1 -q)

# A good run to resume from: its last checkpoint must survive a resumed run on a damaged store.
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/in" "$TMP/good.lmdb"
"${train[@]}" --set data.store="$TMP/good.lmdb" --set train.epochs=1 \
    --set train.run_dir="$TMP/good" || fail "training on the good store exited $?"
cp "$TMP/good/last.safetensors" "$TMP/good.before"

# check_damage STORE KEY WHAT: training and --verify both name KEY ("train/12").
check_damage() {
    local store=$1 key=$2 what=$3 rc=0
    local named="$store: ${key%/*} record ${key#*/}\b"
    "${train[@]}" --set data.store="$store" --set train.run_dir="$TMP/run-$what" \
        2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "training on a store with $what exited $rc (expected 2)"
    grep -q "$named" "$TMP/err" || fail "training on $what did not name $key: $(cat "$TMP/err")"
    [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "not one line: $(cat "$TMP/err")"
    [ -f "$TMP/run-$what/last.safetensors" ] && fail "a checkpoint was written from $what"
    rc=0
    "${train[@]}" --set data.store="$store" --resume "$TMP/good/last.safetensors" \
        2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "resuming on a store with $what exited $rc (expected 2)"
    grep -q "$named" "$TMP/err" || fail "resuming on $what did not name $key: $(cat "$TMP/err")"
    cmp -s "$TMP/good.before" "$TMP/good/last.safetensors" ||
        fail "the last good checkpoint changed after $what"
    # data.skip_corrupt: the run finishes, warns once about the record, counts it each epoch.
    rc=0
    "${train[@]}" -q --set data.store="$store" --set data.skip_corrupt=true \
        --set train.run_dir="$TMP/skip-$what" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 0 ] || fail "skip_corrupt on $what exited $rc: $(cat "$TMP/err")"
    [ "$(grep -c "$named.*skipped" "$TMP/err")" -eq 1 ] ||
        fail "skip_corrupt on $what: not one warning for $key: $(cat "$TMP/err")"
    head -n 1 "$TMP/skip-$what/metrics.csv" | grep -q ',skipped,' || fail "no skipped column"
    [ "$(awk -F, 'NR > 1 {print $10}' "$TMP/skip-$what/metrics.csv" | tr '\n' ' ')" = "1 1 " ] ||
        fail "skip_corrupt on $what: $(cat "$TMP/skip-$what/metrics.csv")"
    rc=0
    "$BIN/vgg-pack" --verify "$store" >"$TMP/verify" 2>&1 || rc=$?
    [ "$rc" -eq 1 ] || fail "--verify on $what exited $rc"
    grep -q "${key%/*} record ${key#*/}\b" "$TMP/verify" || fail "--verify missed $key: $(cat "$TMP/verify")"
}

# A pixel byte: only the CRC can tell.
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/in" "$TMP/pixel.lmdb"
key=$("$PY" "$D" flip "$TMP/pixel.lmdb")
[ -n "$key" ] && [ "$key" != None ] || fail "could not locate the flipped record"
check_damage "$TMP/pixel.lmdb" "$key" pixel

# A header byte (the record's format version).
"$BIN/vgg-pack" -q --val-fraction 0.2 "$TMP/in" "$TMP/header.lmdb"
key=$("$PY" - "$TMP/header.lmdb" <<'PYEOF'
import lmdb, struct, sys
path = sys.argv[1] + "/data.mdb"
data = bytearray(open(path, "rb").read())
at = data.find(b"VGGR")
env = lmdb.open(sys.argv[1], readonly=True, lock=False, max_dbs=4)
for split in (b"train", b"val"):
    with env.begin(db=env.open_db(split, create=False)) as txn:
        for k, v in txn.cursor():
            if bytes(v) == bytes(data[at:at + len(v)]):
                print(f"{split.decode()}/{struct.unpack('>Q', k)[0]}")
env.close()
with open(path, "r+b") as f:
    f.seek(at + 4)
    f.write(bytes([data[at + 4] ^ 0x08]))
PYEOF
)
[ -n "$key" ] || fail "could not locate the record of the first header"
check_damage "$TMP/header.lmdb" "$(echo "$key" | head -n 1)" header
echo "damaged records named by vgg-train and --verify"
