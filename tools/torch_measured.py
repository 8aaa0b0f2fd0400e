#!/usr/bin/env python3
"""Per-block times measured in PyTorch, as a predoff tier profile's measured table.

What: a multi-exit VGG-11-like network (five convolution blocks of VGG-11, 64 x 64 input,
a side exit after the second block, random weights from a fixed seed, eval mode) is run in
PyTorch; forward hooks on each named block time it in every run, and the median of the
timed runs is its time. It writes:

  MODEL.json    the network as predoff's JSON model: one `opaque` layer per block, its
                output shape, MACs and weight bytes as PyTorch has them (the shapes from a
                run, the MACs counted from each convolution and linear layer)
  TIER.json     a tier profile of measured times alone: {"measured": {MODEL: {block: ms}}}

Why: a user with per-layer timings from elsewhere (PyTorch, a phone's profiler) plans with
them as they are (docs/PROFILES.md, "Measured layer times"); this is that path, worked
end to end with a real framework. Run it once per tier (e.g. --threads 1 for a slow mobile,
--threads 2 for the edge) and plan with `predoff plan MODEL.json --mobile A.json --edge B.json`.

Usage (Debian's python3-torch):
  /usr/bin/python3 tools/torch_measured.py --model MODEL.json --out TIER.json
      [--name TIER] [--threads N] [--repeats R] [--warmup W] [--seed S]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
import torch.nn as nn

MODEL_NAME = "vgg11-exits"


def block(cin, cout, convs):
    layers = []
    for i in range(convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, nn.MaxPool2d(2))


class VggExits(nn.Module):
    """VGG-11's five blocks on 3 x 64 x 64, an exit after block2, the classifier last."""

    def __init__(self, classes=10):
        super().__init__()
        self.block1 = block(3, 64, 1)
        self.block2 = block(64, 128, 1)
        self.exit1 = nn.Sequential(nn.Conv2d(128, 32, 3, stride=2, padding=1), nn.ReLU(),
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, classes))
        self.block3 = block(128, 256, 2)
        self.block4 = block(256, 512, 2)
        self.block5 = block(512, 512, 2)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(512 * 2 * 2, 512), nn.ReLU(),
                                        nn.Linear(512, classes))

    # (name, input name): the blocks in the order they run, each reading one tensor
    GRAPH = [("block1", "@input"), ("block2", "block1"), ("exit1", "block2"),
             ("block3", "block2"), ("block4", "block3"), ("block5", "block4"),
             ("classifier", "block5")]
    EXITS = ("exit1", "classifier")

    def forward(self, x):
        x = self.block2(self.block1(x))
        e1 = self.exit1(x)
        return e1, self.classifier(self.block5(self.block4(self.block3(x))))


def macs_of(module, x):
    """Multiply-accumulates of one pass of module on x: its convolutions and linear layers."""
    total = [0]

    def count(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += m.in_features * m.out_features
    hooks = [m.register_forward_hook(count) for m in module.modules()]
    with torch.no_grad():
        out = module(x)
    for h in hooks:
        h.remove()
    return total[0], out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="where to write the JSON model")
    ap.add_argument("--out", required=True, help="where to write the tier profile")
    ap.add_argument("--name", help="the profile's name (default: --out's file name)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    net = VggExits().eval()
    x = torch.randn(1, 3, 64, 64)

    # shapes and MACs, block by block, from one pass
    tensors, layers = {"@input": x}, []
    for name, src in VggExits.GRAPH:
        mod = getattr(net, name)
        macs, out = macs_of(mod, tensors[src])
        tensors[name] = out
        shape = list(out.shape[1:]) + [1] * (4 - out.dim())  # [C, H, W]; a vector is [C, 1, 1]
        weights = sum(p.numel() for p in mod.parameters()) * 4
        layer = {"name": name, "type": "opaque", "shape": shape, "macs": macs,
                 "weight_bytes": weights}
        if src != (layers[-1]["name"] if layers else "@input"):
            layer["input"] = src  # not the layer listed just before it
        if name in VggExits.EXITS:
            layer["exit"] = True
        layers.append(layer)
    model = {"name": MODEL_NAME, "note": "VGG-11's blocks with a side exit, known to predoff "
             "only by their shapes and measured times (tools/torch_measured.py)",
             "input": [3, 64, 64], "layers": layers}

    # each block timed in every run of the whole network by hooks around it
    start, ms = {}, {name: [] for name, _ in VggExits.GRAPH}

    def pre(name):
        return lambda m, inp: start.__setitem__(name, time.perf_counter())

    def post(name):
        return lambda m, inp, out: ms[name].append((time.perf_counter() - start[name]) * 1e3)
    for name, _ in VggExits.GRAPH:
        getattr(net, name).register_forward_pre_hook(pre(name))
        getattr(net, name).register_forward_hook(post(name))
    with torch.no_grad():
        for r in range(a.warmup + a.repeats):
            if r == a.warmup:
                for v in ms.values():
                    v.clear()
            net(x)
    name = a.name or os.path.splitext(os.path.basename(a.out))[0]
    profile = {
        "name": name,
        "note": "per-block medians of %d runs (after %d warm-up) in PyTorch %s on %d threads, "
                "%s, %s UTC (tools/torch_measured.py)"
                % (a.repeats, a.warmup, torch.__version__, a.threads, platform.node(),
                   time.strftime("%Y-%m-%d %H:%M", time.gmtime())),
        "measured": {MODEL_NAME: {n: statistics.median(v) for n, v in ms.items()}},
    }
    with open(a.model, "w") as f:  # one layer a line
        f.write('{"name": %s, "note": %s,\n "input": %s, "layers": [\n  '
                % (json.dumps(model["name"]), json.dumps(model["note"]), model["input"]))
        f.write(",\n  ".join(json.dumps(l) for l in layers) + "\n]}\n")
    with open(a.out, "w") as f:
        json.dump(profile, f, indent=2)
        f.write("\n")
    print("%s: %d blocks timed, %d runs each on %d threads -> %s, %s"
          % (MODEL_NAME, len(ms), a.repeats, a.threads, a.model, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
