#!/usr/bin/env python3
"""Writes the seeds of fuzz_wire (fuzz/corpus/wire/): protocol-4 messages made with the
Python reference encoder of docs/PROTOCOL.md (copied here as it is there).

    /usr/bin/python3 fuzz/wire_seeds.py fuzz/corpus/wire

The fuzzer's first pass decodes every seed with the C decoder; tests/test_wire.c checks
the reference against it on the worked example.
"""
import os
import struct
import sys

# --- from docs/PROTOCOL.md, "Worked example"
HEADER = struct.Struct("<4sHHQQQII3dIHHII")  # 80 bytes, little-endian, no padding
DESC = struct.Struct("<II4I")                # 24 bytes: name, ndim, dims
TENSOR, RESULT, ERROR, ECHO = 1, 2, 3, 4
INPUT = 0                                    # the network input; layer i's output is i + 1


def encode(kind, request_id, model_hash, plan_hash, exit, next, compute_ms, tensors=(),
           text=b"", budget_us=0, hops=0, code=0):
    """tensors: (name, dims, floats) each, names ascending."""
    if kind == ERROR:
        payload, count = text, 0
    else:
        descs = b"".join(DESC.pack(n, len(d), *(list(d) + [0] * (4 - len(d))))
                         for n, d, _ in tensors)
        floats = b"".join(struct.pack("<%df" % len(f), *f) for _, _, f in tensors)
        payload, count = descs + floats, len(tensors)
    return HEADER.pack(b"PDOF", 4, kind, request_id, model_hash, plan_hash, exit, next,
                       *compute_ms, budget_us, hops, code, count, len(payload)) + payload
# --- end of the copy


def floats(n, scale=0.25):
    return [scale * k - 1.0 for k in range(n)]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    h = dict(model_hash=0x0123456789ABCDEF, plan_hash=0xFEDCBA9876543210)
    seeds = {
        "tensor-input-3d.bin": encode(TENSOR, 1, exit=0, next=0, compute_ms=(0, 0, 0),
                                      tensors=[(INPUT, (1, 4, 4), floats(16))],
                                      budget_us=1000000, hops=1, **h),
        "tensor-1d.bin": encode(TENSOR, 2, exit=1, next=3, compute_ms=(1.5, 0, 0),
                                tensors=[(4, (6,), floats(6))], budget_us=500, hops=1, **h),
        "tensor-4d.bin": encode(TENSOR, 3, exit=2, next=7, compute_ms=(0, 2.25, 0),
                                tensors=[(9, (1, 2, 3, 2), floats(12))], budget_us=1, hops=3,
                                **h),
        "tensor-several.bin": encode(TENSOR, 4, exit=1, next=6, compute_ms=(0.5, 0.25, 1.0),
                                     tensors=[(INPUT, (2, 3, 3), floats(18)),
                                              (3, (4,), floats(4)), (7, (2, 2, 2), floats(8)),
                                              (11, (1,), [3.0])],
                                     budget_us=250000, hops=2, **h),
        "tensor-none.bin": encode(TENSOR, 5, exit=0, next=4, compute_ms=(0, 0, 0),
                                  budget_us=1000, hops=2, **h),
        "tensor-most.bin": encode(TENSOR, 6, exit=0, next=9, compute_ms=(0, 0, 0),
                                  tensors=[(i, (1,), [float(i)]) for i in range(64)],
                                  budget_us=1000, hops=1, **h),
        "result-10.bin": encode(RESULT, 7, exit=1, next=12, compute_ms=(1, 2, 3),
                                tensors=[(13, (10,), floats(10))], hops=4, **h),
        "result-1x10.bin": encode(RESULT, 8, exit=1, next=12, compute_ms=(1, 2, 3),
                                  tensors=[(13, (1, 10), floats(10))], hops=4, **h),
        "echo-1d.bin": encode(ECHO, 9, exit=0, next=0, compute_ms=(0, 0, 0),
                              tensors=[(INPUT, (7,), floats(7))], model_hash=0, plan_hash=0),
        "error-hash.bin": encode(ERROR, 10, exit=0, next=0, compute_ms=(0, 0, 0),
                                 text=b"model or weights differ between tiers (hash "
                                      b"0000000000000000, this edge has 9b05b4b59b26eda9)",
                                 code=2, **h),
        "error-empty.bin": encode(ERROR, 0, exit=0, next=0, compute_ms=(0, 0, 0), code=1, **h),
        "error-max-text.bin": encode(ERROR, 11, exit=0, next=0, compute_ms=(0, 0, 0),
                                     text=b"e" * 1024, code=8, **h),
        # rejected: one byte of text too many, names out of order, a truncated float
        "invalid-error-text-1025.bin": encode(ERROR, 12, exit=0, next=0, compute_ms=(0, 0, 0),
                                              text=b"e" * 1025, code=8, **h),
        "invalid-names-repeat.bin": encode(TENSOR, 13, exit=1, next=6, compute_ms=(0, 0, 0),
                                           tensors=[(3, (2,), [1, 2]), (3, (2,), [3, 4])],
                                           budget_us=1000, hops=1, **h),
        "invalid-truncated.bin": encode(TENSOR, 14, exit=1, next=6, compute_ms=(0, 0, 0),
                                        tensors=[(3, (2,), [1, 2]), (5, (3,), [3, 4, 5])],
                                        budget_us=1000, hops=1, **h)[:-2],
    }
    for name in os.listdir(out):
        if name.endswith(".bin") and name not in seeds:
            os.remove(os.path.join(out, name))
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%-28s %5d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
