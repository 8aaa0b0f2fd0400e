#!/usr/bin/env python3
"""predoff's runtime against PyTorch on six real architectures, alternated in one run.

What: for each of ResNet-18, MobileNetV2, SqueezeNet 1.1, GoogLeNet, MobileNetV3-Small and
EfficientNet-B0 (the multi-exit ONNX models tools/make_onnx_models.py makes, in DIR/<arch>/
model.onnx; made here when missing), R rounds of, in turn:
  predoff: bench/bench_models (C) on the path to the network's own classifier, batch 1,
           T threads: a warm-up, then N timed runs, their median; one process an
           architecture, loaded once and alive across its rounds (--stdin-rounds), as torch
           is;
  torch eager: the same torchvision architecture (torchvision.models.<arch>(weights=None)
           from the seed the export used, so the same weights; eval mode, its own classifier,
           no side exits) on a 1x3x224x224 input, in torch.inference_mode(),
           torch.set_num_threads(T): the same warm-up and N timed runs, their median;
  torch optimized: torch.jit.optimize_for_inference(torch.jit.trace(model, x)), PyTorch
           1.13's fastest CPU inference path (freezes the module, folds batch norms into the
           convolutions, fuses convolution + ReLU, runs oneDNN's convolutions on oneDNN's
           layouts), built once an architecture under torch.no_grad(); timed the same way.
           Once an architecture, right after it is built, its output is checked against
           eager's: max |optimized - eager| / max |eager| must be at most 1e-4 (GUARD_REL),
           printed. If tracing, optimizing or running it fails, or the check does, the line
           says why and that architecture is compared with eager only, marked so.
Torch is loaded once, in this process, and stays alive across the rounds, so the three really
alternate. Per architecture it reports the median over rounds of each one's medians, which
torch mode was the faster (and in how many rounds), the speed-up: the median over rounds of
min(eager, optimized) / predoff, that is against the faster torch mode of each round,
predoff's GFLOPS (2 x the path's multiply-accumulates, pd_layer_macs, over its time) and their
share of the machine's FMA peak (bench_models measures it each round: AVX-512 where the CPU
has it, chosen at run time); then the geometric mean of the speed-ups (and, for reference,
that against eager alone). A last pass runs bench_models --layers on each architecture and
prints each layer type's share of its time.

Why: issue 14 asks that predoff's runtime beat PyTorch 1.13 (Debian's python3-torch, which
runs convolutions with oneDNN) on every architecture, and by 1.5x on the geometric mean; a
fair comparison is against PyTorch's best, so the faster of its eager and optimized modes.

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
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARCHS = ["resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "mobilenet_v3_small",
         "efficientnet_b0"]
SEED = 1  # tools/make_onnx_models.py's default: the ONNX models' base weights
GUARD_REL = 1e-4  # the optimized model's output against eager's, max abs diff / max abs
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


def parse_c(cmd, text):
    """bench_models' output: the machine-readable line as a dict, the kind lines, the total."""
    line, kinds, total = None, [], None
    for ln in text.splitlines():
        if ln.startswith("median_ms="):
            line = key_values(ln)
        elif ln.startswith("kind="):
            kinds.append(key_values(ln))
        elif ln.startswith("layers_total_ms="):
            total = key_values(ln)
    if line is None:
        fail(f"{' '.join(map(shlex.quote, cmd))} printed no median_ms= line:\n{text}")
    try:
        for k in ("median_ms", "gflops", "macs", "peak_gflops"):
            line[k] = float(line[k])
        for d in kinds:
            d["ms"], d["share"], d["layers"] = float(d["ms"]), float(d["share"]), int(d["layers"])
        if total is not None:
            line["layers_total_ms"] = float(total["layers_total_ms"])
    except (KeyError, ValueError) as e:
        fail(f"bench_models' output unreadable ({e}):\n{text}")
    return line, kinds


def run_c(a, model, extra):
    """bench_models on model, a process of its own: its output, the line, the kind lines."""
    cmd = [a.bench, model, "--threads", str(a.threads), "--warmup", str(a.warmup)] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(map(shlex.quote, cmd))} exited with {r.returncode}:\n{r.stderr}")
    line, kinds = parse_c(cmd, r.stdout)
    return r.stdout, line, kinds


