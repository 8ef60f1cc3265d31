"""Helpers of the vgg-pack end-to-end tests (tests/e2e/pack_*.sh), independent of the C code:
Pillow decodes the sources, python3-lmdb and numpy read the store.

  make DIR CLASSES PER_CLASS WxH [SEED]   images DIR/<class>/img<i>.jpg (+ one .png per class)
  roundtrip STORE SRC...                  every record equals one decoded source of its class,
                                          every source is packed once; prints the counts
  stats STORE                             meta mean/std equal numpy's over the train records
  digest STORE                            one line per record: split key sha256 (determinism)
  split STORE                             one line per split and class: split label count
  flip STORE                              flips a pixel byte of the first record in the file;
                                          prints its key ("train/12")
  set-meta STORE KEY VALUE                overwrites a meta value
"""
import hashlib
import os
import struct
import sys

import lmdb
import numpy as np
from PIL import Image

HEADER = struct.Struct("<4sHBBIIIIII")


def open_store(path, write=False):
    return lmdb.open(path, readonly=not write, lock=False, max_dbs=4, subdir=True)


def records(env):
    """(split, key index, header tuple, pixels) of every record."""
    for split in (b"train", b"val"):
        db = env.open_db(split, create=False)
        with env.begin(db=db) as txn:
            for key, value in txn.cursor():
                h = HEADER.unpack_from(value)
                px = np.frombuffer(value, np.uint8, h[7], HEADER.size).reshape(h[5], h[6], h[3])
                yield split.decode(), struct.unpack(">Q", key)[0], h, px


def meta(env):
    db = env.open_db(b"meta", create=False)
    with env.begin(db=db) as txn:
        return {k.decode(): v.decode() for k, v in txn.cursor()}


def cmd_make(d, classes, per_class, size, seed="1"):
    w, h = (int(x) for x in size.split("x"))
    rng = np.random.default_rng(int(seed))
    for c in classes.split(","):
        os.makedirs(os.path.join(d, c), exist_ok=True)
        for i in range(int(per_class) + 1):
            small = rng.integers(0, 256, (max(h // 8, 2), max(w // 8, 2), 3), np.uint8)
            im = Image.fromarray(small).resize((w, h), Image.BILINEAR)
            if i < int(per_class):
                im.save(os.path.join(d, c, f"img{i:03d}.jpg"), quality=90)
            else:
                im.save(os.path.join(d, c, f"img{i:03d}.png"))


def cmd_roundtrip(store, *srcs):
    by_pixels = {}
    for src in srcs:
        for c in sorted(os.listdir(src)):
            for f in sorted(os.listdir(os.path.join(src, c))):
                px = np.asarray(Image.open(os.path.join(src, c, f)).convert("RGB"))
                by_pixels.setdefault(px.tobytes(), []).append((c, os.path.join(src, c, f)))
    env = open_store(store)
    m = meta(env)
    classes = m["classes"].split("\n")
    assert classes == sorted(classes), "classes are not in name order"
    used = set()
    n = 0
    for split, key, h, px in records(env):
        assert h[0] == b"VGGR" and h[1] == 1 and h[2] == 1, f"{split}/{key}: bad header {h}"
        hits = by_pixels.get(px.tobytes())
        assert hits, f"{split}/{key}: pixels equal no decoded source"
        assert classes[h[4]] == hits[0][0], f"{split}/{key}: label {classes[h[4]]} for {hits[0][1]}"
        assert hits[0][1] not in used, f"{hits[0][1]} packed twice"
        used.add(hits[0][1])
        n += 1
    missing = sum(len(v) for v in by_pixels.values()) - len(used)
    assert missing == 0, f"{missing} sources not packed"
    print(f"roundtrip ok: {n} records, {len(classes)} classes")


def cmd_stats(store):
    env = open_store(store)
    m = meta(env)
    s = np.zeros(3, np.float64)
    q = np.zeros(3, np.float64)
    n = 0
    for split, _, _, px in records(env):
        if split == "train":
            p = px.reshape(-1, 3).astype(np.float64)
            s += p.sum(0)
            q += (p * p).sum(0)
            n += p.shape[0]
    mean = s / n
    std = np.sqrt(q / n - mean * mean)
    got_mean = np.array([float(x) for x in m["mean"].split()])
    got_std = np.array([float(x) for x in m["std"].split()])
    assert np.allclose(mean, got_mean, rtol=0, atol=1e-9), (mean, got_mean)
    assert np.allclose(std, got_std, rtol=0, atol=1e-6), (std, got_std)
    print("stats ok:", " ".join(f"{x:.4f}" for x in mean), "/", " ".join(f"{x:.4f}" for x in std))


def cmd_digest(store):
    for split, key, h, px in records(open_store(store)):
        print(split, key, h[4], hashlib.sha256(px.tobytes()).hexdigest())


def cmd_split(store):
    m = meta(open_store(store))
    for split in ("train", "val"):
        for label, count in enumerate(m[f"class_count.{split}"].split()):
            print(split, label, count)


def cmd_flip(store):
    path = os.path.join(store, "data.mdb")
    data = bytearray(open(path, "rb").read())
    at = data.find(b"VGGR")
    env = open_store(store)
    name = None
    for split, key, h, px in records(env):
        if bytes(data[at + HEADER.size: at + HEADER.size + 64]) == px.tobytes()[:64] and \
                HEADER.unpack_from(data, at) == h:
            name = f"{split}/{key}"
            break
    env.close()
    data[at + HEADER.size + 100] ^= 0x40
    with open(path, "r+b") as f:
        f.seek(at + HEADER.size + 100)
        f.write(bytes([data[at + HEADER.size + 100]]))
    print(name)


def cmd_set_meta(store, key, value):
    env = open_store(store, write=True)
    db = env.open_db(b"meta", create=False)
    with env.begin(db=db, write=True) as txn:
        txn.put(key.encode(), value.encode())


if __name__ == "__main__":
    globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
