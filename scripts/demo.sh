#!/usr/bin/env bash
# The main job: the paper's section-5 experiment (b-alexnet, Raspberry Pi 3B mobile, laptop
# edge, 74 Mbps, requirements N(0.625, 0.053)): every solver side by side, 20 runs of the
# genetic algorithm, a bandwidth sweep, two pictures in out/paper/, then the exact plan.
# Usage: scripts/demo.sh [scenario flags...]   e.g. scripts/demo.sh --bandwidth 0.4Mbps
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh gnuplot-nox
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/predoff experiment paper --out out/paper "$@"
echo
echo "== the exact plan"
build/predoff plan b-alexnet "$@"

# Real Fashion-MNIST test images through the split runtime: each trained model with its
# shipped weights (models/weights/, made by predoff train; README says how), planned with
# its exits' measured accuracies, its edge share served on loopback.
data=/usr/share/datasets/fashion-mnist
mkdir -p out/fmnist-demo
edge=
trap '[ -n "$edge" ] && kill $edge 2>/dev/null' EXIT
classify() { # MODEL REQUIRED_ACCURACY [scenario flags]
    local model=$1 need=$2 w=models/weights/$1.safetensors plan=out/fmnist-demo/$1-plan.json
    shift 2
    echo
    echo "== Fashion-MNIST test images through the split runtime ($model, shipped weights, accuracy $need required)"
    build/predoff plan "$model" --accuracy-from "models/accuracy/$model.json" "$@" \
        --json "$plan" | sed -n '/^placement/,$p'
    # a free port; the server's first line says which (wait for it, not for a while)
    rm -f out/fmnist-demo/edge.fifo
    mkfifo out/fmnist-demo/edge.fifo
    build/predoff serve "$model" --tier edge --listen 'tcp://127.0.0.1:*' --weights "$w" \
        --plan "$plan" 2>out/fmnist-demo/edge.fifo &
    edge=$!
    local line ep=
    exec 3<out/fmnist-demo/edge.fifo
    while IFS= read -r -t 60 line <&3; do
        case $line in *" listening on "*) ep=${line#* listening on }; break ;; esac
    done
    cat <&3 >/dev/null &
    exec 3<&-
    [ -n "$ep" ] || { echo "demo: the edge server did not start" >&2; exit 1; }
    for i in 0 1 2 3 4 5; do
        label=$(build/predoff dataset-sample "$model" --data "$data" --index "$i" --weights "$w" \
            -o "out/fmnist-demo/$model-x$i.npy" | sed -n 's/^image [0-9]*: label //p')
        answer=$(build/predoff infer "$model" --plan "$plan" --server "$ep" \
            --weights "$w" --input "out/fmnist-demo/$model-x$i.npy" --accuracy "$need" | tr '\n' ' ')
        echo "test image $i (label $label): $answer"
    done
    kill $edge 2>/dev/null
    wait $edge 2>/dev/null || true
    edge=
}
classify b-alexnet-gray 0.914 "$@"
classify b-lenet 0.89 "$@"
