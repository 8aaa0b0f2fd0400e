#!/usr/bin/env bash
# Closing the loop (issues 5 and 15): profile and fit each tier where it runs, with the mobile
# slowed by a CPU quota, measure the link, plan with what was measured, then run the plan over
# the shaped link and compare the measured mean latency with the plan's expected latency.
# Needs root (network namespaces, tc, cgroups). Usage:
#
#   scripts/closed_loop.sh [--predoff BIN] [--model M] [--onnx-dir DIR] [--exit-accuracy A1,..]
#                          [--pin LAYER=TIER,..] [--quota PCT] [--wireless RATE] [--requests N]
#                          [--repeat N] [--mobile-repeat N] [--probe-sizes F1,..]
#                          [--probe-repeat N] [--verify] [--fit-model linear|boosted|auto]
#                          [--out DIR]
#
# M is a built-in model, a model file (JSON or .onnx; a DAG's cuts are carried as the plan
# places them, every tensor the next tier needs in one message), or one of the six
# architectures of tools/make_onnx_models.py (resnet18, mobilenet_v2, squeezenet1_1,
# googlenet, mobilenet_v3_small, efficientnet_b0): DIR/M/model.onnx (DIR default
# out/onnx-models), exported there first when it is missing. An ONNX model runs with its own
# initializers, the others with --random-weights 1. The six architectures' exits have no
# accuracies: the plan gives them --exit-accuracy (default 0.55,0.62,0.70, as the README's
# examples). --pin goes to the plan (e.g. a cut inside a residual block, so that two tensors
# cross at once); --verify to loadgen (each answer compared with the mobile's own).
#
# Both tiers' timings are fitted linear and boosted (predoff fit --model: mobile-linear.json,
# mobile-boosted.json with its trees beside it, mobile-boosted.TYPE.xgb.json ...), and auto
# too with --fit-model auto; the plan that is run is made with --fit-model's (default
# linear; mobile.json and edge.json link to them), and the summary ends with what the linear
# and the boosted pair predict for the plan's placement (predoff eval), against the same
# measured runs.
#
# Defaults: build/predoff, b-alexnet, a 10% CPU quota on the mobile (1 ms of CPU per 10 ms),
# 74mbit mobile-edge link, 500 requests, 30 timed runs per layer on the edge and 300 on the
# mobile (under the quota a layer's mean counts the 9 ms stalls that land in it: a 0.1 ms
# layer catches about 3 in 30 runs, too few for a mean), out/loop. The probe: 200 round trips
# of 1 to 4096 floats (b-alexnet's tensors are at most 16 KB); for the six architectures 50
# of 1 to 65536 floats (256 KB: their cuts send 100 to 600 KB, and tc's token bucket lets the
# first 4 KB through at line rate, so small echoes overstate the rate of large messages). A
# server drops an echo larger than its model's largest tensor: keep --probe-sizes below it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/predoff model=b-alexnet quota=10 wireless=74mbit requests=500 repeat=30 mobile_repeat=300
out=out/loop onnx_dir=out/onnx-models accuracies= pins= verify=() probe_sizes= probe_repeat= arch=
fit_model=linear
while [ $# -gt 0 ]; do
    case "$1" in
        --predoff) bin=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --onnx-dir) onnx_dir=$2; shift 2 ;;
        --exit-accuracy) accuracies=$2; shift 2 ;;
        --pin) pins=$2; shift 2 ;;
        --verify) verify=(--verify); shift ;;
        --probe-sizes) probe_sizes=$2; shift 2 ;;
        --probe-repeat) probe_repeat=$2; shift 2 ;;
        --quota) quota=$2; shift 2 ;;
        --wireless) wireless=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --mobile-repeat) mobile_repeat=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --fit-model) fit_model=$2; shift 2 ;;
        *) echo "closed_loop: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "closed_loop: needs root (namespaces, tc, cgroups)" >&2; exit 2; }
[ -x "$bin" ] || { echo "closed_loop: $bin: no predoff binary (build first, or --predoff BIN)" >&2; exit 2; }
case "$quota" in ''|*[!0-9]*) echo "closed_loop: --quota $quota: a whole percentage, 1 to 100" >&2; exit 2 ;; esac
[ "$quota" -ge 1 ] && [ "$quota" -le 100 ] || { echo "closed_loop: --quota $quota: 1 to 100" >&2; exit 2; }
case "$fit_model" in linear|boosted|auto) ;; *) echo "closed_loop: --fit-model $fit_model: linear, boosted or auto" >&2; exit 2 ;; esac
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
mkdir -p "$out"
out=$(cd "$out" && pwd)
tb=$here/testbed.sh

