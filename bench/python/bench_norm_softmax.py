"""Fused softmax / cross-entropy / normalization: ember vs PyTorch in one process.

Each case runs ember and PyTorch alternately (one call each per repetition, after warm-up) on the
same data and reports the median time, the PyTorch/ember ratio, and for single-pass forwards the
achieved bandwidth as a share of the machine's copy bandwidth (measured here: a 256 MiB clone,
counted as read + write).

Run: EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_norm_softmax.py [case ...] [--reps N]
     [--threads N] [--clock wall|cpu] [--ghz F]
The "(L3)" cases are small enough to stay cache-resident (no DRAM traffic): their "cyc/elem" column (ember time x
--ghz x threads / elements) is the compute cost per element, the figure to A/B kernel changes with at --threads 1.
The "copy ... (clone)" rows time a clone of the same size as the following forwards: the at-size
copy reference (L2/L3 effects included) for their bandwidth.
"""
import argparse
import statistics
import time

import numpy as np

import ember

try:
    import torch
except ImportError:
    torch = None

EF, TF = ember.nn.functional, (torch.nn.functional if torch is not None else None)


CLOCK = time.perf_counter  # --clock cpu: time.process_time (CPU time of all threads; robust with 1 thread)


def interleaved(fe, ft, reps):
    fe()
    if ft:
        ft()
    te, tt = [], []
    for _ in range(reps):
        t0 = CLOCK()
        fe()
        te.append(CLOCK() - t0)
        if ft:
            t0 = CLOCK()
            ft()
            tt.append(CLOCK() - t0)
    return statistics.median(te) * 1e3, (statistics.median(tt) * 1e3 if tt else float("nan"))


def copy_bandwidth(reps):
    n = 64 * 1024 * 1024  # float32 elements: 256 MiB
    x = ember.ones(n)
    x.clone()
    ts = []
    for _ in range(reps):
        t0 = CLOCK()
        x.clone()
        ts.append(CLOCK() - t0)
    return 2 * 4 * n / statistics.median(ts) / 1e9  # GB/s (read + write)


def pair(shape, seed=0, low=-3.0, high=3.0):
    a = np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)
    return ember.from_numpy(a.copy()), (torch.from_numpy(a.copy()) if torch is not None else None)


def fwd_bwd(fn, *leaves):
    def run():
        for v in leaves:
            v.grad = None
        out = fn()
        out.backward(out.detach() * 0 + 1 if out.dim() else None)
    return run


