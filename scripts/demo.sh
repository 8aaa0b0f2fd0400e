#!/usr/bin/env bash
# The main job: plans the paper's section-5 scenario (b-alexnet, Raspberry Pi 3B mobile,
# laptop edge, 74 Mbps, requirements N(0.625, 0.053)) with every solver, prints the
# comparison and the exact plan. Usage: scripts/demo.sh [extra plan flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== every solver on the paper's scenario"
build/predoff compare b-alexnet "$@"
echo
echo "== the exact plan"
build/predoff plan b-alexnet "$@"
