"""The seed book's MNIST-1D MLP training step: ember vs PyTorch in one process.

Model 40-100-100-10 with ReLU, cross-entropy, SGD with momentum 0.9, batch 100, both libraries
starting from the same weights and fed the same batches. One "step" is zero_grad + forward +
loss + backward + optimizer step. The two libraries alternate in blocks of ``--block`` steps
within each repetition (so machine drift hits both alike); the median per-step time over the
repetitions is reported with the ratio torch/ember (>1 means ember is faster). Also reported:
forward-only (no_grad) time and the autograd overhead per recorded op.

    python bench/python/bench_mlp.py [--reps 15] [--block 50] [--threads N] [--record FILE.md]
"""
import argparse
import datetime
import os
import platform
import statistics
import time

import numpy as np

import ember
import ember.nn as enn

try:
    import torch
except ImportError:
    torch = None


def build(lib, nn, sizes=(40, 100, 100, 10)):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def copy_weights(src_torch, dst_ember):
    with ember.no_grad():
        for (kt, vt), (ke, ve) in zip(src_torch.state_dict().items(), dst_ember.state_dict().items()):
            assert kt == ke, (kt, ke)
            ve.copy_(ember.tensor(vt.detach().numpy()))


def make_step(lib, model, opt, loss_fn):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def timed_blocks(fns, reps, block):
    ts = [[] for _ in fns]
    for _ in range(reps):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(block):
                f()
            ts[i].append((time.perf_counter() - t0) / block)
    return [statistics.median(t) for t in ts]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--block", type=int, default=50)
    ap.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: their own)")
    ap.add_argument("--record", default=None)
    args = ap.parse_args()
    if torch is None:
        raise SystemExit("bench_mlp needs PyTorch installed (pip install torch==2.13.0)")
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((4000, 40)).astype(np.float32)
    ys = rng.integers(0, 10, 4000)
    torch.manual_seed(0)
    tm = build(torch, torch.nn)
    em = build(ember, enn)
    copy_weights(tm, em)
    t_opt = torch.optim.SGD(tm.parameters(), lr=0.1, momentum=0.9)
    e_opt = ember.optim.SGD(em.parameters(), lr=0.1, momentum=0.9)
    t_step = make_step(torch, tm, t_opt, torch.nn.CrossEntropyLoss())
    e_step = make_step(ember, em, e_opt, enn.CrossEntropyLoss())
    tb = [(torch.from_numpy(xs[i:i + 100]), torch.from_numpy(ys[i:i + 100])) for i in range(0, 4000, 100)]
    eb = [(ember.tensor(xs[i:i + 100]), ember.tensor(ys[i:i + 100])) for i in range(0, 4000, 100)]
    # correctness first: the same losses for the first steps
    for k in range(5):
        lt = float(t_step(*tb[k]))
        le = float(e_step(*eb[k]))
        assert abs(lt - le) <= 1e-4 * max(1.0, abs(lt)), (k, lt, le)
    ci = {"t": 0, "e": 0}

    def run_t():
        ci["t"] = (ci["t"] + 1) % len(tb)
        t_step(*tb[ci["t"]])

    def run_e():
        ci["e"] = (ci["e"] + 1) % len(eb)
        e_step(*eb[ci["e"]])

    for _ in range(100):
        run_t()
        run_e()
    t_train, e_train = timed_blocks([run_t, run_e], args.reps, args.block)

    def fwd_t():
        with torch.no_grad():
            tm(tb[0][0])

    def fwd_e():
        with ember.no_grad():
            em(eb[0][0])
    t_fwd, e_fwd = timed_blocks([fwd_t, fwd_e], args.reps, args.block)

    rows = [("train step (fwd+bwd+SGD momentum)", e_train, t_train), ("forward, no_grad", e_fwd, t_fwd)]
    head = f"{'case':36s} {'ember us':>9s} {'torch us':>9s} {'torch/ember':>12s}"
    lines = [head, "-" * len(head)]
    for name, e, t in rows:
        lines.append(f"{name:36s} {e * 1e6:9.1f} {t * 1e6:9.1f} {t / e:11.2f}x")
    out = "\n".join(lines)
    print(out)
    if args.record:
        with open(args.record, "a") as f:
            f.write(f"\n## bench_mlp ({datetime.date.today()}, {platform.processor() or platform.machine()}, "
                    f"{os.cpu_count()} cpus, ember threads {ember.get_num_threads()}, torch threads "
                    f"{torch.get_num_threads()}, torch {torch.__version__})\n\n"
                    f"`python bench/python/bench_mlp.py --reps {args.reps} --block {args.block}`\n\n```\n{out}\n```\n")


if __name__ == "__main__":
    main()
