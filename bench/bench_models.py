#!/usr/bin/env python3
"""predoff's runtime against PyTorch on six real architectures, alternated in one run.

What: for each of ResNet-18, MobileNetV2, SqueezeNet 1.1, GoogLeNet, MobileNetV3-Small and
EfficientNet-B0 (the multi-exit ONNX models tools/make_onnx_models.py makes, in DIR/<arch>/
model.onnx; made here when missing), R rounds of, in turn:
  predoff: bench/bench_models (C, a new process each round) on the path to the network's own
           classifier, batch 1, T threads: a warm-up, then N timed runs, their median;
  PyTorch: the same torchvision architecture (torchvision.models.<arch>(weights=None) from the
           seed the export used, so the same weights; eval mode, its own classifier, no side
           exits) on a 1x3x224x224 input, in torch.inference_mode(), torch.set_num_threads(T):
           the same warm-up and N timed runs, their median. Torch is loaded once, in this
           process, and stays alive across the rounds, so the two really alternate.
Per architecture it reports the median over rounds of each side's medians, the median over
rounds of the ratio torch / predoff (the speed-up), predoff's GFLOPS (2 x the path's
multiply-accumulates, pd_layer_macs, over its time) and their share of the machine's FMA
peak (bench_models measures it each round: AVX-512 where the CPU has it, chosen at run
time); then the geometric mean of the six speed-ups. A last pass runs bench_models --layers
on each architecture and prints each layer type's share of its time.

Why: issue 14 asks that predoff's runtime beat PyTorch 1.13 (Debian's python3-torch, which
runs convolutions with oneDNN) on every architecture, and by 1.5x on the geometric mean.

BLAS threads: as scripts/bench_torch.py explains, OPENBLAS_NUM_THREADS=1 is set before torch
is imported, so that OpenBLAS's threads do not fight torch's OpenMP ones; torch's own
set_num_threads alone decides its threads.

Usage (Debian's python3-torch and python3-torchvision; build bench_models first):
  /usr/bin/python3 bench/bench_models.py [DIR] [--bench PATH] [--rounds R] [--runs N]
      [--warmup N] [--threads T] [--only ARCH,...] [--layer-runs N] [--verbose]
DIR defaults to build/onnx-models; --bench to build/bench/bench_models.
"""

import argparse
import datetime
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARCHS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "mobilenet_v3_small",
         "efficientnet_b0"]
SEED = 1  # tools/make_onnx_models.py's default: the ONNX models' base weights
# bench_models' layer kinds in its order (the convolutions by how predoff runs them)
KINDS = ["conv/depthwise", "conv/grouped", "conv/winograd", "conv/pointwise", "conv/other",
         "relu", "pool", "lrn", "dropout", "fc", "add", "concat", "bn", "mul", "clip", "sigmoid",
         "hardsigmoid", "hardswish", "flatten"]


def fail(msg, status=1):
    print(f"bench_models.py: {msg}", file=sys.stderr)
    sys.exit(status)


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def positive(lo):
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{s!r} is not a whole number") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"{v} is below {lo}")
        return v
    return parse


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", nargs="?", default=os.path.join(ROOT, "build", "onnx-models"),
                    help="the ONNX models, DIR/<arch>/model.onnx (default build/onnx-models; "
                         "made when missing)")
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "bench_models"),
                    help="the bench_models program (default build/bench/bench_models)")
    ap.add_argument("--rounds", type=positive(1), default=5, help="alternated rounds (5)")
    ap.add_argument("--runs", type=positive(1), default=10,
                    help="timed runs a side a round (10)")
    ap.add_argument("--warmup", type=positive(0), default=5,
                    help="untimed runs a side a round before them (5)")
    ap.add_argument("--threads", type=positive(1), default=2, help="threads, both sides (2)")
    ap.add_argument("--peak-reps", type=positive(1), default=5,
                    help="repetitions of the FMA peak in each bench_models run (5)")
    ap.add_argument("--only", default=",".join(ARCHS),
                    help="comma-separated architectures (default all six)")
    ap.add_argument("--layer-runs", type=positive(0), default=30,
                    help="runs of each layer in the --layers pass (30; 0 skips the pass)")
    ap.add_argument("--verbose", action="store_true", help="print bench_models' own output")
    a = ap.parse_args()
    a.archs = [n for n in a.only.split(",") if n]
    for n in a.archs:
        if n not in ARCHS:
            ap.error(f"unknown architecture {n!r} (have {', '.join(ARCHS)})")
    if not a.archs:
        ap.error("--only: no architecture given")
    if a.threads > 256:
        ap.error("--threads: at most 256")
    if not (os.path.isfile(a.bench) and os.access(a.bench, os.X_OK)):
        ap.error(f"--bench: {a.bench} is not an executable (build it: cmake --build build "
                 f"--target bench_models)")
    return a


