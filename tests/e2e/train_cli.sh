#!/bin/bash
# vgg-train's command line without a store: --help, --version, --summary of every shipped
# configuration (Table 2's parameter counts), and configuration errors with file:line and
# exit status 2.
. "$(dirname "$0")/lib.sh"
need_bin vgg-train
T="$BIN/vgg-train"

"$T" --help | grep -q -- '--resume' || fail "--help does not document --resume"
"$T" --help | grep -q 'Exit status' || fail "--help does not document the exit statuses"
"$T" --version | grep -qE '^vgg-train \(vgg-suite\) [0-9]' || fail "--version"

# Every configuration parses; the paper's ones have Table 2's parameter counts at 1000 classes.
for pair in vgg11:132,863,336 vgg11-lrn:132,863,336 vgg13:133,047,848 vgg16c:133,638,952 \
            vgg16:138,357,544 vgg19:143,667,240; do
    name=${pair%%:*} want=${pair#*:}
    out=$("$T" --summary --config "$ROOT/configs/$name.ini") || fail "--summary $name exited $?"
    echo "$out" | grep -q "^total parameters: $want\$" || fail "$name: $(echo "$out" | grep total)"
done
for f in "$ROOT"/configs/*.ini; do
    "$T" --summary --config "$f" > /dev/null || fail "$f does not parse"
done
out=$("$T" --summary --arch vgg11-lrn --set model.input_size=64 --classes 10)
echo "$out" | grep -qE 'lrn +features\.2 +64x64x64' || fail "LRN row missing: $out"
echo "$out" | grep -q 'forward FLOPs per image' || fail "no FLOPs total"

# Configuration errors: one line naming file:line, exit 2.
printf '[model]\narch = vgg16\n[data]\nstore = x\n[optim]\nlr = fast\n' > "$TMP/bad.ini"
expect_status 2 "$T" --summary --config "$TMP/bad.ini" 2> "$TMP/err"
grep -q "bad.ini:6: bad value optim.lr = 'fast'" "$TMP/err" || fail "$(cat "$TMP/err")"
printf '[model]\narch = vgg16\n[data]\nstore = x\n[optimizer]\nlr = 1\n' > "$TMP/bad.ini"
expect_status 2 "$T" --config "$TMP/bad.ini" 2> "$TMP/err"
grep -q "bad.ini:5: unknown section \[optimizer\]" "$TMP/err" || fail "$(cat "$TMP/err")"
printf '[model]\nbatch_norm = true\n[data]\nstore = x\n' > "$TMP/bad.ini"
expect_status 2 "$T" --config "$TMP/bad.ini" 2> "$TMP/err"
grep -q "bad.ini:1: missing required key 'arch' in section \[model\]" "$TMP/err" || fail "$(cat "$TMP/err")"
expect_status 2 "$T" --config "$ROOT/configs/tiny.ini" --set train.speed=3 2> "$TMP/err"
grep -q "unknown key 'speed'" "$TMP/err" || fail "$(cat "$TMP/err")"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "error is not one line: $(cat "$TMP/err")"

# Usage errors: exit 2.
expect_status 2 "$T"
expect_status 2 "$T" --eval x.safetensors
expect_status 2 "$T" --predict x.safetensors
expect_status 2 "$T" --summary --config "$ROOT/configs/tiny.ini" --eval x
expect_status 2 "$T" --device tpu --summary --arch A
expect_status 2 "$T" --config "$ROOT/configs/tiny.ini" --resume a.safetensors --init-from b.safetensors
echo "ok"
