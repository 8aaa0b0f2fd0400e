#!/usr/bin/env bash
# The networks of a bench_predict.sh run profiled again on another occasion (issue 16, point
# 5): how far the same layers move when measured later (an hour, a day), against the two
# profiles bench_predict.sh took minutes apart, and that run's boosted predictions (its plans'
# compute_ms) against the new profile. bench_predict.sh's "repeats agree" counts the noise of
# minutes; this counts the host's drift between occasions as well, which a plan made from a
# profile meets when it is used. Same rules as bench_predict.sh: fused layers left out, two
# times agree when they differ by at most 10% of the smaller. Writes OUT_DIR/later.csv.
#
# usage: bench/bench_predict_later.sh BUILD_DIR OUT_DIR [ROUNDS] [THREADS] [REPEAT]
#   BUILD_DIR: a Release build (predoff); OUT_DIR: what bench_predict.sh wrote (links to
#   the ONNX models, a.csv, b.csv, plan-boosted-*.json); ROUNDS, THREADS, REPEAT: as that
#   run was given them (default 3, 2 and 30, as bench_predict.sh's).
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 5 ]; then
    sed -n '10,13p' "$0" >&2
    exit 2
fi
bin=$(cd "$1" 2>/dev/null && pwd)/predoff
[ -x "$bin" ] || { echo "$1: no predoff in it (a Release build)" >&2; exit 2; }
cd "$2" 2>/dev/null || { echo "$2: no such directory (what bench_predict.sh wrote)" >&2; exit 2; }
rounds=${3:-3}
threads=${4:-2}
repeat=${5:-30}
nets="resnet18 mobilenet_v2 squeezenet1_1 googlenet mobilenet_v3_small efficientnet_b0 b-alexnet b-lenet"
models=""
for n in $nets; do
    case $n in
    b-*) models="$models $n" ;; # built in
    *) models="$models $n.onnx" ;;
    esac
done
for f in a.csv b.csv $(for n in $nets; do echo plan-boosted-$n.json; done) \
         $(for n in $nets; do case $n in b-*) ;; *) echo $n.onnx ;; esac; done); do
    [ -e "$f" ] || { echo "$2: no $f, or a link to a file that has gone (run bench/bench_predict.sh first)" >&2; exit 2; }
done
echo "$(date -u '+%F %T') UTC: the networks profiled again ($rounds rounds of $repeat runs, $threads threads)"
"$bin" profile $models --rounds "$rounds" --repeat "$repeat" --threads "$threads" -o later.csv

/usr/bin/python3 - $nets <<'EOF'
import csv, json, sys
nets = sys.argv[1:]
def rows(path):
    with open(path, newline="") as f:
        return {(r["source"], r["layer"]): r for r in csv.DictReader(f)
                if r["source"] in nets and not r.get("fused_into")}
a, b, later = rows("a.csv"), rows("b.csv"), rows("later.csv")
pred = {}
for n in nets:
    cost = json.load(open(f"plan-boosted-{n}.json"))["compute_ms"]
    for name, c in cost.items():
        pred[(n, name[:255])] = c["mobile"]  # the CSV's names: 255 bytes
def share(x, y, types, predicted=False):
    """Share of the layers of `types` in both x and y whose times agree within 10% (of the
    smaller; of y's measured time when x is predicted, as bench_predict.sh scores them)."""
    n = hit = 0
    for k, r in y.items():
        if k in x and r["type"] in types:
            s, t = float(x[k]), float(r["median_ms"])
            n += 1
            hit += abs(s - t) <= 0.1 * (t if predicted else min(s, t))
    return f"{100 * hit / n:5.1f}% of {n:3d}" if n else "-"
times = lambda d: {k: r["median_ms"] for k, r in d.items()}
print("\nlayers agreeing within 10%: the two profiles of the bench run, the later profile")
print("against each, and the run's boosted predictions against the first and the later")
print(f"{'pair':40} {'conv':>14} {'fc':>14}")
for name, x, y, p in (("b.csv against a.csv (minutes apart)", times(a), b, False),
                      ("later against a.csv", times(a), later, False),
                      ("later against b.csv", times(b), later, False),
                      ("boosted predictions against a.csv", pred, a, True),
                      ("boosted predictions against later", pred, later, True)):
    print(f"{name:40} {share(x, y, {'conv'}, p):>14} {share(x, y, {'fc'}, p):>14}")
EOF
