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

# Real Fashion-MNIST test images through the split runtime: b-lenet with the shipped
# weights (models/weights/, trained by predoff train; README says how), planned with the
# exits' measured accuracies, its edge share served on loopback.
echo
echo "== Fashion-MNIST test images through the split runtime (b-lenet, shipped weights)"
data=/usr/share/datasets/fashion-mnist
w=models/weights/b-lenet.safetensors
mkdir -p out/fmnist-demo
build/predoff plan b-lenet --accuracy-from models/accuracy/b-lenet.json "$@" \
    --json out/fmnist-demo/plan.json | sed -n '/^placement/,$p'
build/predoff serve b-lenet --tier edge --listen tcp://127.0.0.1:5599 --weights "$w" \
    --plan out/fmnist-demo/plan.json 2>/dev/null &
edge=$!
trap 'kill $edge 2>/dev/null' EXIT
sleep 0.5
for i in 0 1 2 3 4 5; do
    label=$(build/predoff dataset-sample b-lenet --data "$data" --index "$i" --weights "$w" \
        -o "out/fmnist-demo/x$i.npy" | sed -n 's/^image [0-9]*: label //p')
    answer=$(build/predoff infer b-lenet --plan out/fmnist-demo/plan.json \
        --server tcp://127.0.0.1:5599 --weights "$w" --input "out/fmnist-demo/x$i.npy" \
        --accuracy 0.89 | tr '\n' ' ')
    echo "test image $i (label $label): $answer"
done
