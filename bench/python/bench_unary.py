"""Unary ops on a 4096x4096 float32 tensor: ember vs numpy vs PyTorch (median of several runs).

Run: EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_unary.py [op ...]
"""
import statistics
import sys
import time

import numpy as np

import ember

try:
    import torch
except ImportError:
    torch = None

N = 4096
OPS = sys.argv[1:] or ["exp", "log", "tanh", "sigmoid", "sin", "cos", "sqrt", "rsqrt", "expm1", "log1p", "erf",
                       "abs", "neg", "floor", "reciprocal", "atan", "log2"]
NP = {"exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": lambda a: 1 / (1 + np.exp(-a)), "sin": np.sin,
      "cos": np.cos, "sqrt": np.sqrt, "rsqrt": lambda a: 1 / np.sqrt(a), "expm1": np.expm1, "log1p": np.log1p,
      "abs": np.abs, "neg": np.negative, "floor": np.floor, "reciprocal": np.reciprocal, "atan": np.arctan,
      "log2": np.log2}


def med(f, reps=7):
    f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def main():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.1, 4.0, size=(N, N)).astype(np.float32)
    e = ember.from_numpy(a)
    t = torch.from_numpy(a) if torch is not None else None
    print(f"{N}x{N} float32, ember threads={ember.get_num_threads()}, torch threads="
          f"{torch.get_num_threads() if torch else '-'}; ms (median)")
    print(f"{'op':12s}{'ember':>9s}{'numpy':>9s}{'torch':>9s}{'np/em':>8s}{'th/em':>8s}")
    for op in OPS:
        te = med(lambda: getattr(ember, op)(e))
        tn = med(lambda: NP[op](a)) if op in NP else float("nan")
        tt = med(lambda: getattr(torch, op)(t)) if t is not None else float("nan")
        print(f"{op:12s}{te:9.2f}{tn:9.2f}{tt:9.2f}{tn / te:8.2f}{tt / te:8.2f}")


if __name__ == "__main__":
    main()
