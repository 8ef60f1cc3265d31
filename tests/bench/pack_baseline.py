"""Baselines of tests/bench/pack.sh, in Python as the original project would do it.

  pack IMAGEFOLDER STORE      python3-lmdb + Pillow packer: decode, put header + pixels
  imagefolder IMAGEFOLDER N [train]
                              torchvision ImageFolder, N images in random order, with ToTensor
                              or (train) the ImageNet training transform of PyTorch's examples
                              (RandomResizedCrop 224, flip, ToTensor, Normalize)
Each prints one line "<what>: <images> images in <s> s: <images/s> images/s, <MB/s> MB/s".
"""
import os
import random
import struct
import sys
import time


def pack(src, dst):
    import lmdb
    from PIL import Image
    classes = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    files = [(os.path.join(src, c, f), label) for label, c in enumerate(classes)
             for f in sorted(os.listdir(os.path.join(src, c)))]
    random.Random(0).shuffle(files)
    t0 = time.perf_counter()
    env = lmdb.open(dst, map_size=4 << 30, max_dbs=2)
    db = env.open_db(b"train")
    nbytes = 0
    txn = env.begin(write=True, db=db)
    for i, (path, label) in enumerate(files):
        im = Image.open(path).convert("RGB")
        px = im.tobytes()
        header = struct.pack("<4sHBBIIIIII", b"VGGR", 1, 1, 3, label, im.height, im.width,
                             len(px), 0, 0)
        txn.put(struct.pack(">Q", i), header + px)
        nbytes += len(px) + len(header)
        if i % 1000 == 999:
            txn.commit()
            txn = env.begin(write=True, db=db)
    txn.commit()
    env.sync(True)
    env.close()
    s = time.perf_counter() - t0
    print(f"python packer: {len(files)} images in {s:.2f} s: {len(files) / s:.0f} images/s, "
          f"{nbytes / 1e6 / s:.0f} MB/s")


def imagefolder(src, n, kind="totensor"):
    import torch
    from torchvision import datasets, transforms
    torch.set_num_threads(1)
    t = transforms.ToTensor()
    if kind == "train":
        t = transforms.Compose([
            transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), t,
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    ds = datasets.ImageFolder(src, transform=t)
    order = list(range(len(ds)))
    random.Random(0).shuffle(order)
    order = order[:int(n)]
    t0 = time.perf_counter()
    nbytes = 0
    for i in order:
        x, _ = ds[i]
        nbytes += x.numel()   # as uint8 pixels, to compare with the store's bytes
    s = time.perf_counter() - t0
    print(f"torchvision ImageFolder ({kind}): {len(order)} images in {s:.2f} s: {len(order) / s:.0f} "
          f"images/s, {nbytes / 1e6 / s:.0f} MB/s")


if __name__ == "__main__":
    {"pack": pack, "imagefolder": imagefolder}[sys.argv[1]](*sys.argv[2:])