def ensure_models(folder, archs):
    """Makes the missing models with tools/make_onnx_models.py."""
    missing = [n for n in archs
               if not (os.path.isfile(os.path.join(folder, n, "model.onnx")) and
                       os.path.isfile(os.path.join(folder, n, "manifest.json")))]
    if not missing:
        return
    print(f"making {', '.join(missing)} in {folder} (tools/make_onnx_models.py) ...", flush=True)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "make_onnx_models.py"),
                        folder, "--only", ",".join(missing)], capture_output=True, text=True)
    if r.returncode != 0:
        fail("tools/make_onnx_models.py failed:\n" + r.stderr[-2000:])


def key_values(line):
    out = {}
    for field in line.split():
        k, sep, v = field.partition("=")
        if sep:
            out[k] = v
    return out


def run_c(a, model, extra):
    """bench_models on model: its output, the machine-readable line as a dict, the kind lines."""
    cmd = [a.bench, model, "--threads", str(a.threads), "--warmup", str(a.warmup)] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(map(shlex.quote, cmd))} exited with {r.returncode}:\n{r.stderr}")
    line, kinds, total = None, [], None
    for ln in r.stdout.splitlines():
        if ln.startswith("median_ms="):
            line = key_values(ln)
        elif ln.startswith("kind="):
            kinds.append(key_values(ln))
        elif ln.startswith("layers_total_ms="):
            total = key_values(ln)
    if line is None:
        fail(f"{' '.join(map(shlex.quote, cmd))} printed no median_ms= line:\n{r.stdout}")
    try:
        for k in ("median_ms", "gflops", "macs", "peak_gflops"):
            line[k] = float(line[k])
        for d in kinds:
            d["ms"], d["share"], d["layers"] = float(d["ms"]), float(d["share"]), int(d["layers"])
        if total is not None:
            line["layers_total_ms"] = float(total["layers_total_ms"])
    except (KeyError, ValueError) as e:
        fail(f"bench_models' output unreadable ({e}):\n{r.stdout}")
    return r.stdout, line, kinds


def torch_model(torch, torchvision, arch):
    torch.manual_seed(SEED)
    kw = {"weights": None}
    if arch == "googlenet":
        kw.update(aux_logits=False, init_weights=True)  # as the ONNX export's
    return getattr(torchvision.models, arch)(**kw).eval()


def time_torch(torch, net, x, warmup, runs):
    """Median ms of `runs` calls after `warmup`."""
    with torch.inference_mode():
        for _ in range(warmup):
            net(x)
        ms = []
        for _ in range(runs):
            t0 = time.perf_counter()
            net(x)
            ms.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ms)


def geomean(v):
    return math.exp(sum(math.log(x) for x in v) / len(v))