def cases():
    """name -> (builder returning (ember_fn, torch_fn, bytes moved by a single-pass forward or None))."""
    def softmax_fwd(log=False):
        def build():
            e, t = pair((4096, 4096))
            fe_, ft_ = (EF.log_softmax, torch.log_softmax) if log else (EF.softmax, torch.softmax)
            return lambda: fe_(e, 1), lambda: ft_(t, 1), 2 * e.numel() * 4
        return build

    def softmax_small(log):  # 64x4096: 1 MiB in + 1 MiB out, L3-resident
        def build():
            e, t = pair((64, 4096))
            fe_, ft_ = (EF.log_softmax, torch.log_softmax) if log else (EF.softmax, torch.softmax)
            return lambda: fe_(e, 1), lambda: ft_(t, 1), None, e.numel()
        return build

    def softmax_fb(log=False):
        def build():
            e, t = pair((4096, 4096))
            e.requires_grad_()
            t.requires_grad_()
            ge, gt = pair((4096, 4096), seed=1)
            fe_, ft_ = (EF.log_softmax, torch.log_softmax) if log else (EF.softmax, torch.softmax)
            return (lambda: (setattr(e, "grad", None), fe_(e, 1).backward(ge)),
                    lambda: (setattr(t, "grad", None), ft_(t, 1).backward(gt)), None)
        return build

    def logsumexp():  # reads x once, writes one float per row
        e, t = pair((4096, 8192))
        return lambda: ember.logsumexp(e, 1), lambda: torch.logsumexp(t, 1), e.numel() * 4

    def ce(n, c):
        def build():
            e, t = pair((n, c))
            e.requires_grad_()
            t.requires_grad_()
            tgt = np.random.default_rng(2).integers(0, c, size=n)
            te, tt = ember.tensor(tgt), (torch.from_numpy(tgt) if torch is not None else None)
            return (lambda: (setattr(e, "grad", None), EF.cross_entropy(e, te).backward()),
                    lambda: (setattr(t, "grad", None), TF.cross_entropy(t, tt).backward()), None)
        return build

    def ce_fwd(n, c):
        def build():
            e, t = pair((n, c))
            tgt = np.random.default_rng(2).integers(0, c, size=n)
            te, tt = ember.tensor(tgt), (torch.from_numpy(tgt) if torch is not None else None)
            # the large case is bandwidth-checked; the small one (L3-resident) reports cycles per element
            return (lambda: EF.cross_entropy(e, te), lambda: TF.cross_entropy(t, tt),
                    e.numel() * 4 if e.numel() > (1 << 22) else None, e.numel())
        return build

    def ln(fb):
        def build():
            e, t = pair((8192, 768))
            we, wt = pair((768,), seed=3)
            be, bt = pair((768,), seed=4)
            if not fb:
                return (lambda: EF.layer_norm(e, (768,), we, be), lambda: TF.layer_norm(t, (768,), wt, bt),
                        2 * e.numel() * 4)
            for v in (e, t, we, wt, be, bt):
                v.requires_grad_()
            ge, gt = pair((8192, 768), seed=5)
            return (lambda: (setattr(e, "grad", None), EF.layer_norm(e, (768,), we, be).backward(ge)),
                    lambda: (setattr(t, "grad", None), TF.layer_norm(t, (768,), wt, bt).backward(gt)), None)
        return build

    def bn(fb):
        def build():
            e, t = pair((32, 64, 32, 32), low=-1, high=3)
            we, wt = pair((64,), seed=3)
            be, bt = pair((64,), seed=4)
            if not fb:  # statistics read + normalize read/write: 3 passes
                return (lambda: EF.batch_norm(e, None, None, we, be, True),
                        lambda: TF.batch_norm(t, None, None, wt, bt, True), 3 * e.numel() * 4)
            for v in (e, t, we, wt, be, bt):
                v.requires_grad_()
            ge, gt = pair((32, 64, 32, 32), seed=5)
            return (lambda: (setattr(e, "grad", None), EF.batch_norm(e, None, None, we, be, True).backward(ge)),
                    lambda: (setattr(t, "grad", None), TF.batch_norm(t, None, None, wt, bt, True).backward(gt)), None)
        return build

    def gn(fb):
        def build():
            e, t = pair((32, 64, 32, 32))
            we, wt = pair((64,), seed=3)
            be, bt = pair((64,), seed=4)
            if not fb:
                return (lambda: EF.group_norm(e, 8, we, be), lambda: TF.group_norm(t, 8, wt, bt), 2 * e.numel() * 4)
            for v in (e, t, we, wt, be, bt):
                v.requires_grad_()
            ge, gt = pair((32, 64, 32, 32), seed=5)
            return (lambda: (setattr(e, "grad", None), EF.group_norm(e, 8, we, be).backward(ge)),
                    lambda: (setattr(t, "grad", None), TF.group_norm(t, 8, wt, bt).backward(gt)), None)
        return build

    def gn_chain():  # a producer (residual add) and a consumer (relu) around group_norm, fwd+bwd
        e, t = pair((32, 64, 32, 32))
        re, rt = pair((32, 64, 32, 32), seed=6)
        we, wt = pair((64,), seed=3)
        be, bt = pair((64,), seed=4)
        for v in (e, t, we, wt, be, bt):
            v.requires_grad_()
        ge, gt = pair((32, 64, 32, 32), seed=5)

        def run(F, x, r, w, b, g):
            def step():
                x.grad = None
                F.relu(F.group_norm(x + r, 8, w, b)).backward(g)
            return step
        return run(EF, e, re, we, be, ge), (run(TF, t, rt, wt, bt, gt) if torch is not None else None), None

    def copy(shape):  # the same-size copy reference for the single-pass forwards (read x + write y)
        def build():
            e, t = pair(shape)
            return lambda: e.clone(), lambda: t.clone(), 2 * e.numel() * 4
        return build

    def thresh(name, fb, **kw):
        def build():
            xe, xt = pair((4096, 4096))
            ye, yt = pair((4096, 4096), seed=1)
            fe_, ft_ = getattr(EF, name), (getattr(TF, name) if TF else None)
            if not fb:  # mean reduction: read input and target, nothing written
                return lambda: fe_(xe, ye, **kw), lambda: ft_(xt, yt, **kw), 2 * xe.numel() * 4
            xe.requires_grad_()
            xt.requires_grad_()
            return (lambda: (setattr(xe, "grad", None), fe_(xe, ye, **kw).backward()),
                    lambda: (setattr(xt, "grad", None), ft_(xt, yt, **kw).backward()), None)
        return build

    return {
        "copy 4096x4096 (clone)": copy((4096, 4096)),
        "softmax 4096x4096 fwd": softmax_fwd(),
        "log_softmax 4096x4096 fwd": softmax_fwd(True),
        "softmax 4096x4096 fwd+bwd": softmax_fb(),
        "log_softmax 4096x4096 fwd+bwd": softmax_fb(True),
        "softmax 64x4096 (L3) fwd": softmax_small(False),
        "log_softmax 64x4096 (L3) fwd": softmax_small(True),
        "cross_entropy 4096x8192 fwd": ce_fwd(4096, 8192),
        "cross_entropy 32x8192 (L3) fwd": ce_fwd(32, 8192),
        "cross_entropy 4096x8192 fwd+bwd": ce(4096, 8192),
        "logsumexp 4096x8192 dim=1": logsumexp,
        "cross_entropy 2048x32000 fwd+bwd": ce(2048, 32000),
        "copy 8192x768 (clone)": copy((8192, 768)),
        "layer_norm 8192x768 fwd": ln(False),
        "layer_norm 8192x768 fwd+bwd": ln(True),
        "batch_norm 32x64x32x32 fwd": bn(False),
        "batch_norm 32x64x32x32 fwd+bwd": bn(True),
        "copy 32x64x32x32 (clone)": copy((32, 64, 32, 32)),
        "group_norm 32x64x32x32 (G=8) fwd": gn(False),
        "group_norm 32x64x32x32 (G=8) fwd+bwd": gn(True),
        "chain add-gn-relu 32x64x32x32 fwd+bwd": gn_chain,
        "huber_loss 4096x4096 fwd": thresh("huber_loss", False, delta=0.5),
        "huber_loss 4096x4096 fwd+bwd": thresh("huber_loss", True, delta=0.5),
        "smooth_l1_loss 4096x4096 fwd": thresh("smooth_l1_loss", False, beta=0.5),
        "smooth_l1_loss 4096x4096 fwd+bwd": thresh("smooth_l1_loss", True, beta=0.5),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--threads", type=int, default=0, help="threads for both libraries (0: leave the defaults)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="cpu: time.process_time (use with --threads 1 on a shared machine)")
    ap.add_argument("--ghz", type=float, default=2.0, help="core clock for the cyc/elem column (default 2.0)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.threads:
        ember.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    all_cases = cases()
    names = [n for n in all_cases if not args.cases or any(c in n for c in args.cases)]
    bw = copy_bandwidth(args.reps)
    print(f"ember threads={ember.get_num_threads()}, torch threads={torch.get_num_threads() if torch else '-'}; "
          f"copy bandwidth {bw:.1f} GB/s; median ms of {args.reps} interleaved runs")
    print(f"| {'case':40s} | {'ember ms':>9s} | {'torch ms':>9s} | {'torch/ember':>11s} | {'GB/s':>6s} | {'% copy bw':>9s} "
          f"| {'cyc/elem':>8s} |")
    print(f"|{'-' * 42}|{'-' * 11}|{'-' * 11}|{'-' * 13}|{'-' * 8}|{'-' * 11}|{'-' * 10}|")
    for name in names:
        fe, ft, nbytes, *numel = all_cases[name]()
        te, tt = interleaved(fe, ft if torch is not None else None, args.reps)
        gbs = nbytes / te / 1e6 if nbytes else float("nan")
        pct = f"{100 * gbs / bw:8.0f}%" if nbytes else f"{'':9s}"
        cyc = f"{te * 1e6 * args.ghz * ember.get_num_threads() / numel[0]:8.2f}" if numel else f"{'':8s}"
        print(f"| {name:40s} | {te:9.2f} | {tt:9.2f} | {tt / te:10.2f}x | {gbs:6.1f} | {pct} | {cyc} |", flush=True)


if __name__ == "__main__":
    main()
