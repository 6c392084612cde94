"""ember vs numpy vs PyTorch matrix products in one process (issue 3).

Every shape runs the three libraries interleaved (ember, numpy, torch, ember, numpy, ...) so that
noise from other processes hits them alike; each sample times enough calls for ~20 ms; the table
shows medians (GFLOP/s) and the ratios ember/numpy and ember/torch.

    EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_gemm.py [--quick] [--reps N]
    EMBER_ISA=avx2 ... (or EMBER_CPU_ISA=avx2) caps ember's kernels at AVX2.
"""
import argparse
import statistics
import time

import numpy as np

import ember

try:
    import torch
except ImportError:  # optional peer
    torch = None


def shapes(quick):
    """(label, batch, M, N, K, transA, transB)."""
    sq = [128, 256, 512, 1024] if quick else [128, 256, 512, 1024, 2048, 4096]
    out = [(f"square {n}", 1, n, n, n, False, False) for n in sq]
    out += [("mlp 100x40x100", 1, 100, 100, 40, False, False),
            ("mlp 100x100x100", 1, 100, 100, 100, False, False),
            ("xfmr 2048x3072x768", 1, 2048, 3072, 768, False, False),
            ("xfmr 2048x768x3072", 1, 2048, 768, 3072, False, False),
            ("xfmr x@W^T 2048x3072x768", 1, 2048, 3072, 768, False, True),
            ("wgrad A^T@B 768x3072x2048", 1, 768, 3072, 2048, True, False),
            ("attn 64x 128x128x64", 64, 128, 128, 64, False, True),
            ("attn 64x 128x64x128", 64, 128, 64, 128, False, False),
            ("tall 8192x64x1024", 1, 8192, 64, 1024, False, False),
            ("skinny 64x8192x1024", 1, 64, 8192, 1024, False, False),
            ("tall-K 64x64x16384", 1, 64, 64, 16384, False, False)]
    if quick:
        out = [s for s in out if s[1] * s[2] * s[3] * s[4] <= 2048 * 2048 * 768]
    return out


def operands(batch, m, n, k, ta, tb, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((batch, k, m) if ta else (batch, m, k), dtype=np.float32)
    b = rng.standard_normal((batch, n, k) if tb else (batch, k, n), dtype=np.float32)
    if batch == 1:
        a, b = a[0], b[0]
    return a, b


def timer(fn, target=0.02):
    """Seconds per call, timing enough calls for ~target seconds."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(target / once))

    def sample():
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - t0) / n

    return sample


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    nt = ember.get_num_threads()
    if torch is not None:
        torch.set_num_threads(nt)
    info = ember._C.gemm_info("float32")
    print(f"ember isa={info['isa']} kernel: {info['micro_kernel']}; MC={info['MC']} KC={info['KC']} "
          f"NC={info['NC']}; threads={nt}; numpy {np.__version__}"
          + (f"; torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "; torch not installed"))
    print(f"{'shape':28s} {'ember':>8s} {'numpy':>8s} {'torch':>8s} {'e/np':>6s} {'e/torch':>7s}   (GFLOP/s, medians)")
    for label, batch, m, n, k, ta, tb in shapes(args.quick):
        a_st, b_st = operands(batch, m, n, k, ta, tb)  # stored layouts; transposes are views
        views = {"ember": (ember.from_numpy(a_st), ember.from_numpy(b_st)), "numpy": (a_st, b_st)}
        if torch is not None:
            views["torch"] = (torch.from_numpy(a_st), torch.from_numpy(b_st))
        for lib, (x, y) in views.items():
            tr = np.swapaxes if lib == "numpy" else (lambda t, i, j: t.transpose(i, j))
            views[lib] = (tr(x, -1, -2) if ta else x, tr(y, -1, -2) if tb else y)
        (ea, eb), (a, b) = views["ember"], views["numpy"]
        runs = {lib: timer(lambda x=x, y=y: x @ y) for lib, (x, y) in views.items()}
        # correctness of this very call against numpy in float64
        ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
        got = (ea @ eb).numpy()
        err = np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-30)
        assert err < 1e-4, f"{label}: relative error {err}"
        samples = {name: [] for name in runs}
        for _ in range(args.reps):  # interleaved
            for name, fn in runs.items():
                samples[name].append(fn())
        flops = 2.0 * batch * m * n * k
        gf = {name: flops / statistics.median(s) / 1e9 for name, s in samples.items()}
        t = gf.get("torch", float("nan"))
        print(f"{label:28s} {gf['ember']:8.1f} {gf['numpy']:8.1f} {t:8.1f} {gf['ember'] / gf['numpy']:6.2f} "
              f"{gf['ember'] / t:7.2f}", flush=True)


if __name__ == "__main__":
    main()
