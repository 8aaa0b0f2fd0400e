#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for predoff's training step (issue 6).

What: builds a model from its JSON exactly as tools/make_fixtures.py does (same module
builder, imported from it), loads the given initial weights (by default b-lenet's
committed fixture weights, PyTorch's own default init with seed 1), and runs STEPS steps
of BranchyNet's joint training with torch.optim.SGD (momentum, weight decay):

  loss = sum_k w_k * F.cross_entropy(logits of exit k, labels)   (mean over the batch)

on fixed batches of Fashion-MNIST-like images (torch.rand: uniform in [0, 1), the range
of scaled pixels) with fixed random labels. The model has no dropout in its training
path or the fixture would depend on torch's RNG; the script refuses such a model.
It writes, into an output folder:

  hyper.npy            [lr, momentum, weight_decay, w_1, ..., w_K] float32
  batch-<s>.npy        step s's images, [B, C, H, W] float32
  labels-<s>.npy       step s's labels, [B] float32 (small integers)
  losses.npy           [steps, K]: each exit's unweighted cross-entropy at each step,
                       before that step's update
  step-<STEPS>.safetensors  the weights after the last step ("<layer>.weight", ...) and
                       torch's momentum buffers ("<layer>.weight.momentum", ...)
  manifest.json        what was run, versions, the files with sha256

Why: predoff's C trainer (src/train/) must compute exactly PyTorch's step; the test
tests/test_train.c compares losses, weights and momentum without PyTorch. Before writing,
the script checks that torch.optim.SGD applied the update rule predoff documents
(g = grad + wd*w; m = mu*m + g, m = g at the first step; w -= lr*m), recomputing every
step's weights from torch's gradients. The gradients themselves are autograd's; predoff's
are checked against finite differences in tests/test_grad.c and tests/test_train.c.

Usage (Debian's python3-torch; see tests/fixtures/README.md):
  /usr/bin/python3 tools/make_train_fixtures.py models/b-lenet.json \
      tests/fixtures/b-lenet/weights.safetensors tests/fixtures/b-lenet-train
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (the shared model builder and file writers)

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="model description JSON")
    ap.add_argument("weights", help="initial weights, safetensors")
    ap.add_argument("out", help="output folder (created)")
    ap.add_argument("--seed", type=int, default=2, help="seed of the batches and labels (2)")
    ap.add_argument("--batch", type=int, default=8, help="samples per step (8)")
    ap.add_argument("--steps", type=int, default=2, help="steps (2: the second uses momentum)")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--exit-weights", default="0.6,1.0",
                    help="w_k per exit in model order (0.6,1.0: unequal, so the weighting "
                         "is tested; BranchyNet's default is 1 for every exit)")
    args = ap.parse_args()
    if torch is None:
        print("make_train_fixtures: PyTorch is not installed (apt-get install python3-torch "
              "python3-numpy; run with /usr/bin/python3)", file=sys.stderr)
        return 2

    model = mf.load_model(args.model)
    if any(layer["type"] == "dropout" for layer in model["layers"]):
        print("make_train_fixtures: the model has dropout; its masks would come from torch's "
              "RNG, which predoff does not reproduce", file=sys.stderr)
        return 2
    exit_names = mf.exits(model)
    ew = [float(v) for v in args.exit_weights.split(",")]
    if len(ew) != len(exit_names):
        print(f"make_train_fixtures: {len(ew)} exit weights for {len(exit_names)} exits",
              file=sys.stderr)
        return 2

    torch.set_num_threads(1)
    mods = mf.build(model, 1)
    init = mf.read_safetensors(args.weights)
    params = []
    for layer in model["layers"]:
        m = mods[layer["name"]]
        m.train()
        if hasattr(m, "weight") and m.weight is not None:
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(init[layer["name"] + ".weight"].copy()))
                m.bias.copy_(torch.from_numpy(init[layer["name"] + ".bias"].copy()))
            params += [(layer["name"] + ".weight", m.weight), (layer["name"] + ".bias", m.bias)]
    opt = torch.optim.SGD([p for _, p in params], lr=args.lr, momentum=args.momentum,
                          weight_decay=args.weight_decay)

    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    files = []

    def record(fname, kind, **extra):
        path = os.path.join(args.out, fname)
        files.append(dict(file=fname, kind=kind, bytes=os.path.getsize(path),
                          sha256=mf.sha256(path), **extra))

    losses = []
    worst_rule = 0.0
    for step in range(args.steps):
        x = torch.rand([args.batch] + list(model["input"]), generator=gen, dtype=torch.float32)
        y = torch.randint(0, 10, (args.batch,), generator=gen)
        np.save(os.path.join(args.out, f"batch-{step}.npy"), x.numpy().astype("<f4"))
        record(f"batch-{step}.npy", "batch", step=step, shape=list(x.shape))
        np.save(os.path.join(args.out, f"labels-{step}.npy"), y.numpy().astype("<f4"))
        record(f"labels-{step}.npy", "labels", step=step, shape=[args.batch])

        opt.zero_grad()
        outs = mf.run_modules(model, mods, x)
        ce = [F.cross_entropy(outs[e].reshape(args.batch, -1), y) for e in exit_names]
        loss = sum(w * c for w, c in zip(ew, ce))
        loss.backward()
        losses.append([float(c) for c in ce])

        # the update rule, by hand, from torch's gradients (checked after opt.step())
        before = {n: p.detach().clone() for n, p in params}
        bufs = {n: (opt.state[p]["momentum_buffer"].clone() if p in opt.state else None)
                for n, p in params}
        opt.step()
        for n, p in params:
            g = p.grad + args.weight_decay * before[n]
            m = g if bufs[n] is None else args.momentum * bufs[n] + g
            want = before[n] - args.lr * m
            worst_rule = max(worst_rule, mf.max_rel_err(want.numpy(), p.detach().numpy()))
    if worst_rule > 1e-6:
        raise AssertionError(f"torch.optim.SGD differs from the documented rule: {worst_rule}")

    hyper = np.array([args.lr, args.momentum, args.weight_decay] + ew, dtype="<f4")
    np.save(os.path.join(args.out, "hyper.npy"), hyper)
    record("hyper.npy", "hyper", values="lr, momentum, weight_decay, exit weights")
    np.save(os.path.join(args.out, "losses.npy"), np.array(losses, dtype="<f4"))
    record("losses.npy", "losses", shape=[args.steps, len(exit_names)])
    tensors = {}
    for n, p in params:
        tensors[n] = p.detach().numpy().astype("<f4")
        tensors[n + ".momentum"] = opt.state[p]["momentum_buffer"].numpy().astype("<f4")
    fname = f"step-{args.steps}.safetensors"
    mf.write_safetensors(os.path.join(args.out, fname), tensors, {"format": "pt"})
    back = mf.read_safetensors(os.path.join(args.out, fname))
    for n, a in tensors.items():
        if not np.array_equal(back[n], a):
            raise AssertionError(f"{fname}: {n} does not read back")
    record(fname, "weights and momentum after the last step")

    manifest = {
        "model": model["name"],
        "model_file": os.path.basename(args.model),
        "initial_weights": os.path.relpath(args.weights, args.out),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "exits": exit_names,
        "exit_weights": ew,
        "loss": "sum_k w_k * F.cross_entropy(exit k logits, labels), mean over the batch",
        "optimizer": {"name": "torch.optim.SGD", "lr": args.lr, "momentum": args.momentum,
                      "weight_decay": args.weight_decay, "dampening": 0, "nesterov": False},
        "batches": f"torch.rand([B, C, H, W]) then torch.randint(0, 10, [B]) per step, "
                   f"torch.Generator().manual_seed({args.seed})",
        "batch": args.batch,
        "steps": args.steps,
        "losses": losses,
        "check": {"update_rule_max_rel_diff": worst_rule},
        "command": "tools/make_train_fixtures.py " + " ".join(sys.argv[1:]),
        "files": files,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(x["bytes"] for x in files)
    print(f"{model['name']}: {args.steps} steps, losses {losses}; {len(files)} files, "
          f"{total} bytes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
