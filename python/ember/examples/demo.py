"""A short demo of ember's tensor API: a two-layer MLP trained on a 3-class spiral data set with
hand-written gradients (autograd and the MNIST-1D trainer arrive in later releases).

    python -m ember.examples.demo [--steps 300] [--hidden 64] [--seed 0]
"""
import argparse
import math
import sys
import time

import ember


def spiral(n_per_class, classes, gen):
    """Points on `classes` interleaved noisy spiral arms, labels 0..classes-1."""
    r = ember.linspace(0.0, 1.0, n_per_class).repeat(classes)
    label = ember.arange(classes).repeat_interleave(n_per_class)
    theta = label.float() * (2 * math.pi / classes) + r * 4.0 + ember.randn(r.shape, generator=gen) * 0.2
    x = ember.stack([r * ember.sin(theta), r * ember.cos(theta)], dim=1)
    return x, label


def progress(step, total, loss, acc, start, width=30):
    done = int(width * step / total)
    bar = "#" * done + "-" * (width - done)
    rate = step / max(time.perf_counter() - start, 1e-9)
    sys.stdout.write(f"\r[{bar}] {step}/{total} loss={loss:.4f} acc={acc:.3f} ({rate:.0f} it/s)")
    sys.stdout.flush()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    gen = ember.Generator().manual_seed(args.seed)
    classes = 3
    x, y = spiral(300, classes, gen)
    n = x.shape[0]
    onehot = ember.nn.functional.one_hot(y, classes).float()
    w1 = ember.randn(2, args.hidden, generator=gen) * math.sqrt(2.0 / 2)
    b1 = ember.zeros(args.hidden)
    w2 = ember.randn(args.hidden, classes, generator=gen) * math.sqrt(1.0 / args.hidden)
    b2 = ember.zeros(classes)

    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        # forward
        h_pre = ember.addmm(b1, x, w1)
        h = ember.clamp(h_pre, min=0.0)
        logits = ember.addmm(b2, h, w2)
        logp = logits - ember.logsumexp(logits, dim=1, keepdim=True)
        loss = -(logp * onehot).sum() / n
        # backward (softmax cross-entropy through a ReLU MLP)
        g_logits = (ember.exp(logp) - onehot) / n
        g_w2 = h.t() @ g_logits
        g_b2 = g_logits.sum(0)
        g_h = (g_logits @ w2.t()) * (h_pre > 0)
        g_w1 = x.t() @ g_h
        g_b1 = g_h.sum(0)
        for p, g in ((w1, g_w1), (b1, g_b1), (w2, g_w2), (b2, g_b2)):
            p.sub_(g, alpha=args.lr)
        if step % 10 == 0 or step == args.steps:
            acc = (logits.argmax(1) == y).float().mean().item()
            progress(step, args.steps, loss.item(), acc, start)
    print()
    print(f"final training accuracy {acc:.3f} after {args.steps} steps")
    return acc


if __name__ == "__main__":
    main()
