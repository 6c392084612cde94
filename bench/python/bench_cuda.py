"""CUDA benchmark: ember vs PyTorch on the same GPU, in one process.

Each case builds the same inputs in both libraries (from one numpy array), warms up, then times
`--iters` calls between two CUDA events, `--reps` times per library (round-robin, so clock drift
hits both alike), and reports the median as GB/s (memory-bound ops: bytes that must be read and
written once) or TFLOP/s (matmul, conv, attention), plus torch_time / ember_time (> 1: ember
faster). The device-to-device copy bandwidth measured first is the yardstick for the
memory-bound kernels (issue 9's target: >= 70% of it).

    python bench/python/bench_cuda.py [--reps 7] [--iters 20] [--only add,matmul] [--record bench/results/FILE.md]

Without a usable GPU it says so and exits 0. An op that ember cannot run on CUDA yet shows the
error instead of a number.
"""
import argparse
import datetime
import platform
import statistics
import sys

import numpy as np

import ember
import ember.nn.functional as EF

try:
    import torch
    import torch.nn.functional as TF
    if not torch.cuda.is_available():
        torch = None
except ImportError:
    torch = None


# ---- timing ----------------------------------------------------------------------------------------------
def time_ember(fn, iters):
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / iters * 1e-3  # seconds per call


def time_torch(fn, iters):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / iters * 1e-3


def measure(fe, ft, reps, iters, warmup=3):
    """(ember seconds, torch seconds or None): medians over `reps` round-robin repetitions."""
    for _ in range(warmup):
        fe()
        if ft is not None:
            ft()
    ember.cuda.synchronize()
    if ft is not None:
        torch.cuda.synchronize()
    te, tt = [], []
    for _ in range(reps):
        te.append(time_ember(fe, iters))
        if ft is not None:
            tt.append(time_torch(ft, iters))
    return statistics.median(te), (statistics.median(tt) if tt else None)


