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
output side (kernel = stride = HW / output, kind pool/avg; output 1 is a global pool, kind
pool/global); the other rows are skipped and counted. Bad input (a field missing or not a
whole number from 1 to 1000000, a latency that is not a plain decimal number in [1e-9, 1e9]
ms, more fields than the header, a file that cannot be read or is not UTF-8): one line
naming the file, line and column, exit 2, and no OUT.csv. A source name keeps letters, digits, '.', '_' and '-' (others
become '_') and its first 48 characters, so that predoff reads it back.
"""
import csv
import os
import re
import sys

FIELDS = ["source", "layer", "type", "kind", "channels", "height", "width", "filters",
          "kernel_h", "kernel_w", "stride", "pad", "groups", "out_channels", "median_ms"]
MAX_ROWS = 10_000_000
MAX_SIDE = 1_000_000  # predoff's limit on a shape column
STEM_MAX = 48  # source and layer ("<stem>-<row>") within predoff's 63 bytes
WHOLE = re.compile(r"[0-9]{1,7}")
NUMBER = re.compile(r"[+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,3})?")


class BadInput(Exception):
    pass


def excerpt(text):
    """A short, printable copy of a field for a one-line message."""
    s = "".join(c if c.isprintable() else "?" for c in text[:32])
    return s + ("..." if len(text) > 32 else "")


def field(path, line, row, col):
    text = row.get(col)
    if text is None or text.strip() == "":
        raise BadInput(f"{path}: line {line}: column \"{col}\": missing")
    return text.strip()


def whole(path, line, row, col, lo=1):
    text = field(path, line, row, col)
    if not WHOLE.fullmatch(text):
        raise BadInput(f"{path}: line {line}: column \"{col}\": \"{excerpt(text)}\" is not a "
                       f"whole number from {lo} to {MAX_SIDE}")
    v = int(text)
    if not lo <= v <= MAX_SIDE:
        raise BadInput(f"{path}: line {line}: column \"{col}\": {v} is not a whole number "
                       f"from {lo} to {MAX_SIDE}")
    return v


def ms(path, line, row):
    text = field(path, line, row, "latency")
    if not NUMBER.fullmatch(text):  # no nan, inf, 1_0, hex
        raise BadInput(f"{path}: line {line}: column \"latency\": \"{excerpt(text)}\" is "
                       "not a number")
    v = float(text)
    if not 1e-9 <= v <= 1e9:
        raise BadInput(f"{path}: line {line}: column \"latency\": {text} ms is not in "
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
    return dict(type="pool", kind="pool/avg", channels=c, height=hw, kernel_h=hw // out,
                stride=hw // out, pad=0)


def batchnorm(p, n, r):
    return dict(type="bn", channels=whole(p, n, r, "Cin"), height=whole(p, n, r, "HW"))


KINDS = [("_dw_conv_lat.csv", dw_conv, ("HW", "kernel", "stride", "Cin")),
         ("_conv_lat.csv", conv, ("HW", "kernel", "stride", "Cin", "Cout")),
         ("_linear_lat.csv", linear, ("in_features", "out_features")),
         ("_maxpool_lat.csv", maxpool, ("HW", "kernel", "stride", "Cin")),
         ("_avgpool_lat.csv", avgpool, ("HW", "output", "Cin")),
         ("_batchnorm_lat.csv", batchnorm, ("HW", "Cin"))]


def source_name(path):
    """The file's stem as predoff's reader takes it: plain bytes, no comma, at most
    STEM_MAX long."""
    stem = os.path.basename(path)[:-len(".csv")]
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem)[:STEM_MAX]


def convert(path, make, columns, writer, total):
    stem = source_name(path)
    kept = skipped = 0
    with open(path, newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        header = rd.fieldnames or []
        for col in columns + ("latency",):
            if col not in header:
                raise BadInput(f"{path}: line 1: column \"{col}\": missing from the header")
            if header.count(col) > 1:
                raise BadInput(f"{path}: line 1: column \"{col}\": appears twice in the header")
        for k, r in enumerate(rd, start=1):
            n = rd.line_num  # the line the row ends on (blank lines are skipped)
            if None in r:
                raise BadInput(f"{path}: line {n}: more fields than the header names")
            if total + kept >= MAX_ROWS:
                raise BadInput(f"{path}: line {n}: more than {MAX_ROWS} rows in all")
            row = make(path, n, r)
            t = ms(path, n, r)
            if row is None:
                skipped += 1
                continue
            row.setdefault("width", row["height"])
            row.update(source=stem, layer=f"{stem}-{k}", median_ms=t)
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
        kind = next((k for k in KINDS if n.endswith(k[0])), None)
        if kind:
            files.append((os.path.join(src, n), kind[1], kind[2]))
    if not files:
        print(f"{src}: no *_conv_lat.csv, *_dw_conv_lat.csv, *_linear_lat.csv, "
              "*_maxpool_lat.csv, *_avgpool_lat.csv or *_batchnorm_lat.csv", file=sys.stderr)
        return 2
    if any(os.path.realpath(p) == os.path.realpath(out) for p, _, _ in files):
        print(f"{out}: is one of the input files", file=sys.stderr)
        return 2
    try:
        f = open(out, "w", newline="", encoding="utf-8")
    except OSError as e:
        print(f"{out}: cannot write: {e.strerror}", file=sys.stderr)
        return 2
    total, path, error = 0, None, None
    with f:
        w = csv.DictWriter(f, FIELDS, restval="", lineterminator="\n")
        w.writeheader()
        for path, make, columns in files:
            try:
                kept, skipped = convert(path, make, columns, w, total)
            except BadInput as e:
                error = str(e)
            except OSError as e:  # unreadable, a directory: the input named, not OUT
                error = f"{path}: cannot read: {e.strerror}"
            except UnicodeDecodeError as e:
                error = f"{path}: not UTF-8 text (a byte 0x{e.object[e.start]:02x})"
            except csv.Error as e:
                error = f"{path}: {excerpt(str(e))}"
            if error:
                break
            total += kept
            note = f", {skipped} skipped (adaptive windows that differ)" if skipped else ""
            print(f"{path}: {kept} rows{note}")
    if error:
        os.unlink(out)  # no half-written file left behind
        print(error, file=sys.stderr)
        return 2
    print(f"{total} rows -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
