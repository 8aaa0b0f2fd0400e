#!/usr/bin/env bash
# Closing the loop (issue 5): profile and fit each tier where it runs, with the mobile slowed
# by a CPU quota, measure the link, plan with what was measured, then run the plan over the
# shaped link and compare the measured mean latency with the plan's expected latency.
# Needs root (network namespaces, tc, cgroups). Usage:
#
#   scripts/closed_loop.sh [--predoff BIN] [--model M] [--quota PCT] [--wireless RATE]
#                          [--requests N] [--repeat N] [--out DIR]
#
# Defaults: build/predoff, b-alexnet, a 10% CPU quota on the mobile (1 ms of CPU per 10 ms),
# 74mbit mobile-edge link, 500 requests, 30 timed runs per layer, out/loop.
# The mobile's processes join a cgroup with the quota *before* they enter the mobile's
# namespace (`ip netns exec` remounts /sys, hiding the cgroup files). cgroup v2 (cpu.max)
# and v1 (cpu.cfs_quota_us) are both handled.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$here/../build/predoff model=b-alexnet quota=10 wireless=74mbit requests=500 repeat=30
out=out/loop
while [ $# -gt 0 ]; do
    case "$1" in
        --predoff) bin=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --quota) quota=$2; shift 2 ;;
        --wireless) wireless=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "closed_loop: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "closed_loop: needs root (namespaces, tc, cgroups)" >&2; exit 2; }
[ -x "$bin" ] || { echo "closed_loop: $bin: no predoff binary (build first, or --predoff BIN)" >&2; exit 2; }
case "$quota" in ''|*[!0-9]*) echo "closed_loop: --quota $quota: a whole percentage, 1 to 100" >&2; exit 2 ;; esac
[ "$quota" -ge 1 ] && [ "$quota" -le 100 ] || { echo "closed_loop: --quota $quota: 1 to 100" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
mkdir -p "$out"
out=$(cd "$out" && pwd)
tb=$here/testbed.sh
# a testbed of its own (namespaces pdloop-*), apart from the one the tests put up
export PD_TESTBED_PREFIX=${PD_TESTBED_PREFIX:-pdloop}

# --- the mobile's CPU quota: period 10 ms, quota PCT% of it
period=10000
limit=$((period * quota / 100))
if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cg=/sys/fs/cgroup/predoff-mobile
    mkdir -p "$cg"
    echo "$limit $period" >"$cg/cpu.max"
    quota_note="cgroup v2: $cg/cpu.max = \"$limit $period\""
elif [ -w /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
    cg=/sys/fs/cgroup/cpu/predoff-mobile
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
mobile "$bin" profile "$model" --random-weights 1 --repeat "$repeat" --min-window-ms 200 --threads 1 -o "$out/mobile.csv" >/dev/null
echo "profiling the edge (one thread, as its server runs) ..."
edge "$bin" profile "$model" --random-weights 1 --repeat "$repeat" --threads 1 -o "$out/edge.csv" >/dev/null
"$bin" fit "$out/mobile.csv" --features auto --statistic mean --name mobile-measured -o "$out/mobile.json" >"$out/fit-mobile.txt"
"$bin" fit "$out/edge.csv" --features auto --statistic mean --name edge-measured -o "$out/edge.json" >"$out/fit-edge.txt"

# --- 2. the link, measured from the mobile (under its quota) through a running edge server
"$bin" plan "$model" --solver edge --json "$out/probe-plan.json" >/dev/null
serve_edge() { # ($! is then the server itself: testbed.sh execs into it)
    OPENBLAS_NUM_THREADS=1 "$tb" exec edge "$bin" serve "$model" --tier edge --listen tcp://10.77.1.2:5555 --allow-remote \
        --random-weights 1 --plan "$1" --threads 1 >/dev/null 2>"$out/edge-server.log" &
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
mobile "$bin" probe --server tcp://10.77.1.2:5555 --sizes 1,1024,2048,3072,4096 --repeat 200 \
    --json "$out/probe.json" | tee "$out/probe.txt"
kill "$edge_pid"; wait "$edge_pid" 2>/dev/null || true; edge_pid=
link_flags=$(sed -n 's/^plan with: //p' "$out/probe.txt")

# --- 3. the plan, from the measured profiles and link
# shellcheck disable=SC2086
"$bin" plan "$model" --mobile "$out/mobile.json" --edge "$out/edge.json" $link_flags \
    --json "$out/plan.json" | tee "$out/plan.txt"

# --- 4. the plan, run: the edge serves it, the mobile sends the requests
serve_edge "$out/plan.json"
mobile "$bin" loadgen "$model" --plan "$out/plan.json" --server tcp://10.77.1.2:5555 \
    --random-weights 1 --requests "$requests" --threads 1 | tee "$out/loadgen.txt"
measured=$(sed -n 's/^measured mean \([0-9.]*\) ms.*/\1/p' "$out/loadgen.txt")
expected=$(sed -n 's/.*its expected latency over its own demand: \([0-9.]*\) ms.*/\1/p' "$out/loadgen.txt")
awk -v m="$measured" -v e="$expected" 'BEGIN {
    d = (m - e) / e * 100
    printf "closing the loop: measured mean %.3f ms, the plan expects %.3f ms: %+.1f%% (%s 15%%)\n",
           m, e, d, (d <= 15 && d >= -15) ? "within" : "NOT within"
}' | tee "$out/summary.txt"
