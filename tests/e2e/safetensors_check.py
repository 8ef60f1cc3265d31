#!/usr/bin/python3
"""Checks on vgg-train's safetensors files for the e2e tests (lib.sh's tensors_equal and
momentum_matches), read with json and struct alone.
    safetensors_check.py equal A B      A and B hold the same tensors, byte for byte (their
                                        metadata, which names the run directory, may differ)
    safetensors_check.py momentum CKPT  CKPT's .optim companion, or the .pending one that a save
                                        cut between its renames leaves, is whole and holds the
                                        momentum of CKPT's step
Exit status 0 when the check holds, 1 (with the reason) when not.
"""
import json
import os
import struct
import sys


def read(path):
    """(metadata, {name: bytes}); fails unless the file is whole."""
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    end = max((v["data_offsets"][1] for v in header.values()), default=0)
    assert len(b) == 8 + n + end, f"{path} is not whole"
    return meta, {k: b[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]]
                  for k, v in header.items()}


def equal(a, b):
    ta, tb = read(a)[1], read(b)[1]
    assert ta.keys() == tb.keys(), "different tensors"
    diff = [k for k in ta if ta[k] != tb[k]]
    assert not diff, f"{diff[:5]} differ"


def momentum(ckpt):
    want = read(ckpt)[0]["step"]
    optim = ckpt[:-len(".safetensors")] + ".optim.safetensors"
    found = [p for p in (optim, optim + ".pending")
             if os.path.exists(p) and read(p)[0].get("step") == want]
    assert found, f"step {want}: no momentum file of that step"


if __name__ == "__main__":
    try:
        {"equal": equal, "momentum": momentum}[sys.argv[1]](*sys.argv[2:])
    except AssertionError as e:
        print(e)
        sys.exit(1)