class CRounds:
    """bench_models --stdin-rounds on one model: loaded once, one round a line sent, so
    that predoff's process stays warm across the rounds as torch's does."""

    def __init__(self, a, model, extra):
        self.cmd = [a.bench, model, "--threads", str(a.threads), "--warmup", str(a.warmup),
                    "--stdin-rounds"] + extra
        self.p = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def round(self):
        """One round: its output and the machine-readable line."""
        self.p.stdin.write("round\n")
        self.p.stdin.flush()
        out = []
        while True:
            ln = self.p.stdout.readline()
            if not ln:
                err = self.p.stderr.read()
                fail(f"{' '.join(map(shlex.quote, self.cmd))} stopped "
                     f"(status {self.p.wait()}):\n{err}")
            out.append(ln)
            if ln.startswith("median_ms="):
                break
        text = "".join(out)
        return text, parse_c(self.cmd, text)[0]

    def close(self):
        self.p.stdin.close()
        status = self.p.wait()
        if status != 0:
            fail(f"{' '.join(map(shlex.quote, self.cmd))} exited with {status}:\n"
                 f"{self.p.stderr.read()}")


def torch_model(torch, torchvision, arch):
    torch.manual_seed(SEED)
    kw = {"weights": None}
    if arch == "googlenet":
        kw.update(aux_logits=False, init_weights=True)  # as the ONNX export's
    return getattr(torchvision.models, arch)(**kw).eval()


def first_line(what, most=200):
    """str(what)'s first line, cut to `most` characters."""
    line = (str(what).strip().splitlines() or [""])[0]
    return line if len(line) <= most else line[:most] + "..."


