#!/usr/bin/env bash
# How well a profile fitted on the sweep predicts real networks (issue 16, point 5): the six
# ONNX architectures, b-alexnet and b-lenet profiled with the sweep in rounds; linear and
# boosted profiles fitted on the sweep's rows alone (every network held out); per type the
# share of the networks' layers predicted within 10% and the MAPE, as the plan costs them
# (plan's compute_ms: each layer's run_ms the prediction's own sum over its run), beside fit
# --report's test_types (the rows scored with the run_ms the profiler measured) and the
# share of layers whose two measurements (a second profile, later) agree within 10%, which
# bounds any predictor; and per network the predicted sum over the
# path to its last exit (plan --solver mobile on one tier) against its whole run
# (bench_models, median of nine medians taken alternately, three before the profiles, three
# between and three after: 20 runs of a small model last milliseconds, inside one of this
# shared host's fast or slow spells), and beside it the sum of every
# layer's prediction (the plan's) against the sum of the same layers as profiled: the
# model's error without the whole runs' drift; and the path to the last exit taken apart: its
# layers as profiled against the whole run, their predictions against them (the plan is their
# sum); and the predicted sum against the whole run the profile timed the layers in (its
# run_ms: same process, same minutes), beside the repeat profile's run against it; and conv
# and fc by group (conv by kind, those on 1 x 1 maps apart; fc by network): where the misses
# gather, and whether they lean one way. Prints the tables; keeps every file.
#
# usage: bench/bench_predict.sh BUILD_DIR ONNX_DIR OUT_DIR [ROUNDS] [THREADS] [REPEAT]
#   BUILD_DIR: a Release build (predoff, bench/bench_models); ONNX_DIR: what
#   tools/make_onnx_models.py wrote; ROUNDS: the profiler's rounds (default 3); THREADS:
#   each layer's threads, in the profiles and the whole runs alike (default 2); REPEAT:
#   the timed runs per layer in each round (default 30).
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '22,26p' "$0" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
om=$(cd "$2" && pwd)
out=$3
rounds=${4:-3}
threads=${5:-2}
repeat=${6:-30}
bin=$build/predoff
bm=$build/bench/bench_models
archs="resnet18 mobilenet_v2 squeezenet1_1 googlenet mobilenet_v3_small efficientnet_b0"
nets="$archs b-alexnet b-lenet"
mkdir -p "$out"
cd "$out"
models=""
for a in $archs; do
    [ -f "$om/$a/model.onnx" ] || { echo "bench_predict: no $om/$a/model.onnx" >&2; exit 2; }
    ln -sf "$om/$a/model.onnx" "$a.onnx" # a model is named after its file
    models="$models $a.onnx"
done
models="$models b-alexnet b-lenet"
model_of() { if [ -e "$1.onnx" ]; then echo "$1.onnx"; else echo "$1"; fi; }
held=$(echo $nets | tr ' ' ',')

# Three passes of whole runs of every network, alternated, into runs.txt. The host drifts
# by a fifth over minutes, so the whole runs are taken before, between and after the two
# profiles, spanning the time the profiles' rounds do.
whole_runs() {
    for pass in 1 2 3; do
        for n in $nets; do
            "$bm" "$(model_of $n)" --runs 20 --peak-reps 0 --threads "$threads" | sed -n "s/^median_ms=\([0-9.]*\) .*/$n \1/p" >>runs.txt
        done
    done
}
: >runs.txt
echo "$(date -u '+%F %T') UTC: whole runs, then profiling the sweep and the networks ($rounds rounds of $repeat runs, $threads threads), whole runs, the networks again, whole runs"
whole_runs
"$bin" profile $models --sweep --rounds "$rounds" --repeat "$repeat" --threads "$threads" -o a.csv
whole_runs
"$bin" profile $models --rounds "$rounds" --repeat "$repeat" --threads "$threads" -o b.csv
whole_runs
for m in linear boosted; do
    "$bin" fit a.csv --features auto --model $m --hold-out "$held" -o fit-$m.json \
        --report report-$m.json --predictions pred-$m.csv >fit-$m.txt
done
for m in linear boosted; do
    for n in $nets; do
        acc=() # the ONNX models' three exits have no accuracies of their own; any will do
        [ -e "$n.onnx" ] && acc=(--exit-accuracy 0.3,0.5,0.7)
        "$bin" plan "$(model_of $n)" --tiers mobile --mobile fit-$m.json --solver mobile \
            "${acc[@]}" --json plan-$m-$n.json >/dev/null
    done
