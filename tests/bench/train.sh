#!/bin/bash
# Training images/s of vgg-train's CPU backend (train_step + sgd_step) next to PyTorch's CPU
# training step on the same VGG-A, batch and threads, in PyTorch's strongest form
# (channels_last, allocator told to keep its memory), and the page faults of one of our steps
# (fresh memory touched: about 0 when a step allocates nothing). Prints figures, asserts nothing.
#   bash tests/bench/train.sh            (about 5 minutes; BENCH_QUICK=1: a smoke run)
# Other work on the machine moves both columns: compare the ratio, within one run.
# Output: a table, and RESULT lines for tests/bench/run-all.sh (docs/benchmarks.md).
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The driver is built from the sources, as the Makefile builds them, with OpenMP.
cc -O2 -std=c11 -D_GNU_SOURCE -fopenmp -pthread -I. -o "$tmp/train_step_bench" \
   tests/bench/train_step_bench.c train/cpu/*.c train/model.c common/error.c -ldnnl -lm

export GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=33554432
have_torch=1
/usr/bin/python3 -c 'import torch' 2>/dev/null || have_torch=0

# name | arch width_div fc input batch | steps
rows=(
  "(a) VGG-A 224x224 b8|A 1 4096 224 8|3"
  "(b) VGG-A/8 fc256 32x32 b64|A 8 256 32 64|30"
  "(b) VGG-A/8 fc256 64x64 b64|A 8 256 64 64|10"
  "(c) VGG-A 32x32 b32|A 1 4096 32 32|5"
)
thread_counts="1 2"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  rows=("(b) VGG-A/8 fc256 32x32 b64|A 8 256 32 64|5" "(c) VGG-A 32x32 b32|A 1 4096 32 32|1")
  thread_counts=1
fi
results=()
printf '%-30s %7s %12s %12s %7s %12s\n' row threads "vgg-train" "pytorch" ratio "faults/step"
for threads in $thread_counts; do
  for row in "${rows[@]}"; do
    IFS='|' read -r name shape steps <<<"$row"
    set -- $shape
    out=$("$tmp/train_step_bench" "$1" "$2" "$3" "$4" "$5" "$threads" "$steps" 2>"$tmp/err") ||
      { cat "$tmp/err" >&2; exit 1; }
    read -r ours faults <<<"$out"
    theirs=-
    if [ $have_torch = 1 ]; then
      theirs=$(OMP_NUM_THREADS=$threads /usr/bin/python3 tests/bench/train_torch.py \
               "$1" "$2" "$3" "$4" "$5" "$threads" "$steps")
    fi
    ratio=$(awk -v a="$ours" -v b="$theirs" \
            'BEGIN { if (b + 0 > 0) printf "%.2fx", a / b; else print "-" }')
    printf '%-30s %7s %12s %12s %7s %12s\n' "$name" "$threads" "$ours" "$theirs" "$ratio" "$faults"
    label="${name#* }, $threads thread"; [ "$threads" = 1 ] || label+=s
    results+=("RESULT|train|$label|images/s|$ours|PyTorch channels_last|$theirs")
  done
done
printf '%s\n' "${results[@]}"
