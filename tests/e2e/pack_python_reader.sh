#!/bin/bash
# The ten-line Python reader of docs/format.md (python3-lmdb + numpy), run as written against
# a store vgg-pack wrote: it must print the record's class and pixels that Pillow agrees with.
. "$(dirname "$0")/lib.sh"
need_bin vgg-pack
D="$ROOT/tests/e2e/pack_data.py"

# the first ```python block of the document
sed -n '/^```python$/,/^```$/p' "$ROOT/docs/format.md" | sed '1d;$d' > "$TMP/reader.py"
[ "$(grep -c . "$TMP/reader.py")" -le 10 ] || fail "the reader in docs/format.md is over ten lines"

"$PY" "$D" make "$TMP/in" b,a 3 32x24
"$BIN/vgg-pack" -q "$TMP/in" "$TMP/s.lmdb"
for i in 0 1 2 3 4 5 6 7; do
    "$PY" "$TMP/reader.py" "$TMP/s.lmdb" "$i" > "$TMP/out.txt"
    "$PY" - "$TMP/out.txt" "$TMP/in" <<'PYEOF'
import hashlib, os, sys
import numpy as np
from PIL import Image
name, shape, digest = open(sys.argv[1]).read().split()
assert shape == "24x32x3", shape
want = {hashlib.sha256(np.asarray(Image.open(os.path.join(sys.argv[2], name, f)).convert("RGB"))
                       .tobytes()).hexdigest() for f in os.listdir(os.path.join(sys.argv[2], name))}
assert digest in want, f"record of class {name} matches none of its sources"
PYEOF
done
echo "docs reader ok"
