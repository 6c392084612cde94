"""Pooling / upsampling benchmark: ember vs PyTorch in one process (CPU, float32, NCHW).

ResNet-like shapes at batch 32: max_pool2d 2x2 and 3x3/s2/p1, avg_pool2d 2x2 and 3x3/s2/p1,
adaptive_avg_pool2d to 1x1, bilinear x2 upsampling. Each case is timed forward and
forward+backward (sum of the output's gradient with a fixed upstream gradient), the two
libraries alternating within each repetition; the median is reported with the effective
bandwidth (input + output bytes of the forward) and PyTorch time / ember time (>1: ember faster).

    python bench/python/bench_pool.py [--reps 15] [--threads N] [--record bench/results/FILE.md]
"""
import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import ember

try:
    import torch
except ImportError:
    torch = None


_clock = [time.perf_counter]


def interleaved_medians(fns, reps, warmup=3, min_sample=0.002):
    """Median seconds per call of each fn, the fns alternating within every repetition. Each
    sample times `inner` back-to-back calls (enough to fill min_sample), so sub-millisecond ops
    are not at the mercy of the clock's resolution."""
    clock = _clock[0]
    inner = []
    for f in fns:
        for _ in range(warmup):
            f()
        t0 = time.perf_counter()
        f()
        inner.append(max(1, int(min_sample / max(time.perf_counter() - t0, 1e-7))))
    ts = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = clock()
            for _ in range(inner[i]):
                f()
            ts[i].append((clock() - t0) / inner[i])
    return [statistics.median(t) for t in ts]


CASES = [
    ("max_pool2d 2x2", (32, 64, 32, 32), lambda m, x: m.nn.functional.max_pool2d(x, 2)),
    ("max_pool2d 3x3/s2/p1", (32, 64, 56, 56), lambda m, x: m.nn.functional.max_pool2d(x, 3, 2, 1)),
    ("avg_pool2d 2x2", (32, 128, 16, 16), lambda m, x: m.nn.functional.avg_pool2d(x, 2)),
    ("avg_pool2d 3x3/s2/p1", (32, 64, 56, 56), lambda m, x: m.nn.functional.avg_pool2d(x, 3, 2, 1)),
    ("adaptive_avg_pool2d ->1x1", (32, 512, 7, 7), lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 1)),
    ("adaptive_avg_pool2d ->1x1 (4x4)", (32, 512, 4, 4), lambda m, x: m.nn.functional.adaptive_avg_pool2d(x, 1)),
    ("bilinear x2", (32, 64, 16, 16),
     lambda m, x: m.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
    ("nearest x2", (32, 64, 16, 16), lambda m, x: m.nn.functional.interpolate(x, scale_factor=2)),
]


def run(reps):
    rng = np.random.default_rng(0)
    rows = []
    for name, shape, f in CASES:
        a = rng.standard_normal(shape, dtype=np.float32)
        ex = ember.from_numpy(a)
        tx = torch.from_numpy(a)
        out_shape = tuple(f(ember, ex).shape)
        g = rng.standard_normal(out_shape, dtype=np.float32)
        eg, tg = ember.from_numpy(g), torch.from_numpy(g)
        exr = ember.from_numpy(a).requires_grad_()
        txr = torch.from_numpy(a.copy()).requires_grad_()

        def e_fb():
            ember.autograd.grad(f(ember, exr), exr, eg)

        def t_fb():
            torch.autograd.grad(f(torch, txr), txr, tg)

        te_f, tt_f = interleaved_medians([lambda: f(ember, ex), lambda: f(torch, tx)], reps)
        te_b, tt_b = interleaved_medians([e_fb, t_fb], reps)
        nbytes = 4 * (a.size + int(np.prod(out_shape)))
        rows.append((name, shape, te_f, tt_f, te_b, tt_b, nbytes))
        print(f"{name:34s} {str(shape):18s} fwd ember {te_f * 1e3:8.3f} ms ({nbytes / te_f / 1e9:5.1f} GB/s) "
              f"torch {tt_f * 1e3:8.3f} ms  x{tt_f / te_f:5.2f} | fwd+bwd ember {te_b * 1e3:8.3f} ms "
              f"torch {tt_b * 1e3:8.3f} ms  x{tt_b / te_b:5.2f}", flush=True)
    return rows


def record(path, rows, args):
    with open(path, "w") as fh:
        fh.write(f"# Pooling / upsampling: ember vs PyTorch ({datetime.date.today()})\n\n")
        fh.write(f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
                 f"threads ember={ember.get_num_threads()} torch={torch.get_num_threads()}\n")
        fh.write(f"- torch {torch.__version__}; command: `python bench/python/bench_pool.py --reps {args.reps}`\n")
        fh.write("- float32 NCHW contiguous, batch 32; medians of interleaved repetitions; "
                 "ratio = torch time / ember time (>1: ember faster)\n\n")
        fh.write("| case | shape | fwd ember ms | fwd torch ms | fwd ratio | fwd GB/s ember | "
                 "fwd+bwd ember ms | fwd+bwd torch ms | fwd+bwd ratio |\n|---|---|---|---|---|---|---|---|---|\n")
        for name, shape, te_f, tt_f, te_b, tt_b, nb in rows:
            fh.write(f"| {name} | {shape} | {te_f * 1e3:.3f} | {tt_f * 1e3:.3f} | {tt_f / te_f:.2f} | "
                     f"{nb / te_f / 1e9:.1f} | {te_b * 1e3:.3f} | {tt_b * 1e3:.3f} | {tt_b / te_b:.2f} |\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--record", default="")
    p.add_argument("--cpu-time", action="store_true",
                   help="time with process CPU time (robust on a shared machine; use with --threads 1)")
    args = p.parse_args()
    if args.cpu_time:
        _clock[0] = time.process_time
    if torch is None:
        raise SystemExit("PyTorch is needed for the comparison")
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    rows = run(args.reps)
    if args.record:
        record(args.record, rows, args)


if __name__ == "__main__":
    main()