done
for n in $nets; do "$bin" show "$(model_of $n)" >show-$n.txt; done # each layer's exits
echo "$(date -u '+%F %T') UTC: done"

/usr/bin/python3 - $nets <<'EOF'
import csv, json, statistics, sys
nets = sys.argv[1:]
def rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r["source"] in nets and not r.get("fused_into")]
a = {(r["source"], r["layer"]): r for r in rows("a.csv")}
b = {(r["source"], r["layer"]): r for r in rows("b.csv")}
agree, total = {}, {}
for k, r in a.items():
    if k not in b:
        continue
    t = r["type"]
    x, y = float(r["median_ms"]), float(b[k]["median_ms"])
    total[t] = total.get(t, 0) + 1
    agree[t] = agree.get(t, 0) + (abs(x - y) <= 0.1 * min(x, y))
reports = {m: json.load(open(f"report-{m}.json")) for m in ("linear", "boosted")}
preds = {}  # per model: the networks' profiled rows (fused layers left out) as the plan costs them
for m in ("linear", "boosted"):
    preds[m] = []
    for n in nets:
        cost = json.load(open(f"plan-{m}-{n}.json"))["compute_ms"]
        cost = {name[:255]: c["mobile"] for name, c in cost.items()}  # the CSV's names: 255 bytes
        for (src, layer), r in a.items():
            if src == n and layer in cost:
                preds[m].append(dict(r, predicted_ms=cost[layer]))
def within(rows):
    ratios = [float(r["predicted_ms"]) / float(r["median_ms"]) for r in rows]
    return (100 * sum(abs(x - 1) <= 0.1 for x in ratios) / len(ratios),
            100 * statistics.mean(abs(x - 1) for x in ratios))
print("\nper type, the networks' layers held out, as the plan costs them (run_ms its own sums):")
print("within 10% (MAPE); fit --report's on the same rows (their run_ms as profiled);")
print("repeats agreeing within 10%")
print(f"{'type':10} {'layers':>6} {'linear':>16} {'boosted':>16} {'fit report':>16} {'repeats agree':>14}")
for t in sorted(total, key=lambda t: -total[t]):
    cells = []
    for m in ("linear", "boosted"):
        rows_t = [r for r in preds[m] if r["type"] == t]
        cells.append("%5.1f%% (%6.2f)" % within(rows_t) if rows_t else "-")
    s = reports["boosted"].get("test_types", {}).get(t)
    cells.append(f"{100 * s['test_within_10']:5.1f}% ({s['test_mape']:6.2f})" if s else "-")
    print(f"{t:10} {total[t]:6d} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16} {100 * agree[t] / total[t]:13.1f}%")
runs = {}
for line in open("runs.txt"):
    n, ms = line.split()
    runs.setdefault(n, []).append(float(ms))
layers = {}  # per network and model: the sums of its layers' predictions and profiled times
for m in ("linear", "boosted"):
    for r in preds[m]:
        if r["predicted_ms"]:
            s = layers.setdefault((r["source"], m), [0.0, 0.0])
            s[0] += float(r["predicted_ms"])
            s[1] += float(r["median_ms"])
print("\nper network: predicted sum to the last exit against the whole run (median of medians);")
print("every layer's prediction summed against the same layers as profiled")
print(f"{'network':20} {'run ms':>8} {'linear':>16} {'boosted':>16} {'layers':>8} {'linear':>7} {'boosted':>7}")
for n in nets:
    run = statistics.median(runs[n])
    cells, sums = [], []
    for m in ("linear", "boosted"):
        p = json.load(open(f"plan-{m}-{n}.json"))["exits"][-1]["latency_ms"]
        cells.append(f"{p:8.3f} ({100 * (p / run - 1):+5.1f}%)")
        pred, meas = layers.get((n, m), (float("nan"), float("nan")))
        sums.append(f"{100 * (pred / meas - 1):+6.1f}%")
    meas = layers.get((n, "boosted"), (0.0, float("nan")))[1]
    print(f"{n:20} {run:8.3f} {cells[0]:>16} {cells[1]:>16} {meas:8.3f} {sums[0]:>7} {sums[1]:>7}")
