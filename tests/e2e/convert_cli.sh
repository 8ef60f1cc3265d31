#!/bin/bash
# vgg-convert's command line: --help and --version, usage errors exit 2 with a one-line reason,
# a missing input is fatal (2); class and file names are made portable and two sources that
# would share an output name are both kept; a flat folder is sorted by --labels.
. "$(dirname "$0")/lib.sh"
need_bin vgg-convert
need_cmd convert
vc=$BIN/vgg-convert

"$vc" --help > "$TMP/help" || fail "--help exited non-zero"
grep -q "^Usage: vgg-convert" "$TMP/help" && grep -q "Exit status: 0 all converted, 1 some inputs skipped, 2 usage or fatal error" "$TMP/help" ||
    fail "--help: $(head -n 3 "$TMP/help")"
"$vc" --version | grep -qE '^vgg-convert \(vgg-suite\) [0-9]+\.[0-9]+' || fail "--version"

make_image "$TMP/raw/cls/a.jpg" 64x48
for args in "" "$TMP/raw" "--size 0 $TMP/raw $TMP/o" "--size abc $TMP/raw $TMP/o" \
            "--quality 101 $TMP/raw $TMP/o" "--mode stretch $TMP/raw $TMP/o" \
            "--format gif $TMP/raw $TMP/o" "-j -1 $TMP/raw $TMP/o" "--bogus $TMP/raw $TMP/o"; do
    # shellcheck disable=SC2086
    rc=$(run_status "$vc" $args 2> "$TMP/err")
    [ "$rc" -eq 2 ] || fail "'vgg-convert $args' exited $rc, expected 2"
    grep -q "^vgg-convert: " "$TMP/err" && grep -q "Try 'vgg-convert --help'" "$TMP/err" ||
        fail "'vgg-convert $args' said: $(cat "$TMP/err")"
done
grep -q "size: expected an integer from 1 to 8192, got 'abc'" < <("$vc" --size abc a b 2>&1) || fail "--size message"
rc=$(run_status "$vc" "$TMP/missing" "$TMP/o" 2> "$TMP/err")
[ "$rc" -eq 2 ] && grep -q "missing: No such file or directory" "$TMP/err" || fail "missing input: $rc $(cat "$TMP/err")"

# Names: unportable bytes become '_'; sources that collide on one output name are all kept,
# and the same names come back on a rerun (it finds everything up to date).
n=$TMP/names
make_image "$n/cat dog/photo.jpg" 64x48
make_image "$n/cat_dog/photo.jpg" 64x48
make_image "$n/x/a.jpg" 64x48
make_image "$n/x/a.png" 64x48
make_image "$n/x/A.JPEG" 64x48
make_image "$n/x/été 1.jpg" 64x48
make_image "$n/.hidden/skip.jpg" 64x48
expect_status 0 "$vc" -q "$n" "$TMP/out"
got=$(cd "$TMP/out" && find . -type f | LC_ALL=C sort | tr '\n' ' ')
want="./cat_dog-2/photo.jpg ./cat_dog/photo.jpg ./x/A.jpg ./x/_t_1.jpg ./x/a-2.jpg ./x/a-3.jpg "
[ "$got" = "$want" ] || fail "names: got '$got', want '$want'"
"$vc" "$n" "$TMP/out" | grep -q "0 converted, 6 up to date" || fail "rerun after collisions is not stable"

# A flat folder sorted by a labels file (TAB-separated); a file missing from it is reported.
make_image "$TMP/flat/v1.JPEG" 64x48
make_image "$TMP/flat/v2.JPEG" 64x48
make_image "$TMP/flat/v3.JPEG" 64x48
printf 'v1.JPEG\tn01\nv2.JPEG\tn02\n' > "$TMP/labels.tsv"
rc=$(run_status "$vc" -q --labels "$TMP/labels.tsv" "$TMP/flat" "$TMP/lab" 2>/dev/null)
[ "$rc" -eq 1 ] || fail "labels with a missing file: exit $rc"
[ -f "$TMP/lab/n01/v1.jpg" ] && [ -f "$TMP/lab/n02/v2.jpg" ] || fail "labels: $(find "$TMP/lab" -type f)"
grep -q "v3.JPEG	not in labels file" "$TMP/lab/convert-errors.tsv" || fail "v3 not reported"
printf 'v1.JPEG n01\n' > "$TMP/bad.csv"
rc=$(run_status "$vc" -q --labels "$TMP/bad.csv" "$TMP/flat" "$TMP/lab2" 2> "$TMP/err")
[ "$rc" -eq 2 ] && grep -q "bad.csv:1: expected 'file,class'" "$TMP/err" || fail "bad labels: $rc $(cat "$TMP/err")"

# Without labels, images loose at the top of a folder have no class: reported, not guessed.
rc=$(run_status "$vc" -q "$TMP/flat" "$TMP/nolab" 2>/dev/null)
[ "$rc" -eq 1 ] && grep -q "v1.JPEG	not in a class folder" "$TMP/nolab/convert-errors.tsv" || fail "flat without labels: $rc"

# A later clean run removes the stale error list.
rm "$TMP/flat/v3.JPEG"
expect_status 0 "$vc" -q --labels "$TMP/labels.tsv" "$TMP/flat" "$TMP/lab"
[ ! -e "$TMP/lab/convert-errors.tsv" ] || fail "stale convert-errors.tsv kept"
