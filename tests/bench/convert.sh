#!/bin/bash
# Benchmark of vgg-convert (prints figures, asserts nothing).
#
# Corpus: BENCH_N images (default 1100) made from ../shared/data/imagenet11, upscaled to
# typical ImageNet sizes (two thirds 500x375, one third 375x500), JPEG quality 90.
# Methods, all to 224x224 centre crop, JPEG quality 95, 4:4:4:
#   vgg-convert          -j 1 on one core, -j <all> on all cores
#   pillow+draft         Pillow with Image.draft (DCT-domain downscale), bicubic;
#                        one process on one core, a multiprocessing pool on all cores
#   convert-per-image    one ImageMagick `convert` process per image (the original approach),
#                        on the first BENCH_CLI_N images (default 150), one core
# One-core runs are pinned with taskset. Methods run round-robin for BENCH_ROUNDS rounds
# (default 3) so that drift of the machine's speed hits them alike; the median is shown.
# Quality: mean absolute difference (0..255) of each method's outputs to a reference made by
# a full decode (no draft) + Lanczos + the same crop, kept in memory without JPEG encoding.
# Peak memory (max RSS) of vgg-convert on all cores is shown too.
#
# Usage: tests/bench/convert.sh        (BIN, BENCH_N, BENCH_ROUNDS, BENCH_CLI_N, BENCH_KEEP)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/bin}
PY=/usr/bin/python3
if [ "${BENCH_QUICK:-0}" != 0 ]; then   # under a minute: fewer images, one round
    N=${BENCH_N:-200}; ROUNDS=${BENCH_ROUNDS:-1}; CLI_N=${BENCH_CLI_N:-40}
else
    N=${BENCH_N:-1100}; ROUNDS=${BENCH_ROUNDS:-3}; CLI_N=${BENCH_CLI_N:-150}
fi
SRC=$ROOT/../shared/data/imagenet11
CORES=$(nproc)
[ -d "$SRC" ] || { echo "convert bench: $SRC not present"; exit 77; }
[ -x "$BIN/vgg-convert" ] || { echo "convert bench: $BIN/vgg-convert not built"; exit 77; }
work=$(mktemp -d)
[ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

echo "== corpus: $N images from $SRC (500x375 / 375x500, quality 90); $CORES cores"
"$PY" - "$SRC" "$work/corpus" "$N" <<'EOF'
import os, sys
from PIL import Image
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(src, followlinks=True) for f in fs
               if f.lower().endswith((".jpg", ".jpeg")))
