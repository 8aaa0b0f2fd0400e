#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for two small multi-exit DAG networks.

What: defines `dag-residual` and `dag-inception` directly in PyTorch (nn.Module
subclasses with a forward written out by hand, not built from any JSON), draws their
weights with torch.manual_seed(SEED), evaluates them in float32 with model.eval() and
writes, into tests/fixtures/<name>/:

  model.json              the same network in predoff's model description (shared
                          spec formats.md: "inputs", "@input", "exit", the new types)
  weights.safetensors     "<layer>.weight", "<layer>.bias" (none for "bias": false),
                          and for bn also ".running_mean", ".running_var"; F32,
                          PyTorch layouts, sorted by name (make_fixtures.py's writer)
  input-<i>.npy           the inputs, [C,H,W] float32
  exit-<exit>-<i>.npy     each exit's logits for input i, [outputs] float32
  manifest.json           seed, versions, layers, exits, the check, every file's sha256

Why: issue 13 point 7 asks that predoff's runtime compute every exit of a residual
and an inception-style DAG within 1e-5 of PyTorch. Before writing manifest.json the
script evaluates model.json a second way, with a float64 NumPy interpreter of the
spec's types that reads the weights back from the written file, and stops if any
layer of either input differs from PyTorch by more than 1e-5 relative (so the JSON,
the weights file and the PyTorch module are checked against each other). It also
checks that the inputs reach every piece of clip, hardswish and hardsigmoid.

Usage (Debian's python3-torch, see tests/fixtures/README.md):
  /usr/bin/python3 tools/make_dag_fixtures.py            # both, into tests/fixtures
  /usr/bin/python3 tools/make_dag_fixtures.py --out DIR  # into DIR/<name>
"""

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import read_safetensors, sha256, write_safetensors  # noqa: E402

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

SEED = 1
INPUTS = 2
TOL = 1e-5


# ---------------------------------------------------------------- the networks

def residual_json():
    L = [
        {"name": "stem", "type": "conv", "filters": 8, "kernel": 3, "pad": 1, "bias": False,
         "input": "@input"},
        {"name": "stem_bn", "type": "bn"},
        {"name": "stem_relu", "type": "relu"},
        {"name": "res_dw", "type": "conv", "filters": 8, "kernel": 3, "pad": 1, "groups": 8,
         "bias": False},
        {"name": "res_bn", "type": "bn", "eps": 0.001},
        {"name": "res_add", "type": "add", "inputs": ["stem_relu", "res_bn"]},
        {"name": "res_relu", "type": "relu"},
        {"name": "b1_pool", "type": "pool", "mode": "avg", "global": True},
        {"name": "b1_flat", "type": "flatten"},
        {"name": "b1_fc", "type": "fc", "outputs": 10, "exit": True},
        {"name": "se_pool", "type": "pool", "mode": "avg", "global": True, "input": "res_relu"},
        {"name": "se_fc1", "type": "conv", "filters": 4, "kernel": 1},
        {"name": "se_relu", "type": "relu"},
        {"name": "se_fc2", "type": "conv", "filters": 8, "kernel": 1},
        {"name": "se_gate", "type": "hardsigmoid"},
        {"name": "se_mul", "type": "mul", "inputs": ["res_relu", "se_gate"]},
        {"name": "down", "type": "conv", "filters": 16, "kernel": 3, "stride": 2, "pad": 1},
        {"name": "down_clip", "type": "clip", "min": 0, "max": 6},
        {"name": "dil", "type": "conv", "filters": 16, "kernel": 3, "pad": 2, "dilation": 2},
        {"name": "dil_hswish", "type": "hardswish"},
        {"name": "dil_sigmoid", "type": "sigmoid"},
        {"name": "swish", "type": "mul", "inputs": ["dil_hswish", "dil_sigmoid"]},
        {"name": "rect", "type": "conv", "filters": 12, "kernel": [1, 3], "stride": [1, 2],
         "pad": [0, 1]},
        {"name": "asym", "type": "conv", "filters": 12, "kernel": 3, "pad": [1, 0, 0, 2]},
        {"name": "asym_relu", "type": "relu"},
        {"name": "flat", "type": "flatten"},
        {"name": "fc1", "type": "fc", "outputs": 16, "bias": False},
        {"name": "fc1_relu", "type": "relu"},
        {"name": "fc2", "type": "fc", "outputs": 10, "exit": True},
    ]
    return {"name": "dag-residual",
            "note": "Test network for tools/make_dag_fixtures.py (see tests/fixtures/README.md).",
            "input": [3, 16, 16], "layers": L}


def inception_json():
    L = [
        {"name": "stem", "type": "conv", "filters": 8, "kernel": 3, "pad": 1},
        {"name": "stem_relu", "type": "relu"},
        {"name": "inc_b1", "type": "conv", "filters": 4, "kernel": 1, "input": "stem_relu"},
        {"name": "inc_b2a", "type": "conv", "filters": 4, "kernel": 1, "input": "stem_relu"},
        {"name": "inc_b2a_relu", "type": "relu"},
        {"name": "inc_b2b", "type": "conv", "filters": 6, "kernel": 3, "pad": 1},
        {"name": "inc_b3a", "type": "conv", "filters": 4, "kernel": 1, "input": "stem_relu"},
        {"name": "inc_b3a_relu", "type": "relu"},
        {"name": "inc_b3b", "type": "conv", "filters": 4, "kernel": [1, 5], "pad": [0, 2]},
        {"name": "inc_b3c", "type": "conv", "filters": 2, "kernel": [5, 1], "pad": [2, 0]},
        {"name": "inc_b4a", "type": "pool", "mode": "max", "kernel": 3, "stride": 1, "pad": 1,
         "input": "stem_relu"},
        {"name": "inc_b4b", "type": "conv", "filters": 4, "kernel": 1},
        {"name": "inc_cat", "type": "concat",
         "inputs": ["inc_b1", "inc_b2b", "inc_b3c", "inc_b4b"]},
        {"name": "inc_relu", "type": "relu"},
        {"name": "b1_pool", "type": "pool", "mode": "avg", "global": True},
        {"name": "b1_flat", "type": "flatten"},
        {"name": "b1_fc", "type": "fc", "outputs": 10, "exit": True},
        {"name": "pool2", "type": "pool", "mode": "max", "kernel": 2, "input": "inc_relu"},
        {"name": "conv3", "type": "conv", "filters": 16, "kernel": 3, "pad": 1},
        {"name": "relu3", "type": "relu"},
        {"name": "pool3", "type": "pool", "mode": "avg", "kernel": 3, "stride": 1, "pad": 1,
         "count_include_pad": False},
        {"name": "gpool", "type": "pool", "mode": "max", "global": True},
        {"name": "flat", "type": "flatten"},
        {"name": "fc", "type": "fc", "outputs": 10, "exit": True},
    ]
    return {"name": "dag-inception",
            "note": "Test network for tools/make_dag_fixtures.py (see tests/fixtures/README.md).",
            "input": [3, 16, 16], "layers": L}


if torch is not None:
    def _bn(c, eps=1e-5):
        return nn.BatchNorm2d(c, eps=eps)

    class DagResidual(nn.Module):
        """Attribute names are the JSON layer names, so state_dict() keys are the
        safetensors names. forward() records every layer's output in `trace`."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
            self.stem_bn = _bn(8)
            self.res_dw = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.res_bn = _bn(8, eps=1e-3)
            self.b1_fc = nn.Linear(8, 10)
            self.se_fc1 = nn.Conv2d(8, 4, 1)
            self.se_fc2 = nn.Conv2d(4, 8, 1)
            self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.dil = nn.Conv2d(16, 16, 3, padding=2, dilation=2)
            self.rect = nn.Conv2d(16, 12, (1, 3), stride=(1, 2), padding=(0, 1))
            self.asym = nn.Conv2d(12, 12, 3)  # after F.pad: top 1, left 0, bottom 0, right 2
            self.fc1 = nn.Linear(12 * 7 * 4, 16, bias=False)
            self.fc2 = nn.Linear(16, 10)

        def forward(self, x, trace):
            def t(name, v):
                trace[name] = v
                return v
            s = t("stem_relu", F.relu(t("stem_bn", self.stem_bn(t("stem", self.stem(x))))))
            r = t("res_bn", self.res_bn(t("res_dw", self.res_dw(s))))
            r = t("res_relu", F.relu(t("res_add", s + r)))
            e1 = t("b1_pool", F.adaptive_avg_pool2d(r, 1))
            e1 = t("b1_fc", self.b1_fc(t("b1_flat", torch.flatten(e1, 1))))
            g = t("se_pool", r.mean(dim=(2, 3), keepdim=True))
            g = t("se_relu", F.relu(t("se_fc1", self.se_fc1(g))))
            g = t("se_gate", F.hardsigmoid(t("se_fc2", self.se_fc2(g))))
            y = t("se_mul", r * g)
            y = t("down_clip", F.relu6(t("down", self.down(y))))
            y = t("dil_hswish", F.hardswish(t("dil", self.dil(y))))
            y = t("swish", y * t("dil_sigmoid", torch.sigmoid(y)))
            y = t("rect", self.rect(y))
            y = t("asym", self.asym(F.pad(y, (0, 2, 1, 0))))
            y = t("flat", torch.flatten(t("asym_relu", F.relu(y)), 1))
            y = t("fc2", self.fc2(t("fc1_relu", F.relu(t("fc1", self.fc1(y))))))
            return {"b1_fc": e1, "fc2": y}

    class DagInception(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.inc_b1 = nn.Conv2d(8, 4, 1)
            self.inc_b2a = nn.Conv2d(8, 4, 1)
            self.inc_b2b = nn.Conv2d(4, 6, 3, padding=1)
            self.inc_b3a = nn.Conv2d(8, 4, 1)
            self.inc_b3b = nn.Conv2d(4, 4, (1, 5), padding=(0, 2))
            self.inc_b3c = nn.Conv2d(4, 2, (5, 1), padding=(2, 0))
            self.inc_b4b = nn.Conv2d(8, 4, 1)
            self.b1_fc = nn.Linear(16, 10)
            self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
            self.fc = nn.Linear(16, 10)

        def forward(self, x, trace):
            def t(name, v):
                trace[name] = v
                return v
            s = t("stem_relu", F.relu(t("stem", self.stem(x))))
            b1 = t("inc_b1", self.inc_b1(s))
            b2 = t("inc_b2a_relu", F.relu(t("inc_b2a", self.inc_b2a(s))))
            b2 = t("inc_b2b", self.inc_b2b(b2))
            b3 = t("inc_b3a_relu", F.relu(t("inc_b3a", self.inc_b3a(s))))
            b3 = t("inc_b3c", self.inc_b3c(t("inc_b3b", self.inc_b3b(b3))))
            b4 = t("inc_b4a", F.max_pool2d(s, 3, stride=1, padding=1))
            b4 = t("inc_b4b", self.inc_b4b(b4))
            y = t("inc_relu", F.relu(t("inc_cat", torch.cat([b1, b2, b3, b4], dim=1))))
            e1 = t("b1_pool", F.adaptive_avg_pool2d(y, 1))
            e1 = t("b1_fc", self.b1_fc(t("b1_flat", torch.flatten(e1, 1))))
            y = t("pool2", F.max_pool2d(y, 2))
            y = t("relu3", F.relu(t("conv3", self.conv3(y))))
            y = t("pool3", F.avg_pool2d(y, 3, stride=1, padding=1, count_include_pad=False))
            y = t("gpool", F.adaptive_max_pool2d(y, 1))
            y = t("fc", self.fc(t("flat", torch.flatten(y, 1))))
            return {"b1_fc": e1, "fc": y}


def init_weights(module, seed, gain):
    """torch.manual_seed(seed), then for each submodule in definition order: conv/fc
    weight ~ N(0, gain^2/fan_in), bias ~ U(-0.5, 0.5); bn weight ~ U(0.5, 1.5),
    bias ~ U(-0.5, 0.5), running_mean ~ N(0, 0.5^2), running_var ~ U(0.25, 2)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.normal_(0.0, gain / math.sqrt(fan_in))
                if m.bias is not None:
                    m.bias.uniform_(-0.5, 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.normal_(0.0, 0.5)
                m.running_var.uniform_(0.25, 2.0)


# Each net: its JSON, its module, the init gain, the input scale, and the layers whose
# input must reach each piece of a piecewise activation: (layer, [(lo, hi), ...]).
NETS = {
    "dag-residual": dict(json=residual_json, module="DagResidual", gain=2.0, input_scale=2.0,
                         pieces=[("down_clip", [(-math.inf, 0), (0, 6), (6, math.inf)]),
                                 ("dil_hswish", [(-math.inf, -3), (-3, 3), (3, math.inf)]),
                                 ("se_gate", [(-math.inf, -3), (-3, 3), (3, math.inf)])]),
    "dag-inception": dict(json=inception_json, module="DagInception", gain=1.5,
                          input_scale=1.0, pieces=[]),
}


# ---------------------------------------------------------------- NumPy interpreter

def resolve(model):
    """Each layer's parents (names; None for the network input), checked as the spec
    says: input or inputs, never both; parents come earlier; every layer leads to an
    exit."""
    seen, prev = set(), None
    for layer in model["layers"]:
        name = layer["name"]
        if name in seen or name == "@input":
            raise ValueError(f"layer {name}: duplicate or reserved name")
        if "input" in layer and "inputs" in layer:
            raise ValueError(f"layer {name}: both input and inputs")
        if "inputs" in layer:
            parents = list(layer["inputs"])
        else:
            parents = [layer.get("input", prev if prev is not None else "@input")]
        for p in parents:
            if p != "@input" and p not in seen:
                raise ValueError(f"layer {name}: unknown or later parent {p!r}")
        layer["_parents"] = [None if p == "@input" else p for p in parents]
        seen.add(name)
        prev = name
    by_name = {layer["name"]: layer for layer in model["layers"]}
    used, stack = set(), [n for n in by_name if by_name[n].get("exit")]
    if not stack:
        raise ValueError("no exit")
    while stack:
        n = stack.pop()
        if n is not None and n not in used:
            used.add(n)
            stack.extend(by_name[n]["_parents"])
    unused = [n for n in by_name if n not in used]
    if unused:
        raise ValueError(f"layers no exit uses: {unused}")


def pair(v):
    return (v, v) if isinstance(v, int) else (v[0], v[1])


def pads4(v):
    """[top, left, bottom, right] from a number, [h, w] or four numbers."""
    if isinstance(v, int):
        return (v, v, v, v)
    if len(v) == 2:
        return (v[0], v[1], v[0], v[1])
    return tuple(v)


def np_conv(layer, x, w):
    name = layer["name"]
    W = w[name + ".weight"].astype(np.float64)
    c, h, wd = x.shape
    f, g = layer["filters"], layer.get("groups", 1)
    kh, kw = pair(layer["kernel"])
    sh, sw = pair(layer.get("stride", 1))
    dh, dw = pair(layer.get("dilation", 1))
    pt, pl, pb, pr = pads4(layer.get("pad", 0))
    if c % g or f % g or W.shape != (f, c // g, kh, kw):
        raise ValueError(f"{name}: weight {W.shape} for input {x.shape}, groups {g}")
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr)))
    out = np.zeros((f, oh, ow))
    cg, fg = c // g, f // g
    for gi in range(g):
        xs = xp[gi * cg:(gi + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[gi * fg:(gi + 1) * fg] += np.einsum(
                    "fc,chw->fhw", W[gi * fg:(gi + 1) * fg, :, i, j], patch)
    if layer.get("bias", True):
        out += w[name + ".bias"].astype(np.float64)[:, None, None]
    return out


def np_pool(layer, x):
    mode = layer.get("mode", "max")
    c, h, wd = x.shape
    if layer.get("global", False):
        r = x.reshape(c, -1)
        return (r.max(axis=1) if mode == "max" else r.mean(axis=1)).reshape(c, 1, 1)
    kh, kw = pair(layer["kernel"])
    sh, sw = pair(layer.get("stride", layer["kernel"]))
    ph, pw = pair(layer.get("pad", 0))
    incl = layer.get("count_include_pad", True)

    def size(n, k, s, p):
        if layer.get("ceil", False):
            o = -(-(n + 2 * p - k) // s) + 1
            return o - 1 if (o - 1) * s >= n + p else o
        return (n + 2 * p - k) // s + 1
    oh, ow = size(h, kh, sh, ph), size(wd, kw, sw, pw)
    out = np.empty((c, oh, ow))
    for oy in range(oh):
        for ox in range(ow):
            y0, x0 = oy * sh - ph, ox * sw - pw
            y1, x1 = min(y0 + kh, h + ph), min(x0 + kw, wd + pw)
            win = x[:, max(y0, 0):min(y1, h), max(x0, 0):min(x1, wd)].reshape(c, -1)
            if mode == "max":
                out[:, oy, ox] = win.max(axis=1)
            else:
                n = (y1 - y0) * (x1 - x0) if incl else win.shape[1]
                out[:, oy, ox] = win.sum(axis=1) / n
    return out


def np_layer(layer, xs, w):
    """One layer in float64 on [C,H,W] arrays, from formats.md's table."""
    t, name = layer["type"], layer["name"]
    x = xs[0]
    if t == "conv":
        return np_conv(layer, x, w)
    if t == "pool":
        return np_pool(layer, x)
    if t == "relu":
        return np.maximum(x, 0.0)
    if t == "bn":
        g, b, m, v = (w[f"{name}.{k}"].astype(np.float64)[:, None, None]
                      for k in ("weight", "bias", "running_mean", "running_var"))
        return (x - m) / np.sqrt(v + layer.get("eps", 1e-5)) * g + b
    if t == "add":
        if len(xs) < 2 or any(a.shape != x.shape for a in xs):
            raise ValueError(f"{name}: add of shapes {[a.shape for a in xs]}")
        return sum(xs[1:], x.copy())
    if t == "mul":
        a, b = xs
        if b.shape != a.shape and b.shape != (a.shape[0], 1, 1):
            raise ValueError(f"{name}: mul of shapes {a.shape}, {b.shape}")
        return a * b
    if t == "concat":
        if len(xs) < 2 or any(a.shape[1:] != x.shape[1:] for a in xs):
            raise ValueError(f"{name}: concat of shapes {[a.shape for a in xs]}")
        return np.concatenate(xs, axis=0)
    if t == "clip":
        return np.clip(x, layer.get("min", 0.0), layer.get("max", 6.0))
    if t == "sigmoid":
        return 1.0 / (1.0 + np.exp(-x))
    if t == "hardsigmoid":
        return np.clip(layer.get("alpha", 1.0 / 6.0) * x + layer.get("beta", 0.5), 0.0, 1.0)
    if t == "hardswish":
        return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0
    if t == "flatten":
        return x.reshape(-1, 1, 1)
    if t == "fc":
        W = w[name + ".weight"].astype(np.float64)
        y = W @ x.reshape(-1)
        if layer.get("bias", True):
            y += w[name + ".bias"].astype(np.float64)
        return y.reshape(-1, 1, 1)
    raise ValueError(f"{name}: unknown type {t!r}")


def expected_tensors(model, outs_shape):
    """{tensor name: shape} that model.json implies, from each layer's input shape."""
    want = {}
    for layer in model["layers"]:
        name, t = layer["name"], layer["type"]
        c, h, w = outs_shape[layer["_parents"][0]]
        if t == "conv":
            kh, kw = pair(layer["kernel"])
            want[name + ".weight"] = (layer["filters"], c // layer.get("groups", 1), kh, kw)
            if layer.get("bias", True):
                want[name + ".bias"] = (layer["filters"],)
        elif t == "fc":
            want[name + ".weight"] = (layer["outputs"], c * h * w)
            if layer.get("bias", True):
                want[name + ".bias"] = (layer["outputs"],)
        elif t == "bn":
            for k in ("weight", "bias", "running_mean", "running_var"):
                want[f"{name}.{k}"] = (c,)
    return want


def interpret(model, x, w):
    """Every layer's output, {name: float64 [C,H,W]}; None is the network input."""
    outs = {None: x.astype(np.float64)}
    for layer in model["layers"]:
        outs[layer["name"]] = np_layer(layer, [outs[p] for p in layer["_parents"]], w)
    return outs


def max_rel_err(ref, got):
    ref = np.asarray(ref, dtype=np.float64).reshape(-1)
    got = np.asarray(got, dtype=np.float64).reshape(-1)
    if ref.shape != got.shape:
        raise AssertionError(f"{got.size} values, want {ref.size}")
    return float(np.max(np.abs(got - ref)) / (np.max(np.abs(ref)) + 1e-30))


# ---------------------------------------------------------------- writing one net

def write_model_json(path, model):
    """One layer a line, as models/*.json have it."""
    head = {k: v for k, v in model.items() if k != "layers"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "layers": [')
    rows = [json.dumps({k: v for k, v in layer.items() if not k.startswith("_")})
            for layer in model["layers"]]
    lines.append(",\n".join("    " + r for r in rows))
    lines.append("  ]")
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def make(name, spec, out_root):
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    if os.path.exists(os.path.join(out, "manifest.json")):  # a failed check leaves none
        os.remove(os.path.join(out, "manifest.json"))
    model = spec["json"]()
    net = globals()[spec["module"]]()
    init_weights(net, SEED, spec["gain"])
    net.eval()
    tensors = {k: v.detach().numpy().astype("<f4") for k, v in net.state_dict().items()
               if not k.endswith("num_batches_tracked")}

    gen = torch.Generator().manual_seed(SEED)
    inputs = [spec["input_scale"] * torch.randn(model["input"], generator=gen)
              for _ in range(INPUTS)]
    traces, exits_out = [], []
    with torch.no_grad():
        for x in inputs:
            tr = {}
            exits_out.append(net(x[None], tr))
            traces.append(tr)

    files = []

    def record(fname, kind, **extra):
        p = os.path.join(out, fname)
        files.append(dict(file=fname, kind=kind, bytes=os.path.getsize(p), sha256=sha256(p),
                          **extra))

    write_model_json(os.path.join(out, "model.json"), model)
    record("model.json", "model")
    wpath = os.path.join(out, "weights.safetensors")
    write_safetensors(wpath, tensors, {"format": "pt"})
    record("weights.safetensors", "weights",
           tensors={n: list(tensors[n].shape) for n in sorted(tensors)})
    np_inputs = []
    for i, x in enumerate(inputs):
        fname = f"input-{i}.npy"
        np.save(os.path.join(out, fname), x.numpy().astype("<f4"))
        np_inputs.append(np.load(os.path.join(out, fname)))
        record(fname, "input", shape=list(x.shape), input=i)
    exit_names = [layer["name"] for layer in model["layers"] if layer.get("exit")]
    if sorted(exit_names) != sorted(exits_out[0]):
        raise AssertionError(f"{name}: JSON exits {exit_names}, module {list(exits_out[0])}")
    for i in range(INPUTS):
        for e in exit_names:
            fname = f"exit-{e}-{i}.npy"
            logits = exits_out[i][e][0].reshape(-1).numpy().astype("<f4")
            np.save(os.path.join(out, fname), logits)
            record(fname, "exit", shape=list(logits.shape), exit=e, input=i)

    # the check: model.json in float64 NumPy, weights and inputs read back from the files
    with open(os.path.join(out, "model.json"), encoding="utf-8") as f:
        jmodel = json.load(f)
    resolve(jmodel)
    w = read_safetensors(wpath)
    shapes = {k: v.shape for k, v in interpret(jmodel, np.zeros(jmodel["input"]), w).items()}
    want = expected_tensors(jmodel, shapes)
    got = {k: tuple(v.shape) for k, v in w.items()}
    if want != got:
        raise AssertionError(f"{name}: weights file has {sorted(got.items())}, model.json "
                             f"implies {sorted(want.items())}")
    layer_names = [layer["name"] for layer in jmodel["layers"]]
    if sorted(layer_names) != sorted(traces[0]):
        raise AssertionError(f"{name}: JSON layers {sorted(layer_names)}, module traces "
                             f"{sorted(traces[0])}")
    worst_layer = worst_exit = 0.0
    for i, x in enumerate(np_inputs):
        ref = interpret(jmodel, x, w)
        for layer in jmodel["layers"]:
            n = layer["name"]
            t = traces[i][n][0].numpy()
            if t.ndim == 3 and t.shape != ref[n].shape:
                raise AssertionError(f"{name}: {n}: torch shape {t.shape}, JSON {ref[n].shape}")
            err = max_rel_err(ref[n], t)
            if err > TOL:
                raise AssertionError(f"{name}: input {i}, layer {n} ({layer['type']}): "
                                     f"PyTorch vs float64 NumPy {err:.2e}")
            worst_layer = max(worst_layer, err)
        for e in exit_names:
            saved = np.load(os.path.join(out, f"exit-{e}-{i}.npy"))
            err = max_rel_err(ref[e], saved)
            if err > TOL:
                raise AssertionError(f"{name}: input {i}, exit {e}: {err:.2e}")
            worst_exit = max(worst_exit, err)
    # every piece of each piecewise activation must be reached by some input
    coverage = {}
    by_name = {layer["name"]: layer for layer in jmodel["layers"]}
    for n, pieces in spec["pieces"]:
        parent = by_name[n]["_parents"][0]
        vals = np.concatenate([interpret(jmodel, x, w)[parent].reshape(-1)
                               for x in np_inputs])
        counts = [int(np.sum((vals > lo) & (vals < hi))) for lo, hi in pieces]
        if min(counts) == 0:
            raise AssertionError(f"{name}: {n}: input values per piece {counts}: "
                                 "a piece is never reached")
        coverage[n] = {f"({lo}, {hi})": c for (lo, hi), c in zip(pieces, counts)}

    manifest = {
        "model": model["name"],
        "model_file": "model.json",
        "seed": SEED,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "module": f"tools/make_dag_fixtures.py: {spec['module']} (forward written by hand)",
        "weights_init": f"torch.manual_seed(seed), then per submodule in definition order: "
                        f"conv/fc weight ~ N(0, {spec['gain']}^2/fan_in), bias ~ U(-0.5, 0.5); "
                        "bn weight ~ U(0.5, 1.5), bias ~ U(-0.5, 0.5), running_mean ~ "
                        "N(0, 0.25), running_var ~ U(0.25, 2)",
        "inputs_init": f"{spec['input_scale']} * torch.randn(input shape, generator="
                       "torch.Generator().manual_seed(seed)), one after another",
        "dtype": "float32",
        "layers": [{"name": layer["name"], "type": layer["type"],
                    "inputs": ["@input" if p is None else p for p in layer["_parents"]],
                    "shape": list(shapes[layer["name"]])}
                   for layer in jmodel["layers"]],
        "exits": exit_names,
        "check": {"max_rel_diff_layers_vs_numpy_float64": worst_layer,
                  "max_rel_diff_exits_vs_numpy_float64": worst_exit,
                  "tolerance": TOL,
                  "piece_coverage": coverage,
                  "note": "relative to the largest |value| of each layer output; the NumPy "
                          "pass interprets model.json with the weights read back"},
        "command": "tools/make_dag_fixtures.py",
        "files": files,
    }
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(x["bytes"] for x in files)
    print(f"{name}: {len(files)} files, {total} bytes in {out}; worst layer "
          f"{worst_layer:.2e}, worst exit {worst_exit:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "tests", "fixtures"),
                    help="folder that gets one sub-folder per net (tests/fixtures)")
    ap.add_argument("names", nargs="*", help=f"nets to write (all: {', '.join(NETS)})")
    args = ap.parse_args()
    if torch is None:
        print("make_dag_fixtures: PyTorch is not installed (apt-get install python3-torch "
              "python3-numpy; run with /usr/bin/python3)", file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    for n in args.names or NETS:
        if n not in NETS:
            print(f"make_dag_fixtures: unknown net {n!r} (have {', '.join(NETS)})",
                  file=sys.stderr)
            return 2
        make(n, NETS[n], os.path.normpath(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
