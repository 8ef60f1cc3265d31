#!/bin/bash
# The embedded sample generator (data/gen_sample.c): the same seed gives the same bytes whatever
# the number of threads, another seed other pictures, and the output has the promised mix of
# classes, sizes, formats and colour types, every file a decodable image.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
gen=${SAMPLE_GEN_PATH:-$root/build/data/gen-sample}
if [ ! -x "$gen" ]; then
    echo "generator not built: make build/data/gen-sample"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

checksums() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs md5sum); }

"$gen" -q --per-class 40 --seed 7 -j 1 "$tmp/a"
"$gen" -q --per-class 40 --seed 7 -j 2 "$tmp/b"
"$gen" -q --per-class 40 --seed 8 -j 2 "$tmp/c"
checksums "$tmp/a" > "$tmp/a.sums"
checksums "$tmp/b" > "$tmp/b.sums"
checksums "$tmp/c" > "$tmp/c.sums"
cmp -s "$tmp/a.sums" "$tmp/b.sums" || fail "same seed, different -j: different files"
# Another seed makes other pictures: no file of one run equals a file of the other.
same=$(cat "$tmp/a.sums" "$tmp/c.sums" | cut -d ' ' -f 1 | sort | uniq -d | wc -l)
[ "$same" -eq 0 ] || fail "$same pictures identical under seeds 7 and 8"

classes=$(cd "$tmp/a" && ls | tr '\n' ' ')
[ "$classes" = "checkers discs rings stripes triangles " ] || fail "classes: $classes"
for c in "$tmp"/a/*; do
    n=$(find "$c" -type f | wc -l)
    [ "$n" -eq 40 ] || fail "$(basename "$c"): $n pictures, expected 40"
done
# No temporaries left behind by the atomic writes.
[ -z "$(find "$tmp/a" -name '.*')" ] || fail "temporary files left in the output"

# Every file decodes; its format matches its extension; the mix is there.
find "$tmp/a" -type f | LC_ALL=C sort > "$tmp/files"
identify -format '%m %w %h %[colorspace]\n' $(cat "$tmp/files") > "$tmp/info" ||
    fail "identify could not read every picture"
[ "$(wc -l < "$tmp/info")" -eq 200 ] || fail "identify read $(wc -l < "$tmp/info") of 200 pictures"
paste -d ' ' "$tmp/files" "$tmp/info" | while read -r f fmt w h cs; do
    case "$f:$fmt" in
        *.jpg:JPEG | *.JPEG:JPEG | *.png:PNG) ;;
        *) fail "$f is $fmt" ;;
    esac
    case "${w}x$h" in
        500x375 | 375x500 | 640x480 | 320x240) ;;
        *) fail "$f is ${w}x$h" ;;
    esac
done
for want in "PNG " "JPEG 500 375" "JPEG 375 500" "JPEG 640 480" "JPEG 320 240" " sRGB" " Gray"; do
    grep -q -- "$want" "$tmp/info" || fail "no picture matching '$want' among 200"
done
grep -q '\.JPEG$' "$tmp/files" && grep -q '\.jpg$' "$tmp/files" || fail "expected both .jpg and .JPEG names"

# Usage errors: exit 2 with a message, nothing written.
set +e
"$gen" --per-class 0 "$tmp/d" 2> "$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "--per-class 0: exit $rc, expected 2"
grep -q -- '--per-class' "$tmp/err" || fail "--per-class 0: message does not name the option"
[ ! -e "$tmp/d" ] || fail "--per-class 0 wrote output"
echo "ok"