def path_of(n):
    """The layers on the path to the trunk's exit (the exit most layers lead to), from show."""
    lines = open(f"show-{n}.txt").read().splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("layer "))
    exits = {}
    for l in lines[start + 1:]:
        if not l.strip():
            break
        t = l.split()
        exits[t[0]] = t[-2].split(",")
    counts = {}
    for e in exits.values():
        for k in e:
            counts[k] = counts.get(k, 0) + 1
    trunk = max(counts, key=lambda k: counts[k])
    # the CSV holds a layer's name to 255 bytes (pd_layer_timing), show the whole of it
    return {name[:255] for name, e in exits.items() if trunk in e}
def profiled_run(profile, n):
    """The whole run to the last exit as a profile (a or b: its rows, fused ones left out)
    timed it: the run_ms of that path's layers (every one timed in that run has it), in the
    same process and minutes as them."""
    path, counts = path_of(n), {}
    for (src, layer), r in profile.items():
        if src == n and layer in path and r["run_ms"]:
            counts[r["run_ms"]] = counts.get(r["run_ms"], 0) + 1
    return float(max(counts, key=lambda k: counts[k])) if counts else float("nan")
print("\nper network: predicted sum to the last exit against the whole run as the profile timed it")
print("(the run its layers were timed in: same process, same minutes); the second profile's")
print("whole run against the first's bounds what any prediction of it can reach")
print(f"{'network':20} {'run ms':>8} {'linear':>16} {'boosted':>16} {'repeat':>16}")
for n in nets:
    run, again = profiled_run(a, n), profiled_run(b, n)
    cells = []
    for m in ("linear", "boosted"):
        p = json.load(open(f"plan-{m}-{n}.json"))["exits"][-1]["latency_ms"]
        cells.append(f"{p:8.3f} ({100 * (p / run - 1):+5.1f}%)")
    cells.append(f"{again:8.3f} ({100 * (again / run - 1):+5.1f}%)")
    print(f"{n:20} {run:8.3f} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}")
print("\nthe path to the last exit (fused layers left out, as the plan leaves them): its layers as")
print("profiled against the whole run, and their boosted predictions against them")
print(f"{'network':20} {'run ms':>8} {'profiled':>18} {'predicted':>18}")
pred = preds["boosted"]
for n in nets:
    run = statistics.median(runs[n])
    path = path_of(n)
    meas = sum(float(r["median_ms"]) for r in pred if r["source"] == n and r["layer"] in path)
    got = sum(float(r["predicted_ms"] or 0) for r in pred if r["source"] == n and r["layer"] in path)
    print(f"{n:20} {run:8.3f} {meas:8.3f} ({100 * (meas / run - 1):+5.1f}%) "
          f"{got:8.3f} ({100 * (got / meas - 1):+5.1f}%)")
def group(r):
    """Where a conv or fc layer's misses gather: conv by kind (those on 1 x 1 maps apart),
    fc by network."""
    if r["type"] == "fc":
        return "fc, " + r["source"]
    return r["kind"] + (" on 1 x 1 maps" if r["height"] == "1" and r["width"] == "1" else "")
print("\nconv and fc by group, boosted, as the plan costs them: within 10%, the median of")
print("predicted / measured, and the repeats agreeing within 10%")
print(f"{'group':32} {'layers':>6} {'within 10%':>11} {'median ratio':>13} {'repeats agree':>14}")
groups = {}
for r in pred:
    if r["type"] in ("conv", "fc") and r["predicted_ms"]:
        groups.setdefault(group(r), []).append(r)
for g in sorted(groups):
    rs = groups[g]
    ratios = [float(r["predicted_ms"]) / float(r["median_ms"]) for r in rs]
    ok = sum(abs(x - 1) <= 0.1 for x in ratios)
    pairs = [(float(r["median_ms"]), float(b[(r["source"], r["layer"])]["median_ms"]))
             for r in rs if (r["source"], r["layer"]) in b]
    same = sum(abs(x - y) <= 0.1 * min(x, y) for x, y in pairs)
    print(f"{g:32} {len(rs):6d} {ok:5d} ({100 * ok / len(rs):3.0f}%) {statistics.median(ratios):13.2f} "
          f"{100 * same / len(pairs) if pairs else float('nan'):13.1f}%")
EOF
