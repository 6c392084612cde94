"""F.gelu (erf form) forward and forward+backward, ember vs PyTorch in one process, 1 thread,
process CPU time (robust on a shared machine); medians of interleaved repeats.

    python bench/python/bench_gelu.py
"""
import statistics
import time

import numpy as np

import ember
import torch


def cpu_median(f, n, reps=5):
    out = []
    for _ in range(reps):
        t0 = time.process_time()
        for _ in range(n):
            f()
        out.append((time.process_time() - t0) / n)
    return statistics.median(out)


def main():
    ember.set_num_threads(1)
    torch.set_num_threads(1)
    EF, TF = ember.nn.functional, torch.nn.functional
    print("| shape | fwd ember us | fwd torch us | torch/ember | fwd+bwd ember us | fwd+bwd torch us | torch/ember |")
    print("|---|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for shape in [(4096, 512), (2048, 1024), (256, 256)]:
        a = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        xe, xt = ember.tensor(a), torch.tensor(a)
        ge, gt = ember.tensor(g), torch.tensor(g)
        xe2, xt2 = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        n = 5 if shape[0] > 1000 else 100

        def fb_e():
            EF.gelu(xe2).backward(ge)

        def fb_t():
            TF.gelu(xt2).backward(gt)

        res = {}
        for name, fe, ft in [("fwd", lambda: EF.gelu(xe), lambda: TF.gelu(xt)), ("fb", fb_e, fb_t)]:
            es, ts = [], []
            for _ in range(5):  # interleaved
                es.append(cpu_median(fe, n))
                ts.append(cpu_median(ft, n))
            res[name] = (min(es) * 1e6, min(ts) * 1e6)
        (fe_, ft_), (be_, bt_) = res["fwd"], res["fb"]
        print(f"| {shape[0]}x{shape[1]} | {fe_:.1f} | {ft_:.1f} | {ft_ / fe_:.2f}x | {be_:.1f} | {bt_:.1f} | "
              f"{bt_ / be_:.2f}x |")


if __name__ == "__main__":
    main()
