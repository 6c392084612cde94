"""Activation benchmark: ember vs PyTorch in one process, forward and forward+backward.

8M float32 elements (32 MiB per tensor). Each case is warmed up, then timed `--reps` times with
the two libraries round-robin within each repetition; the median is reported with effective
bandwidth (forward reads x, writes y; backward reads g and x-or-y, writes dx) and the ratio
torch/ember (>1 means ember is faster).

    python bench/python/bench_activation.py [--reps 9] [--threads N] [--record bench/results/FILE.md]
"""
import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import ember
import ember.nn.functional as EF

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    torch = None

NUMEL = 8 * 1024 * 1024


def interleaved_medians(fns, reps, warmup=2):
    """Median time of each fn, timed round-robin within each repetition (drift hits all alike)."""
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


def cases():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(NUMEL, dtype=np.float32)
    g = rng.standard_normal(NUMEL, dtype=np.float32)
    ex, eg = ember.from_numpy(a), ember.from_numpy(g)
    exr = ember.from_numpy(a.copy()).requires_grad_()
    tx, tg = (torch.from_numpy(a), torch.from_numpy(g)) if torch else (None, None)
    txr = torch.from_numpy(a.copy()).requires_grad_() if torch else None
    mb = a.nbytes
    out = []
    for name, fe, ft in [("relu", EF.relu, TF.relu if torch else None),
                         ("gelu", EF.gelu, TF.gelu if torch else None),
                         ("gelu(tanh)", lambda x: EF.gelu(x, approximate="tanh"),
                          (lambda x: TF.gelu(x, approximate="tanh")) if torch else None),
                         ("silu", EF.silu, TF.silu if torch else None)]:
        out.append((f"{name} fwd", 2 * mb, lambda fe=fe: fe(ex), lambda ft=ft: ft(tx)))

        def e_fb(fe=fe):
            y = fe(exr)
            return ember.autograd.grad(y, exr, eg)

        def t_fb(ft=ft):
            y = ft(txr)
            return torch.autograd.grad(y, txr, tg)
        out.append((f"{name} fwd+bwd", 5 * mb, e_fb, t_fb))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--record", default=None, help="append the table to this markdown file")
    args = ap.parse_args()
    if args.threads:
        ember.set_num_threads(args.threads)
    if torch:
        torch.set_num_threads(ember.get_num_threads())
    lines = [f"| op (8M f32, {ember.get_num_threads()} threads) | ember ms | torch ms | ember GB/s | torch/ember |",
             "|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for name, nbytes, fe, ft in cases():
        if torch:
            te, tt = interleaved_medians([fe, ft], args.reps)
        else:
            te, tt = interleaved_medians([fe], args.reps)[0], float("nan")
        lines.append(f"| {name} | {te * 1e3:.2f} | {tt * 1e3:.2f} | {nbytes / te / 1e9:.1f} | {tt / te:.2f} |")
        print(lines[-1], flush=True)
    if args.record:
        with open(args.record, "a") as f:
            f.write(f"\n## bench_activation {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {platform.node()}, "
                    f"{os.cpu_count()} CPUs, torch {torch.__version__ if torch else '-'}\n")
            f.write(f"`python bench/python/bench_activation.py --reps {args.reps}`\n\n")
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
