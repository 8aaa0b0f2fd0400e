#!/usr/bin/env python3
"""Times a model's trunk in PyTorch, to compare with predoff's C runtime.

What: builds the model the way tools/make_fixtures.py does (same generic builder,
same seed), keeps the path from the input to the last exit (b-alexnet: conv1 ... fc8,
22 layers) as an nn.Sequential, and times it at batch 1, float32, in
torch.inference_mode() with torch.set_num_threads(--threads): a warm-up, then
--batches timed batches of --runs inferences each. Prints the median ms per
inference over the batches, the fastest and slowest batch, the torch version, the
thread count and the CPU model. With --per-layer it also times each trunk layer on
its own (its real input, rounds over all layers, median) and, with --profile, prints
torch.autograd.profiler's table.

Why: the C runtime's speed means little without a reference; PyTorch on the same
machine, threads and batch size is that reference.

BLAS threads: Debian's torch runs 3x3 convolutions on small inputs as im2col + sgemm
in the system BLAS (OpenBLAS, pthreads build), whose own threads fight torch's OpenMP
threads for the same cores: on 2 cores, 2 threads ran 2-3x slower and 10x noisier. So
the script sets OPENBLAS_NUM_THREADS=1 before importing torch (--blas-threads; 0
leaves the library's default) and torch.set_num_threads alone decides the threads.

When torch is not installed it prints why it skips and exits with status 0.
Install: apt-get install -y python3-torch python3-numpy; run with /usr/bin/python3.
"""

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_library():
    """The BLAS shared library this process has loaded, from /proc/self/maps."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower()}
        libs = sorted(os.path.realpath(x) for x in libs if x.startswith("/"))
        return ", ".join(sorted(set(libs))) or "none found"
    except OSError:
        return "unknown"


def load_builder():
    """tools/make_fixtures.py as a module: one builder for fixtures and timing."""
    path = os.path.join(ROOT, "tools", "make_fixtures.py")
    spec = importlib.util.spec_from_file_location("make_fixtures", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def time_batches(fn, warmup, batches, runs):
    """ms per call of each batch of `runs` calls, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(runs):
            fn()
        out.append((time.perf_counter() - t0) * 1e3 / runs)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "b-alexnet.json"),
                    help="model description JSON (default: models/b-alexnet.json)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (2)")
    ap.add_argument("--warmup", type=int, default=100, help="untimed inferences (100)")
    ap.add_argument("--batches", type=int, default=31, help="timed batches (31)")
    ap.add_argument("--runs", type=int, default=50, help="inferences per batch (50)")
    ap.add_argument("--seed", type=int, default=1, help="weights seed (1)")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="OPENBLAS_NUM_THREADS (1; 0 leaves the environment's)")
    ap.add_argument("--per-layer", action="store_true", help="also time each trunk layer")
    ap.add_argument("--layer-rounds", type=int, default=31,
                    help="rounds of the per-layer timing (31)")
    ap.add_argument("--profile", action="store_true",
                    help="also print torch.autograd.profiler's table for the trunk")
    args = ap.parse_args()
    if args.threads < 1 or args.batches < 1 or args.runs < 1 or args.warmup < 0:
        ap.error("--threads, --batches and --runs must be positive, --warmup >= 0")

    if args.blas_threads > 0:  # must precede loading torch (and so OpenBLAS)
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    try:
        import torch
    except ImportError:
        print("bench_torch: skipped: PyTorch is not installed "
              "(apt-get install python3-torch python3-numpy, then run with /usr/bin/python3)")
        return 0

    mf = load_builder()
    model = mf.load_model(args.model)
    torch.set_num_threads(args.threads)
    mods = mf.build(model, args.seed)
    trunk = mf.path_to(model, mf.exits(model)[-1])
    net = torch.nn.Sequential(*[mods[n] for n in trunk]).eval()
    x = torch.randn([1] + list(model["input"]), generator=torch.Generator().manual_seed(args.seed))

    with torch.inference_mode():
        times = time_batches(lambda: net(x), args.warmup, args.batches, args.runs)
    print(f"model        {model['name']}: trunk to {trunk[-1]}, {len(trunk)} layers, "
          f"batch 1, float32, inference mode")
    print(f"torch        {torch.__version__}, threads {torch.get_num_threads()}, "
          f"python {platform.python_version()}")
    print(f"blas         {blas_library()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"cpu          {cpu_model()} ({os.cpu_count()} logical CPUs)")
    print(f"runs         {args.warmup} warm-up, {args.batches} batches of {args.runs}")
    print(f"median       {statistics.median(times):.4f} ms per inference")
    print(f"min / max    {min(times):.4f} / {max(times):.4f} ms per inference (batch means)")

    if args.per_layer:
        with torch.inference_mode():
            inputs = []
            h = x
            for m in net:
                inputs.append(h)
                h = m(h)
            # rounds over all layers, so that a disturbance spreads over every layer
            per = [[] for _ in trunk]
            for _ in range(args.layer_rounds):
                for j, (m, inp) in enumerate(zip(net, inputs)):
                    per[j] += time_batches(lambda: m(inp), 10, 1, 100)
            rows = [(name, statistics.median(t), tuple(inp.shape))
                    for name, t, inp in zip(trunk, per, inputs)]
        total = sum(r[1] for r in rows)
        print(f"\nper layer (each alone on its real input; median over {args.layer_rounds} "
              f"rounds of 100 calls per layer)")
        print(f"{'layer':8} {'type':8} {'input':18} {'ms':>9} {'share':>7}")
        for (name, ms, shape), layer in zip(rows, [mf_layer(model, n) for n in trunk]):
            print(f"{name:8} {layer['type']:8} {str(list(shape[1:])):18} {ms:9.4f} "
                  f"{100 * ms / total:6.1f}%")
        print(f"{'sum':8} {'':8} {'':18} {total:9.4f}")

    if args.profile:
        from torch.autograd import profiler
        with torch.inference_mode():
            for _ in range(20):
                net(x)
            with profiler.profile() as prof:
                for _ in range(200):
                    net(x)
        print("\ntorch.autograd.profiler, 200 inferences:")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20))
    return 0


def mf_layer(model, name):
    return next(layer for layer in model["layers"] if layer["name"] == name)


if __name__ == "__main__":
    sys.exit(main())
