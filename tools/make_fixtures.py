#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for a predoff model description.

What: reads a model JSON (docs: shared spec formats.md, "Model description"), builds
one torch module per layer from the layer list and the parents (so it works for any
model in that format), draws the weights with torch.manual_seed(SEED) and PyTorch's
default initialisation (the modules are just constructed, in model order), evaluates
in float32 with model.eval() and writes, into an output folder:

  weights.safetensors     every "<layer>.weight" / "<layer>.bias", F32, PyTorch
                          layouts (conv [F,C,k,k], fc [O,I]), sorted by name; written
                          here with struct+json, not with the safetensors package
  input-<i>.npy           the network inputs, [C,H,W] float32 (numpy.save)
  exit-<exit>-<i>.npy     the logits of every exit for input i, shape [outputs]
  layer-<name>.npy        with --intermediates: every layer output on the path to the
                          last exit (the trunk) for input 0; [C,H,W], or [outputs]
                          for an fc and the layers after it
  manifest.json           model, seed, torch version, the files and how they were made

Why: predoff's C runtime must compute exactly what PyTorch computes; these files let
its tests check that without PyTorch. Before writing, the script checks the generic
builder twice: against a second float32 pass written out by hand with
torch.nn.functional calls (LRN and fc from their formulas), and against a float64
NumPy pass that follows the spec's shape rules; both read the weights back from the
written safetensors file, so the writer is checked too.

