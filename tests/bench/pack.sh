#!/bin/bash
# Benchmark of vgg-pack and the store reader (prints figures, asserts nothing).
#
# Data: ../shared/data/imagenet11 (4,940 JPEGs, 224x224, 11 classes); BENCH_QUICK=1 takes
# 40 images per class. Methods, run round-robin for BENCH_ROUNDS rounds (default 3; 1 quick)
# so that drift of the machine's speed hits them alike; medians are shown:
#   vgg-pack 1 core        taskset -c 0, -j 1 (the writer thread shares the core)
#   vgg-pack all cores     -j <nproc>
#   Python packer          python3-lmdb + Pillow, one core (tests/bench/pack_baseline.py)
#   reader API             common/store.h, one thread, every train record in random order,
#                          pixels copied out as a loader would, warm page cache
#   ImageFolder            torchvision's ImageFolder, one core, random order: with ToTensor
#                          only, and with the ImageNet training transform of PyTorch's
#                          examples (RandomResizedCrop, flip, ToTensor, Normalize)
# Also: the decoder choice (TurboJPEG vs MagickWand on the same 1,000 JPEGs, one thread) and
# the store's size against the raw pixel bytes plus record headers.
# Output: a report, and RESULT lines for tests/bench/run-all.sh (docs/benchmarks.md).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/bin}
PY=/usr/bin/python3
SRC=$ROOT/../shared/data/imagenet11
QUICK=${BENCH_QUICK:-0}
ROUNDS=${BENCH_ROUNDS:-$([ "$QUICK" = 1 ] && echo 1 || echo 3)}
CORES=$(nproc)
[ -d "$SRC" ] || { echo "pack bench: $SRC not present"; exit 77; }
[ -x "$BIN/vgg-pack" ] && [ -f "$ROOT/build/libvggcommon.a" ] ||
    { echo "pack bench: $BIN/vgg-pack not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

DATA=$SRC
if [ "$QUICK" = 1 ]; then
    DATA=$work/quick
    for c in "$SRC"/*/; do
        mkdir -p "$DATA/$(basename "$c")"
        ls "$c" | head -n 40 | while read -r f; do ln -s "$c$f" "$DATA/$(basename "$c")/$f"; done
    done
fi
NFILES=$(find -L "$DATA" -type f | wc -l)

cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT" "$ROOT/tests/bench/pack_decoders.c" -o "$work/decoders" \
   $(pkg-config --cflags --libs MagickWand libturbojpeg)
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT" "$ROOT/tests/bench/pack_read.c" -o "$work/read" \
   "$ROOT/build/libvggcommon.a" $(pkg-config --libs lmdb) -pthread

echo "== $NFILES images from $SRC; $CORES cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
dec=$(find -L "$DATA" -type f -iname '*.jp*g' | sort | head -n 1000 | xargs taskset -c 0 "$work/decoders")
echo "$dec"

# Each method prints "<images/s> <MB/s>"; the packers add "<images per CPU-second>" (user +
# system time of the process), a figure that other load on the machine disturbs less.
per_cpu_s() { awk -v n="$NFILES" '{printf " %.0f", n / ($1 + $2)}' "$work/cpu"; }
pack_c() {   # pack_c JOBS [taskset...]
    local jobs=$1; shift
    rm -rf "$work/s.lmdb"
    /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" "$BIN/vgg-pack" -j "$jobs" "$DATA" "$work/s.lmdb" |
        sed -nE 's/.* ([0-9]+) images\/s, ([0-9]+) MB\/s.*/\1 \2/p' | tr -d '\n'
    per_cpu_s
}
pack_py() {
    rm -rf "$work/py.lmdb"
    /usr/bin/time -f "%U %S" -o "$work/cpu" taskset -c 0 "$PY" "$ROOT/tests/bench/pack_baseline.py" \
        pack "$DATA" "$work/py.lmdb" | sed -nE 's/.*: ([0-9]+) images\/s, ([0-9]+) MB\/s.*/\1 \2/p' |
        tr -d '\n'
    per_cpu_s
}
read_c() {
    taskset -c 0 "$work/read" "$work/s.lmdb" 5 | sed -nE 's/.*: ([0-9]+) records\/s, ([0-9.]+) GB\/s.*/\1 \2/p'
}
read_tv() {   # read_tv totensor|train
    taskset -c 0 "$PY" "$ROOT/tests/bench/pack_baseline.py" imagefolder "$DATA" \
        "$([ "$QUICK" = 1 ] && echo 200 || echo 1000)" "$1" |
        sed -nE 's/.*: ([0-9]+) images\/s, ([0-9]+) MB\/s.*/\1 \2/p'
}

