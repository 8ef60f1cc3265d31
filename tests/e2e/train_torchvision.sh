#!/bin/bash
# A checkpoint written by vgg-train loads into torchvision's vgg11 (safetensors, strict
# load_state_dict) and gives the same logits as vgg-train --predict on the same image.
# Full-width VGG-A at 224x224 for 3 classes; train.epochs = 0 writes the initialised model.
. "$(dirname "$0")/lib.sh"
need_bin vgg-train
need_bin vgg-pack
"$PY" -c 'import torch, torchvision, numpy, PIL' 2>/dev/null || skip "python3-torch or torchvision missing"
D="$ROOT/tests/e2e/pack_data.py"

"$PY" "$D" make "$TMP/in" cat,dog,fish 2 224x224
"$BIN/vgg-pack" -q -j 1 "$TMP/in" "$TMP/s.lmdb"
"$BIN/vgg-train" --config "$ROOT/configs/vgg11.ini" --set data.store="$TMP/s.lmdb" \
    --set train.run_dir="$TMP/run" --set train.epochs=0 --set train.batch=1 -j 2 -q \
    || fail "vgg-train exited $?"
img="$TMP/in/dog/img001.jpg"
"$PY" - "$img" "$TMP/img.png" <<'PYEOF'
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2])  # lossless: both sides read the same pixels
PYEOF
"$BIN/vgg-train" --predict "$TMP/run/last.safetensors" --json "$TMP/img.png" -j 2 > "$TMP/pred.json" \
    || fail "--predict exited $?"
"$PY" - "$TMP/run/last.safetensors" "$TMP/img.png" "$TMP/pred.json" <<'PYEOF' || fail "logits differ"
import json, struct, sys
import numpy as np, torch, torchvision
from PIL import Image
path, img, pred = sys.argv[1:]
b = open(path, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
header = json.loads(b[8:8 + n])
meta = header.pop("__metadata__")
dtypes = {"F32": np.float32, "I64": np.int64}
state = {k: torch.from_numpy(np.frombuffer(b, dtypes[v["dtype"]], offset=8 + n + v["data_offsets"][0],
                                           count=int(np.prod(v["shape"], dtype=np.int64))).reshape(v["shape"]).copy())
         for k, v in header.items()}
model = torchvision.models.vgg11(num_classes=3)
model.load_state_dict(state, strict=True)
model.eval()
mean = torch.tensor([float(x) for x in meta["mean"].split()]).view(3, 1, 1)
std = torch.tensor([float(x) for x in meta["std"].split()]).view(3, 1, 1)
x = torch.from_numpy(np.asarray(Image.open(img).convert("RGB"), dtype=np.float32)).permute(2, 0, 1)
with torch.no_grad():
    want = model(((x - mean) / std).unsqueeze(0))[0].double().numpy()
got = np.array(json.loads(open(pred).read())["logits"])
print("torchvision:", want, "\nvgg-train:  ", got)
err = np.abs(got - want).max() / np.abs(want).max()
assert err < 1e-4, f"relative difference {err:.2e}"
print(f"max relative difference {err:.2e}")
PYEOF

# Fine-tuning: torchvision's vgg11 for 10 classes, saved as safetensors, is the start of a
# 3-class run: every layer but the last is taken as it is, the last is re-initialised.
"$PY" - "$TMP/tv10.safetensors" <<'PYEOF'
import json, struct, sys
import torch, torchvision
torch.manual_seed(0)
sd = torchvision.models.vgg11(num_classes=10).state_dict()
header, blobs, offset = {}, [], 0
for k, v in sd.items():
    data = v.contiguous().numpy().tobytes()
    header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [offset, offset + len(data)]}
    blobs.append(data)
    offset += len(data)
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
PYEOF
"$BIN/vgg-train" --config "$ROOT/configs/vgg11.ini" --set data.store="$TMP/s.lmdb" \
    --set train.run_dir="$TMP/ft" --set train.epochs=0 --set train.batch=1 -j 2 -q \
    --init-from "$TMP/tv10.safetensors" || fail "--init-from exited $?"
"$PY" - "$TMP/tv10.safetensors" "$TMP/ft/last.safetensors" <<'PYEOF' || fail "--init-from did not take the weights"
import json, struct, sys
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    return {k: (v["shape"], b[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]]) for k, v in h.items()}
src, dst = tensors(sys.argv[1]), tensors(sys.argv[2])
assert src.keys() == dst.keys()
for k in src:
    if k.startswith("classifier.6."):
        assert dst[k][0][0] == 3 and src[k][0][0] == 10, (k, dst[k][0], src[k][0])
    else:
        assert src[k] == dst[k], k + " differs"
print("fine-tuning start: all layers but the last taken from torchvision")
PYEOF
