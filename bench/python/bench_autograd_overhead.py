"""Per-op overhead of autograd: ember vs PyTorch in one process, on tiny tensors (8 floats) where
the kernel costs almost nothing, so what is timed is dispatch + graph recording + backward.

Cases: an op with no input requiring grad (raw path), the same op recording a node, and a chain
of 20 recorded ops followed by backward (per node: forward record + backward execution).

    python bench/python/bench_autograd_overhead.py [--reps 9]
"""
import argparse
import statistics
import time

import ember

try:
    import torch
except ImportError:
    torch = None


def per_call(fn, n, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        ts.append((time.perf_counter() - t0) / n)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    if torch is None:
        raise SystemExit("needs PyTorch")
    ember.set_num_threads(1)
    torch.set_num_threads(1)
    ex, tx = ember.ones(8), torch.ones(8)
    eg, tg = ember.ones(8, requires_grad=True), torch.ones(8, requires_grad=True)

    def chain(lib, x):
        def run():
            y = x
            for _ in range(10):
                y = y * 1.5
                y = y + 1.0
            y.sum().backward()
        return run
    cases = [
        ("x * y, no grad (raw path)", lambda: ex * ex, lambda: tx * tx, 20000),
        ("x * y, recording a node", lambda: eg * ex, lambda: tg * tx, 20000),
        ("exp(x), recording a node", lambda: ember.exp(eg), lambda: torch.exp(tg), 20000),
        ("20-op chain + backward, per op", chain(ember, eg), chain(torch, tg), 1000),
    ]
    print(f"{'case':34s} {'ember us':>9s} {'torch us':>9s} {'torch/ember':>12s}")
    for name, fe, ft, n in cases:
        te, tt = [], []
        for _ in range(3):  # interleave blocks of the two libraries
            te.append(per_call(fe, n, args.reps))
            tt.append(per_call(ft, n, args.reps))
        e, t = min(te), min(tt)
        if "chain" in name:
            e, t = e / 21, t / 21
        print(f"{name:34s} {e * 1e6:9.2f} {t * 1e6:9.2f} {t / e:11.2f}x")


if __name__ == "__main__":
    main()
