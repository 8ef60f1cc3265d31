#!/bin/bash
# tests/gpu/prepare.sh: run where the project is built (not on the GPU machine), after `make`.
# Gathers into build/gpu-bundle.tar.xz what tests/gpu/check.sh needs on a bare GPU machine
# that has CUDA's and cuDNN's libraries (in /usr/local/cuda or PyTorch's wheels) but none of
# this project's dependencies: the programs, the shared libraries they need beyond glibc,
# libstdc++ and CUDA's, and the ImageNet subset resized to 72x72 JPEGs (about 12 MB) for the
# training run. Carry that one file to the GPU machine (tests/gpu/README.md).
set -eu
cd "$(dirname "$0")/../.."
bin=${BIN:-bin}
progs=("$bin/vgg-train" "$bin/vgg-pack" build/tests/gpu-parity build/tests/gpu-bench
       build/tests/test-cuda)
for p in "${progs[@]}"; do
    [ -x "$p" ] || { echo "prepare: $p is missing: build first (make, with CUDA)"; exit 2; }
done
out=build/gpu-bundle
rm -rf "$out" build/gpu-bundle.tar.xz
mkdir -p "$out/bin" "$out/lib"
cp "${progs[@]}" "$out/bin/"
ldd "${progs[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | while read -r lib; do
    case $(basename "$lib") in
        libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*) ;;
        libgcc_s.so*|libstdc++.so*) ;;
        libcuda.so*|libcudart.so*|libcublas*|libcudnn*) ;;
        *) cp -L "$lib" "$out/lib/" ;;
    esac
done
data=${DATA:-../shared/data/imagenet11}
if [ -d "$data" ]; then
    "$bin/vgg-convert" -q -s 72 -j 2 "$data" "$out/images72"
else
    echo "prepare: $data not found: check.sh will skip the training run"
fi
tar -C build -cJf build/gpu-bundle.tar.xz gpu-bundle
rm -rf "$out"
ls -l build/gpu-bundle.tar.xz
