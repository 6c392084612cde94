"""ember vs PyTorch matrix products on the same GPU, in one process (issue 9).

Each row times ember and torch.cuda interleaved (ember, torch, ember, torch, ...), every sample a
batch of calls between two CUDA events (enough calls for ~20 ms), and prints the median TFLOP/s
and the ratio ember/torch. Before timing, each row checks that ember's result agrees with torch's
(max abs difference relative to max |result|, printed as "err"). PyTorch's TF32 switch is set to
the same value as ember's for the comparison.

    EMBER_BUILD_DIR=build/cuda PYTHONPATH=python python bench/python/bench_cuda_gemm.py [--quick]
        [--reps N] [--dtypes float32,float16,bfloat16,float64] [--tf32] [--linear]

--tf32 runs float32 with TF32 tensor cores on both sides (ember.backends.cuda.matmul.allow_tf32 and
torch.backends.cuda.matmul.allow_tf32); without it both use full float32.
--linear adds F.linear (with bias) forward for the MLP / transformer shapes.
"""
import argparse
import statistics

import numpy as np

import ember
import ember.nn.functional as EF

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the comparison needs PyTorch; ember alone is still timed
    torch = None


def shapes(quick):
    """(label, batch, M, N, K, transA, transB)."""
    sq = [256, 1024, 2048] if quick else [128, 256, 512, 1024, 2048, 4096, 8192]
    out = [(f"square {n}", 1, n, n, n, False, False) for n in sq]
    out += [("xfmr 4096x3072x768", 1, 4096, 3072, 768, False, False),
            ("xfmr x@W^T 4096x3072x768", 1, 4096, 3072, 768, False, True),
            ("xfmr 4096x768x3072", 1, 4096, 768, 3072, False, False),
            ("wgrad A^T@B 768x3072x4096", 1, 768, 3072, 4096, True, False),
            ("attn 256x 128x128x64", 256, 128, 128, 64, False, True),
            ("attn 256x 128x64x128", 256, 128, 64, 128, False, False),
            ("tall 65536x64x1024", 1, 65536, 64, 1024, False, False),
            ("tall-K 64x64x65536", 1, 64, 64, 65536, False, False),
            ("gemv 8192x8192 (mv)", 1, 8192, 1, 8192, False, False),
            ("gemv x@W 1x8192x8192", 1, 1, 8192, 8192, False, False),
            ("dot 16M", 1, 1, 1, 1 << 24, False, False),
            ("odd 1000x1000x1000", 1, 1000, 1000, 1000, False, False)]
    if quick:
        out = [s for s in out if s[1] * s[2] * s[3] * s[4] <= 4096 * 3072 * 768]
    return out


def operands(lib, batch, M, N, K, ta, tb, dtype, seed=0):
    """Operands with the requested transposition, as views (the GEMM must take strides)."""
    rng = np.random.default_rng(seed)
    a_shape = (K, M) if ta else (M, K)
    b_shape = (N, K) if tb else (K, N)
    if batch > 1:
        a_shape, b_shape = (batch,) + a_shape, (batch,) + b_shape
    a = rng.uniform(-1, 1, a_shape).astype(np.float32)
    b = rng.uniform(-1, 1, b_shape).astype(np.float32)
    if lib == "ember":
        dt = getattr(ember, dtype)
        A, B = ember.tensor(a).to(dt).cuda(), ember.tensor(b).to(dt).cuda()
    else:
        dt = getattr(torch, dtype)
        A, B = torch.from_numpy(a).to(dt).cuda(), torch.from_numpy(b).to(dt).cuda()
    if ta:
        A = A.transpose(-1, -2)
    if tb:
        B = B.transpose(-1, -2)
    return A, B


def time_calls(lib, fn, target_ms=20.0):
    """ms per call of fn(), from CUDA events around a batch sized for ~target_ms."""
    mod = ember.cuda if lib == "ember" else torch.cuda
    fn()
    mod.synchronize()
    n = 1
    while True:
        s, e = mod.Event(enable_timing=True), mod.Event(enable_timing=True)
        s.record()
        for _ in range(n):
            fn()
        e.record()
        e.synchronize()
        ms = s.elapsed_time(e)
        if ms >= target_ms or n >= 1 << 14:
            return ms / n
        n = max(n * 2, int(n * target_ms / max(ms, 1e-3)))