# ---- inputs ------------------------------------------------------------------------------------------------
def rand(shape, seed=0, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(np.float32)


def both(a, requires_grad=False):
    """(ember cuda tensor, torch cuda tensor or None) holding the numpy array `a`."""
    e = ember.tensor(a).cuda()
    if requires_grad:
        e.requires_grad_(True)
    t = None
    if torch is not None:
        t = torch.from_numpy(np.ascontiguousarray(a)).cuda()
        if requires_grad:
            t.requires_grad_(True)
    return e, t


# ---- cases: name -> (unit, amount, ember fn, torch fn); amount in bytes (GB/s) or flops (TFLOP/s) -----
def case_copy():
    n = 1 << 26
    (xe, xt), (ye, yt) = both(rand(n)), both(rand(n, 1))
    return "GB/s", 2 * 4 * n, lambda: ye.copy_(xe), (lambda: yt.copy_(xt)) if yt is not None else None


def case_add():
    n = 1 << 26
    (ae, at), (be, bt) = both(rand(n)), both(rand(n, 1))
    return "GB/s", 3 * 4 * n, lambda: ae + be, (lambda: at + bt) if at is not None else None


def case_mul():
    n = 1 << 26
    (ae, at), (be, bt) = both(rand(n)), both(rand(n, 1))
    return "GB/s", 3 * 4 * n, lambda: ae * be, (lambda: at * bt) if at is not None else None


def case_gelu():
    n = 1 << 26
    xe, xt = both(rand(n))
    return "GB/s", 2 * 4 * n, lambda: EF.gelu(xe), (lambda: TF.gelu(xt)) if xt is not None else None


def case_sum():
    n = 1 << 26
    xe, xt = both(rand(n))
    return "GB/s", 4 * n, lambda: xe.sum(), (lambda: xt.sum()) if xt is not None else None


def case_amax_rows():
    r, c = 16384, 4096
    xe, xt = both(rand((r, c)))
    return "GB/s", 4 * r * c, lambda: xe.amax(dim=-1), (lambda: xt.amax(dim=-1)) if xt is not None else None


def case_softmax():
    r, c = 16384, 4096
    xe, xt = both(rand((r, c)))
    return ("GB/s", 2 * 4 * r * c, lambda: EF.softmax(xe, dim=-1),
            (lambda: TF.softmax(xt, dim=-1)) if xt is not None else None)


def case_layer_norm():
    r, c = 32768, 1024
    xe, xt = both(rand((r, c)))
    we, wt = both(rand(c, 1, 0.5, 1.5))
    be, bt = both(rand(c, 2))
    return ("GB/s", 2 * 4 * r * c, lambda: EF.layer_norm(xe, (c,), we, be),
            (lambda: TF.layer_norm(xt, (c,), wt, bt)) if xt is not None else None)


def case_cross_entropy():
    r, c = 8192, 32000
    xe, xt = both(rand((r, c), 0, -3, 3))
    y = np.random.default_rng(1).integers(0, c, size=r)
    ye = ember.tensor(y).cuda()
    yt = torch.from_numpy(y).cuda() if torch is not None else None
    return ("GB/s", 4 * r * c, lambda: EF.cross_entropy(xe, ye),
            (lambda: TF.cross_entropy(xt, yt)) if xt is not None else None)


def case_matmul():
    n = 4096
    (ae, at), (be, bt) = both(rand((n, n))), both(rand((n, n), 1))
    if torch is not None:
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 against fp32
    return "TFLOP/s", 2 * n ** 3, lambda: ember.matmul(ae, be), (lambda: at @ bt) if at is not None else None


def case_conv2d():
    n, c, k, h, w = 32, 64, 64, 56, 56
    xe, xt = both(rand((n, c, h, w)))
    we, wt = both(rand((k, c, 3, 3), 1, -0.1, 0.1))
    if torch is not None:
        torch.backends.cudnn.allow_tf32 = False
    return ("TFLOP/s", 2 * n * k * c * 9 * h * w, lambda: EF.conv2d(xe, we, padding=1),
            (lambda: TF.conv2d(xt, wt, padding=1)) if xt is not None else None)


def _attn_inputs(grad):
    b, h, l, e = 4, 16, 1024, 64
    return [both(rand((b, h, l, e), s), grad) for s in range(3)], 4 * b * h * l * l * e


def case_attention_fwd():
    ((qe, qt), (ke, kt), (ve, vt)), flops = _attn_inputs(False)
    return ("TFLOP/s", flops, lambda: EF.scaled_dot_product_attention(qe, ke, ve),
            (lambda: TF.scaled_dot_product_attention(qt, kt, vt)) if qt is not None else None)


def case_attention_causal_fwd_bwd():
    ((qe, qt), (ke, kt), (ve, vt)), full = _attn_inputs(True)
    flops = 3.5 * full / 2  # forward (1x) + backward (2.5x), half of the scores (causal)
    ge, gt = both(rand((4, 16, 1024, 64), 9))

    def fe():
        EF.scaled_dot_product_attention(qe, ke, ve, is_causal=True).backward(ge)

    def ft():
        TF.scaled_dot_product_attention(qt, kt, vt, is_causal=True).backward(gt)
    return "TFLOP/s", flops, fe, ft if qt is not None else None


def case_adamw_step():
    sizes = [1 << 20] * 16
    pe = [ember.nn.Parameter(ember.tensor(rand(s, i)).cuda()) for i, s in enumerate(sizes)]
    for i, p in enumerate(pe):
        p.grad = ember.tensor(rand(p.shape[0], 100 + i)).cuda()
    oe = ember.optim.AdamW(pe, lr=1e-3)
    ot = None
    if torch is not None:
        pt = [torch.nn.Parameter(torch.from_numpy(rand(s, i)).cuda()) for i, s in enumerate(sizes)]
        for i, p in enumerate(pt):
            p.grad = torch.from_numpy(rand(p.shape[0], 100 + i)).cuda()
        ot = torch.optim.AdamW(pt, lr=1e-3, fused=True)
    # reads p, g, m, v; writes p, m, v
    return "GB/s", 7 * 4 * sum(sizes), oe.step, ot.step if ot is not None else None


CASES = [
    ("copy", case_copy), ("add", case_add), ("mul", case_mul), ("gelu", case_gelu), ("sum", case_sum),
    ("amax_rows", case_amax_rows), ("softmax", case_softmax), ("layer_norm", case_layer_norm),
    ("cross_entropy", case_cross_entropy), ("matmul_fp32", case_matmul), ("conv2d_3x3", case_conv2d),
    ("attention_fwd", case_attention_fwd), ("attention_causal_fwd_bwd", case_attention_causal_fwd_bwd),
    ("adamw_step", case_adamw_step),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--only", default=None, help="comma-separated case names")
    ap.add_argument("--record", metavar="FILE.md", default=None, help="also write the table as markdown")
    args = ap.parse_args(argv)
    if not ember.cuda.is_available():
        print(f"no GPU: ember.cuda.is_available() is False ({ember.cuda._unavailable_reason()}); nothing to "
              f"benchmark")
        return 0
    dev = ember.cuda.get_device_name()
    print(f"device: {dev}; PyTorch: {torch.__version__ if torch is not None else 'not available on this GPU'}")
    only = set(args.only.split(",")) if args.only else None
    rows, copy_bw = [], None
    for name, make in CASES:
        if only and name not in only and name != "copy":
            continue
        try:
            unit, amount, fe, ft = make()
            te, tt = measure(fe, ft, args.reps, args.iters)
        except Exception as e:  # an op without a CUDA kernel yet, or out of memory
            rows.append((name, "-", f"error: {type(e).__name__}: {str(e)[:80]}", "", "", ""))
            print(f"{name:26s} {rows[-1][2]}", flush=True)
            continue
        scale = 1e9 if unit == "GB/s" else 1e12
        ve, vt = amount / te / scale, (amount / tt / scale if tt else None)
        if name == "copy":
            copy_bw = ve
        pct = f"{100 * ve / copy_bw:.0f}%" if unit == "GB/s" and copy_bw else ""
        ratio = f"{tt / te:.2f}" if tt else ""
        rows.append((name, unit, f"{ve:.1f}" if unit == "GB/s" else f"{ve:.2f}",
                     (f"{vt:.1f}" if unit == "GB/s" else f"{vt:.2f}") if vt else "", ratio, pct))
        print(f"{name:26s} {unit:8s} ember {rows[-1][2]:>9s}  torch {rows[-1][3]:>9s}  torch/ember time "
              f"{ratio:>6s}  {pct:>5s} of ember copy bw", flush=True)
    header = "| case | unit | ember | torch | torch time / ember time | % of copy bw |\n|---|---|---|---|---|---|\n"
    table = header + "".join(f"| {' | '.join(r)} |\n" for r in rows)
    if args.record:
        with open(args.record, "w") as fh:
            fh.write(f"# bench_cuda ({datetime.date.today()})\n\n- device: {dev}\n- host: {platform.node()}\n"
                     f"- torch: {torch.__version__ if torch is not None else 'n/a'}\n"
                     f"- command: `python bench/python/bench_cuda.py {' '.join(argv or sys.argv[1:])}`\n\n{table}")
        print(f"wrote {args.record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
