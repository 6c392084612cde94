"""Fused scaled_dot_product_attention: ember vs PyTorch (CPU) in one process.

Shapes B x H x T x D = 8x8x256x64 and 4x8x1024x64, causal and not, forward and forward+backward
(through autograd, as a training step runs it), 1 and 2 threads. Runs are interleaved
(ember, torch, ember, torch, ...) so machine load hits both alike; the median is reported.
1 thread: CPU time of the process (robust on a shared machine); 2 threads: wall time, or CPU time
with ``--cpu-time`` (all thread counts; at 2 threads that is the sum over both threads).
GFLOP/s: forward 4*B*H*T*T*D, backward 10*B*H*T*T*D (2.5x forward), causal counted as half.
``--only`` keeps the cases whose label (e.g. "4x8x1024x64 False fwd+bwd") contains each given word.
``--recompute`` adds an ember row that recomputes the scores in the backward (saved-P budget 0,
as EMBER_ATTN_SAVE_P_MB=0) to the forward+backward cases, interleaved with the others.
``--ceiling`` adds, under each non-causal forward+backward row, the rate ember would need for 1.5x
PyTorch: the fewest flops that case can take (6 products of 2*T*T*D per head: Q K^T, P V, then dV,
dP, dQ, dK with P kept from the forward) over PyTorch's time / 1.5, as a share of the rate of ember's
2048 x 2048 x 2048 float32 matmul, which is timed interleaved with the two in the same repetitions
(the most these block products can be expected to reach on the machine).

    EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_attention.py [--reps N]
        [--threads 1,2] [--cpu-time] [--only "1024 False fwd+bwd"] [--recompute] [--ceiling]
"""
import argparse
import os
import statistics
import time

import numpy as np

import ember
import ember.nn.functional as F
from ember.autograd.grad_fns import attention as attn_grad

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

SHAPES = [(8, 8, 256, 64), (4, 8, 1024, 64)]


def make_case(lib, B, H, T, D, causal, backward, seed=0, save_budget=None):
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
        if save_budget is not None:  # ember: this case's saved-P budget
            old, attn_grad._SAVE_PROBS_MAX_BYTES = attn_grad._SAVE_PROBS_MAX_BYTES, save_budget
        out = sdpa(q, k, v, is_causal=causal)
        if backward:
            out.backward(g)
            q.grad = k.grad = v.grad = None
        if save_budget is not None:
            attn_grad._SAVE_PROBS_MAX_BYTES = old
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


def matmul_case(n=2048):
    """ember's n x n x n float32 matmul, and its flop count."""
    rng = np.random.default_rng(1)
    a, b = (ember.tensor(rng.standard_normal((n, n)).astype(np.float32)) for _ in range(2))
    return (lambda: a @ b), 2.0 * n ** 3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--cpu-time", action="store_true", help="process CPU time at every thread count")
    ap.add_argument("--only", default="", help="keep cases whose label contains every word given")
    ap.add_argument("--recompute", action="store_true", help="add ember with the backward recomputing the scores")
    ap.add_argument("--ceiling", action="store_true",
                    help="time a 2048^3 matmul and show the rate 1.5x PyTorch would need (non-causal fwd+bwd)")
    args = ap.parse_args()
    print(f"# load: {os.getloadavg()}")
    print(f"# clock: {'CPU time' if args.cpu_time else 'CPU time at 1 thread, wall at more'}; "
          f"saved-P budget {attn_grad._SAVE_PROBS_MAX_BYTES >> 20} MiB")
    print("| threads | B x H x T x D | causal | pass | ember ms | torch ms | ember GFLOP/s | torch GFLOP/s | speedup |")
    print("|---|---|---|---|---|---|---|---|---|")
    for nt in [int(x) for x in args.threads.split(",")]:
        ember.set_num_threads(nt)
        if torch is not None:
            torch.set_num_threads(nt)
        wall = nt > 1 and not args.cpu_time
        for (B, H, T, D) in SHAPES:
            for causal in (False, True):
                for backward in (False, True):
                    label = f"{B}x{H}x{T}x{D} {causal} {'fwd+bwd' if backward else 'fwd'}"
                    if not all(w in label for w in args.only.split()):
                        continue
                    fl = (14.0 if backward else 4.0) * B * H * T * T * D * (0.5 if causal else 1.0)
                    names = ["ember"]
                    fns = [make_case("ember", B, H, T, D, causal, backward)]
                    if args.recompute and backward:
                        names.append("ember recompute")
                        fns.append(make_case("ember", B, H, T, D, causal, backward, save_budget=0))
                    if torch is not None:
                        fns.append(make_case("torch", B, H, T, D, causal, backward))
                    ceiling = args.ceiling and backward and not causal and torch is not None
                    if ceiling:  # timed last in each repetition; not a named row
                        mm, mm_flops = matmul_case()
                        fns.append(mm)
                    reps = args.reps if T <= 256 else max(3, args.reps // 2)
                    ts = measure(fns, reps, wall=wall)
                    tt = ts[len(names)] if torch is not None else float("nan")
                    for name, te in zip(names, ts):
                        tag = "" if name == "ember" else f" ({name})"
                        print(f"| {nt} | {B}x{H}x{T}x{D} | {causal} | {'fwd+bwd' if backward else 'fwd'}{tag} | "
                              f"{te * 1e3:.1f} | {tt * 1e3:.1f} | {fl / te / 1e9:.1f} | {fl / tt / 1e9:.1f} | "
                              f"{tt / te:.2f}x |", flush=True)
                    if ceiling:
                        need = 12.0 * B * H * T * T * D / (tt / 1.5) / 1e9
                        rate = mm_flops / ts[-1] / 1e9
                        print(f"| {nt} | {B}x{H}x{T}x{D} | {causal} | 1.5x needs | {tt / 1.5 * 1e3:.1f} | | "
                              f"{need:.1f} (6 products) | | {need / rate:.0%} of ember's 2048^3 matmul "
                              f"({rate:.1f} GFLOP/s) |", flush=True)


if __name__ == "__main__":
    main()
