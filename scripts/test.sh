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

echo "== the fuzz harnesses build (clang, libFuzzer) and pass their seed corpora"
scripts/deps.sh clang libclang-rt-14-dev
CC=clang cmake -S . -B build-fuzz -DPREDOFF_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-fuzz -j "$jobs"
for src in fuzz/fuzz_*.c; do
    h=$(basename "$src" .c)
    "build-fuzz/fuzz/$h" -runs=0 "fuzz/corpus/${h#fuzz_}" >"build-fuzz/$h-seeds.log" 2>&1 ||
        { cat "build-fuzz/$h-seeds.log"; echo "$h failed on its seed corpus" >&2; exit 1; }
    echo "$h: $(grep -c '' <(ls "fuzz/corpus/${h#fuzz_}")) seeds passed"
done
