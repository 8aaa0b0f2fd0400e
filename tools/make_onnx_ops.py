#!/usr/bin/env python3
"""Writes the tiny ONNX files tests/test_onnx.c reads: one per operator and attribute
case the reader takes, and one per error it reports (tests/fixtures/onnx/ops/*.onnx).

Each is built with onnx.helper (no PyTorch); weights are np.arange-based so that a test
can tell a layout (Gemm's transB, MatMul's [I, O]) by its values. Run with Debian's
python3-onnx:  /usr/bin/python3 tools/make_onnx_ops.py
"""

import os

import numpy as np
import onnx
from onnx import numpy_helper
from onnx import TensorProto, helper as h

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "tests", "fixtures", "onnx", "ops")


def t(name, a, dtype=np.float32):
    return numpy_helper.from_array(np.asarray(a, dtype=dtype), name)


def ar(*shape):
    return (np.arange(np.prod(shape), dtype=np.float32) / 10.0).reshape(shape)


def save(name, nodes, inits, shape, outputs, opset=14, meta=None, inputs=None):
    ins = inputs or [h.make_tensor_value_info("x", TensorProto.FLOAT, shape)]
    outs = [h.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
    g = h.make_graph(nodes, name, ins, outs, initializer=inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", opset)])
    m.ir_version = 8
    for k, v in (meta or {}).items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


N = h.make_node
X4 = ["batch", 4, 9, 9]


def main():
    os.makedirs(OUT, exist_ok=True)
    # --- what the reader takes
    save("conv", [N("Conv", ["x", "w", "b"], ["c"], name="conv1", group=2, strides=[2, 1],
                    pads=[1, 0, 2, 1], dilations=[1, 2], kernel_shape=[3, 3]),
                  N("Relu", ["c"], ["out"])],
         [t("w", ar(6, 2, 3, 3)), t("b", ar(6))], X4, ["out"])
    save("conv_same", [N("Conv", ["x", "w"], ["out"], auto_pad="SAME_UPPER", strides=[2, 2])],
         [t("w", ar(2, 4, 3, 3))], [1, 4, 8, 8], ["out"])
    for tb in (0, 1):
        wshape = (12, 5) if tb == 0 else (5, 12)
        save(f"gemm_t{tb}", [N("Flatten", ["x"], ["f"], name="flat"),
                             N("Gemm", ["f", "w", "b"], ["logits"], name="fc", transB=tb)],
             [t("w", ar(*wshape)), t("b", ar(5))], [1, 3, 2, 2], ["logits"])
    save("matmul_add", [N("Reshape", ["x", "s"], ["r"], name="flat"),
                        N("MatMul", ["r", "w"], ["m"], name="fc"),
                        N("Add", ["m", "b"], ["y"], name="bias")],
         [t("s", [1, -1], np.int64), t("w", ar(12, 5)), t("b", ar(5))], [1, 3, 2, 2], ["y"])
    save("clip10", [N("Clip", ["x"], ["y"], min=0.0, max=6.0)], [], X4, ["y"], opset=10)
    save("clip13", [N("Clip", ["x", "lo", "hi"], ["y"])], [t("lo", -1.0), t("hi", 2.0)], X4,
         ["y"], opset=13)
    save("clip_min", [N("Clip", ["x", "lo"], ["y"])], [t("lo", 0.0)], X4, ["y"], opset=13)
    # every other operator in one net with two exits, in output order
    save("ops", [
        N("Constant", [], ["k"], value=t("kv", ar(4))),
        N("BatchNormalization", ["x", "g", "bb", "mu", "var"], ["bn"], name="bn", epsilon=1e-3),
        N("Identity", ["bn"], ["bn_id"]),
        N("MaxPool", ["bn_id"], ["mp"], name="mp", kernel_shape=[3, 3], strides=[2, 2],
          pads=[1, 1, 1, 1], ceil_mode=1),
        N("AveragePool", ["mp"], ["ap"], name="ap", kernel_shape=[2, 2], strides=[1, 1],
          pads=[1, 1, 1, 1], count_include_pad=1),
        N("LRN", ["ap"], ["lrn"], name="lrn", size=3, alpha=2e-4, beta=0.5, bias=2.0),
        N("Dropout", ["lrn"], ["drop"], name="drop"),
        N("Sigmoid", ["drop"], ["sig"], name="sig"),
        N("HardSigmoid", ["sig"], ["hsig"], name="hsig", alpha=1.0 / 6, beta=0.5),
        N("HardSwish", ["hsig"], ["hsw"], name="hsw"),
        N("GlobalAveragePool", ["hsw"], ["gap"], name="gap"),
        N("Mul", ["gap", "hsw"], ["se"], name="se"),
        N("Add", ["se", "hsw"], ["sum"], name="sum"),
        N("Concat", ["sum", "hsw"], ["cat"], name="cat", axis=1),
        N("GlobalMaxPool", ["cat"], ["gmp"], name="gmp"),
        N("Flatten", ["gmp"], ["first"], name="flat1"),
        N("Flatten", ["hsw"], ["f2"], name="flat2"),
        N("Gemm", ["f2", "w2"], ["second"], name="fc2", transB=1),
    ], [t("g", ar(4) + 1), t("bb", ar(4)), t("mu", ar(4) / 2), t("var", ar(4) + 0.5),
        t("w2", ar(3, 4 * 6 * 6))], X4, ["first", "second"],
        meta={"predoff.exit_accuracy": "0.25, 0.75"})
    # --- what it refuses
    bad = {
        "bad_op": ([N("Softmax", ["x"], ["y"], name="soft")], []),
        "bad_dtype": ([N("Conv", ["x", "w"], ["y"], name="c")], [t("w", ar(2, 4, 1, 1), np.float64)]),
        "bad_weight": ([N("Relu", ["x"], ["r"]), N("Conv", ["x", "r"], ["y"], name="c")], []),
        "bad_missing": ([N("Conv", ["x", "nowhere"], ["y"], name="c")], []),
        "bad_reshape": ([N("Reshape", ["x", "s"], ["y"], name="rs")], [t("s", [2, -1], np.int64)]),
        # found by fuzz_onnx: an empty shape tensor, which has no data at all
        "bad_reshape_empty": ([N("Reshape", ["x", "s"], ["y"], name="rs")],
                              [t("s", np.zeros(0), np.int64)]),
        "bad_broadcast": ([N("GlobalAveragePool", ["x"], ["g"]), N("Add", ["x", "g"], ["y"], name="a")], []),
        "bad_attr": ([N("Conv", ["x", "w"], ["y"], name="c", foo=1)], [t("w", ar(2, 4, 1, 1))]),
        "bad_lrn": ([N("LRN", ["x"], ["y"], name="l", size=4)], []),
        "bad_pool": ([N("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 3])], []),
        "bad_const_add": ([N("Add", ["x", "k"], ["y"], name="a")], [t("k", ar(4, 1, 1))]),
        "bad_channels": ([N("Conv", ["x", "w"], ["y"], name="c")], [t("w", ar(2, 3, 1, 1))]),
        "bad_output": ([N("Identity", ["x"], ["y"])], []),
        "bad_autopad": ([N("Conv", ["x", "w"], ["y"], name="c", auto_pad="WHATEVER")], [t("w", ar(2, 4, 1, 1))]),
        "bad_gemm": ([N("Flatten", ["x"], ["f"]), N("Gemm", ["f", "w"], ["y"], name="g", alpha=2.0)],
                     [t("w", ar(324, 2))]),
        "bad_unused": ([N("Relu", ["x"], ["y"]), N("Sigmoid", ["x"], ["dead"], name="dead")], []),
    }
    for name, (nodes, inits) in bad.items():
        save(name, nodes, inits, X4, ["y"])
    raw = t("w", ar(2, 4, 1, 1))
    raw.raw_data = raw.raw_data[:-4]
    save("bad_raw", [N("Conv", ["x", "w"], ["y"], name="c")], [raw], X4, ["y"])
    save("bad_meta", [N("Relu", ["x"], ["y"])], [], X4, ["y"], meta={"predoff.exit_accuracy": "0.5,0.6"})
    save("bad_batch", [N("Relu", ["x"], ["y"])], [], [2, 4, 9, 9], ["y"])
    save("bad_opset", [N("Relu", ["x"], ["y"])], [], X4, ["y"], opset=6)
    save("bad_inputs", [N("Add", ["x", "z"], ["y"])], [], X4, ["y"],
         inputs=[h.make_tensor_value_info(n, TensorProto.FLOAT, X4) for n in ("x", "z")])
    with open(os.path.join(OUT, "bad_bytes.onnx"), "wb") as f:
        f.write(b"\xff\xff\xff\xff not protobuf")


if __name__ == "__main__":
    main()
