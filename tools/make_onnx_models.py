#!/usr/bin/env python3
"""Multi-exit versions of six real architectures, exported to ONNX, with PyTorch's outputs.

What: torchvision's definitions of ResNet-18, MobileNetV2, SqueezeNet 1.1, GoogLeNet,
MobileNetV3-Small and EfficientNet-B0 (random weights from a fixed seed, eval mode,
224 x 224 input), each with two side exits attached BranchyNet-style after an early and a
middle stage: a small head of a 3 x 3 convolution (stride 2, 32 filters), ReLU, global
average pooling, flatten and a linear layer to the 1000 classes. `forward` returns one
logits tensor per exit (side exits first, the network's own classifier last), so
`torch.onnx.export` gives one graph output per exit, named exit1, exit2 and logits. For
each architecture it writes into OUT/<name>/:

  model.onnx        the network (opset 14, constant folding on)
  input-<i>.npy     network inputs, [3, 224, 224] float32 (torch.randn, seed + i)
  exit-<exit>-<i>.npy   each exit's logits for input i, [1000] float32, from PyTorch
  manifest.json     versions, seed, the exits, every file's sha256

Why: predoff must read real models as PyTorch exports them and compute what PyTorch
computes (issue 14). The files are large (a ResNet-18 is 45 MB), so they are not
committed: tests/onnx_models_test.sh makes them at test time with this script.

Usage (Debian's python3-torch, python3-torchvision and python3-onnx):
  /usr/bin/python3 tools/make_onnx_models.py OUT [--only NAME,...] [--inputs N] [--seed S]
"""

import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision

ARCHS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "mobilenet_v3_small",
         "efficientnet_b0"]


def head(channels):
    """A BranchyNet-style side exit: conv 3x3 s2 to 32, ReLU, global average, fc."""
    return nn.Sequential(nn.Conv2d(channels, 32, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(32, 1000))


class MultiExit(nn.Module):
    """stage1 -> exit1 head; stage2 -> exit2 head; rest -> the network's own logits."""

    def __init__(self, stage1, c1, stage2, c2, rest):
        super().__init__()
        self.stage1, self.stage2, self.rest = stage1, stage2, rest
        self.exit1, self.exit2 = head(c1), head(c2)

    def forward(self, x):
        a = self.stage1(x)
        b = self.stage2(a)
        return self.exit1(a), self.exit2(b), self.rest(b)


def split(name, m):
    """The architecture cut after an early and a middle stage: (stage1, its channels,
    stage2, its channels, the rest to the classifier)."""
    S, F = nn.Sequential, nn.Flatten
    if name == "resnet18":
        return (S(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1), 64, m.layer2, 128,
                S(m.layer3, m.layer4, m.avgpool, F(1), m.fc))
    if name == "mobilenet_v2":
        f = m.features
        return (f[:4], 24, f[4:7], 32,
                S(f[7:], nn.AdaptiveAvgPool2d(1), F(1), m.classifier))
    if name == "squeezenet1_1":
        f = m.features
        return f[:5], 128, f[5:8], 256, S(f[8:], m.classifier, F(1))
    if name == "googlenet":
        return (S(m.conv1, m.maxpool1, m.conv2, m.conv3, m.maxpool2), 192,
                S(m.inception3a, m.inception3b, m.maxpool3, m.inception4a), 512,
                S(m.inception4b, m.inception4c, m.inception4d, m.inception4e, m.maxpool4,
                  m.inception5a, m.inception5b, m.avgpool, F(1), m.dropout, m.fc))
    if name == "mobilenet_v3_small":
        f = m.features
        return f[:2], 16, f[2:4], 24, S(f[4:], m.avgpool, F(1), m.classifier)
    if name == "efficientnet_b0":
        f = m.features
        return f[:3], 24, f[3:5], 80, S(f[5:], m.avgpool, F(1), m.classifier)
    raise ValueError(name)


def build(name, seed):
    torch.manual_seed(seed)
    kw = {"weights": None}
    if name == "googlenet":
        kw.update(aux_logits=False, init_weights=True)
    base = getattr(torchvision.models, name)(**kw)
    net = MultiExit(*split(name, base))
    net.eval()
    return net


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write(name, out, seed, n_inputs):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    manifest_path = os.path.join(folder, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)  # a half-written folder never looks finished
    net = build(name, seed)
    exits = ["exit1", "exit2", "logits"]
    files = {}
    with torch.inference_mode():
        for i in range(n_inputs):
            g = torch.Generator().manual_seed(seed + i)
            x = torch.randn(1, 3, 224, 224, generator=g)
            np.save(os.path.join(folder, f"input-{i}.npy"), x[0].numpy())
            files[f"input-{i}.npy"] = None
            for e, y in zip(exits, net(x)):
                fname = f"exit-{e}-{i}.npy"
                np.save(os.path.join(folder, fname), y[0].numpy().astype(np.float32))
                files[fname] = None
    onnx_path = os.path.join(folder, "model.onnx")
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(seed))
    torch.onnx.export(net, x, onnx_path, input_names=["input"], output_names=exits,
                      opset_version=14, do_constant_folding=True)
    files["model.onnx"] = None
    manifest = {
        "model": name,
        "seed": seed,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "numpy_version": np.__version__,
        "weights_init": "torch.manual_seed(seed), then torchvision's constructor with "
                        "weights=None, then the two side-exit heads (PyTorch's default init)",
        "inputs_init": "torch.randn([1, 3, 224, 224], generator=manual_seed(seed + i))",
        "exits": exits,
        "files": {f: sha256(os.path.join(folder, f)) for f in sorted(files)},
    }
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--only", default=",".join(ARCHS))
    ap.add_argument("--inputs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    names = [n for n in a.only.split(",") if n]
    for n in names:
        if n not in ARCHS:
            sys.exit(f"make_onnx_models: unknown architecture {n!r} (have {', '.join(ARCHS)})")
    torch.set_num_threads(1)
    for n in names:
        write(n, a.out, a.seed, a.inputs)
        print(f"{n}: {os.path.join(a.out, n)}")


if __name__ == "__main__":
    main()
