#!/bin/bash
# Writes the seed corpora tests/fuzz/corpus/<name>/ (committed; rerun only to regenerate the
# seeds, regression inputs of fixed crashes are added by hand as corpus/<name>/crash-*).
# Needs /usr/bin/python3 and ImageMagick's convert. Run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
c=$here/corpus
mkdir -p "$c"/{record_header,store_meta,config,safetensors,names,image}

/usr/bin/python3 - "$c" <<'PY'
import json, struct, sys, zlib
c = sys.argv[1]
def put(name, data):
    open(f"{c}/{name}", "wb").write(data if isinstance(data, bytes) else data.encode())

# Records: magic, u16 version, u8 layout, u8 channels, label, height, width, payload, crc, 0.
def record(h, w, label=0, version=1, layout=1, ch=3, payload=None):
    pix = bytes((i * 7) & 255 for i in range(h * w * ch)) if payload is None else payload
    return b"VGGR" + struct.pack("<HBBIIIIII", version, layout, ch, label, h, w, len(pix), 0, 0) + pix
put("record_header/2x2", record(2, 2, label=5))
put("record_header/1x3", record(1, 3))
put("record_header/short", record(2, 2)[:40])
put("record_header/version2", record(1, 1, version=2))
put("record_header/gray", record(2, 2, ch=1, payload=bytes(12)))

# Meta: "key\0value\0..." pairs, as fuzz_store_meta.c reads them.
meta = {"format_version": "1", "height": "32", "width": "32", "channels": "3",
        "classes": "cat\ndog\nfish", "count.train": "6", "count.val": "3",
        "class_count.train": "1 2 3", "class_count.val": "1 1 1",
        "mean": "120.5 110.25 100", "std": "60 61.5 62", "tool_version": "0.1.0",
        "source": "images/", "created": "1764000000"}
pairs = lambda m: b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in m.items())
put("store_meta/valid", pairs(meta))
put("store_meta/bad_sum", pairs({**meta, "class_count.val": "1 1 2"}))
put("store_meta/version2", pairs({**meta, "format_version": "2"}))
put("store_meta/empty_class", pairs({**meta, "classes": "cat\n\nfish"}))

# Safetensors: u64 header length, JSON header, data.
def st(tensors, meta=None, extra=b""):
    head, data, off = {}, b"", 0
    if meta:
        head["__metadata__"] = meta
    for name, dtype, shape, blob in tensors:
        head[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(blob)]}
        data += blob; off += len(blob)
    h = json.dumps(head).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data + extra
f32 = lambda *v: struct.pack(f"<{len(v)}f", *v)
put("safetensors/two", st([("features.0.weight", "F32", [2, 2], f32(1, 2, 3, 4)),
                           ("features.0.bias", "F32", [2], f32(0, 1))],
                          {"format": "pt", "config": "[model]\narch = A\n"}))
put("safetensors/i64", st([("bn.num_batches_tracked", "I64", [], struct.pack("<q", 7))]))
put("safetensors/empty", st([]))
put("safetensors/out_of_range", st([("w", "F32", [4], f32(1, 2))]))
put("safetensors/escapes", st([("a\\u0041\\n\"b", "F32", [1], f32(5))], {"k\\t": "v\\\\"}))

# Names: archive members and file names, as a tar or zip may hold them.
for i, n in enumerate(["cat/IMG_0001.JPG", "../../etc/passwd", "/abs/path.png", "a/./b/../c.jpg",
                       "..", ".hidden", "--rm -rf.jpg", "photo (1).jpeg", "été/çà.png",
                       "dir//x.tar.gz", "x" * 300 + ".jpg", "a\\b\\c.zip", "\xff\xfe.bmp"]):
    put(f"names/{i:02d}", n.encode("utf-8", "surrogateescape") if isinstance(n, str) else n)
PY

cp "$here"/../../configs/tiny.ini "$c/config/tiny.ini"
cp "$here"/../../configs/vgg16.ini "$c/config/vgg16.ini"
printf '[model]\narch = A\nbatch_norm = true\n[data]\nstore = x\n[train]\nepochs = 1\n' \
    >"$c/config/minimal.ini"
printf '[model]\narch = A\n[data]\nstore = x\n[schedule]\nkind = step\nsteps = 10 20\n' \
    >"$c/config/schedule.ini"

img=$c/image
convert -size 40x30 -seed 7 plasma:red-blue -quality 80 "$img/plain.jpg"
convert -size 24x16 -seed 7 plasma:green-yellow "$img/rgb.png"
convert -size 16x16 -seed 7 plasma:red-blue -alpha set -channel A -evaluate set 50% \
        "$img/alpha.png"
convert -size 16x12 -seed 7 plasma:red-blue "$img/anim.gif"
convert -size 12x12 -seed 7 plasma:red-blue "$img/small.bmp"
convert -size 20x20 -seed 7 plasma:red-blue -colorspace CMYK -quality 70 "$img/cmyk.jpg"
convert -size 20x10 -seed 7 plasma:red-blue -orient RightTop -quality 70 "$img/rotated.jpg"
convert -size 16x16 -seed 7 plasma:red-blue -colorspace Gray -quality 70 "$img/gray.jpg"
convert -size 16x16 -seed 7 plasma:red-blue -depth 16 "$img/deep.png"
convert -size 16x16 -seed 7 plasma:red-blue "$img/small.tiff"
convert -size 16x16 -seed 7 plasma:red-blue "$img/small.webp"
convert -size 8x8 -seed 7 plasma:red-blue "$img/small.ppm"
# A bomb: a PNG whose header declares 100000 x 100000 pixels (refused from the header).
/usr/bin/python3 - "$img/bomb.png" <<'PY'
import struct, sys, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                              chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
PY
du -sh "$c"