Usage (Debian's python3-torch, see tests/fixtures/README.md):
  /usr/bin/python3 tools/make_fixtures.py models/b-lenet.json tests/fixtures/b-lenet \
      --seed 1 --intermediates
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


# ---------------------------------------------------------------- model description

def load_model(path):
    """The model JSON with each layer's parent resolved ("input" or the previous
    layer; None for the network input)."""
    with open(path, encoding="utf-8") as f:
        model = json.load(f)
    names = set()
    prev = None
    for layer in model["layers"]:
        name = layer["name"]
        if name in names:
            raise ValueError(f"{path}: layer {name}: duplicate name")
        parent = layer.get("input", prev)
        if parent is not None and parent not in names:
            raise ValueError(f"{path}: layer {name}: unknown or later parent {parent!r}")
        layer["_parent"] = parent
        names.add(name)
        prev = name
    if not any("exit" in layer for layer in model["layers"]):
        raise ValueError(f"{path}: model has no exit")
    return model


def exits(model):
    return [layer["name"] for layer in model["layers"] if "exit" in layer]


def path_to(model, name):
    """Layers from the network input to `name`, in order."""
    by_name = {layer["name"]: layer for layer in model["layers"]}
    out = []
    while name is not None:
        out.append(name)
        name = by_name[name]["_parent"]
    return out[::-1]


def pool_params(layer):
    k = layer["kernel"]
    return k, layer.get("stride", k), layer.get("pad", 0), bool(layer.get("ceil", False))


def pooled_size(n, k, s, p, ceil):
    """The spec's output size: floor, or PyTorch's ceil_mode (a last window that would
    start in the right padding is dropped)."""
    if ceil:
        out = -(-(n + 2 * p - k) // s) + 1
        if (out - 1) * s >= n + p:
            out -= 1
        return out
    return (n + 2 * p - k) // s + 1


def output_shape(layer, shape):
    """A layer's output shape [C,H,W] from its input shape, per the spec's table."""
    c, h, w = shape
    t = layer["type"]
    if t == "conv":
        k, s, p = layer["kernel"], layer.get("stride", 1), layer.get("pad", 0)
        return [layer["filters"], (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1]
    if t == "pool":
        k, s, p, ceil = pool_params(layer)
        return [c, pooled_size(h, k, s, p, ceil), pooled_size(w, k, s, p, ceil)]
    if t in ("relu", "lrn", "dropout"):
        return [c, h, w]
    if t == "fc":
        return [layer["outputs"], 1, 1]
    raise ValueError(f"layer {layer['name']}: unknown type {t!r}")


def shapes(model):
    """Input and output shape of every layer."""
    out = {None: list(model["input"])}
    ins = {}
    for layer in model["layers"]:
        ins[layer["name"]] = out[layer["_parent"]]
        out[layer["name"]] = output_shape(layer, ins[layer["name"]])
    return ins, out


# ---------------------------------------------------------------- the generic builder

if torch is not None:
    class FlatLinear(nn.Linear):
        """nn.Linear on its input flattened in C,H,W order (parameters as nn.Linear)."""

        def forward(self, x):
            return super().forward(x.flatten(1))


def build_module(layer, in_shape):
    """The torch module for one layer (constructing it draws its default init)."""
    t = layer["type"]
    if t == "conv":
        return nn.Conv2d(in_shape[0], layer["filters"], layer["kernel"],
                         stride=layer.get("stride", 1), padding=layer.get("pad", 0), bias=True)
    if t == "relu":
        return nn.ReLU()
    if t == "pool":
        k, s, p, ceil = pool_params(layer)
        mode = layer.get("mode", "max")
        if mode == "max":
            return nn.MaxPool2d(k, stride=s, padding=p, ceil_mode=ceil)
        if mode == "avg":
            return nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil)
        raise ValueError(f"layer {layer['name']}: unknown pool mode {mode!r}")
    if t == "lrn":
        return nn.LocalResponseNorm(layer.get("size", 5), alpha=layer.get("alpha", 1e-4),
                                    beta=layer.get("beta", 0.75), k=layer.get("k", 1.0))
    if t == "dropout":
        return nn.Dropout(layer.get("ratio", 0.5))
    if t == "fc":
        return FlatLinear(in_shape[0] * in_shape[1] * in_shape[2], layer["outputs"], bias=True)
    raise ValueError(f"layer {layer['name']}: unknown type {t!r}")


def build(model, seed):
    """torch.manual_seed(seed), then every layer's module in model order, in eval mode.
    Returns {name: module}."""
    torch.manual_seed(seed)
    ins, _ = shapes(model)
    mods = {}
    for layer in model["layers"]:
        mods[layer["name"]] = build_module(layer, ins[layer["name"]])
        mods[layer["name"]].eval()
    return mods


def run_modules(model, mods, x):
    """Every layer's output for a batch x [N,C,H,W]."""
    outs = {None: x}
    for layer in model["layers"]:
        outs[layer["name"]] = mods[layer["name"]](outs[layer["_parent"]])
    del outs[None]
    return outs


def state(model, mods):
    """{tensor name: float32 numpy array} for the layers with weights."""
    tensors = {}
    for layer in model["layers"]:
        m = mods[layer["name"]]
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            tensors[layer["name"] + ".weight"] = m.weight.detach().numpy().astype("<f4")
            tensors[layer["name"] + ".bias"] = m.bias.detach().numpy().astype("<f4")
    return tensors


# ---------------------------------------------------------------- file writers, readers

def write_safetensors(path, tensors, metadata=None):
    """A safetensors file: u64 little-endian header length, the JSON header (padded
    with spaces to 8 bytes), then the tensors' bytes, in name order, offsets relative to
    the start of the data buffer."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        data = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)


def read_safetensors(path):
    """{name: float32 array} from a safetensors file (F32 only), checking offsets."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack_from("<Q", raw, 0)
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name}: dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        count = math.prod(info["shape"])
        if end - begin != 4 * count or end > len(data):
            raise ValueError(f"{path}: {name}: bad offsets")
        out[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        end_max = max(end_max, end)
    if end_max != len(data):
        raise ValueError(f"{path}: {len(data) - end_max} trailing bytes")
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- independent checks

def functional_layer(layer, x, w):
    """One layer by hand with torch.nn.functional (float32), parameters read from the
    JSON, weights from the file: a check on the module builder."""
    t, name = layer["type"], layer["name"]
    if t == "conv":
        return F.conv2d(x, torch.from_numpy(w[name + ".weight"].copy()),
                        torch.from_numpy(w[name + ".bias"].copy()),
                        stride=layer.get("stride", 1), padding=layer.get("pad", 0))
    if t == "relu":
        return torch.clamp(x, min=0.0)
    if t == "pool":
        k, s, p, ceil = pool_params(layer)
        if layer.get("mode", "max") == "max":
            return F.max_pool2d(x, k, s, p, ceil_mode=ceil)
        return F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=True)
    if t == "lrn":
        # b_c = a_c / (k + alpha/size * sum_{c' = c - size//2}^{c + (size-1)//2} a_c'^2)^beta,
        # channels outside [0, C) count as zeros; the divisor is always `size`.
        size, alpha = layer.get("size", 5), layer.get("alpha", 1e-4)
        beta, kk = layer.get("beta", 0.75), layer.get("k", 1.0)
        sq = F.pad(x * x, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        c = x.shape[1]
        acc = sum(sq[:, j:j + c] for j in range(size))
        return x / (kk + alpha / size * acc) ** beta
    if t == "dropout":
        return x
    if t == "fc":
        W = torch.from_numpy(w[name + ".weight"].copy())
        b = torch.from_numpy(w[name + ".bias"].copy())
        return (x.reshape(x.shape[0], -1) @ W.t() + b).reshape(x.shape[0], -1)
    raise ValueError(t)


def numpy_layer(layer, x, w):
    """One layer in float64 NumPy on a [C,H,W] array, from the spec's rules alone."""
    t, name = layer["type"], layer["name"]
    if t == "conv":
        W = w[name + ".weight"].astype(np.float64)
        b = w[name + ".bias"].astype(np.float64)
        k, s, p = layer["kernel"], layer.get("stride", 1), layer.get("pad", 0)
        _, oh, ow = output_shape(layer, x.shape)
        xp = np.pad(x, ((0, 0), (p, p), (p, p)))
        out = np.zeros((W.shape[0], oh, ow))
        for i in range(k):
            for j in range(k):
                patch = xp[:, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]
                out += np.einsum("fc,chw->fhw", W[:, :, i, j], patch)
        return out + b[:, None, None]
    if t == "relu":
        return np.maximum(x, 0.0)
    if t == "pool":
        k, s, p, ceil = pool_params(layer)
        mode = layer.get("mode", "max")
        c, h, wd = x.shape
        _, oh, ow = output_shape(layer, x.shape)
        out = np.empty((c, oh, ow))
        for oy in range(oh):
            for ox in range(ow):
                y0, x0 = oy * s - p, ox * s - p
                # a window is cut at the padded input's end (ceil_mode may run past it)
                y1, x1 = min(y0 + k, h + p), min(x0 + k, wd + p)
                win = x[:, max(y0, 0):min(y1, h), max(x0, 0):min(x1, wd)]
                if mode == "max":  # padding is -inf: only real elements count
                    out[:, oy, ox] = win.reshape(c, -1).max(axis=1)
                else:  # count_include_pad: divide by the window within the padded input
                    out[:, oy, ox] = win.reshape(c, -1).sum(axis=1) / ((y1 - y0) * (x1 - x0))
        return out
    if t == "lrn":
        size, alpha = layer.get("size", 5), layer.get("alpha", 1e-4)
        beta, kk = layer.get("beta", 0.75), layer.get("k", 1.0)
        c = x.shape[0]
        out = np.empty_like(x)
        for ch in range(c):
            lo, hi = max(0, ch - size // 2), min(c, ch + (size - 1) // 2 + 1)
            acc = (x[lo:hi] ** 2).sum(axis=0)
            out[ch] = x[ch] / (kk + alpha / size * acc) ** beta
        return out
    if t == "dropout":
        return x
    if t == "fc":
        W = w[name + ".weight"].astype(np.float64)
        b = w[name + ".bias"].astype(np.float64)
        return (W @ x.reshape(-1) + b).reshape(-1, 1, 1)
    raise ValueError(t)


def max_rel_err(ref, got):
    """max |got - ref| / (max |ref| + tiny), a scale-free difference."""
    ref = np.asarray(ref, dtype=np.float64).reshape(-1)
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    if ref.shape != got.shape:
        raise AssertionError(f"shape {got.shape} != {ref.shape}")
    return float(np.max(np.abs(got - ref)) / (np.max(np.abs(ref)) + 1e-30))


def check(model, outs, inputs, w, tol32, tol64):
    """Compares every layer's module output with the functional pass (float32) and the
    NumPy pass (float64). Returns the worst relative differences; raises on a mismatch."""
    _, out_shapes = shapes(model)
    worst32 = worst64 = 0.0
    for i, x in enumerate(inputs):
        f_outs = {None: torch.from_numpy(x[None].copy())}
        n_outs = {None: x.astype(np.float64)}
        for layer in model["layers"]:
            name = layer["name"]
            f_outs[name] = functional_layer(layer, f_outs[layer["_parent"]], w)
            n_outs[name] = numpy_layer(layer, n_outs[layer["_parent"]], w)
            got = outs[i][name][0].numpy()
            want_shape = tuple(out_shapes[name])
            # after an fc, torch keeps [N, outputs]: compare those by element count
            if math.prod(got.shape) != math.prod(want_shape) or (
                    got.ndim == 3 and got.shape != want_shape):
                raise AssertionError(f"{name}: torch shape {got.shape}, spec {want_shape}")
            e32 = max_rel_err(f_outs[name][0].numpy(), got)
            e64 = max_rel_err(n_outs[name], got)
            if e32 > tol32 or e64 > tol64:
                raise AssertionError(f"input {i}, layer {name} ({layer['type']}): module vs "
                                     f"functional {e32:.2e}, vs numpy float64 {e64:.2e}")
            worst32, worst64 = max(worst32, e32), max(worst64, e64)
    return worst32, worst64


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="model description JSON")
    ap.add_argument("out", help="output folder (created)")
    ap.add_argument("--seed", type=int, default=1, help="torch.manual_seed (default 1)")
    ap.add_argument("--inputs", type=int, default=2, help="number of random inputs (2)")
    ap.add_argument("--intermediates", action="store_true",
                    help="also write layer-<name>.npy for the trunk, input 0")
    ap.add_argument("--tol32", type=float, default=1e-5,
                    help="max relative difference, modules vs functional pass")
    ap.add_argument("--tol64", type=float, default=1e-4,
                    help="max relative difference, modules vs float64 NumPy pass")
    args = ap.parse_args()
    if torch is None:
        print("make_fixtures: PyTorch is not installed (apt-get install python3-torch "
              "python3-numpy; run with /usr/bin/python3)", file=sys.stderr)
        return 2

    model = load_model(args.model)
    torch.set_num_threads(1)
    mods = build(model, args.seed)
    tensors = state(model, mods)

    gen = torch.Generator().manual_seed(args.seed)
    inputs = [torch.randn(list(model["input"]), generator=gen, dtype=torch.float32)
              for _ in range(args.inputs)]
    with torch.no_grad():
        outs = [run_modules(model, mods, x[None]) for x in inputs]

    os.makedirs(args.out, exist_ok=True)
    files = []

    def record(fname, kind, shape, **extra):
        if shape is not None:
            extra["shape"] = list(shape)
        files.append(dict(file=fname, kind=kind,
                          bytes=os.path.getsize(os.path.join(args.out, fname)),
                          sha256=sha256(os.path.join(args.out, fname)), **extra))

    wpath = os.path.join(args.out, "weights.safetensors")
    write_safetensors(wpath, tensors, {"format": "pt"})
    record("weights.safetensors", "weights", None,
           tensors={n: list(tensors[n].shape) for n in sorted(tensors)})

    np_inputs = []
    for i, x in enumerate(inputs):
        fname = f"input-{i}.npy"
        np.save(os.path.join(args.out, fname), x.numpy().astype("<f4"))
        np_inputs.append(np.load(os.path.join(args.out, fname)))
        record(fname, "input", x.shape, input=i)
    for i in range(len(inputs)):
        for e in exits(model):
            fname = f"exit-{e}-{i}.npy"
            logits = outs[i][e][0].reshape(-1).numpy().astype("<f4")
            np.save(os.path.join(args.out, fname), logits)
            record(fname, "exit", logits.shape, exit=e, input=i)
    trunk = path_to(model, exits(model)[-1])
    if args.intermediates:
        for name in trunk:
            fname = f"layer-{name}.npy"
            t = outs[0][name][0]
            a = t.numpy().astype("<f4")  # [C,H,W], or [outputs] from an fc on
            np.save(os.path.join(args.out, fname), a)
            record(fname, "layer", a.shape, layer=name, input=0)

    # the checks read back what was written
    w = read_safetensors(wpath)
    for name, a in tensors.items():
        if not np.array_equal(w[name], a):
            raise AssertionError(f"{wpath}: {name} does not read back")
    worst32, worst64 = check(model, outs, np_inputs, w, args.tol32, args.tol64)

    manifest = {
        "model": model["name"],
        "model_file": os.path.basename(args.model),
        "seed": args.seed,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "weights_init": "torch.manual_seed(seed), then each layer's nn module constructed "
                        "in model order (PyTorch's default init)",
        "inputs_init": "torch.randn(input shape, generator=torch.Generator().manual_seed(seed)), "
                       "one after another",
        "dtype": "float32",
        "exits": exits(model),
        "trunk": trunk,
        "check": {"max_rel_diff_vs_functional_float32": worst32,
                  "max_rel_diff_vs_numpy_float64": worst64,
                  "note": "relative to the largest |value| of each layer output"},
        "command": "tools/make_fixtures.py " + " ".join(sys.argv[1:]),
        "files": files,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(x["bytes"] for x in files)
    print(f"{model['name']}: {len(files)} files, {total} bytes in {args.out}; "
          f"modules vs functional {worst32:.2e}, vs float64 {worst64:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
