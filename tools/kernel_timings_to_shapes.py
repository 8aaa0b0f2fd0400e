#!/usr/bin/env python3
"""Layer timings in Neurosurgeon's CSV layout as a shapes CSV for `predoff timings`.

    tools/kernel_timings_to_shapes.py DIR OUT.csv

DIR holds any of Neurosurgeon's per-layer files (predictor/dataset/*/..._lat.csv, as in
../shared/data/kernel-timings/): *_conv_lat.csv (HW, kernel, stride, Cin, Cout),
*_dw_conv_lat.csv (HW, kernel, stride, Cin: groups = Cin = Cout), *_linear_lat.csv
(in_features, out_features), *_maxpool_lat.csv (HW, kernel, stride, Cin),
*_avgpool_lat.csv (HW, output: adaptive pooling, Cin) and *_batchnorm_lat.csv (HW, Cin),
latency in ms. OUT.csv gets one row per timing: source (the file's stem), layer, type,
kind, the shape columns formats.md names (channels, height, width, filters, kernel_h,
kernel_w, stride, pad, groups, out_channels) and median_ms; then

    predoff timings OUT.csv -o TIMINGS.csv [--test-share 0.1 --test-out TEST.csv]

adds predoff's features. Convolutions are padded to keep the map ("same", pad =
kernel // 2): that is how Neurosurgeon built them (its FLOPs column matches it for 98.5% of
the rows). Adaptive average pooling is a window pool only where HW is a multiple of the
output side (kernel = stride = HW / output; output 1 is a global pool); the other rows are
skipped and counted. Bad input: one line naming the file, line and column, exit 2.
"""
import csv
import os
import sys

FIELDS = ["source", "layer", "type", "kind", "channels", "height", "width", "filters",
          "kernel_h", "kernel_w", "stride", "pad", "groups", "out_channels", "median_ms"]
MAX_ROWS = 10_000_000


class BadInput(Exception):
    pass


def whole(path, line, row, col, lo=1):
    text = row.get(col)
    if text is None or text.strip() == "":
        raise BadInput(f"{path}: line {line}: column \"{col}\": missing")
    try:
        v = int(text)
    except ValueError:
        raise BadInput(f"{path}: line {line}: column \"{col}\": \"{text[:32]}\" is not a "
                       "whole number") from None
    if not lo <= v <= 1_000_000:
        raise BadInput(f"{path}: line {line}: column \"{col}\": {v} is not in "
                       f"[{lo}, 1000000]")
    return v


def ms(path, line, row):
    text = row.get("latency")
    try:
        v = float(text)
    except (TypeError, ValueError):
        raise BadInput(f"{path}: line {line}: column \"latency\": \"{str(text)[:32]}\" is "
                       "not a number") from None
    if not 1e-9 <= v <= 1e9:
        raise BadInput(f"{path}: line {line}: column \"latency\": {v} ms is not in "
                       "[1e-9, 1e9]")
    return v


def conv(p, n, r):
    k = whole(p, n, r, "kernel")
    return dict(type="conv", channels=whole(p, n, r, "Cin"), height=whole(p, n, r, "HW"),
                filters=whole(p, n, r, "Cout"), kernel_h=k, kernel_w=k,
                stride=whole(p, n, r, "stride"), pad=k // 2, groups=1)


def dw_conv(p, n, r):
    k, c = whole(p, n, r, "kernel"), whole(p, n, r, "Cin")
    return dict(type="conv", kind="conv/depthwise" if c > 1 else "conv", channels=c,
                height=whole(p, n, r, "HW"), filters=c, kernel_h=k, kernel_w=k,
                stride=whole(p, n, r, "stride"), pad=k // 2, groups=c)


def linear(p, n, r):
    return dict(type="fc", channels=whole(p, n, r, "in_features"), height=1,
                out_channels=whole(p, n, r, "out_features"))


def maxpool(p, n, r):
    return dict(type="pool", channels=whole(p, n, r, "Cin"), height=whole(p, n, r, "HW"),
                kernel_h=whole(p, n, r, "kernel"), stride=whole(p, n, r, "stride"), pad=0)


def avgpool(p, n, r):
    hw, out = whole(p, n, r, "HW"), whole(p, n, r, "output")
    c = whole(p, n, r, "Cin")
    if out == 1:
        return dict(type="pool", kind="pool/global", channels=c, height=hw)
    if hw % out:
        return None
    return dict(type="pool", channels=c, height=hw, kernel_h=hw // out, stride=hw // out,
                pad=0)


def batchnorm(p, n, r):
    return dict(type="bn", channels=whole(p, n, r, "Cin"), height=whole(p, n, r, "HW"))


KINDS = [("_dw_conv_lat.csv", dw_conv), ("_conv_lat.csv", conv), ("_linear_lat.csv", linear),
         ("_maxpool_lat.csv", maxpool), ("_avgpool_lat.csv", avgpool),
         ("_batchnorm_lat.csv", batchnorm)]


def convert(path, make, writer, total):
    stem = os.path.basename(path)[:-len(".csv")]
    kept = skipped = 0
    with open(path, newline="", encoding="utf-8") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            if None in r:
                raise BadInput(f"{path}: line {n}: more fields than the header names")
            if total + kept >= MAX_ROWS:
                raise BadInput(f"{path}: line {n}: more than {MAX_ROWS} rows in all")
            row = make(path, n, r)
            if row is None:
                skipped += 1
                continue
            row.setdefault("width", row["height"])
            row.update(source=stem, layer=f"{stem}-{n - 1}", median_ms=ms(path, n, r))
            row.setdefault("kind", row["type"])
            writer.writerow(row)
            kept += 1
    return kept, skipped


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    try:
        names = sorted(os.listdir(src))
    except OSError as e:
        print(f"{src}: {e.strerror}", file=sys.stderr)
        return 2
    files = []
    for n in names:  # the first suffix that fits: _dw_conv_lat.csv before _conv_lat.csv
        make = next((m for suffix, m in KINDS if n.endswith(suffix)), None)
        if make:
            files.append((os.path.join(src, n), make))
    if not files:
        print(f"{src}: no *_conv_lat.csv, *_dw_conv_lat.csv, *_linear_lat.csv, "
              "*_maxpool_lat.csv, *_avgpool_lat.csv or *_batchnorm_lat.csv", file=sys.stderr)
        return 2
    total = 0
    try:
        with open(out, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, FIELDS, restval="", lineterminator="\n")
            w.writeheader()
            for path, make in files:
                kept, skipped = convert(path, make, w, total)
                total += kept
                note = f", {skipped} skipped (adaptive windows that differ)" if skipped else ""
                print(f"{path}: {kept} rows{note}")
    except BadInput as e:
        os.unlink(out)
        print(e, file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        print(f"{out}: {e}", file=sys.stderr)
        return 2
    print(f"{total} rows -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