declare -A runs
for r in $(seq "$ROUNDS"); do
    runs[c1]+="$(pack_c 1 taskset -c 0)"$'\n'
    runs[py]+="$(pack_py)"$'\n'
    runs[cn]+="$(pack_c "$CORES")"$'\n'
    runs[rd]+="$(read_c)"$'\n'
    runs[tv]+="$(read_tv totensor)"$'\n'
    runs[tt]+="$(read_tv train)"$'\n'
    echo "round $r done"
done
# median KEY FIELD
median() { echo "${runs[$1]}" | grep . | cut -d' ' -f"$2" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

c1=$(median c1 1) c1mb=$(median c1 2) c1cpu=$(median c1 3) cn=$(median cn 1) cnmb=$(median cn 2)
py=$(median py 1) pymb=$(median py 2) pycpu=$(median py 3) rd=$(median rd 1) rdgb=$(median rd 2)
tv=$(median tv 1) tvmb=$(median tv 2) tt=$(median tt 1)
echo
echo "== pack (median of $ROUNDS)"
echo "vgg-pack, 1 core:       $c1 images/s, $c1mb MB/s"
echo "vgg-pack, $CORES cores:      $cn images/s, $cnmb MB/s"
echo "Python packer, 1 core:  $py images/s, $pymb MB/s"
echo "per CPU-second:         vgg-pack $c1cpu images, Python packer $pycpu images"
echo "== read, 1 core, random order (median of $ROUNDS)"
echo "reader API:             $rd records/s, $rdgb GB/s"
echo "ImageFolder, ToTensor:  $tv images/s, $tvmb MB/s"
echo "ImageFolder, training transform: $tt images/s"
"$work/read" "$work/s.lmdb" 2 verify
sizes=$("$BIN/vgg-pack" --info --json "$work/s.lmdb" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
n = j["counts"]["train"] + j["counts"]["val"]
print(j["bytes"] / 1e6, n * (32 + j["height"] * j["width"] * j["channels"]) / 1e6)')
echo "== store size: ${sizes% *} MB; raw pixels + headers ${sizes#* } MB"

tj=$(echo "$dec" | sed -nE 's/.*TurboJPEG [0-9]+ us\/image \(([0-9]+) images.*/\1/p')
mw=$(echo "$dec" | sed -nE 's/.*MagickWand [0-9]+ us\/image \(([0-9]+) images.*/\1/p')
echo "RESULT|pack|decode 224x224 JPEG, 1 thread|images/s|$tj|MagickWand|$mw"
echo "RESULT|pack|imagenet11, 1 core|images/s|$c1|Python packer, 1 core|$py"
echo "RESULT|pack|imagenet11, 1 core|MB/s|$c1mb|Python packer, 1 core|$pymb"
echo "RESULT|pack|imagenet11, CPU time|images/CPU-s|$c1cpu|Python packer|$pycpu"
echo "RESULT|pack|imagenet11, $CORES cores|images/s|$cn|Python packer, 1 core|$py"
echo "RESULT|pack|imagenet11, $CORES cores|MB/s|$cnmb|Python packer, 1 core|$pymb"
echo "RESULT|load|random order, 1 core|records/s|$rd|ImageFolder + ToTensor|$tv"
echo "RESULT|load|random order, 1 core|records/s|$rd|ImageFolder + train transform|$tt"
echo "RESULT|load|random order, 1 core|MB/s|$(awk "BEGIN{print $rdgb * 1000}")|ImageFolder + ToTensor|$tvmb"
echo "RESULT|pack|store size|MB|${sizes% *}|raw pixels + headers|${sizes#* }"
