#!/usr/bin/env python3
"""Exports a DAG test network of make_dag_fixtures.py to ONNX, for predoff's ONNX reader.

What: builds DagInception (tools/make_dag_fixtures.py), loads the weights
committed in tests/fixtures/<name>/weights.safetensors, checks that PyTorch reproduces
the committed exit outputs (exit-<exit>-<i>.npy) for the committed inputs within 1e-6,
and writes tests/fixtures/onnx/<name>.onnx with torch.onnx.export (opset 14, outputs named
after the exits, in exit order, symbolic batch), with the metadata key
predoff.exit_accuracy. So predoff run on the .onnx file must give the same exit-*.npy
files as on the JSON model (tests/cli_test.sh checks both against PyTorch's).

Usage (Debian's python3-torch and python3-onnx):
  /usr/bin/python3 tools/make_onnx_fixtures.py            # into tests/fixtures/onnx
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch  # noqa: E402
import onnx  # noqa: E402
from make_dag_fixtures import DagInception  # noqa: E402
from make_fixtures import read_safetensors  # noqa: E402

ROOT = os.path.dirname(HERE)
# DagResidual's F.pad exports as a Pad computed at run time (Slice, Transpose, ...), which
# predoff does not take: only the inception network is exported.
NETS = {"dag-inception": (DagInception, ["b1_fc", "fc"], "0.25,0.5")}


class Exits(torch.nn.Module):
    """forward returns one tensor per exit, as a multi-exit export does."""

    def __init__(self, net, exits):
        super().__init__()
        self.net, self.exits = net, exits

    def forward(self, x):
        out = self.net(x, {})
        return tuple(out[e] for e in self.exits)


def main():
    out_dir = os.path.join(ROOT, "tests", "fixtures", "onnx")
    os.makedirs(out_dir, exist_ok=True)
    for name, (cls, exits, acc) in NETS.items():
        fx = os.path.join(ROOT, "tests", "fixtures", name)
        net = cls()
        w = read_safetensors(os.path.join(fx, "weights.safetensors"))
        net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in w.items()}, strict=False)
        model = Exits(net, exits).eval()
        for i in range(2):
            x = torch.from_numpy(np.load(os.path.join(fx, f"input-{i}.npy")))[None]
            with torch.no_grad():
                y = model(x)
            for e, v in zip(exits, y):
                ref = np.load(os.path.join(fx, f"exit-{e}-{i}.npy"))
                err = np.max(np.abs(v.numpy()[0] - ref)) / max(np.max(np.abs(ref)), 1e-30)
                if err > 1e-6:
                    sys.exit(f"{name}: exit {e} input {i}: PyTorch differs from the fixture "
                             f"({err:.2g})")
        path = os.path.join(out_dir, f"{name}.onnx")
        x = torch.zeros(1, 3, 16, 16)
        torch.onnx.export(model, x, path, opset_version=14, input_names=["input"],
                          output_names=exits, dynamic_axes={"input": {0: "batch"}})
        m = onnx.load(path)
        p = m.metadata_props.add()
        p.key, p.value = "predoff.exit_accuracy", acc
        onnx.checker.check_model(m)
        onnx.save(m, path)
        print(path, os.path.getsize(path), "bytes:",
              sorted({n.op_type for n in m.graph.node}))


if __name__ == "__main__":
    main()
