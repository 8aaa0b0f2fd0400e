#!/usr/bin/env bash
# Golden outputs: what plan, eval, compare, the paper's experiment, run and show print for
# the three built-in models, saved before the graph-core restructure (issue 13). Every
# run must print them again byte for byte, apart from the measured times, which are masked.
#   tests/golden_test.sh PREDOFF SOURCE_DIR            compare (the test)
#   tests/golden_test.sh PREDOFF SOURCE_DIR --update   write tests/golden/ anew
# An update is a change of behaviour: say why in the commit.
set -euo pipefail
P=$1
SRC=$2
MODE=${3:-check}
GOLDEN=$SRC/tests/golden
FIX=$SRC/tests/fixtures
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/out"

# Measured times are the only thing allowed to change: solve times, GA and run timings.
mask() {
    sed -E -e 's/^(solve time +)[0-9.]+ ms/\1T ms/' \
        -e 's/^([a-z]+ +([0-9.]+|n\/a:.*)? .*[0-9]) +[0-9]+\.[0-9]{4}(  [a-z])/\1 T\3/' \
        -e 's/median time [0-9.]+ ms/median time T ms/' \
        -e 's/, [0-9.]+ ms$/, T ms/' -e 's/ \([0-9.]+ s\)$/ (T s)/' \
        -e 's/("solve_time_ms":\s*)[0-9.e+-]+/\1T/'
}

# run NAME CMD...: the command's standard output and status, masked, into NAME.
run() {
    local name=$1
    shift
    local rc=0
    (cd "$WORK" && "$@") >"$WORK/raw" 2>"$WORK/err" || rc=$?
    { mask <"$WORK/raw"; cat "$WORK/err"; echo "exit $rc"; } >"$WORK/out/$name.txt"
}

for m in b-lenet b-alexnet b-alexnet-gray; do
    run "show-$m" "$P" show "$m"
    for tiers in mobile,edge mobile,edge,cloud; do
        t=${tiers//,/-}
        run "plan-$m-$t" "$P" plan "$m" --tiers "$tiers" --json "plan-$m-$t.json"
        mask <"$WORK/plan-$m-$t.json" >"$WORK/out/plan-$m-$t.json"
        run "eval-$m-$t" "$P" eval "$m" --tiers "$tiers" --placement "plan-$m-$t.json" \
            --bandwidth 10Mbps
        run "compare-$m-$t" "$P" compare "$m" --tiers "$tiers" --bandwidth 5Mbps
        for s in ga edgent neurosurgeon mobile edge; do
            run "plan-$m-$t-$s" "$P" plan "$m" --tiers "$tiers" --solver "$s" --seed 3
        done
    done
done
run plan-b-lenet-brute "$P" plan b-lenet --solver brute --tiers mobile,edge
run plan-b-lenet-load "$P" plan b-lenet --tiers mobile,edge,cloud --load-requests 10 --parse

run experiment-paper "$P" experiment paper --out exp --runs 3 --points 4 --repeats 1
cp "$WORK/exp/bandwidth.dat" "$WORK/exp/ga-convergence.dat" "$WORK/out/"

for m in b-lenet b-alexnet; do
    for f in "$FIX/$m"/exit-*-0.npy; do
        e=${f##*/exit-}
        e=${e%-0.npy}
        for i in 0 1; do
            run "run-$m-$e-$i" "$P" run "$m" --weights "$FIX/$m/weights.safetensors" \
                --input "$FIX/$m/input-$i.npy" --exit "$e"
        done
    done
    run "run-$m-accuracy" "$P" run "$m" --weights "$FIX/$m/weights.safetensors" \
        --input "$FIX/$m/input-0.npy" --accuracy 0.7
done

FM=/usr/share/datasets/fashion-mnist
run train-b-lenet "$P" train b-lenet --data "$FM" --limit 512 --epochs 2 --batch 32 --threads 2 \
    -o "$WORK/t.safetensors"
run accuracy-b-lenet "$P" accuracy b-lenet --weights "$WORK/t.safetensors" \
    --data "$FM" --limit 300
sed -i -e "s|$WORK|WORK|g" -e "s|$SRC|SRC|g" "$WORK"/out/*.txt

if [ "$MODE" = --update ]; then
    rm -rf "$GOLDEN"
    cp -r "$WORK/out" "$GOLDEN"
    echo "golden: wrote $(ls "$GOLDEN" | wc -l) files to $GOLDEN"
    exit 0
fi
n=$(ls "$GOLDEN" | wc -l)
[ "$n" -gt 50 ] || { echo "golden: only $n files in $GOLDEN" >&2; exit 1; }
if ! diff -r "$GOLDEN" "$WORK/out" >"$WORK/diff"; then
    echo "golden: outputs differ from tests/golden/ (- saved, + now):" >&2
    head -60 "$WORK/diff" >&2
    exit 1
fi
echo "golden: $n outputs as saved"
