"""Convolutions, ember vs PyTorch (oneDNN on CPU) in one process: forward and forward+backward.

Shapes: ResNet-on-CIFAR 3x3 layers at batch 32, 1x1 projections, a depthwise 3x3 and the seed
book's MNIST-1D Conv1d (batch 100, 1->15 channels, length 40, kernel 3, stride 2). For every shape
the two libraries alternate (ember, torch, ember, torch ...) within each repetition, so machine
drift hits both alike; the median time per call is reported with GFLOP/s (2 * MACs of the
forward; forward+backward counts 3x the forward: input and weight gradients), % of the FMA peak
and the ratio torch_time / ember_time (> 1 means ember is faster). Inputs and weights require
grad in the fwd+bwd rows (grad w.r.t. input, weight and bias).

    python bench/python/bench_conv.py [--reps 7] [--threads N] [--peak GFLOPS] [--only NAME] [--cpu-time] [--pieces]

``--pieces`` times the three backward pieces alone (input, weight and bias gradient; ember's C++
entry points vs torch's aten.convolution_backward with one output selected), median and best of
the repetitions: it shows which piece of a fwd+bwd row is slow.

``--cpu-time`` measures process CPU seconds instead of wall time: on a machine shared with other
jobs, wall time mostly measures the neighbours; with ``--threads 1`` CPU time is a stable A/B.
"""
import argparse
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

# name, N, C, O, spatial, k, stride, padding, groups
SHAPES = [
    ("resnet 3->64 3x3 32x32", 32, 3, 64, (32, 32), 3, 1, 1, 1),
    ("resnet 64->64 3x3 32x32", 32, 64, 64, (32, 32), 3, 1, 1, 1),
    ("resnet 64->128 3x3 s2 32x32", 32, 64, 128, (32, 32), 3, 2, 1, 1),
    ("resnet 128->128 3x3 16x16", 32, 128, 128, (16, 16), 3, 1, 1, 1),
    ("resnet 256->256 3x3 8x8", 32, 256, 256, (8, 8), 3, 1, 1, 1),
    ("resnet 512->512 3x3 4x4", 32, 512, 512, (4, 4), 3, 1, 1, 1),
    ("1x1 64->128 s2 32x32", 32, 64, 128, (32, 32), 1, 2, 0, 1),
    ("1x1 256->256 8x8", 32, 256, 256, (8, 8), 1, 1, 0, 1),
    ("depthwise 3x3 64ch 32x32", 32, 64, 64, (32, 32), 3, 1, 1, 64),
    ("book conv1d 1->15 L40 k3 s2", 100, 1, 15, (40,), 3, 2, 0, 1),
]


