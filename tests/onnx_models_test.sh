#!/usr/bin/env bash
# Real architectures from ONNX (issue 14): tools/make_onnx_models.py exports multi-exit
# ResNet-18, MobileNetV2, SqueezeNet 1.1, GoogLeNet, MobileNetV3-Small and EfficientNet-B0
# with PyTorch's outputs (made here, into the build directory: they are too large to
# commit), and `predoff run MODEL.onnx` must give every exit within 1e-4 of PyTorch,
# relative to the largest logit.
#   tests/onnx_models_test.sh PREDOFF SOURCE_DIR WORK_DIR [ARCH...]
set -euo pipefail
P=$1
SRC=$2
OUT=$3/onnx-models
shift 3
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(resnet18 mobilenet_v2 squeezenet1_1 googlenet mobilenet_v3_small efficientnet_b0)
py=/usr/bin/python3
if ! "$py" -c 'import torch, torchvision, numpy' 2>/dev/null; then
    echo "onnx_models: needs Debian's python3-torch and python3-torchvision (scripts/deps.sh installs them)" >&2
    exit 1
fi
missing=()
for a in "${archs[@]}"; do [ -f "$OUT/$a/manifest.json" ] || missing+=("$a"); done
if [ ${#missing[@]} -gt 0 ]; then
    (IFS=,; "$py" "$SRC/tools/make_onnx_models.py" "$OUT" --only "${missing[*]}") >/dev/null 2>"$OUT.log" ||
        { echo "onnx_models: tools/make_onnx_models.py failed:" >&2; tail -5 "$OUT.log" >&2; exit 1; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 checked=0
for a in "${archs[@]}"; do
    for e in exit1 exit2 logits; do
        for i in 0 1; do
            if ! "$P" run "$OUT/$a/model.onnx" --input "$OUT/$a/input-$i.npy" --exit "$e" \
                -o "$tmp/got.npy" >"$tmp/run.txt" 2>&1; then
                echo "FAIL: $a exit $e input $i: $(cat "$tmp/run.txt")"
                fails=$((fails + 1))
                continue
            fi
            err=$("$py" -c 'import numpy as n, sys
g = n.load(sys.argv[1]).ravel(); w = n.load(sys.argv[2]).ravel()
print("%.3g" % (abs(g.astype(float) - w).max() / max(abs(w).max(), 1e-12)) if g.shape == w.shape else "shape")' \
                "$tmp/got.npy" "$OUT/$a/exit-$e-$i.npy")
            checked=$((checked + 1))
            if [ "$err" = shape ] || ! "$py" -c "import sys; sys.exit(0 if float('$err') < 1e-4 else 1)"; then
                echo "FAIL: $a exit $e input $i: relative error $err"
                fails=$((fails + 1))
            else
                echo "ok: $a exit $e input $i: relative error $err"
            fi
        done
    done
done
echo "onnx_models: $checked exits checked, $fails failed"
[ "$fails" = 0 ] && [ "$checked" -gt 0 ]
