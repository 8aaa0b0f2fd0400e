#!/usr/bin/env bash
# Builds the libFuzzer harnesses and runs each one for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS [HARNESS...]]     e.g. scripts/fuzz.sh 300 fuzz_model
#
# With no HARNESS, every fuzz/fuzz_*.c runs, one after another (never in
# parallel). Each starts from a scratch corpus, build-fuzz/corpus/<name>/, seeded from fuzz/corpus/<name>/;
# generated inputs stay in build-fuzz and never go into fuzz/corpus. Crash,
# leak and timeout reproducers are written to build-fuzz/artifacts/<harness>/,
# the full log to build-fuzz/logs/<harness>.log. Exits non-zero if any harness
# finds a crash, a leak, a hang or a sanitizer report.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
seconds=${1:-60}
shift || true
case $seconds in
'' | *[!0-9]*) echo "usage: $0 [SECONDS [HARNESS...]]" >&2; exit 2 ;;
esac

CC=${CC:-clang} cmake -S "$root" -B "$build" -DPREDOFF_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j2 >/dev/null

if [ $# -gt 0 ]; then
    harnesses=("$@")
else
    harnesses=()
    for src in "$root"/fuzz/fuzz_*.c; do
        harnesses+=("$(basename "$src" .c)")
    done
fi

# UBSan reports must stop the run (the build also uses -fno-sanitize-recover).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=()
for h in "${harnesses[@]}"; do
    name=${h#fuzz_}
    bin="$build/fuzz/$h"
    [ -x "$bin" ] || { echo "no harness $bin" >&2; exit 2; }
    corpus="$build/corpus/$name"
    artifacts="$build/artifacts/$h"
    log="$build/logs/$h.log"
    dict="$root/fuzz/$name.dict" # a harness's own dictionary, else the JSON one
    [ -f "$dict" ] || dict="$root/fuzz/json.dict"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    [ -d "$root/fuzz/corpus/$name" ] && cp -r "$root/fuzz/corpus/$name/." "$corpus/"
    echo "== $h: ${seconds}s, corpus $corpus, log $log"
    status=0
    "$bin" "$corpus" -dict="$dict" -max_len=65536 -timeout=10 \
        -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "!! $h failed (exit $status); see $log and $artifacts/" >&2
        grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" >&2 || true
        failed+=("$h")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
echo "no crashes"
