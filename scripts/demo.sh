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
