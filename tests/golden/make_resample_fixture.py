#!/usr/bin/python3
"""Writes tests/golden/resample.bin, Pillow's Lanczos resizes that tests/unit/convert/
test_resample.c compares convert/resample.c against. Run from the project root:
    /usr/bin/python3 tests/golden/make_resample_fixture.py
The source is a seeded 97x61 RGB picture: smooth gradients plus noise, kept within 40..215
so that neither resampler clips (Pillow rounds and clips between its two passes, which run in
the other order from ours). The cases cover shrinking and enlarging, fractional boxes, output
widths below, at and past a multiple of 16 (the vectorised loop and its tail), and 1-pixel
outputs.

Layout, little-endian: b"RESAMPL1"; int32 src_w, src_h, cases; uint8 src[src_h][src_w][3];
then per case float64 box x, y, w, h; int32 out_w, out_h; uint8 out[out_h][out_w][3].
"""
import struct
import numpy as np
from PIL import Image

W, H = 97, 61
CASES = [  # box (x, y, w, h), output (w, h)
    ((0, 0, W, H), (48, 30)),
    ((18, 0, 61, 61), (32, 32)),
    ((18.5, 0, 61, 61), (17, 17)),
    ((3.25, 2.75, 80.5, 50.5), (33, 21)),
    ((0, 0, W, H), (15, 9)),
    ((10, 10, 20, 20), (47, 47)),
    ((0.5, 0.5, 60, 40), (7, 64)),
    ((0, 0, W, H), (1, 1)),
    ((40, 20, 3, 3), (64, 5)),
]


def main():
    rng = np.random.default_rng(20261126)
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([60 + 90 * x / W, 60 + 90 * y / H, 130 + 40 * np.sin(x / 7 + y / 5)], -1)
    src = np.clip(base + rng.normal(0, 18, (H, W, 3)), 40, 215).astype(np.uint8)
    image = Image.fromarray(src, "RGB")
    with open("tests/golden/resample.bin", "wb") as f:
        f.write(b"RESAMPL1" + struct.pack("<3i", W, H, len(CASES)) + src.tobytes())
        for box, (ow, oh) in CASES:
            bx, by, bw, bh = box
            out = image.resize((ow, oh), Image.LANCZOS, box=(bx, by, bx + bw, by + bh))
            f.write(struct.pack("<4d2i", bx, by, bw, bh, ow, oh) + out.tobytes())


if __name__ == "__main__":
    main()