def macs(N, C, O, sp, k, s, p, g):
    out = 1
    for L in sp:
        out *= (L + 2 * p - k) // s + 1
    return N * O * out * (C // g) * k ** len(sp)


def make(lib, shape, grad, seed=0):
    name, N, C, O, sp, k, s, p, g = shape
    r = np.random.default_rng(seed)
    x = r.standard_normal((N, C) + sp).astype(np.float32)
    w = (r.standard_normal((O, C // g) + (k,) * len(sp)) * 0.1).astype(np.float32)
    b = r.standard_normal(O).astype(np.float32)
    t = [lib.tensor(a) for a in (x, w, b)]
    if grad:
        t = [a.requires_grad_() for a in t]
    conv = getattr(lib.nn.functional, f"conv{len(sp)}d")

    if not grad:
        def run():
            with lib.no_grad():
                conv(t[0], t[1], t[2], stride=s, padding=p, groups=g)
    else:
        def run():
            for a in t:
                a.grad = None
            conv(t[0], t[1], t[2], stride=s, padding=p, groups=g).sum().backward()
    return run


def make_pieces(shape, seed=0):
    """{piece: (ember_fn, torch_fn)} for the backward pieces of one conv (no autograd)."""
    name, N, C, O, sp, k, s, p, g = shape
    r = np.random.default_rng(seed)
    x = r.standard_normal((N, C) + sp).astype(np.float32)
    w = (r.standard_normal((O, C // g) + (k,) * len(sp)) * 0.1).astype(np.float32)
    out = tuple((L + 2 * p - k) // s + 1 for L in sp)
    gy = r.standard_normal((N, O) + out).astype(np.float32)
    nd = len(sp)
    st, pd, dl = [s] * nd, [p] * nd, [1] * nd
    op = f"conv{nd}d"
    xe, we, ge = (ember.tensor(a)._t for a in (x, w, gy))
    C_ = ember._C
    pieces = {
        "bwd-input": lambda: C_.conv_backward_input(ge, we, list(x.shape), st, pd, dl, g, op),
        "bwd-weight": lambda: C_.conv_backward_weight(ge, xe, list(w.shape), st, pd, dl, g, op),
        "bwd-bias": lambda: C_.conv_backward_bias(ge, op),
    }
    res = {}
    if torch is not None:
        xt, wt, gt = (torch.tensor(a) for a in (x, w, gy))
        def tb(mask):
            return lambda: torch.ops.aten.convolution_backward(gt, xt, wt, [O], st, pd, dl, False, [0] * nd, g, mask)
        tmap = {"bwd-input": tb([True, False, False]), "bwd-weight": tb([False, True, False]),
                "bwd-bias": lambda: gt.sum([0] + list(range(2, 2 + nd)))}  # aten's bias-only mask is not cheaper
    for k_, fe in pieces.items():
        res[k_] = (fe, tmap[k_] if torch is not None else None)
    return res


_clock = [time.perf_counter]


def timeit(fn, min_time=0.05):
    """Seconds per call: enough calls to fill min_time."""
    fn()
    clock = _clock[0]
    n, t0 = 0, clock()
    while True:
        fn()
        n += 1
        el = clock() - t0
        if el >= min_time:
            return el / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--peak", type=float, default=0.0, help="FMA peak GFLOP/s (0: measure with a big GEMM in torch)")
    ap.add_argument("--only", default="")
    ap.add_argument("--cpu-time", action="store_true", help="time with process CPU time (see above)")
    ap.add_argument("--pieces", action="store_true", help="time the backward pieces alone (see above)")
    a = ap.parse_args()
    if a.cpu_time:
        _clock[0] = time.process_time
    ember.set_num_threads(a.threads)
    if torch is not None:
        torch.set_num_threads(a.threads)
    peak = a.peak
    if not peak and torch is not None:  # a big float32 GEMM in oneDNN/MKL: the best the machine shows
        m = torch.randn(1024, 1024)
        best = min(timeit(lambda: m @ m, 0.2) for _ in range(3))
        peak = 2 * 1024 ** 3 / best / 1e9
    print(f"# {platform.processor() or platform.machine()}, {a.threads} threads, ember kernels "
          f"{ember.get_kernels()}, torch {torch.__version__ if torch else '-'}, reference peak {peak:.0f} GFLOP/s, "
          f"{'CPU' if a.cpu_time else 'wall'} time")
    print(f"{'shape':32s} {'pass':8s} {'ember ms':>9s} {'torch ms':>9s} {'ember GF/s':>10s} {'% peak':>7s} "
          f"{'torch GF/s':>10s} {'torch/ember':>11s}")
    for shape in SHAPES:
        if a.only and a.only not in shape[0]:
            continue
        if a.pieces:
            for piece, (fe, ft) in make_pieces(shape).items():
                te, tt = [], []
                for _ in range(a.reps):
                    te.append(timeit(fe))
                    if ft:
                        tt.append(timeit(ft))
                me, mt = statistics.median(te), statistics.median(tt) if tt else float("nan")
                print(f"{shape[0]:32s} {piece:10s} ember {me * 1e3:8.3f} ms (best {min(te) * 1e3:8.3f})  torch "
                      f"{mt * 1e3:8.3f} ms (best {min(tt) * 1e3 if tt else float('nan'):8.3f})  torch/ember {mt / me:5.2f}",
                      flush=True)
            continue
        flops = 2 * macs(*shape[1:])
        for grad in (False, True):
            fe = make(ember, shape, grad)
            ft = make(torch, shape, grad) if torch is not None else None
            te, tt = [], []
            for _ in range(a.reps):
                te.append(timeit(fe))
                if ft:
                    tt.append(timeit(ft))
            me = statistics.median(te)
            mt = statistics.median(tt) if tt else float("nan")
            f = flops * (3 if grad else 1)
            print(f"{shape[0]:32s} {'fwd+bwd' if grad else 'fwd':8s} {me * 1e3:9.3f} {mt * 1e3:9.3f} "
                  f"{f / me / 1e9:10.1f} {100 * f / me / 1e9 / peak if peak else 0:6.1f}% {f / mt / 1e9:10.1f} "
                  f"{mt / me:11.2f}", flush=True)


if __name__ == "__main__":
    main()
