#!/usr/bin/env bash
# Builds predoff and runs every test twice: a normal build, and one with
# AddressSanitizer and UndefinedBehaviorSanitizer. Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# python3-torch and python3-torchvision: tests/onnx_models_test.sh exports six real
# architectures at test time (too large to commit)
scripts/deps.sh gnuplot-nox iproute2 python3-torch python3-torchvision python3-numpy
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build and test (Release, warnings are errors)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== build and test with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPREDOFF_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
