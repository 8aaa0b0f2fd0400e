#!/usr/bin/env python3
"""Times training steps in PyTorch, to compare with predoff's bench/bench_train.c.

What: builds each model the way tools/make_fixtures.py and tools/make_train_fixtures.py
do (the same generic builder, seed 1, every module in train mode), and times
BranchyNet's joint training step on random images of the model's input shape:

  opt.zero_grad(); loss = sum_k F.cross_entropy(logits of exit k, labels);
  loss.backward(); opt.step()        # torch.optim.SGD(lr 0.01, momentum 0.9)

float32, batch --batch (64), torch.set_num_threads(--threads): --warmup untimed steps,
then --batches timed batches of --steps steps each (0: about 1 s a batch, from the
warm-up); prints the median images/s over the batches, the fastest and slowest batch,
the torch version, the threads and the CPU. Then --profile-steps steps timed in parts
(forward with the loss, backward, the optimizer), as bench_train prints where a step
goes; --profile adds torch.autograd.profiler's table.

The inputs are as bench_train's: 4 batches of uniform [0, 1) images with random labels
(below the smallest exit's class count), cycled.

BLAS threads: as scripts/bench_torch.py, OPENBLAS_NUM_THREADS=1 before importing torch
(--blas-threads; 0 leaves the environment's), so that torch.set_num_threads alone
decides the threads and OpenBLAS's own pool does not fight torch's OpenMP threads.

When torch is not installed it prints why it skips and exits with status 0.
Install: apt-get install -y python3-torch python3-numpy; run with /usr/bin/python3.
"""

import argparse
import math
import os
import statistics
import sys
import time

from bench_torch import cpu_model, load_builder  # the inference benchmark's, beside this file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N_INPUTS = 4


def bench_model(torch, mf, name, args):
    import torch.nn.functional as F

    model = mf.load_model(os.path.join(ROOT, "models", name + ".json"))
    mods = mf.build(model, 1)
    params = []
    for layer in model["layers"]:
        m = mods[layer["name"]]
        m.train()
        params += list(m.parameters())
    exit_names = mf.exits(model)
    _, out_shapes = mf.shapes(model)
    classes = min(math.prod(out_shapes[e]) for e in exit_names)
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    gen = torch.Generator().manual_seed(7)
    B = args.batch
    xs = [torch.rand([B] + list(model["input"]), generator=gen) for _ in range(N_INPUTS)]
    ys = [torch.randint(0, classes, (B,), generator=gen) for _ in range(N_INPUTS)]

    def forward(k):
        outs = mf.run_modules(model, mods, xs[k % N_INPUTS])
        return sum(F.cross_entropy(outs[e].reshape(B, -1), ys[k % N_INPUTS])
                   for e in exit_names)

    def step(k):
        opt.zero_grad()
        forward(k).backward()
        opt.step()

    t0 = time.perf_counter()
    for k in range(args.warmup):
        step(k)
    step_s = (time.perf_counter() - t0) / max(args.warmup, 1)
    per = args.steps if args.steps > 0 else max(1, math.ceil(1.0 / max(step_s, 1e-5)))
    ips = []
    c0, w0 = time.process_time(), time.perf_counter()
    for b in range(args.batches):
        t0 = time.perf_counter()
        for k in range(per):
            step(b * per + k)
        ips.append(B * per / (time.perf_counter() - t0))
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    macs = 0
    ins, _ = mf.shapes(model)
    for layer in model["layers"]:
        o = out_shapes[layer["name"]]
        if layer["type"] == "conv":
            macs += math.prod(o) * ins[layer["name"]][0] * layer["kernel"] ** 2
        elif layer["type"] == "fc":
            macs += math.prod(ins[layer["name"]]) * layer["outputs"]
    inp = model["input"]
    print(f"{name}: input {inp}, {macs / 1e6:.2f} M multiply-accumulates (conv, fc) forward "
          f"a sample, batch {B}")
    med = statistics.median(ips)
    print(f"  median {med:.1f} images/s ({1e3 * B / med:.2f} ms a step; {args.batches} batches "
          f"of {per} steps after {args.warmup} warm-up: min {min(ips):.1f}, max {max(ips):.1f})")
    print(f"  CPU time {1e3 * cpu / (B * per * args.batches):.3f} ms an image (all threads, "
          f"user + system; {cpu / wall:.2f} CPUs busy on average)")

    if args.profile_steps > 0:
        parts = [0.0, 0.0, 0.0]
        for k in range(args.profile_steps):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = forward(k)
            t1 = time.perf_counter()
            loss.backward()
            t2 = time.perf_counter()
            opt.step()
            t3 = time.perf_counter()
            parts[0] += t1 - t0
            parts[1] += t2 - t1
            parts[2] += t3 - t2
        total = sum(parts)
        P = args.profile_steps
        print(f"  where a step goes ({P} steps timed in parts, {1e3 * total / P:.1f} ms a step):")
        for label, v in zip(("forward + loss", "backward", "SGD update"), parts):
            print(f"    {label:15} {1e3 * v / P:9.2f} ms {100 * v / total:6.1f}%")
    if args.profile:
        from torch.autograd import profiler
        with profiler.profile() as prof:
            for k in range(5):
                step(k)
        print("  torch.autograd.profiler, 5 steps:")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append",
                    help="model name in models/ (repeatable; default b-lenet and b-alexnet-gray)")
    ap.add_argument("--batch", type=int, default=64, help="samples per step (64)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (2)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps (3)")
    ap.add_argument("--batches", type=int, default=11, help="timed batches (11)")
    ap.add_argument("--steps", type=int, default=0,
                    help="steps per batch (0: about 1 s a batch)")
    ap.add_argument("--profile-steps", type=int, default=10,
                    help="steps timed in parts afterwards (10; 0 skips)")
    ap.add_argument("--profile", action="store_true",
                    help="also print torch.autograd.profiler's table")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="OPENBLAS_NUM_THREADS (1; 0 leaves the environment's)")
    args = ap.parse_args()
    if args.batch < 1 or args.threads < 1 or args.batches < 1 or args.warmup < 0:
        ap.error("--batch, --threads and --batches must be positive, --warmup >= 0")

    if args.blas_threads > 0:  # must precede loading torch (and so OpenBLAS)
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    try:
        import torch
    except ImportError:
        print("bench_torch_train: skipped: PyTorch is not installed "
              "(apt-get install python3-torch python3-numpy, then run with /usr/bin/python3)")
        return 0
    mf = load_builder()
    torch.set_num_threads(args.threads)
    print(f"bench_torch_train: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; "
          f"{cpu_model()}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"SGD lr 0.01 momentum 0.9, float32, random images and labels")
    for name in args.model or ["b-lenet", "b-alexnet-gray"]:
        bench_model(torch, mf, name, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
