# tests/e2e/fault_helpers.bash: helpers of the fault-injection tests (fault_*.sh), sourced
# after lib.sh. (Not named *.sh, so tests/run.sh does not take it for a test.)

# small_fs DIR SIZE: mounts a tmpfs of SIZE (e.g. 400k) on DIR, unmounted on exit; skips
# when mounting is not permitted (not root, or in a container without CAP_SYS_ADMIN).
MOUNTS=()
small_fs() {
    mkdir -p "$1"
    mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null || skip "cannot mount a tmpfs (needs root)"
    MOUNTS+=("$1")
    trap 'for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$TMP"' EXIT
}

# resize_fs DIR SIZE: gives the mounted tmpfs DIR a new size.
resize_fs() { mount -o "remount,size=$2" "$1"; }

# fill_fs DIR KB: fills the file system of DIR so that about KB kilobytes stay free.
fill_fs() {
    dd if=/dev/zero of="$1/.filler" bs=4k 2>/dev/null || true
    truncate -s "-$2K" "$1/.filler"
}

# valid_images DIR: fails unless every image under DIR that looks complete (no leading dot)
# decodes in full at SIZE x SIZE (default 224).
valid_images() {
    find "$1" -name '*.jpg' ! -name '.*' -print0 | xargs -0 -r "$PY" -c '
import sys
from PIL import Image
for p in sys.argv[2:]:
    with Image.open(p) as im:
        im.load()
        assert im.size == (int(sys.argv[1]),) * 2, p' "${2:-224}"
}
