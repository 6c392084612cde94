"""Fused scaled_dot_product_attention: ember vs PyTorch (CPU) in one process.

Shapes B x H x T x D = 8x8x256x64 and 4x8x1024x64, causal and not, forward and forward+backward
(through autograd, as a training step runs it), 1 and 2 threads. Runs are interleaved
(ember, torch, ember, torch, ...) so machine load hits both alike; the median is reported.
1 thread: CPU time of the process (robust on a shared machine); 2 threads: wall time.
GFLOP/s: forward 4*B*H*T*T*D, backward 10*B*H*T*T*D (2.5x forward), causal counted as half.

    EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_attention.py [--reps N]
"""
import argparse
import os
import statistics
import time

import numpy as np

import ember
import ember.nn.functional as F

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

SHAPES = [(8, 8, 256, 64), (4, 8, 1024, 64)]


def make_case(lib, B, H, T, D, causal, backward, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal((B, H, T, D)).astype(np.float32) for _ in range(4)]
    if lib == "ember":
        q, k, v = (ember.tensor(a).requires_grad_(backward) for a in arrs[:3])
        g = ember.tensor(arrs[3])
        sdpa = F.scaled_dot_product_attention
    else:
        q, k, v = (torch.tensor(a).requires_grad_(backward) for a in arrs[:3])
        g = torch.tensor(arrs[3])
        sdpa = torch.nn.functional.scaled_dot_product_attention

    def run():
        out = sdpa(q, k, v, is_causal=causal)
        if backward:
            out.backward(g)
            q.grad = k.grad = v.grad = None
    return run


def measure(fns, reps, wall):
    clock = time.perf_counter if wall else time.process_time
    for f in fns:
        f()
    times = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = clock()
            f()
            times[i].append(clock() - t0)
    return [statistics.median(t) for t in times]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    print(f"# load: {os.getloadavg()}")
    print("| threads | B x H x T x D | causal | pass | ember ms | torch ms | ember GFLOP/s | torch GFLOP/s | speedup |")
    print("|---|---|---|---|---|---|---|---|---|")
    for nt in [int(x) for x in args.threads.split(",")]:
        ember.set_num_threads(nt)
        if torch is not None:
            torch.set_num_threads(nt)
        for (B, H, T, D) in SHAPES:
            for causal in (False, True):
                for backward in (False, True):
                    fl = (14.0 if backward else 4.0) * B * H * T * T * D * (0.5 if causal else 1.0)
                    fns = [make_case("ember", B, H, T, D, causal, backward)]
                    if torch is not None:
                        fns.append(make_case("torch", B, H, T, D, causal, backward))
                    reps = args.reps if T <= 256 else max(3, args.reps // 2)
                    ts = measure(fns, reps, wall=nt > 1)
                    te = ts[0]
                    tt = ts[1] if len(ts) > 1 else float("nan")
                    print(f"| {nt} | {B}x{H}x{T}x{D} | {causal} | {'fwd+bwd' if backward else 'fwd'} | "
                          f"{te * 1e3:.1f} | {tt * 1e3:.1f} | {fl / te / 1e9:.1f} | {fl / tt / 1e9:.1f} | "
                          f"{tt / te:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
