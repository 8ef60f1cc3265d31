#!/usr/bin/env python3
"""PyTorch's training throughput for torchvision's VGG, the baseline of tests/gpu/check.sh.

The strongest ordinary form: channels_last, torch.backends.cudnn.benchmark, torch.autocast
bf16 (or fp32 with TF32 off, which is what vgg-suite's fp32 computes), SGD with momentum,
a fixed random batch on the GPU. Prints one line per model in the format of gpu-bench:
  result impl=pytorch arch=D prec=bf16 batch=128 size=224 images_per_s=... mem_gib=...
usage: torch_bench.py ARCH PREC [BATCH SIZE STEPS]   (ARCH: A D E; PREC: bf16 fp32)
"""
import sys
import time

import torch
import torch.nn.functional as F
import torchvision

ARCHS = {"A": "vgg11", "B": "vgg13", "D": "vgg16", "E": "vgg19"}
WARMUP = 3


def main():
    arch, prec = sys.argv[1], sys.argv[2]
    batch, size, steps = (int(v) for v in (sys.argv[3:6] or (128, 224, 20)))
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    model = getattr(torchvision.models, ARCHS[arch])(num_classes=1000)
    model = model.to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, 3, size, size, device=dev).to(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,), device=dev)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=prec == "bf16"):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(WARMUP):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    mem = torch.cuda.max_memory_reserved() / 2**30
    print(f"result impl=pytorch arch={arch} prec={prec} batch={batch} size={size} "
          f"images_per_s={batch * steps / secs:.1f} mem_gib={mem:.2f}", flush=True)


if __name__ == "__main__":
    main()
