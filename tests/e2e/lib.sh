# tests/e2e/lib.sh: helpers for the end-to-end scripts. Source it first:
#     . "$(dirname "$0")/lib.sh"
# It sets: ROOT (project root), BIN (the binaries: $BIN or ROOT/bin), PY (/usr/bin/python3),
# TMP (a fresh directory removed on exit), IMAGENET11 (the real data set, maybe absent);
# and `set -eu`. Exit 0 pass, 77 skip (reason on the last line), anything else fail.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    echo "tests/e2e/lib.sh holds helpers for the e2e scripts; it is not a test"
    exit 77
fi
set -eu
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/bin}
PY=/usr/bin/python3
IMAGENET11=$ROOT/../shared/data/imagenet11
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

# tensors_equal A B: fails unless two safetensors files hold the same tensors, byte for byte.
# momentum_matches CKPT: fails unless the momentum of CKPT's step is on disk beside it.
# (tests/e2e/safetensors_check.py)
tensors_equal() { "$PY" "$ROOT/tests/e2e/safetensors_check.py" equal "$1" "$2"; }
momentum_matches() { "$PY" "$ROOT/tests/e2e/safetensors_check.py" momentum "$1"; }

# need_cmd CMD...: skip when a command is missing.
need_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c not installed"; done; }

# need_bin NAME: skip when $BIN/NAME has not been built.
need_bin() { [ -x "$BIN/$1" ] || skip "$BIN/$1 not built (make $BIN/$1)"; }

# make_image FILE WxH [convert options...]: a deterministic picture (a two-colour gradient with
# a plasma texture, so JPEG has something to code) at size WxH, format from FILE's extension.
make_image() {
    local file=$1 size=$2
    shift 2
    mkdir -p "$(dirname "$file")"
    convert -size "$size" -seed 7 plasma:red-blue "$@" "$file"
}

# run_status CMD...: runs CMD, prints its exit status (never fails the script).
run_status() { local rc=0; "$@" || rc=$?; echo "$rc"; }

# expect_status WANT CMD...: runs CMD and fails unless it exits with WANT.
expect_status() {
    local want=$1 rc=0
    shift
    "$@" || rc=$?
    [ "$rc" -eq "$want" ] || fail "$* exited $rc, expected $want"
}

# image_info FILE...: one line per file, "WxH MODE FORMAT" as Pillow reads it (MODE RGB means
# 8-bit, 3 channels).
image_info() {
    "$PY" - "$@" <<'EOF'
import sys
from PIL import Image
for path in sys.argv[1:]:
    with Image.open(path) as im:
        print(f"{im.width}x{im.height} {im.mode} {im.format}")
EOF
}

# pixel FILE X Y: "R G B" of one pixel.
pixel() {
    "$PY" - "$@" <<'EOF'
import sys
from PIL import Image
with Image.open(sys.argv[1]) as im:
    print(*im.convert("RGB").getpixel((int(sys.argv[2]), int(sys.argv[3]))))
EOF
}

# near R G B R2 G2 B2: true when each channel differs by at most 40 (JPEG noise).
near() { [ $(( ($1-$4)*($1-$4) < 1600 && ($2-$5)*($2-$5) < 1600 && ($3-$6)*($3-$6) < 1600 )) -eq 1 ]; }

# expect_pixel FILE X Y R G B: fails unless the pixel is near (R, G, B).
expect_pixel() {
    local got
    got=$(pixel "$1" "$2" "$3")
    # shellcheck disable=SC2086
    near $got "$4" "$5" "$6" || fail "$1 pixel ($2,$3) is $got, expected about $4 $5 $6"
}