# --- the model: one of the six architectures is exported first if its file is missing
case "$model" in
    resnet18|mobilenet_v2|squeezenet1_1|googlenet|mobilenet_v3_small|efficientnet_b0)
        arch=$model model=$onnx_dir/$arch/model.onnx
        if [ ! -f "$model" ]; then
            echo "exporting $arch to $model (tools/make_onnx_models.py) ..."
            mkdir -p "$onnx_dir"
            /usr/bin/python3 "$here/../tools/make_onnx_models.py" "$onnx_dir" --only "$arch" --inputs 1 >/dev/null ||
                { echo "closed_loop: tools/make_onnx_models.py could not export $arch (it needs Debian's python3-torch, python3-torchvision and python3-onnx)" >&2; exit 2; }
        fi ;;
esac
case "$model" in
    */*|*.json|*.onnx) [ -f "$model" ] || { echo "closed_loop: --model $model: no such file" >&2; exit 2; }
                       model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model") ;;
esac
[ -z "$arch" ] || accuracies=${accuracies:-0.55,0.62,0.70}
weights=(--random-weights 1) acc_flags=() pin_flags=()
[ -z "$accuracies" ] || acc_flags=(--exit-accuracy "$accuracies")
[ -z "$pins" ] || pin_flags=(--pin "$pins")
case "$model" in *.onnx) weights=() ;; esac
[ -z "$arch" ] || probe_sizes=${probe_sizes:-1,8192,16384,32768,65536} probe_repeat=${probe_repeat:-50}
probe_sizes=${probe_sizes:-1,1024,2048,3072,4096} probe_repeat=${probe_repeat:-200}
# a testbed of its own (namespaces pdloop-*), apart from the one the tests put up, and a
# cgroup named after it
export PD_TESTBED_PREFIX=${PD_TESTBED_PREFIX:-pdloop}

# --- the mobile's CPU quota: period 10 ms, quota PCT% of it
period=10000
limit=$((period * quota / 100))
if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cg=/sys/fs/cgroup/predoff-$PD_TESTBED_PREFIX-mobile
    mkdir -p "$cg"
    echo "$limit $period" >"$cg/cpu.max"
    quota_note="cgroup v2: $cg/cpu.max = \"$limit $period\""
elif [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    cg=/sys/fs/cgroup/cpu/predoff-$PD_TESTBED_PREFIX-mobile
    mkdir -p "$cg"
    echo "$period" >"$cg/cpu.cfs_period_us"
    echo "$limit" >"$cg/cpu.cfs_quota_us"
    quota_note="cgroup v1: $cg/cpu.cfs_period_us = $period, cpu.cfs_quota_us = $limit"
else
    echo "closed_loop: no writable cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us)" >&2
    exit 2
fi
# runs a command as the mobile: in the quota's cgroup, then in the mobile's namespace
# (one thread, --threads 1 on its commands: a quota'd phone gains nothing from a second)
mobile() { OPENBLAS_NUM_THREADS=1 sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' sh "$cg" "$tb" exec mobile "$@"; }
# The edge runs one thread (--threads 1), profiled as it serves: this machine hosts all three
# tiers on two cores, and a second thread would fight the servers' and clients' ZeroMQ threads.
edge() { OPENBLAS_NUM_THREADS=1 "$tb" exec edge "$@"; }

edge_pid=
cleanup() {
    [ -n "$edge_pid" ] && kill "$edge_pid" 2>/dev/null && wait "$edge_pid" 2>/dev/null
    "$tb" down 2>/dev/null || true
    rmdir "$cg" 2>/dev/null || true
}
trap cleanup EXIT
"$tb" up --wireless "$wireless" >/dev/null
echo "testbed: mobile-edge link $wireless; mobile quota $quota% ($quota_note)"

# --- 1. each tier profiled where it runs, and fitted (means: a quota shows in the mean)
echo "profiling the mobile (single thread, under the quota) ..."
mobile "$bin" profile "$model" "${weights[@]}" --repeat "$mobile_repeat" --min-window-ms 200 --threads 1 -o "$out/mobile.csv" >/dev/null
echo "profiling the edge (one thread, as its server runs) ..."
edge "$bin" profile "$model" "${weights[@]}" --repeat "$repeat" --threads 1 -o "$out/edge.csv" >/dev/null
# fitted linear and boosted, to judge both predictions against the same runs (step 5), and
# auto too if --fit-model asks for it; the plan is made with --fit-model's (TIER.json, a link)
fits="linear boosted"
[ "$fit_model" = auto ] && fits="$fits auto"
for m in $fits; do
    for t in mobile edge; do
        "$bin" fit "$out/$t.csv" --features auto --model $m --statistic mean --name $t-$m -o "$out/$t-$m.json" >"$out/fit-$t-$m.txt"
    done
done
for t in mobile edge; do
    ln -sf "$t-$fit_model.json" "$out/$t.json"
done

# --- 2. the link, measured from the mobile (under its quota) through a running edge server
"$bin" plan "$model" "${acc_flags[@]}" --mobile "$out/mobile.json" --edge "$out/edge.json" --solver edge --json "$out/probe-plan.json" >/dev/null
serve_edge() { # ($! is then the server itself: testbed.sh execs into it)
    OPENBLAS_NUM_THREADS=1 "$tb" exec edge "$bin" serve "$model" --tier edge --listen tcp://10.77.1.2:5555 --allow-remote \
        "${weights[@]}" --plan "$1" --threads 1 >/dev/null 2>"$out/edge-server.log" &
    edge_pid=$!
    # wait for the line it prints once listening (a minute at most), not for a while
    local i
    for i in $(seq 600); do
        grep -q " listening on " "$out/edge-server.log" 2>/dev/null && return 0
        kill -0 "$edge_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "closed_loop: the edge server did not start:" >&2
    cat "$out/edge-server.log" >&2
    exit 1
}
serve_edge "$out/probe-plan.json"
mobile "$bin" probe --server tcp://10.77.1.2:5555 --sizes "$probe_sizes" --repeat "$probe_repeat" \
    --json "$out/probe.json" | tee "$out/probe.txt"
kill "$edge_pid"; wait "$edge_pid" 2>/dev/null || true; edge_pid=
link_flags=$(sed -n 's/^plan with: //p' "$out/probe.txt")

# --- 3. the plan, from the measured profiles and link
# shellcheck disable=SC2086
"$bin" plan "$model" "${acc_flags[@]}" "${pin_flags[@]}" --mobile "$out/mobile.json" --edge "$out/edge.json" $link_flags \
    --json "$out/plan.json" | tee "$out/plan.txt"

# --- 4. the plan, run: the edge serves it, the mobile sends the requests
serve_edge "$out/plan.json"
mobile "$bin" loadgen "$model" --plan "$out/plan.json" --server tcp://10.77.1.2:5555 \
    "${weights[@]}" --requests "$requests" --threads 1 "${verify[@]}" --records "$out/records.csv" | tee "$out/loadgen.txt"
measured=$(sed -n 's/^measured mean \([0-9.]*\) ms.*/\1/p' "$out/loadgen.txt")
expected=$(sed -n 's/.*its expected latency over its own demand: \([0-9.]*\) ms.*/\1/p' "$out/loadgen.txt")
awk -v m="$measured" -v e="$expected" 'BEGIN {
    d = (m - e) / e * 100
    printf "closing the loop: measured mean %.3f ms, the plan expects %.3f ms: %+.1f%% (%s 15%%)\n",
           m, e, d, (d <= 15 && d >= -15) ? "within" : "NOT within"
}' | tee "$out/summary.txt"

# --- 5. the plan's placement as the linear and the boosted profiles predict it, against the
# same measured runs (the plan itself was made with --fit-model's)
for m in linear boosted; do
    # shellcheck disable=SC2086
    "$bin" eval "$model" --placement "$out/plan.json" "${acc_flags[@]}" --mobile "$out/mobile-$m.json" \
        --edge "$out/edge-$m.json" $link_flags --json "$out/eval-$m.json" >/dev/null
    predicted=$(sed -n 's/^[[:space:]]*"expected_latency_ms":[[:space:]]*\([0-9.e+-]*\),*$/\1/p' "$out/eval-$m.json" | head -n 1)
    awk -v m="$measured" -v e="$predicted" -v name="$m" 'BEGIN {
        printf "  %s profiles predict %.3f ms: measured %+.1f%%\n", name, e, (m - e) / e * 100
    }' | tee -a "$out/summary.txt"
done