def rel_err(x, y):
    x = x.float().cpu().numpy() if hasattr(x, "numpy") else x
    y = y.float().cpu().numpy()
    return float(np.abs(x - y).max() / max(np.abs(y).max(), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dtypes", default="float32,float16,bfloat16")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--linear", action="store_true")
    args = ap.parse_args()
    if not ember.cuda.is_available():
        raise SystemExit(f"ember: CUDA is not available ({ember.cuda._unavailable_reason()})")
    have_torch = torch is not None and torch.cuda.is_available()
    ember.backends.cuda.matmul.allow_tf32 = args.tf32
    if have_torch:
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
    print(f"device: {ember.cuda.get_device_name()}   torch: {torch.__version__ if have_torch else 'n/a'}   "
          f"tf32: {args.tf32}   reps: {args.reps} (median)")
    hdr = f"{'shape':32s} {'dtype':9s} {'ember TFLOP/s':>13s} {'torch TFLOP/s':>13s} {'ember/torch':>11s} {'err':>9s}"
    print(hdr)
    print("-" * len(hdr))
    rows = []
    for dtype in args.dtypes.split(","):
        for label, batch, M, N, K, ta, tb in shapes(args.quick):
            flops = 2.0 * batch * M * N * K
            ea, eb = operands("ember", batch, M, N, K, ta, tb, dtype)
            fe = (lambda: ember.matmul(ea, eb))
            if have_torch:
                ta_, tb_ = operands("torch", batch, M, N, K, ta, tb, dtype)
                ft = (lambda: torch.matmul(ta_, tb_))
                err = rel_err(ember.matmul(ea, eb).cpu(), ft())
            te, tt = [], []
            for _ in range(args.reps):
                te.append(time_calls("ember", fe))
                if have_torch:
                    tt.append(time_calls("torch", ft))
            me = statistics.median(te)
            e_tf = flops / me / 1e9
            if have_torch:
                mt = statistics.median(tt)
                t_tf = flops / mt / 1e9
                print(f"{label:32s} {dtype:9s} {e_tf:13.2f} {t_tf:13.2f} {mt / me:11.2f} {err:9.1e}")
            else:
                print(f"{label:32s} {dtype:9s} {e_tf:13.2f} {'-':>13s} {'-':>11s} {'-':>9s}")
            rows.append((label, dtype, e_tf))
    if args.linear:
        print("\nF.linear (bias) forward")
        for label, M, N, K in [("mlp 4096x4096x4096", 4096, 4096, 4096), ("xfmr 8192x3072x768", 8192, 3072, 768),
                               ("xfmr 8192x768x3072", 8192, 768, 3072)]:
            rng = np.random.default_rng(1)
            x, w, b = (rng.uniform(-1, 1, s).astype(np.float32) for s in ((M, K), (N, K), (N,)))
            ex, ew, eb_ = (ember.tensor(v).cuda() for v in (x, w, b))
            fe = (lambda: EF.linear(ex, ew, eb_))
            te = [time_calls("ember", fe) for _ in range(args.reps)]
            line = f"{label:32s} {'float32':9s} {2.0 * M * N * K / statistics.median(te) / 1e9:13.2f}"
            if have_torch:
                tx, tw, tb2 = (torch.from_numpy(v).cuda() for v in (x, w, b))
                ft = (lambda: TF.linear(tx, tw, tb2))
                tt = [time_calls("torch", ft) for _ in range(args.reps)]
                line += f" {2.0 * M * N * K / statistics.median(tt) / 1e9:13.2f} " \
                        f"{statistics.median(tt) / statistics.median(te):11.2f} {rel_err(fe().cpu(), ft()):9.1e}"
            print(line)


if __name__ == "__main__":
    main()
