#!/usr/bin/env bash
# The edge's answer when the cloud dies (issue 12, point 3): 8 clients, the cloud killed (or
# stopped, a hang) one second into the run; the median latency of the requests sent from
# 1 s after the kill on, beside the same requests (same seed, same count) under the
# all-edge version of the plan. Prints both medians and their ratio, and who answered.
# usage: bench/bench_dead_cloud.sh [kill|stop] [REQUESTS]   (from the repository's root,
# after a build in build/)
set -euo pipefail
how=${1:-kill}
n=${2:-6000}
bin=build/predoff
w=tests/fixtures/b-alexnet/weights.safetensors
tmp=$(mktemp -d)
pids=""
trap 'kill -CONT $pids 2>/dev/null; kill $pids 2>/dev/null; rm -rf "$tmp"' EXIT
"$bin" plan b-alexnet --tiers mobile,edge,cloud --json "$tmp/plan3.json" >/dev/null
# the cloud has layers of every exit past conv2 (the plan of tests/cli_test.sh)
sed -e 's/"\(conv1\|b1_relu1\|b1_pool1\)":[[:space:]]*"[a-z]*"/"\1": "mobile"/' \
    -e 's/"\(relu1\|pool1\|lrn1\|conv2\|b2_relu1\|b2_lrn\|fc8\|b1_conv\)":[[:space:]]*"[a-z]*"/"\1": "edge"/' \
    "$tmp/plan3.json" >"$tmp/mixed.json"
sed 's/"cloud"/"edge"/g' "$tmp/mixed.json" >"$tmp/edge.json"
serve() { # VAR ARGS: starts a server, waits for its line, sets VAR to its endpoint
    local var=$1 line ep=""
    shift
    mkfifo "$tmp/$var.fifo"
    "$bin" serve "$@" 2>"$tmp/$var.fifo" &
    pids="$pids $!"
    printf -v "${var}_pid" '%s' "$!"
    exec {fd}<"$tmp/$var.fifo"
    while IFS= read -r -u "$fd" line; do
        case $line in *" listening on "*) ep=${line#* listening on }; ep=${ep%%,*}; break ;; esac
    done
    cat <&"$fd" >"$tmp/$var.log" &
    printf -v "$var" '%s' "$ep"
}
serve cloud b-alexnet --tier cloud --listen "tcp://127.0.0.1:*" --weights "$w" --plan "$tmp/mixed.json"
serve edge b-alexnet --tier edge --listen "tcp://127.0.0.1:*" --cloud "$cloud" --weights "$w" --plan "$tmp/mixed.json"
load=("$bin" loadgen b-alexnet --weights "$w" --requests "$n" --clients 8 --accuracy-dist uniform:0.65,0.8 --seed 7)
"${load[@]}" --plan "$tmp/mixed.json" --server "$edge" --requests 200 >/dev/null # warm
t0=$(date +%s.%N)
"${load[@]}" --plan "$tmp/mixed.json" --server "$edge" --records "$tmp/dead.csv" >"$tmp/dead.txt" &
lg=$!
sleep 1 # a benchmark, not a test: the kill lands about a second into the run
if [ "$how" = stop ]; then kill -STOP "$cloud_pid"; else kill -9 "$cloud_pid"; fi
tk=$(date +%s.%N)
wait $lg
kill_ms=$(awk -v a="$t0" -v b="$tk" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
kill -CONT "$cloud_pid" 2>/dev/null || true
kill "$edge_pid"
serve edge2 b-alexnet --tier edge --listen "tcp://127.0.0.1:*" --weights "$w" --plan "$tmp/edge.json"
"${load[@]}" --plan "$tmp/edge.json" --server "$edge2" --requests 200 >/dev/null # warm
"${load[@]}" --plan "$tmp/edge.json" --server "$edge2" --records "$tmp/edge.csv" >"$tmp/edge.txt"
awk -F, -v k="$kill_ms" '
    FNR == 1 { f++; next }
    f == 1 && $2 >= k + 1000 { keep[$1] = 1; d[++nd] = $4; fell += $8; cloud += ($7 > 0) }
    f == 2 && ($1 in keep) { e[++ne] = $4 }
    function median(a, n,   i, j, t) {
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END {
        printf "cloud %s at %d ms; %d requests sent from 1 s after: %d finished on the mobile, %d with cloud compute\n", "'"$how"'", k, nd, fell, cloud
        md = median(d, nd); me = median(e, ne)
        printf "median latency: cloud gone %.3f ms, all-edge plan %.3f ms (same %d requests): ratio %.2f\n", md, me, ne, md / me
    }' "$tmp/dead.csv" "$tmp/edge.csv"
grep -h "requests in" "$tmp/dead.txt" "$tmp/edge.txt"
sed -n 's/^predoff: edge: /edge: /p' "$tmp/edge.log" | head -3
