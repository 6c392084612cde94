"""Elementwise / reduction benchmark: ember vs numpy vs PyTorch in one process.

Large cases use 4096x4096 float32 (64 MiB per operand); each case is warmed up, then timed
`--reps` times, the three libraries round-robin within each repetition, and the median is reported with effective bandwidth and the ratio of each
peer's time to ember's (>1 means ember is faster). The tiny case times 1000 8-element adds.

    python bench/python/bench_elementwise.py [--reps 9] [--record bench/results/FILE.md]
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

N = 4096


def interleaved_medians(fns, reps, warmup=2):
    """Median time of each fn, timing them round-robin within each repetition so that machine
    drift affects all peers alike."""
    for f in fns:
        for _ in range(warmup):
            f()
    ts = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            f()
            ts[i].append(time.perf_counter() - t0)
    return [statistics.median(t) for t in ts]


def median_time(fn, reps, warmup=2):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def cases():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((N, N), dtype=np.float32)
    b = rng.standard_normal((N, N), dtype=np.float32)
    cond = a > 0
    ea, eb, ec = ember.from_numpy(a), ember.from_numpy(b), ember.from_numpy(cond)
    ta, tb, tc = (torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(cond)) if torch else (None,) * 3
    mb = a.nbytes
    # name, bytes moved, ember, numpy, torch
    return [
        ("add", 3 * mb, lambda: ea + eb, lambda: a + b, lambda: ta + tb),
        ("mul", 3 * mb, lambda: ea * eb, lambda: a * b, lambda: ta * tb),
        ("exp", 2 * mb, lambda: ember.exp(ea), lambda: np.exp(a), lambda: torch.exp(ta)),
        ("tanh", 2 * mb, lambda: ember.tanh(ea), lambda: np.tanh(a), lambda: torch.tanh(ta)),
        ("where", 3 * mb + cond.nbytes, lambda: ember.where(ec, ea, eb), lambda: np.where(cond, a, b),
         lambda: torch.where(tc, ta, tb)),
        ("clamp(-1, 1)", 2 * mb, lambda: ember.clamp(ea, -1.0, 1.0), lambda: np.clip(a, -1.0, 1.0),
         lambda: torch.clamp(ta, -1.0, 1.0)),
        ("clamp_min(0)", 2 * mb, lambda: ember.clamp_min(ea, 0.0), lambda: np.maximum(a, 0.0),
         lambda: torch.clamp_min(ta, 0.0)),
        ("sum", mb, lambda: ember.sum(ea), lambda: a.sum(), lambda: ta.sum()),
        ("sum(dim=1)", mb, lambda: ember.sum(ea, dim=1), lambda: a.sum(axis=1), lambda: ta.sum(dim=1)),
        ("max(dim=1)", mb, lambda: ember.max(ea, dim=1), lambda: (a.max(axis=1), a.argmax(axis=1)),
         lambda: ta.max(dim=1)),
        ("transpose copy", 2 * mb, lambda: ea.t().contiguous(), lambda: np.ascontiguousarray(a.T),
         lambda: ta.t().contiguous()),
    ]


def tiny_add(reps):
    res = {}
    x, y = ember.ones(8), ember.ones(8)
    nx, ny = np.ones(8, np.float32), np.ones(8, np.float32)
    fns = {"ember": lambda: x + y, "numpy": lambda: nx + ny}
    if torch:
        tx, ty = torch.ones(8), torch.ones(8)
        fns["torch"] = lambda: tx + ty

    for name, f in fns.items():
        def loop(f=f):
            for _ in range(1000):
                f()
        res[name] = median_time(loop, reps) / 1000 * 1e6  # us per op
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--record", default=None, help="append the table to this markdown file")
    args = ap.parse_args()
    if torch:
        torch.set_num_threads(ember.get_num_threads())
    lines = []
    head = (f"| op (4096x4096 f32) | ember ms | numpy ms | torch ms | ember GB/s | numpy/ember | torch/ember |")
    lines += [head, "|---|---|---|---|---|---|---|"]
    for name, nbytes, fe, fn, ft in cases():
        if torch:
            te, tn, tt = interleaved_medians([fe, fn, ft], args.reps)
        else:
            (te, tn), tt = interleaved_medians([fe, fn], args.reps), float("nan")
        lines.append(f"| {name} | {te * 1e3:.2f} | {tn * 1e3:.2f} | {tt * 1e3:.2f} | {nbytes / te / 1e9:.1f} | "
                     f"{tn / te:.2f} | {tt / te:.2f} |")
        print(lines[-1], flush=True)
    tiny = tiny_add(args.reps)
    lines.append(f"| tiny add (8 el), us/op | {tiny['ember']:.3f} | {tiny['numpy']:.3f} | "
                 f"{tiny.get('torch', float('nan')):.3f} | - | {tiny['numpy'] / tiny['ember']:.2f} | "
                 f"{tiny.get('torch', float('nan')) / tiny['ember']:.2f} |")
    print(lines[-1])
    if args.record:
        with open(args.record, "a") as f:
            f.write(f"\n## bench_elementwise — {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n\n")
            f.write(f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                    f"ember ISA {ember._C.cpu_isa()}, ember threads {ember.get_num_threads()}, "
                    f"torch {torch.__version__ if torch else 'absent'} (threads {torch.get_num_threads() if torch else '-'}), "
                    f"numpy {np.__version__}\n")
            f.write(f"- command: `python bench/python/bench_elementwise.py --reps {args.reps}`\n\n")
            f.write("\n".join([head.replace("| op", "| op")] + lines[1:]) + "\n")


if __name__ == "__main__":
    main()
