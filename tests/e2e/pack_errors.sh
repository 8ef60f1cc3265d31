#!/bin/bash
# Bad inputs and usage: an undecodable file, an image of another size and an empty class are
# named with their path and fail the run (exit 2, nothing written) or, with --skip-bad, are
# left out (exit 1); an existing store needs --force; usage errors exit 2; --help, --version.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"
P="$BIN/vgg-pack"

"$PY" "$D" make "$TMP/in" a,b 4 32x32
printf 'not an image' > "$TMP/in/a/broken.jpg"
"$PY" "$D" make "$TMP/odd" b 0 33x32
mv "$TMP/odd/b/img000.png" "$TMP/in/b/odd.png"
mkdir "$TMP/in/empty"

rc=0; out=$("$P" -q "$TMP/in" "$TMP/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "bad inputs: exit $rc"
echo "$out" | grep -q "in/empty: empty class" || fail "empty class not named: $out"
[ -e "$TMP/s.lmdb" ] && fail "a failed run left a store"
rmdir "$TMP/in/empty"
rc=0; out=$("$P" -q "$TMP/in" "$TMP/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "bad images: exit $rc"
echo "$out" | grep -Eq "in/a/broken.jpg|in/b/odd.png: image is 33x32, the store is 32x32" || fail "bad image not named: $out"
[ -e "$TMP/s.lmdb" ] && fail "a failed run left a store"
ls -a "$TMP" | grep -q '\.tmp-' && fail "a failed run left its temporary"

rc=0; out=$("$P" --skip-bad "$TMP/in" "$TMP/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "--skip-bad: exit $rc: $out"
echo "$out" | grep -q "skipped .*in/a/broken.jpg" || fail "--skip-bad did not list broken.jpg: $out"
echo "$out" | grep -q "skipped .*in/b/odd.png: image is 33x32" || fail "--skip-bad did not list odd.png: $out"
echo "$out" | grep -q "10 images (train 10, val 0), 2 classes, 32x32.*, 2 skipped" || fail "summary: $out"

rc=0; out=$("$P" -q "$TMP/in" "$TMP/s.lmdb" 2>&1) || rc=$?
[ "$rc" -eq 2 ] && echo "$out" | grep -q "s.lmdb: exists (use --force" || fail "overwrote without --force: $rc $out"
rm "$TMP/in/a/broken.jpg" "$TMP/in/b/odd.png"
mkdir "$TMP/.s.lmdb.tmp-999999999" && touch "$TMP/.s.lmdb.tmp-999999999/data.mdb"  # a dead run's
expect_status 0 "$P" -q --force "$TMP/in" "$TMP/s.lmdb"
[ -e "$TMP/.s.lmdb.tmp-999999999" ] && fail "stale temporary not removed"
mkdir -p "$TMP/notastore" && touch "$TMP/notastore/precious"
expect_status 2 "$P" -q --force "$TMP/in" "$TMP/notastore"
[ -e "$TMP/notastore/precious" ] || fail "--force removed a folder that was not a store"

expect_status 2 "$P"
expect_status 2 "$P" "$TMP/in"
expect_status 2 "$P" --val-fraction 1 "$TMP/in" "$TMP/x.lmdb"
expect_status 2 "$P" --val-fraction abc "$TMP/in" "$TMP/x.lmdb"
expect_status 2 "$P" -j -1 "$TMP/in" "$TMP/x.lmdb"
expect_status 2 "$P" --json --verify "$TMP/s.lmdb"
expect_status 2 "$P" --bogus "$TMP/in" "$TMP/x.lmdb"
expect_status 2 "$P" "$TMP/missing" "$TMP/x.lmdb"
expect_status 2 "$P" --info "$TMP/in"
"$P" --help | grep -q "Exit status" || fail "--help"
"$P" --version | grep -q "vgg-pack (vgg-suite)" || fail "--version"
echo "errors ok"