def main():
    a = parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS
    try:
        import torch
        import torchvision
    except ImportError as e:
        fail(f"needs Debian's python3-torch and python3-torchvision ({e}); run with "
             f"/usr/bin/python3")
    torch.set_num_threads(a.threads)
    ensure_models(a.dir, a.archs)
    command = " ".join(shlex.quote(x) for x in [sys.executable] + sys.argv)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    print(f"bench_models.py: {date}; {cpu_model()}; {a.threads} threads, batch 1")
    print(f"torch {torch.__version__} (oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}"
          f", {torch.get_num_threads()} threads, OPENBLAS_NUM_THREADS=1), torchvision "
          f"{torchvision.__version__}")
    print(f"command: {command}")
    print(f"{a.rounds} rounds an architecture, each: predoff (bench_models, a new process) then "
          f"PyTorch (this process), {a.warmup} warm-up and {a.runs} timed runs a side")
    g = torch.Generator().manual_seed(7)
    x = torch.rand(1, 3, 224, 224, generator=g) * 2 - 1
    rows, peaks = [], []
    for arch in a.archs:
        model = os.path.join(a.dir, arch, "model.onnx")
        net = torch_model(torch, torchvision, arch)
        pd_ms, th_ms, ratio = [], [], []
        macs = None
        for r in range(a.rounds):
            out, line, _ = run_c(a, model, ["--runs", str(a.runs),
                                            "--peak-reps", str(a.peak_reps)])
            if a.verbose:
                print(out, end="")
            t = time_torch(torch, net, x, a.warmup, a.runs)
            macs = line["macs"]
            pd_ms.append(line["median_ms"])
            th_ms.append(t)
            ratio.append(t / line["median_ms"])
            if line["peak_gflops"] > 0:
                peaks.append(line["peak_gflops"])
            print(f"  {arch} round {r + 1}: predoff {line['median_ms']:.3f} ms, torch "
                  f"{t:.3f} ms, torch/predoff {ratio[-1]:.3f}; FMA peak "
                  f"{line['peak_gflops']:.1f} GFLOPS ({line.get('peak_isa', '?')})", flush=True)
        del net
        rows.append((arch, statistics.median(pd_ms), statistics.median(th_ms),
                     statistics.median(ratio), macs, line.get("peak_isa", "?")))
    peak = statistics.median(peaks) if peaks else float("nan")
    print()
    print(f"FMA peak: {peak:.1f} GFLOPS ({rows[-1][5]}, {a.threads} threads; the median over "
          f"the {len(peaks)} bench_models runs)")
    print(f"{'arch':<20} {'predoff ms':>11} {'torch ms':>10} {'speed-up':>9} {'GFLOPS':>8} "
          f"{'% of FMA peak':>14} {'GMACs':>7}")
    for arch, p, t, s, m, _ in rows:
        gf = 2 * m / (p * 1e6)
        print(f"{arch:<20} {p:>11.3f} {t:>10.3f} {s:>8.3f}x {gf:>8.1f} "
              f"{100 * gf / peak:>13.1f}% {m / 1e9:>7.3f}")
    gm = geomean([s for _, _, _, s, _, _ in rows])
    slower = [arch for arch, _, _, s, _, _ in rows if s <= 1]
    print(f"geometric mean of the speed-ups (each the median over rounds of torch/predoff): "
          f"{gm:.3f}x over {len(rows)} architectures (target 1.5x)")
    print(f"faster than PyTorch on every one: {'yes' if not slower else 'no, not on ' + ', '.join(slower)}")
    print("speed-up: median over rounds of torch ms / predoff ms; ms: median over rounds of "
          "each round's median; GFLOPS: 2 x pd_layer_macs of the path / predoff's ms")

    if a.layer_runs == 0:
        return
    print()
    print(f"layer types' shares of predoff's time (bench_models --layers, {a.layer_runs} runs, "
          f"median of each layer, summed by type):")
    shares, names, totals = {}, [], {}
    for arch in a.archs:
        out, line, kinds = run_c(a, os.path.join(a.dir, arch, "model.onnx"),
                              ["--layers", "--runs", str(a.layer_runs), "--peak-reps", "0"])
        if a.verbose:
            print(out, end="")
        totals[arch] = (line.get("layers_total_ms", float("nan")), line["median_ms"])
        for d in kinds:
            if d["kind"] not in names:
                names.append(d["kind"])
            shares[(arch, d["kind"])] = d
    names.sort(key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))
    short = {"mobilenet_v3_small": "mnv3_small", "efficientnet_b0": "effnet_b0",
             "squeezenet1_1": "squeeze1_1", "mobilenet_v2": "mnv2"}
    print(f"  {'kind':<16}" + "".join(f" {short.get(n, n):>11}" for n in a.archs))
    for k in names:
        cells = []
        for arch in a.archs:
            d = shares.get((arch, k))
            cells.append(f" {100 * d['share']:>10.1f}%" if d else f" {'-':>11}")
        print(f"  {k:<16}" + "".join(cells))
    print(f"  {'layers sum ms':<16}" + "".join(f" {totals[n][0]:>11.3f}" for n in a.archs))
    print(f"  {'whole path ms':<16}" + "".join(f" {totals[n][1]:>11.3f}" for n in a.archs))
    print("  (% of the sum of the layers' medians; a ReLU after a convolution runs in its "
          "pass, its time in the convolution's)")


if __name__ == "__main__":
    main()
