#!/bin/bash
# vgg-convert on a folder of every kind of input a user meets: each image comes out 224x224,
# 8-bit, 3-channel RGB, the right way up, alpha on white; bad files are listed (not fatal) and
# non-image files ignored; a PNG bomb is refused from its header without being decoded.
. "$(dirname "$0")/lib.sh"
need_bin vgg-convert
need_cmd convert

raw=$TMP/raw
make_image "$raw/mixed/landscape.jpg" 500x375 -quality 90
make_image "$raw/mixed/portrait.jpg" 375x500
make_image "$raw/mixed/big.jpg" 1600x1200
make_image "$raw/mixed/gray.jpg" 320x240 -colorspace Gray
make_image "$raw/mixed/cmyk.jpg" 320x240 -colorspace CMYK
make_image "$raw/mixed/progressive.jpg" 400x300 -interlace Plane
make_image "$raw/mixed/deep.png" 300x200 -depth 16
make_image "$raw/mixed/palette.gif" 300x200 -colors 16
make_image "$raw/mixed/one.png" 1x1
make_image "$raw/mixed/wide.jpg" 4000x10
make_image "$raw/mixed/photo.tif" 260x260
convert -size 60x40 xc:red -size 60x40 xc:lime -size 60x40 xc:blue "$raw/mixed/anim.gif"
# Left half opaque red, right half transparent: must come out red | white.
convert -size 200x200 xc:none -fill red -draw 'rectangle 0,0 99,199' "$raw/mixed/alpha.png"
# A 600x200 picture, red left and blue right, stored with EXIF orientation 6 (turn 90 degrees
# clockwise to view): viewed it is 200x600, red on top and blue below.
convert -size 300x200 xc:red -size 300x200 xc:blue +append "$TMP/red_blue.jpg"
"$PY" - "$TMP/red_blue.jpg" "$raw/mixed/rotated.jpg" <<'EOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1])
exif = Image.Exif()
exif[0x0112] = 6
im.save(sys.argv[2], quality=95, exif=exif.tobytes())
EOF

# Bad inputs: each must be listed with a reason; the run goes on.
: > "$raw/mixed/empty.jpg"
head -c 3000 "$raw/mixed/big.jpg" > "$raw/mixed/truncated.jpg"
echo "not a picture" > "$raw/mixed/text.png"
"$PY" - "$raw/mixed/bomb.png" <<'EOF'
import struct, sys, zlib
# A valid 20000x20000 grayscale PNG whose pixel data compresses to ~400 KB: decoding it would
# take 400 MB; vgg-convert must refuse it from the header.
w = h = 20000
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
z = zlib.compressobj(9)
row = b"\0" * (w + 1)
idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
EOF
# Not images by name: ignored quietly.
echo "readme" > "$raw/mixed/README.txt"
echo "junk" > "$raw/mixed/.DS_Store"

out=$TMP/out
rc=0
measure=()  # peak memory, where GNU time is installed (Debian package "time")
[ -x /usr/bin/time ] && measure=(/usr/bin/time -f "%M" -o "$TMP/rss")
"${measure[@]}" "$BIN/vgg-convert" -j 2 "$raw" "$out" > "$TMP/stdout" 2> "$TMP/stderr" || rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ "$rc" -eq 1 ] || fail "exit status $rc with bad inputs, expected 1"

good="landscape portrait big gray cmyk progressive deep palette one wide photo anim alpha rotated"
for name in $good; do
    [ -f "$out/mixed/$name.jpg" ] || fail "no output for $name"
    info=$(image_info "$out/mixed/$name.jpg")
    [ "$info" = "224x224 RGB JPEG" ] || fail "$name: $info, expected 224x224 RGB JPEG"
done
[ "$(find "$out/mixed" -type f | wc -l)" -eq 14 ] || fail "unexpected outputs: $(ls "$out/mixed")"

expect_pixel "$out/mixed/alpha.jpg" 40 112 255 0 0
expect_pixel "$out/mixed/alpha.jpg" 190 112 255 255 255
expect_pixel "$out/mixed/rotated.jpg" 112 40 255 0 0     # red on top: orientation applied
expect_pixel "$out/mixed/rotated.jpg" 112 190 0 0 255
expect_pixel "$out/mixed/anim.jpg" 112 112 255 0 0       # the first frame
cmyk=$(pixel "$out/mixed/cmyk.jpg" 112 112)
[ "$cmyk" != "0 0 0" ] || fail "CMYK input came out black"

tsv=$out/convert-errors.tsv
[ -f "$tsv" ] || fail "no $tsv"
head -n 1 "$tsv" | grep -qx "source	reason" || fail "tsv header: $(head -n 1 "$tsv")"
[ "$(tail -n +2 "$tsv" | wc -l)" -eq 4 ] || fail "expected 4 failures in $tsv: $(cat "$tsv")"
for bad in empty.jpg truncated.jpg text.png bomb.png; do
    grep -q "^$raw/mixed/$bad	." "$tsv" || fail "$bad not listed in $tsv"
    grep -q "$bad" "$TMP/stderr" || fail "$bad not listed on stderr"
done
grep -q "bomb.png	20000x20000 is over the limit" "$tsv" || fail "bomb not refused by size: $(cat "$tsv")"
grep -qi "readme\|DS_Store" "$tsv" && fail "non-image files were reported"
if [ -f "$TMP/rss" ]; then
    rss=$(tail -n 1 "$TMP/rss")
    [ "$rss" -lt 300000 ] || fail "peak memory ${rss} KB: the bomb (or something) was decoded"
fi
grep -q "14 converted, 0 up to date, 4 failed" "$TMP/stdout" || fail "summary: $(cat "$TMP/stdout")"

# --format png: RGB colour type, 8-bit, whatever the input.
expect_status 1 "$BIN/vgg-convert" -q -j 2 --format png "$raw" "$TMP/png"
info=$(image_info "$TMP/png/mixed/gray.png" "$TMP/png/mixed/deep.png" | sort -u)
[ "$info" = "224x224 RGB PNG" ] || fail "png outputs: $info"

# Modes and size on a 400x200 red picture with a blue right quarter.
mkdir -p "$TMP/modes/in/c"
convert -size 300x200 xc:red -size 100x200 xc:blue +append "$TMP/modes/in/c/rb.png"
for mode in crop squash pad; do
    expect_status 0 "$BIN/vgg-convert" -q --mode "$mode" --size 100 --format png "$TMP/modes/in" "$TMP/modes/$mode"
    [ "$(image_info "$TMP/modes/$mode/c/rb.png")" = "100x100 RGB PNG" ] || fail "$mode: size"
done
expect_pixel "$TMP/modes/crop/c/rb.png" 95 50 255 0 0      # centre crop keeps x 100..300: red
expect_pixel "$TMP/modes/squash/c/rb.png" 95 50 0 0 255    # squash keeps the blue quarter
expect_pixel "$TMP/modes/pad/c/rb.png" 50 10 0 0 0         # letterbox: black bars above
expect_pixel "$TMP/modes/pad/c/rb.png" 50 50 255 0 0
