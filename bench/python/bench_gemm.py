"""ember vs numpy vs PyTorch matrix products in one process (issue 3).

Every shape runs the three libraries interleaved (ember, numpy, torch, ember, numpy, ...) so that
noise from other processes hits them alike; each sample times enough calls for ~20 ms; the table
shows medians (GFLOP/s) and the ratios ember/numpy and ember/torch.

    EMBER_BUILD_DIR=build/dev PYTHONPATH=python python bench/python/bench_gemm.py [--quick] [--reps N]
        [--clock wall|cpu] [--linear] [--gpt] [--only TEXT] [--settle S]
    EMBER_ISA=avx2 ... (or EMBER_CPU_ISA=avx2) caps ember's kernels at AVX2.

--clock cpu times with the CPU time of the process (time.process_time): with 1 thread it ignores
the time the process waits while other processes run, which makes ratios stable on a loaded
machine; with 2 threads it sums both threads (GFLOP per CPU-second, spin-waits included).
--linear adds F.linear forward and forward+backward (x, W and b require grad) against
torch.nn.functional.linear for the MLP and transformer shapes.
--gpt runs the three GEMMs of each Linear of bench_gpt_step.py's model (forward X W^T, dX = dY W,
dW = dY^T X) instead of the default shapes, then dW + db (the bias gradient): ember's one pass
(_C.linear_weight_grad) against ember mm + sum and torch mm + sum.
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


def gpt_shapes(n_tok=1024, c=128):
    """The three GEMMs of each char-GPT Linear (bench_gpt_step.py's default model: N = B*T = 1024
    tokens, C = 128): forward Y = X W^T (B transposed), dX = dY W, dW = dY^T X (A transposed)."""
    out = []
    for name, fin, fout in (("qkv", c, 3 * c), ("proj", c, c), ("fc", c, 4 * c), ("fc2", 4 * c, c)):
        out += [(f"gpt {name} fwd {n_tok}x{fout}x{fin} NT", 1, n_tok, fout, fin, False, True),
                (f"gpt {name} dX {n_tok}x{fin}x{fout}", 1, n_tok, fin, fout, False, False),
                (f"gpt {name} dW {fout}x{fin}x{n_tok} TN", 1, fout, fin, n_tok, True, False)]
    return out


def shapes(quick, gpt=False):
    """(label, batch, M, N, K, transA, transB)."""
    if gpt:
        return gpt_shapes()
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


CLOCK = time.perf_counter


def timer(fn, target=0.02):
    """Seconds per call, timing enough calls for ~target seconds (of CLOCK)."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(target / once))

    def sample():
        t0 = CLOCK()
        for _ in range(n):
            fn()
        return (CLOCK() - t0) / n

    return sample


SETTLE = 0.0  # seconds of sleep before each sample (set by --settle; see interleave)


def interleave(runs, reps):
    """reps samples of each timer in runs, interleaved (a, b, c, a, b, c, ...); lists by name.
    With several threads each sample starts after SETTLE seconds of sleep: numpy's OpenBLAS keeps its
    worker threads spinning for ~0.1-0.2 s after a call (measured here: ember's and torch's 2-thread
    1024^3 products ran at ~40 of ~70 GFLOP/s right after a numpy call, at full speed after 0.2 s of
    sleep), and OpenMP runtimes spin briefly too; without the pause, whichever library runs after
    numpy loses one of the two cores."""
    samples = {name: [] for name in runs}
    for _ in range(reps):
        for name, fn in runs.items():
            if SETTLE:
                time.sleep(SETTLE)
            samples[name].append(fn())
    return samples


def linear_cases():
    """(label, batch rows, in_features, out_features)."""
    return [("mlp 100x40->100", 100, 40, 100), ("mlp 100x100->100", 100, 100, 100),
            ("xfmr 2048x768->3072", 2048, 768, 3072), ("xfmr 2048x3072->768", 2048, 3072, 768)]


