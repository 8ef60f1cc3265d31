#!/usr/bin/python3
"""Writes the PyTorch golden fixtures the CPU backend test compares against
(tests/unit/train_cpu/golden.c). Run from the project root with Debian's torch:
    /usr/bin/python3 tests/golden/make_fixtures.py
Each fixture is a small VGG (channels /32, FC 32, 5 classes, 32x32 input, batch 4) built as
train/model.c builds it, with fixed weights and a fixed uint8 batch (36x36 records, centre crop
32, no dropout). It holds the eval logits, the first training step's loss and every gradient,
and the weights, BN running statistics and eval logits after three SGD steps (momentum 0.9,
wd 5e-4).

Layout, little-endian: b"VGGGOLD1"; int32 n, src, crop, classes, num_params, num_stats,
nesterov, width_div, fc_width, batch_norm; float32 label_smoothing, lr, momentum, weight_decay,
mean[3], std[3]; char arch[16]; uint8 pixels[n][src][src][3]; int32 labels[n];
float32 params0[P], stats0[S], logits[n][classes], loss, grads[P], params3[P], stats3[S],
logits3[n][classes] (eval logits after the three steps: BN's running statistics at work).
Parameters go layer by layer, weight then bias, in torchvision layouts; statistics BN by BN,
running mean then running variance.
"""
import struct
import torch
import torch.nn as nn

N, SRC, CROP, CLASSES, WIDTH_DIV, FC = 4, 36, 32, 5, 32, 32
MEAN, STD = [123.7, 116.3, 103.5], [58.4, 57.1, 57.4]
CFG_A = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
CFG_A_LRN = [64, 'L', 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']


def build(cfg, batch_norm):
    layers, c, size = [], 3, CROP
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
            size //= 2
        elif v == 'L':
            layers.append(nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0))
        else:
            out = v // WIDTH_DIV
            layers.append(nn.Conv2d(c, out, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.ReLU())
            c = out
    return nn.Sequential(*layers, nn.Flatten(),
                         nn.Linear(c * size * size, FC), nn.ReLU(), nn.Dropout(0.0),
                         nn.Linear(FC, FC), nn.ReLU(), nn.Dropout(0.0),
                         nn.Linear(FC, CLASSES))


def params_of(model):
    out = []
    for mod in model:
        if isinstance(mod, (nn.Conv2d, nn.Linear, nn.BatchNorm2d)):
            out += [mod.weight, mod.bias]
    return out


def stats_of(model):
    out = []
    for mod in model:
        if isinstance(mod, nn.BatchNorm2d):
            out += [mod.running_mean, mod.running_var]
    return out


def flat(tensors):
    return torch.cat([t.detach().reshape(-1) for t in tensors]) if tensors else torch.zeros(0)


def f32(t):
    return t.detach().to(torch.float32).contiguous().numpy().tobytes()


def make(path, arch, cfg, batch_norm, smoothing, nesterov, seed):
    torch.manual_seed(seed)
    model = build(cfg, batch_norm)
    with torch.no_grad():
        for mod in model:       # scales that keep activations O(1) through the small net
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                fan_in = mod.weight[0].numel()
                mod.weight.normal_(0, (2.0 / fan_in) ** 0.5)
                mod.bias.uniform_(-0.1, 0.1)
            elif isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    pixels = torch.randint(0, 256, (N, SRC, SRC, 3), dtype=torch.uint8)
    labels = torch.randint(0, CLASSES, (N,), dtype=torch.int32)
    off = (SRC - CROP) // 2
    x = pixels[:, off:off + CROP, off:off + CROP, :].permute(0, 3, 1, 2).float()
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)

    params0, stats0 = flat(params_of(model)), flat(stats_of(model))
    model.eval()
    with torch.no_grad():
        logits = model(x)
    model.train()
    lr, momentum, wd = 0.05, 0.9, 5e-4
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=wd,
                          nesterov=nesterov)
    lossf = nn.CrossEntropyLoss(label_smoothing=smoothing)
    for step in range(3):
        opt.zero_grad()
        loss = lossf(model(x), labels.long())
        loss.backward()
        if step == 0:
            loss0, grads = loss.detach(), flat([p.grad for p in params_of(model)])
        opt.step()
    params3, stats3 = flat(params_of(model)), flat(stats_of(model))
    model.eval()
    with torch.no_grad():
        logits3 = model(x)

    with open(path, 'wb') as f:
        f.write(b'VGGGOLD1')
        f.write(struct.pack('<10i', N, SRC, CROP, CLASSES, params0.numel(), stats0.numel(),
                            int(nesterov), WIDTH_DIV, FC, int(batch_norm)))
        f.write(struct.pack('<10f', smoothing, lr, momentum, wd, *MEAN, *STD))
        f.write(arch.encode().ljust(16, b'\0'))
        f.write(pixels.numpy().tobytes())
        f.write(labels.numpy().tobytes())
        for t in (params0, stats0, logits, loss0.reshape(1), grads, params3, stats3, logits3):
            f.write(f32(t))


if __name__ == '__main__':
    make('tests/golden/plain.bin', 'A', CFG_A, False, 0.1, False, 1)
    make('tests/golden/lrn.bin', 'A-LRN', CFG_A_LRN, False, 0.0, False, 2)
    make('tests/golden/bn.bin', 'A', CFG_A, True, 0.1, True, 3)
