"""Per-call overhead of tiny ops: ember vs PyTorch vs numpy, interleaved in one process.

Each case is timed as process CPU time per call (1 thread by default), repeated ``--repeats`` times
in the order ember, torch, numpy, ember, ... ; the table shows medians in microseconds.
Usage: python bench/python/bench_dispatch.py [--threads 1] [--repeats 15] [--number 20000]
"""
import argparse
import statistics
import time

import numpy as np


def per_call(fn, number):
    t0 = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - t0) / number * 1e6


def cases(m, is_np=False):
    """name -> zero-arg callable for library ``m`` (ember or torch); numpy analogues where they exist."""
    if is_np:
        a = np.ones((2, 2), np.float32)
        b = np.ones((2, 2), np.float32)
        x = np.ones((4, 8), np.float32)
        w = np.ones((3, 8), np.float32)
        bias = np.ones(3, np.float32)
        return {
            "a @ b (2x2)": lambda: a @ b,
            "a + b (2x2)": lambda: a + b,
            "x.sum()": lambda: x.sum(),
            "relu(x)": lambda: np.maximum(x, 0),
            "linear(x, w, b)": lambda: x @ w.T + bias,
            "x.view(8, 4)": lambda: x.reshape(8, 4),
            "x.transpose(0, 1)": lambda: x.transpose(1, 0),
            "x[1:3]": lambda: x[1:3],
        }
    F = m.nn.functional
    out = {}
    for rg in (False, True):
        a = m.ones(2, 2, requires_grad=rg)
        b = m.ones(2, 2)
        x = m.ones(4, 8, requires_grad=rg)
        w = m.ones(3, 8)
        bias = m.ones(3)
        sfx = " [rg]" if rg else ""
        out.update({
            "a @ b (2x2)" + sfx: lambda a=a, b=b: a @ b,
            "a + b (2x2)" + sfx: lambda a=a, b=b: a + b,
            "x.sum()" + sfx: lambda x=x: x.sum(),
            "relu(x)" + sfx: lambda x=x: F.relu(x),
            "linear(x, w, b)" + sfx: lambda x=x, w=w, bias=bias: F.linear(x, w, bias),
            "x.view(8, 4)" + sfx: lambda x=x: x.view(8, 4),
            "x.transpose(0, 1)" + sfx: lambda x=x: x.transpose(0, 1),
            "x[1:3]" + sfx: lambda x=x: x[1:3],
        })
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--number", type=int, default=20000)
    p.add_argument("--no-torch", action="store_true")
    args = p.parse_args()
    import ember
    ember.set_num_threads(args.threads)
    libs = {"ember": cases(ember)}
    if not args.no_torch:
        import torch
        torch.set_num_threads(args.threads)
        libs["torch"] = cases(torch)
    libs["numpy"] = cases(None, is_np=True)
    names = list(libs["ember"])
    res = {lib: {n: [] for n in names} for lib in libs}
    for n in names:
        for lib in libs:
            if n in libs[lib]:
                per_call(libs[lib][n], 200)  # warm up
    for _ in range(args.repeats):
        for n in names:
            for lib in libs:
                if n in libs[lib]:
                    res[lib][n].append(per_call(libs[lib][n], args.number))
    cols = list(libs)
    print(f"threads={args.threads} repeats={args.repeats} number={args.number}  (median us/call, process CPU time)")
    print("| op | " + " | ".join(cols) + " | ember/torch | ember/numpy |")
    print("|---|" + "---|" * (len(cols) + 2))
    for n in names:
        med = {lib: statistics.median(res[lib][n]) for lib in cols if res[lib][n]}
        cells = [f"{med[c]:.2f}" if c in med else "-" for c in cols]
        rt = f"{med['ember'] / med['torch']:.2f}" if "torch" in med else "-"
        rn = f"{med['ember'] / med['numpy']:.2f}" if "numpy" in med else "-"
        print(f"| {n} | " + " | ".join(cells) + f" | {rt} | {rn} |")


if __name__ == "__main__":
    main()
