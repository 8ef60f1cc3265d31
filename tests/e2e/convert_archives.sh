#!/bin/bash
# vgg-convert reading archives without unpacking them: ILSVRC's tar of per-class tars, a
# tar.gz and a zip of class folders, archives inside a folder, a flat archive sorted by a
# labels file; a hostile tar (../, absolute names, links, devices) cannot write outside out/
# and each refused entry is reported; a truncated archive is reported and the run goes on.
. "$(dirname "$0")/lib.sh"
need_bin vgg-convert
need_cmd convert tar

src=$TMP/src
for cls in n01 n02; do
    for i in 1 2 3; do make_image "$src/$cls/$cls-$i.jpg" 320x240; done
done

# ILSVRC layout: train.tar holds n01.tar and n02.tar, each with flat files.
mkdir -p "$TMP/inner"
for cls in n01 n02; do tar -C "$src/$cls" -cf "$TMP/inner/$cls.tar" .; done
tar -C "$TMP/inner" -cf "$TMP/train.tar" n01.tar n02.tar
expect_status 0 "$BIN/vgg-convert" -q -j 2 "$TMP/train.tar" "$TMP/out_ilsvrc"
for cls in n01 n02; do
    for i in 1 2 3; do
        [ "$(image_info "$TMP/out_ilsvrc/$cls/$cls-$i.jpg")" = "224x224 RGB JPEG" ] ||
            fail "ILSVRC: $cls/$cls-$i.jpg missing or wrong"
    done
done
[ "$(find "$TMP/out_ilsvrc" -type f | wc -l)" -eq 6 ] || fail "ILSVRC: extra outputs"

# tar.gz and zip of class folders, plus a folder holding per-class archives, in one run.
tar -C "$src" -czf "$TMP/classes.tar.gz" n01 n02
"$PY" - "$src" "$TMP/classes.zip" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for name in sorted(os.listdir(os.path.join(sys.argv[1], "n01"))):
        z.write(os.path.join(sys.argv[1], "n01", name), f"n01/{name}")
EOF
mkdir -p "$TMP/holder"
tar -C "$src/n02" -czf "$TMP/holder/n09.tar.gz" .
expect_status 0 "$BIN/vgg-convert" -q -j 2 "$TMP/classes.tar.gz" "$TMP/classes.zip" "$TMP/holder" "$TMP/out_mixed"
# n01 comes from the tar.gz and from the zip: the same names, so the zip's are disambiguated.
[ "$(ls "$TMP/out_mixed/n01" | wc -l)" -eq 6 ] || fail "n01: $(ls "$TMP/out_mixed/n01")"
[ -f "$TMP/out_mixed/n01/n01-1-2.jpg" ] || fail "collision not disambiguated: $(ls "$TMP/out_mixed/n01")"
[ "$(ls "$TMP/out_mixed/n02" | wc -l)" -eq 3 ] || fail "n02 from the tar.gz"
[ "$(ls "$TMP/out_mixed/n09" | wc -l)" -eq 3 ] || fail "n09 from holder/n09.tar.gz"

# A flat archive with a labels file (ImageNet validation style), CSV with CRLF and a header.
mkdir -p "$TMP/flat"
cp "$src/n01/n01-1.jpg" "$TMP/flat/val_1.JPEG"
cp "$src/n02/n02-1.jpg" "$TMP/flat/val_2.JPEG"
tar -C "$TMP/flat" -cf "$TMP/val.tar" val_1.JPEG val_2.JPEG
printf 'ImageId,PredictionString\r\nval_1,cat 1 2 3 4\r\nval_2.JPEG,dog\r\n' > "$TMP/val.csv"
expect_status 0 "$BIN/vgg-convert" -q --labels "$TMP/val.csv" "$TMP/val.tar" "$TMP/out_val"
[ -f "$TMP/out_val/cat/val_1.jpg" ] && [ -f "$TMP/out_val/dog/val_2.jpg" ] ||
    fail "labels: $(find "$TMP/out_val" -type f)"

# A hostile tar: only ok/good.jpg may come out; the rest is refused and reported.
mkdir -p "$TMP/hostile"
cp "$src/n01/n01-1.jpg" "$TMP/hostile/payload.jpg"
"$PY" - "$TMP/hostile/payload.jpg" "$TMP/evil.tar" <<'EOF'
import io, sys, tarfile
payload = open(sys.argv[1], "rb").read()
with tarfile.open(sys.argv[2], "w") as t:
    def add(name, kind=tarfile.REGTYPE, link=""):
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        data = payload if kind == tarfile.REGTYPE else b""
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    add("ok/good.jpg")
    add("../escape.jpg")
    add("ok/../../escape2.jpg")
    add("/tmp/absolute.jpg")
    add("ok/link.jpg", tarfile.SYMTYPE, "/etc/passwd")
    add("ok/hard.jpg", tarfile.LNKTYPE, "ok/good.jpg")
    add("ok/dev.jpg", tarfile.CHRTYPE)
EOF
work=$TMP/work
mkdir -p "$work"
rc=$(cd "$work" && run_status "$BIN/vgg-convert" -q "$TMP/evil.tar" out 2> "$TMP/evil.err")
[ "$rc" -eq 1 ] || fail "hostile tar: exit $rc, expected 1"
[ "$(cd "$work" && find . -type f | sort | tr '\n' ' ')" = "./out/convert-errors.tsv ./out/ok/good.jpg " ] ||
    fail "hostile tar wrote: $(cd "$work" && find . -type f)"
[ ! -e "$TMP/escape.jpg" ] && [ ! -e /tmp/absolute.jpg ] && [ ! -e "$TMP/escape2.jpg" ] || fail "an entry escaped"
for name in ../escape.jpg ok/../../escape2.jpg /tmp/absolute.jpg ok/link.jpg ok/hard.jpg ok/dev.jpg; do
    grep -qF "evil.tar:$name	refused" "$work/out/convert-errors.tsv" || fail "$name not reported: $(cat "$work/out/convert-errors.tsv")"
done

# A truncated archive is reported; the other input still converts.
size=$(stat -c %s "$TMP/classes.tar.gz")
head -c $((size / 2)) "$TMP/classes.tar.gz" > "$TMP/cut.tar.gz"
rc=$(run_status "$BIN/vgg-convert" -q "$TMP/cut.tar.gz" "$TMP/classes.zip" "$TMP/out_cut" 2> "$TMP/cut.err")
[ "$rc" -eq 1 ] || fail "truncated archive: exit $rc, expected 1"
grep -q "^$TMP/cut.tar.gz[:	].*	.*\(truncated\|unreadable\)" "$TMP/out_cut/convert-errors.tsv" ||
    fail "truncated archive not reported: $(cat "$TMP/out_cut/convert-errors.tsv")"
[ "$(ls "$TMP/out_cut/n01" | wc -l)" -ge 3 ] || fail "the zip after the truncated archive was not converted"