for i in range(n):
    path = files[i * len(files) // n]
    cls = os.path.basename(os.path.dirname(path))
    os.makedirs(os.path.join(dst, cls), exist_ok=True)
    size = (375, 500) if i % 3 == 2 else (500, 375)
    with Image.open(path) as im:
        im.convert("RGB").resize(size, Image.LANCZOS).save(
            os.path.join(dst, cls, f"{i:05d}.jpg"), quality=90)
EOF
find "$work/corpus" -name '*.jpg' | sort > "$work/list"
head -n "$CLI_N" "$work/list" > "$work/list_cli"

cat > "$work/pillow.py" <<'EOF'
# Pillow with draft: argv = list file, output folder, processes.
import os, sys
from multiprocessing import Pool
from PIL import Image
S = 224
def one(job):
    src, dst = job
    with Image.open(src) as im:
        w, h = im.size
        s = min(w, h)
        im.draft("RGB", ((S * w + s - 1) // s, (S * h + s - 1) // s))  # shorter side >= S
        sx, sy = im.size[0] / w, im.size[1] / h
        box = ((w - s) / 2 * sx, (h - s) / 2 * sy, (w + s) / 2 * sx, (h + s) / 2 * sy)
        im.convert("RGB").resize((S, S), Image.BICUBIC, box=box).save(dst, quality=95, subsampling=0)
files = open(sys.argv[1]).read().split()
jobs = [(f, os.path.join(sys.argv[2], f"{i:05d}.jpg")) for i, f in enumerate(files)]
os.makedirs(sys.argv[2], exist_ok=True)
procs = int(sys.argv[3])
if procs == 1:
    for j in jobs: one(j)
else:
    with Pool(procs) as p: p.map(one, jobs, chunksize=16)
EOF

# One ImageMagick process per image: argv = list file, output folder.
cat > "$work/cli.sh" <<'EOF'
mkdir -p "$2"
i=0
while read -r f; do
    MAGICK_THREAD_LIMIT=1 convert "$f" -resize '224x224^' -gravity center -extent 224x224 \
        -quality 95 -sampling-factor 1x1 -strip "$2/$(printf %05d $i).jpg"
    i=$((i + 1))
done < "$1"
EOF

# time_run NAME COUNT CMD...: appends "NAME images/s" to $work/rates.
time_run() {
    local name=$1 count=$2 start end
    shift 2
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    awk -v n="$name" -v c="$count" -v s="$start" -v e="$end" 'BEGIN { print n, c / (e - s) }' >> "$work/rates"
}

# Each round writes to folders of its own and nothing is deleted until the end: on an ext4
# without a journal (this machine's root), creating a file right after thousands were deleted
# makes the inode allocator step over each recently deleted inode (ext4's recently_deleted
# check, 30 s), which perf showed taking 20-30% of the time of whichever method ran first
# after an `rm -rf` of the previous round.
: > "$work/rates"
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round/$ROUNDS"
    o=$work/out/$round
    time_run "vgg-convert/1core" "$N" taskset -c 0 "$BIN/vgg-convert" -q -j 1 "$work/corpus" "$o/vgg1"
    time_run "pillow+draft/1core" "$N" taskset -c 0 "$PY" "$work/pillow.py" "$work/list" "$o/pil1" 1
    time_run "convert-per-image/1core" "$CLI_N" taskset -c 0 bash "$work/cli.sh" "$work/list_cli" "$o/cli1"
    time_run "vgg-convert/${CORES}cores" "$N" "$BIN/vgg-convert" -q -j "$CORES" "$work/corpus" "$o/vggN"
    time_run "pillow+draft/${CORES}cores" "$N" "$PY" "$work/pillow.py" "$work/list" "$o/pilN" "$CORES"
done
/usr/bin/time -f "%M" -o "$work/rss" "$BIN/vgg-convert" -q -j "$CORES" "$work/corpus" "$work/out/rss"

echo "== images/s (median of $ROUNDS rounds; convert-per-image on $CLI_N images)"
"$PY" - "$work/rates" <<'EOF'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    name, r = line.split()
    rates.setdefault(name, []).append(float(r))
med = {k: statistics.median(v) for k, v in rates.items()}
for k, v in rates.items():
    print(f"  {k:28s} {med[k]:8.1f}   (rounds: {', '.join(f'{x:.1f}' for x in v)})")
one = lambda m: next(v for k, v in med.items() if k.startswith(m) and k.endswith("1core"))
allc = lambda m: next(v for k, v in med.items() if k.startswith(m) and not k.endswith("1core"))
print(f"  vgg-convert / pillow+draft, one core:  {one('vgg') / one('pillow'):.2f}x")
print(f"  vgg-convert / convert-per-image, one core: {one('vgg') / one('convert-per'):.1f}x")
print(f"  vgg-convert / pillow+draft, all cores: {allc('vgg') / allc('pillow'):.2f}x")
print(f"  scaling of vgg-convert, all cores / one core: {allc('vgg') / one('vgg'):.2f}x")
# Lines for tests/bench/run-all.sh (docs/benchmarks.md).
print(f"RESULT|convert|500x375 JPEG -> 224, 1 core|images/s|{one('vgg'):.1f}|Pillow draft|{one('pillow'):.1f}")
print(f"RESULT|convert|500x375 JPEG -> 224, 1 core|images/s|{one('vgg'):.1f}|convert per image|{one('convert-per'):.1f}")
print(f"RESULT|convert|500x375 JPEG -> 224, all cores|images/s|{allc('vgg'):.1f}|Pillow draft|{allc('pillow'):.1f}")
EOF
echo "  peak memory of vgg-convert -j $CORES: $(( $(tail -n 1 "$work/rss") / 1024 )) MiB"

echo "== mean absolute difference to a full-decode Lanczos reference (0..255, lower is better)"
"$PY" - "$work" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
work = sys.argv[1]
files = open(os.path.join(work, "list")).read().split()
S = 224
def reference(path):
    with Image.open(path) as im:
        w, h = im.size
        s = min(w, h)
        box = ((w - s) / 2, (h - s) / 2, (w + s) / 2, (h + s) / 2)
        return np.asarray(im.convert("RGB").resize((S, S), Image.LANCZOS, box=box), dtype=np.int16)
def vgg_name(path):  # vgg-convert keeps <class>/<name>
    return os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
methods = {
    "vgg-convert": lambda i, p: os.path.join(work, "out/1/vgg1", vgg_name(p)),
    "pillow+draft": lambda i, p: os.path.join(work, "out/1/pil1", f"{i:05d}.jpg"),
    "convert-per-image": lambda i, p: os.path.join(work, "out/1/cli1", f"{i:05d}.jpg"),
}
sample = list(enumerate(files))[:: max(1, len(files) // 300)]
refs = {i: reference(p) for i, p in sample}
mad = {}
for name, out in methods.items():
    diffs = [np.abs(np.asarray(Image.open(out(i, p)).convert("RGB"), dtype=np.int16) - refs[i]).mean()
             for i, p in sample if os.path.exists(out(i, p))]
    mad[name] = np.mean(diffs)
    print(f"  {name:20s} {mad[name]:6.3f}   ({len(diffs)} images)")
print(f"RESULT|convert|mean abs. difference to full decode (lower is better)|0..255|"
      f"{mad['vgg-convert']:.3f}|Pillow draft|{mad['pillow+draft']:.3f}")
EOF
