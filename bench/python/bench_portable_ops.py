"""The ops of issue 9's last CPU-only slice, timed on the CPU: integer floor division / remainder /
fmod / trunc division (scalar_math.h, now host/device code), unique with dim (CPU kernel vs the
composition of device-generic ops that CUDA tensors take) and linalg.svdvals (cyclic Jacobi kernel
vs the parallel round-robin composition), each against PyTorch in the same process (interleaved
medians; ratio = torch time / ember time, > 1: ember faster). The composed paths exist for the GPU;
their CPU times only say what the composition costs on the CPU.

    python bench/python/bench_portable_ops.py [--reps 9] [--threads 1] [--cpu-time] [--only int|unique|svd]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pool import _clock, interleaved_medians  # noqa: E402

import ember  # noqa: E402
import torch  # noqa: E402


def _wrap(t):
    return ember._tensor._wrap(t)


def int_cases():
    rng = np.random.default_rng(0)
    out = []
    for dt in (np.int32, np.int64):
        a = rng.integers(-10**6, 10**6, 1 << 20).astype(dt)
        b = rng.integers(1, 1000, 1 << 20).astype(dt) * rng.choice([-1, 1], 1 << 20).astype(dt)
        ea, eb, ta, tb = ember.from_numpy(a), ember.from_numpy(b), torch.from_numpy(a), torch.from_numpy(b)
        name = np.dtype(dt).name
        out += [(f"floor_divide {name} 1M", lambda ea=ea, eb=eb: ember.floor_divide(ea, eb),
                 lambda ta=ta, tb=tb: torch.floor_divide(ta, tb)),
                (f"remainder {name} 1M", lambda ea=ea, eb=eb: ember.remainder(ea, eb),
                 lambda ta=ta, tb=tb: torch.remainder(ta, tb)),
                (f"fmod {name} 1M", lambda ea=ea, eb=eb: ember.fmod(ea, eb), lambda ta=ta, tb=tb: torch.fmod(ta, tb)),
                (f"div trunc {name} 1M", lambda ea=ea, eb=eb: ember.div(ea, eb, rounding_mode="trunc"),
                 lambda ta=ta, tb=tb: torch.div(ta, tb, rounding_mode="trunc"))]
    return out


def unique_cases():
    rng = np.random.default_rng(1)
    out = []
    for n, m, distinct in ((4096, 8, 300), (65536, 4, 5000), (512, 64, 40)):
        x = rng.integers(0, 4, (distinct, m))[rng.integers(0, distinct, n)]
        e, t = ember.from_numpy(x), torch.from_numpy(x)
        kw = dict(dim=0, return_inverse=True, return_counts=True)
        out.append((f"unique dim=0 int64 ({n}, {m})", lambda e=e, kw=kw: ember.unique(e, **kw),
                    lambda e=e: ember._C._unique_dim_composed(e._t, 0, False), lambda t=t, kw=kw: torch.unique(t, **kw)))
    return out


def svd_cases():
    rng = np.random.default_rng(2)
    out = []
    for shape in ((32, 32), (128, 64), (64, 64), (16, 16, 16)):
        x = rng.standard_normal(shape)
        e, t = ember.from_numpy(x), torch.from_numpy(x)
        out.append((f"svdvals float64 {shape}", lambda e=e: ember.linalg.svdvals(e),
                    lambda e=e: ember._C._svdvals_composed(e._t), lambda t=t: torch.linalg.svdvals(t)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--cpu-time", action="store_true", help="process CPU time (use with --threads 1)")
    ap.add_argument("--only", choices=["int", "unique", "svd"], default=None)
    args = ap.parse_args()
    if args.cpu_time:
        _clock[0] = time.process_time
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    print(f"# threads {ember.get_num_threads()}, clock {'process CPU' if args.cpu_time else 'wall'}, "
          f"load {os.getloadavg()[0]:.2f}, torch {torch.__version__}")
    if args.only in (None, "int"):
        print("| case | ember ms | torch ms | torch/ember |\n|---|---|---|---|")
        for name, fe, ft in int_cases():
            te, tt = interleaved_medians([fe, ft], args.reps)
            print(f"| {name} | {te * 1e3:.3f} | {tt * 1e3:.3f} | {tt / te:.2f} |", flush=True)
    for group, cases in (("unique", unique_cases), ("svd", svd_cases)):
        if args.only not in (None, group):
            continue
        print("| case | kernel ms | composed ms | torch ms | composed/kernel | torch/kernel |\n|---|---|---|---|---|---|")
        for name, fk, fc, ft in cases():
            tk, tc, tt = interleaved_medians([fk, fc, ft], args.reps)
            print(f"| {name} | {tk * 1e3:.3f} | {tc * 1e3:.3f} | {tt * 1e3:.3f} | {tc / tk:.2f} | {tt / tk:.2f} |",
                  flush=True)
    print(f"# load after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