def bench_linear(reps):
    """F.linear forward and forward+backward, ember vs torch, interleaved; medians in microseconds."""
    import ember.nn.functional as F
    print(f"\n{'F.linear':28s} {'ember us':>9s} {'torch us':>9s} {'e/torch':>7s}   (time per call, medians; "
          f"ratio = torch time / ember time)")
    for label, m, k, n in linear_cases():
        rng = np.random.default_rng(0)
        xs, ws, bs = (rng.standard_normal(s, dtype=np.float32) for s in ((m, k), (n, k), (n,)))
        gs = rng.standard_normal((m, n), dtype=np.float32)
        ex, ew, eb = (ember.tensor(a, requires_grad=True) for a in (xs, ws, bs))
        eg = ember.tensor(gs)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xs, ws, bs))
        tg = torch.tensor(gs)
        np.testing.assert_allclose(F.linear(ex, ew, eb).detach().numpy(),
                                   torch.nn.functional.linear(tx, tw, tb).detach().numpy(), rtol=1e-3, atol=1e-3)

        def e_fwd():
            with ember.no_grad():
                F.linear(ex, ew, eb)

        def t_fwd():
            with torch.no_grad():
                torch.nn.functional.linear(tx, tw, tb)

        def e_fb():
            ex.grad = ew.grad = eb.grad = None
            F.linear(ex, ew, eb).backward(eg)

        def t_fb():
            tx.grad = tw.grad = tb.grad = None
            torch.nn.functional.linear(tx, tw, tb).backward(tg)

        for kind, fe, ft in (("fwd", e_fwd, t_fwd), ("fwd+bwd", e_fb, t_fb)):
            runs = {"ember": timer(fe), "torch": timer(ft)}
            samples = interleave(runs, reps)
            te, tt = (statistics.median(samples[x]) for x in ("ember", "torch"))
            print(f"{label + ' ' + kind:28s} {te * 1e6:9.1f} {tt * 1e6:9.1f} {tt / te:7.2f}", flush=True)


def bench_weight_grad(reps):
    """nn.Linear's dW = g^T x plus db = g.sum(0) at the GPT shapes: ember's one-pass
    _C.linear_weight_grad against ember mm + sum (two passes over g) and torch mm + sum."""
    C = ember._C
    print(f"\n{'dW + db (K = 1024 rows)':28s} {'fused us':>9s} {'mm+sum us':>9s} {'torch us':>9s} {'t/fused':>7s}   "
          f"(time per call, medians)")
    rng = np.random.default_rng(0)
    for fout, fin in ((384, 128), (128, 128), (512, 128), (128, 512)):
        g = rng.standard_normal((1024, fout), dtype=np.float32)
        x = rng.standard_normal((1024, fin), dtype=np.float32)
        eg, ex = ember.from_numpy(g)._t, ember.from_numpy(x)._t
        runs = {"fused": timer(lambda: C.linear_weight_grad(eg, ex, True)),
                "two": timer(lambda: (C.mm(C.t(eg), ex, None), C.sum(eg, [0], False, None)))}
        if torch is not None:
            tg, tx = torch.from_numpy(g), torch.from_numpy(x)
            runs["torch"] = timer(lambda: (tg.t() @ tx, tg.sum(0)))
        samples = interleave(runs, reps)
        med = {name: statistics.median(v) * 1e6 for name, v in samples.items()}
        t = med.get("torch", float("nan"))
        print(f"{f'{fout}x{fin}':28s} {med['fused']:9.1f} {med['two']:9.1f} {t:9.1f} {t / med['fused']:7.2f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    ap.add_argument("--linear", action="store_true", help="also time F.linear fwd / fwd+bwd against torch")
    ap.add_argument("--only", default="", help="run the shapes whose label contains this text")
    ap.add_argument("--gpt", action="store_true", help="the char-GPT Linear GEMMs (forward, dX, dW) instead")
    ap.add_argument("--settle", type=float, default=None,
                    help="seconds of sleep before each sample (default 0.25 with several threads, else 0): "
                         "lets the previous library's spinning worker threads go idle")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    nt = ember.get_num_threads()
    global SETTLE
    SETTLE = args.settle if args.settle is not None else (0.25 if nt > 1 else 0.0)
    if torch is not None:
        torch.set_num_threads(nt)
    info = ember._C.gemm_info("float32")
    print(f"ember isa={info['isa']} kernel: {info['micro_kernel']}; MC={info['MC']} KC={info['KC']} "
          f"NC={info['NC']}; threads={nt}; clock={args.clock}; settle {SETTLE:g} s; numpy {np.__version__}"
          + (f"; torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "; torch not installed"))
    print(f"{'shape':28s} {'ember':>8s} {'numpy':>8s} {'torch':>8s} {'e/np':>6s} {'e/torch':>7s}   (GFLOP/s, medians)")
    for label, batch, m, n, k, ta, tb in shapes(args.quick, args.gpt):
        if args.only not in label:
            continue
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
        samples = interleave(runs, args.reps)
        flops = 2.0 * batch * m * n * k
        gf = {name: flops / statistics.median(s) / 1e9 for name, s in samples.items()}
        t = gf.get("torch", float("nan"))
        print(f"{label:28s} {gf['ember']:8.1f} {gf['numpy']:8.1f} {t:8.1f} {gf['ember'] / gf['numpy']:6.2f} "
              f"{gf['ember'] / t:7.2f}", flush=True)
    if args.gpt:
        bench_weight_grad(args.reps)
    if args.linear and torch is not None:
        bench_linear(args.reps)


if __name__ == "__main__":
    main()
