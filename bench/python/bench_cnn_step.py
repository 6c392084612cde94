"""A small CNN training step (conv-BN-ReLU stack on 32x32 inputs, batch 64): ember vs PyTorch in one
process, same weights, same batch; blocks of steps alternate between the libraries, medians reported.

Model: [Conv3x3(3->32) BN ReLU] [Conv3x3(32->32) BN ReLU] MaxPool2 [Conv3x3(32->64) BN ReLU]
       AdaptiveAvgPool(1) Linear(64->10); cross-entropy; SGD momentum 0.9.

    python bench/python/bench_cnn_step.py [--reps 7] [--block 3] [--threads N]
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


def build(nn):
    def block(i, o):
        return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU()]
    return nn.Sequential(*block(3, 32), *block(32, 32), nn.MaxPool2d(2), *block(32, 64),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--block", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if torch is None:
        raise SystemExit("needs PyTorch")
    if args.threads:
        ember.set_num_threads(args.threads)
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tm, em = build(torch.nn), build(ember.nn)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3, 32, 32)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    tx, ty, ex, ey = torch.from_numpy(x), torch.from_numpy(y), ember.tensor(x), ember.tensor(y)
    to = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    eo = ember.optim.SGD(em.parameters(), lr=0.01, momentum=0.9)

    def t_step():
        to.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(tx), ty)
        loss.backward()
        to.step()
        return loss

    def e_step():
        eo.zero_grad()
        loss = ember.nn.functional.cross_entropy(em(ex), ey)
        loss.backward()
        eo.step()
        return loss
    lt, le = float(t_step()), float(e_step())
    assert abs(lt - le) < 1e-4 * max(1, abs(lt)), (lt, le)
    ts, es = [], []
    for _ in range(args.reps):
        for fn, acc in ((t_step, ts), (e_step, es)):
            t0 = time.perf_counter()
            for _ in range(args.block):
                fn()
            acc.append((time.perf_counter() - t0) / args.block)
    t, e = statistics.median(ts), statistics.median(es)
    print(f"small CNN training step (batch 64, 32x32): ember {e * 1e3:.1f} ms, torch {t * 1e3:.1f} ms, "
          f"torch/ember {t / e:.2f}x (threads: ember {ember.get_num_threads()}, torch {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