def torch_optimized(torch, net, x):
    """optimize_for_inference of the traced net, checked against eager's output.

    Returns (module or None, one line saying what happened)."""
    with torch.inference_mode():
        ref = net(x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with torch.no_grad():
                opt = torch.jit.optimize_for_inference(torch.jit.trace(net, x))
        except Exception as e:  # torch raises many kinds; any means no optimized mode
            return None, f"trace/optimize_for_inference failed ({type(e).__name__}: " \
                         f"{first_line(e)})"
        rel = 0.0
        try:
            with torch.inference_mode():
                # the profiling executor optimizes the graph after its first runs: check
                # the outputs of those and of the optimized graph
                for _ in range(3):
                    out = opt(x)
                    if not isinstance(out, torch.Tensor) or out.shape != ref.shape:
                        return None, f"output is {type(out).__name__} " \
                                     f"{getattr(out, 'shape', '')}, eager's {tuple(ref.shape)}"
                    d = (out - ref).abs().max().item() / ref.abs().max().item()
                    rel = d if math.isnan(d) else max(rel, d)
        except Exception as e:
            return None, f"running it failed ({type(e).__name__}: {first_line(e)})"
    note = ""
    if caught:
        note = f"; torch warned {len(caught)} time(s), first: " \
               f"{first_line(caught[0].message, 100)}"
    if not rel <= GUARD_REL:  # NaN fails too
        return None, f"output differs from eager's: max abs diff / max abs {rel:.3g} > " \
                     f"{GUARD_REL:g}{note}"
    return opt, f"max abs diff / max abs against eager {rel:.3g} <= {GUARD_REL:g}{note}"


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
    print(f"{a.rounds} rounds an architecture, each: predoff (bench_models --stdin-rounds, one "
          f"process an architecture, alive across its rounds), then "
          f"PyTorch eager, then PyTorch optimized (optimize_for_inference of the traced model; "
          f"both in this process), {a.warmup} warm-up and {a.runs} timed runs each")
    g = torch.Generator().manual_seed(7)
    x = torch.rand(1, 3, 224, 224, generator=g) * 2 - 1
    rows, peaks, eager_only = [], [], []
    for arch in a.archs:
        model = os.path.join(a.dir, arch, "model.onnx")
        net = torch_model(torch, torchvision, arch)
        opt, why = torch_optimized(torch, net, x)
        if opt is None:
            print(f"  {arch}: torch optimized UNAVAILABLE, {why}; EAGER ONLY for {arch}",
                  flush=True)
            eager_only.append((arch, why))
        else:
            print(f"  {arch}: torch optimized built; {why}", flush=True)
        pd_ms, eg_ms, op_ms, ratio, ratio_eager = [], [], [], [], []
        opt_wins = 0
        macs = None
        c = CRounds(a, model, ["--runs", str(a.runs), "--peak-reps", str(a.peak_reps)])
        for r in range(a.rounds):
            out, line = c.round()
            if a.verbose:
                print(out, end="")
            te = time_torch(torch, net, x, a.warmup, a.runs)
            to = time_torch(torch, opt, x, a.warmup, a.runs) if opt is not None else None
            macs = line["macs"]
            pd_ms.append(line["median_ms"])
            eg_ms.append(te)
            best = te
            if to is not None:
                op_ms.append(to)
                if to < te:
                    best = to
                    opt_wins += 1
            ratio.append(best / line["median_ms"])
            ratio_eager.append(te / line["median_ms"])
            if line["peak_gflops"] > 0:
                peaks.append(line["peak_gflops"])
            opt_txt = f"{to:.3f} ms" if to is not None else "- (eager only)"
            print(f"  {arch} round {r + 1}: predoff {line['median_ms']:.3f} ms, torch eager "
                  f"{te:.3f} ms, torch optimized {opt_txt}, faster torch / predoff "
                  f"{ratio[-1]:.3f}; FMA peak {line['peak_gflops']:.1f} GFLOPS "
                  f"({line.get('peak_isa', '?')})", flush=True)
        c.close()
        del net, opt
        if not op_ms:
            faster = "eager only*"
        else:
            opt_faster = (2 * opt_wins > a.rounds or (2 * opt_wins == a.rounds and
                          statistics.median(op_ms) < statistics.median(eg_ms)))
            faster = (f"optimized {opt_wins}/{a.rounds}" if opt_faster else
                      f"eager {a.rounds - opt_wins}/{a.rounds}")
        rows.append((arch, statistics.median(pd_ms), statistics.median(eg_ms),
                     statistics.median(op_ms) if op_ms else None, faster,
                     statistics.median(ratio), statistics.median(ratio_eager), macs,
                     line.get("peak_isa", "?")))
    peak = statistics.median(peaks) if peaks else float("nan")
    print()
    print(f"FMA peak: {peak:.1f} GFLOPS ({rows[-1][8]}, {a.threads} threads; the median over "
          f"the {len(peaks)} bench_models runs)")
    print(f"{'arch':<20} {'predoff ms':>11} {'eager ms':>9} {'optim. ms':>10} "
          f"{'faster torch':<15} {'speed-up':>9} {'GFLOPS':>8} {'% of FMA peak':>14} "
          f"{'GMACs':>7}")
    for arch, p, te, to, faster, s, _, m, _ in rows:
        gf = 2 * m / (p * 1e6)
        to_txt = f"{to:>10.3f}" if to is not None else f"{'-':>10}"
        print(f"{arch:<20} {p:>11.3f} {te:>9.3f} {to_txt} {faster:<15} {s:>8.3f}x {gf:>8.1f} "
              f"{100 * gf / peak:>13.1f}% {m / 1e9:>7.3f}")
    for arch, why in eager_only:
        print(f"* {arch}: torch optimized unavailable ({why}); its speed-up is against eager "
              f"only")
    gm = geomean([row[5] for row in rows])
    gm_eager = geomean([row[6] for row in rows])
    slower = [row[0] for row in rows if row[5] <= 1]
    print(f"geometric mean of the speed-ups (each the median over rounds of the faster torch "
          f"mode / predoff): {gm:.3f}x over {len(rows)} architectures (target 1.5x)")
    print(f"  for reference, against torch eager alone: {gm_eager:.3f}x")
    print(f"faster than PyTorch on every one: {'yes' if not slower else 'no, not on ' + ', '.join(slower)}")
    print("speed-up: median over rounds of min(torch eager ms, torch optimized ms) / predoff ms; "
          "faster torch: the mode with the lower time in most rounds (rounds it won; a tie by the "
          "medians); ms: median "
          "over rounds of each round's median; GFLOPS: 2 x pd_layer_macs of the path / "
          "predoff's ms")

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
