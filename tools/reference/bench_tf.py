#!/usr/bin/env python3
"""Times the original TensorFlow SRGAN generator on this machine, so the port's
own benchmark can be compared against TensorFlow in the same run.

Graph mode (tf.function), 2 intra-op threads, 1 inter-op thread, batch 1,
float32, inference. For each LR size: warm-up runs, then the median of >= 5
timed runs, reported as seconds per OUTPUT megapixel (output = 4x LR per side),
plus the peak RSS (getrusage ru_maxrss) of a fresh process that ran only that size.

Usage: bench_tf.py --weights DIR [--sizes 64 128 256] [--runs 7] [--warmup 2] [--json]
Reference tooling only: not part of the product.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

FLOPS_PER_INPUT_PIXEL = 4_436_352  # 2 * MACs, see shared/design/srgan-model.md


def _busy_seconds():
    """System-wide non-idle CPU seconds so far (Linux /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(t) for t in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def bench_one(weights, size, runs, warmup, model_name, intra, inter):
    import numpy as np
    import srgan_ref as R
    import tensorflow as tf

    R.set_threads(intra, inter)
    model, _, names = R.build_generator()
    R.load_weights(model, names, os.path.join(weights, f"{model_name}_generator.h5"))
    run = R.make_runner(model)
    x = tf.constant(np.random.RandomState(size).uniform(0, 255, (1, size, size, 3)).astype(np.float32))
    for _ in range(warmup):
        run(x).numpy()
    times = []
    cpu0, wall0, busy0 = time.process_time(), time.perf_counter(), _busy_seconds()
    for _ in range(runs):
        t0 = time.perf_counter()
        y = run(x).numpy()
        times.append(time.perf_counter() - t0)
    wall = time.perf_counter() - wall0
    cores_used = (time.process_time() - cpu0) / wall
    others = max(0.0, (_busy_seconds() - busy0) / wall - cores_used)
    assert y.shape == (1, 4 * size, 4 * size, 3)
    out_mp = (4 * size) ** 2 / 1e6
    med = statistics.median(times)
    return {
        "lr": [size, size], "out": [4 * size, 4 * size], "runs": runs, "warmup": warmup,
        "median_s": med, "min_s": min(times), "max_s": max(times),
        "s_per_output_mp": med / out_mp,
        "gflops": FLOPS_PER_INPUT_PIXEL * size * size / med / 1e9,
        "cores_used": cores_used,  # process CPU time / wall time over the timed runs
        "other_processes_cores": others,  # everything else busy on the machine meanwhile
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,  # Linux: KiB
        "tensorflow": tf.__version__, "intra_op_threads": intra, "inter_op_threads": inter,
        "model": model_name,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--model", choices=["gan", "pre"], default="gan")
    ap.add_argument("--intra", type=int, default=2)
    ap.add_argument("--inter", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size in this process
    args = ap.parse_args()
    if args.runs < 5:
        ap.error("--runs must be >= 5")

    if args.one is not None:
        r = bench_one(args.weights, args.one, args.runs, args.warmup, args.model, args.intra, args.inter)
        print("RESULT " + json.dumps(r))
        return

    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        print(f"warning: 1-minute load average is {load_before:.2f} before the benchmark; "
              "other work on this 2-core machine will inflate the times", file=sys.stderr)
    results = []
    for size in args.sizes:
        cmd = [sys.executable, os.path.abspath(__file__), "--weights", args.weights, "--one", str(size),
               "--runs", str(args.runs), "--warmup", str(args.warmup), "--model", args.model,
               "--intra", str(args.intra), "--inter", str(args.inter)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
        if p.returncode != 0 or not line:
            sys.stderr.write(p.stderr)
            sys.exit(f"benchmark of {size}x{size} failed (exit {p.returncode})")
        results.append(json.loads(line[-1][len("RESULT "):]))
        if not args.json:
            print(f"  {size}x{size} done", file=sys.stderr)

    if args.json:
        print(json.dumps({"engine": "tensorflow-cpu", "mode": "graph (tf.function)", "batch": 1,
                          "loadavg_1min_before": load_before, "loadavg_1min_after": os.getloadavg()[0],
                          "cpus": os.cpu_count(), "results": results}, indent=2))
        return
    r0 = results[0]
    print(f"TensorFlow {r0['tensorflow']} CPU, graph mode, batch 1, float32, "
          f"{r0['intra_op_threads']} intra / {r0['inter_op_threads']} inter threads, model {r0['model']}, "
          f"median of {r0['runs']} runs after {r0['warmup']} warm-up")
    print(f"| {'LR':>9} | {'output':>11} | {'median s':>9} | {'s / out MP':>10} | {'GFLOP/s':>7} | {'cores':>5} | {'others':>6} | {'peak RSS':>9} |")
    print(f"|{'-' * 11}|{'-' * 13}|{'-' * 11}|{'-' * 12}|{'-' * 9}|{'-' * 7}|{'-' * 8}|{'-' * 11}|")
    for r in results:
        lr = f"{r['lr'][0]}x{r['lr'][1]}"
        out = f"{r['out'][0]}x{r['out'][1]}"
        print(f"| {lr:>9} | {out:>11} | {r['median_s']:>9.3f} | {r['s_per_output_mp']:>10.3f} | "
              f"{r['gflops']:>7.1f} | {r['cores_used']:>5.2f} | {r['other_processes_cores']:>6.2f} | {r['peak_rss_mb']:>6.0f} MB |")
    if max(r["other_processes_cores"] for r in results) > 0.2:
        print("warning: other processes were busy while timing ('others' column, in cores): "
              "the times are inflated; run again on an idle machine")
    print(f"(cores = this process's CPU time / wall time while timing; others = the rest of the machine's "
          f"busy CPU meanwhile; 1-minute load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} CPUs; peak RSS = ru_maxrss of a fresh process per size)")


if __name__ == "__main__":
    main()
