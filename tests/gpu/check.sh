#!/bin/bash
# tests/gpu/check.sh: the CUDA backend on a machine with a GPU, in a few minutes.
#   1. the CUDA unit tests, and parity of the CUDA backend with the CPU backend (same small VGG,
#      weights and batches) in fp32, bf16 and fp16, for a plain, an LRN and a batch-norm VGG-A;
#   2. a short training run on the ImageNet subset (vgg-pack, vgg-train), the loss falling;
#   3. training images/s and GPU memory of VGG-A, D, E at 224x224, batch 128, bf16 and fp32,
#      beside PyTorch's torchvision VGG on the same GPU, with the ratios.
# Run from the repository root: bash tests/gpu/check.sh. The programs come from
# build/gpu-bundle.tar.xz (tests/gpu/prepare.sh; see tests/gpu/README.md) or, without it, from
# bin/ and build/tests/. Exit 0 when 1 and 2 pass, 1 when one fails, 2 when it cannot run
# (step 2 without images included: it says "not checked").
set -u
cd "$(dirname "$0")/../.."
start=$(date +%s)
work=$(mktemp -d /tmp/vgg-gpu.XXXXXX)
trap 'rm -rf "$work"' EXIT
STEPS=${STEPS:-16}

B=""
if [ -f build/gpu-bundle.tar.xz ]; then
    tar -C "$work" -xJf build/gpu-bundle.tar.xz && B=$work/gpu-bundle
fi
prog() {
    if [ -n "$B" ]; then echo "$B/bin/$1"
    elif [ -x "bin/$1" ]; then echo "bin/$1"
    else echo "build/tests/$1"; fi
}

# Libraries: the bundle's, then CUDA's and cuDNN's from /usr/local/cuda or PyTorch's wheels.
libdirs=""
add_lib() { [ -d "$1" ] && libdirs="$libdirs:$1"; return 0; }
[ -n "$B" ] && add_lib "$B/lib"
add_lib /usr/local/cuda/lib64
torch_dir=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))' 2>/dev/null)
if [ -n "$torch_dir" ]; then
    site=$(dirname "$torch_dir")
    for d in "$torch_dir/lib" "$site"/nvidia/*/lib "$site"/nvidia/*/*/lib; do add_lib "$d"; done
fi
export LD_LIBRARY_PATH="${libdirs#:}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null
missing=$(ldd "$(prog gpu-parity)" "$(prog gpu-bench)" "$(prog vgg-train)" 2>&1 |
          grep "not found" | sort -u)
if [ -n "$missing" ]; then
    echo "check: libraries not found:"; echo "$missing"; exit 2
fi
status=0
elapsed() { echo "[$(( $(date +%s) - start )) s]"; }

echo "== 1. unit tests and parity with the CPU backend $(elapsed)"
unit=$("$(prog test-cuda)" --jobs 1 2>&1) || status=1
echo "$unit" | tail -n 3
for spec in "A 0 fp32" "A 0 bf16" "A 0 fp16" "A-LRN 0 fp32" "A-LRN 0 bf16" "A 1 fp32" "A 1 bf16"; do
    set -- $spec
    timeout 120 "$(prog gpu-parity)" --arch "$1" --bn "$2" --precision "$3" || status=1
done
echo "-- 64x64: the classifier's input is 2x2 and goes through the NHWC -> NCHW flatten"
for prec in fp32 bf16; do
    timeout 120 "$(prog gpu-parity)" --arch A --bn 0 --size 64 --precision $prec || status=1
done
echo "-- the backend's own pooling and LRN kernels (used where cuDNN's are not supported)"
for prec in fp32 bf16; do
    VGG_CUDA_OWN_KERNELS=1 timeout 120 "$(prog gpu-parity)" --arch A-LRN --precision $prec ||
        status=1
done

echo "== 2. training on real data $(elapsed)"
if [ -n "$B" ] && [ -d "$B/images72" ]; then
    timeout 120 "$(prog vgg-pack)" -q --val-fraction 0.1 --seed 1 "$B/images72" "$work/data.lmdb" &&
    timeout 90 "$(prog vgg-train)" --config tests/gpu/imagenet11.ini \
        --set "data.store=$work/data.lmdb" --set "train.run_dir=$work/run"
    csv=$work/run/metrics.csv
    if [ -f "$csv" ] && [ "$(wc -l < "$csv")" -ge 3 ]; then
        cat "$csv"
        awk -F, 'NR == 2 {first = $3} NR > 2 {last = $3}
                 END {ok = last < first; printf "train loss %.4f -> %.4f: %s\n", first, last,
                      ok ? "falling" : "NOT FALLING"; exit !ok}' "$csv" || status=1
    else
        echo "training run: fewer than two epochs in $csv: FAIL"; status=1
    fi
else
    echo "not checked: no images in build/gpu-bundle.tar.xz" \
         "(tests/gpu/prepare.sh with ../shared/data/imagenet11)"
    [ $status -eq 0 ] && status=2
fi

echo "== 3. training throughput, batch 128, 224x224 $(elapsed)"
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
printf "%-6s %-5s %12s %12s %7s %9s %9s %8s\n" model prec "vgg-suite" "pytorch" ratio \
    "mem GiB" "torch GiB" "goal"
rows=""
for arch in A D E; do
    for prec in bf16 fp32; do
        steps=$STEPS; [ "$prec" = fp32 ] && steps=$(( STEPS / 2 ))
        ours=$(timeout 150 "$(prog gpu-bench)" --arch $arch --precision $prec --steps $steps |
               grep '^result')
        theirs=$(timeout 150 python3 tests/gpu/torch_bench.py $arch $prec 128 224 $steps |
                 grep '^result')
        for r in "$ours" "$theirs"; do [ -n "$r" ] && rows="$rows$r"$'\n'; done
        a=$(field "$ours" images_per_s); t=$(field "$theirs" images_per_s)
        goal=-
        [ "$prec" = bf16 ] && case $arch in A) goal=8700;; D) goal=4300;; E) goal=3400;; esac
        ratio=$(awk -v a="${a:-0}" -v t="${t:-0}" \
                'BEGIN {if (t > 0) printf "%.2f", a / t; else print "-"}')
        printf "%-6s %-5s %12s %12s %7s %9s %9s %8s\n" "VGG-$arch" $prec "${a:--}" "${t:--}" \
            "$ratio" "$(field "$ours" mem_gib)" "$(field "$theirs" mem_gib)" "$goal"
    done
done
echo "raw results:"; printf "%s" "$rows"
case $status in 0) verdict=passed;; 2) verdict="step 2 not checked";; *) verdict=FAILED;; esac
echo "check: $verdict $(elapsed)"
exit $status
