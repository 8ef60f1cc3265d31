#!/usr/bin/python3
"""PyTorch's CPU training step (forward, cross-entropy, backward, SGD with momentum) on the
VGG that vgg-train builds, in its strongest form (channels_last), for tests/bench/train.sh.
    train_torch.py ARCH WIDTH_DIV FC_WIDTH INPUT BATCH THREADS STEPS   -> prints images/s
Run it with GLIBC_TUNABLES as train.sh does, so the allocator keeps its memory."""
import sys
import time

import torch
import torch.nn as nn

CFGS = {
    'A': [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    'D': [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
}


def vgg(arch, width_div, fc, size, classes=1000):
    layers, c = [], 3
    for v in CFGS[arch]:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
            size //= 2
        else:
            layers += [nn.Conv2d(c, v // width_div, 3, padding=1), nn.ReLU(inplace=True)]
            c = v // width_div
    return nn.Sequential(*layers, nn.Flatten(),
                         nn.Linear(c * size * size, fc), nn.ReLU(True), nn.Dropout(0.5),
                         nn.Linear(fc, fc), nn.ReLU(True), nn.Dropout(0.5),
                         nn.Linear(fc, classes))


def main():
    arch, width_div, fc, size, batch, threads, steps = sys.argv[1], *map(int, sys.argv[2:8])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = vgg(arch, width_div, fc, size).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    lossf = nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, size, size).to(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (batch,))
    for step in range(steps + 2):       # two warm-up steps
        if step == 2:
            t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        lossf(model(x), y).backward()
        opt.step()
    print('%.2f' % (steps * batch / (time.perf_counter() - t0)))


if __name__ == '__main__':
    main()
