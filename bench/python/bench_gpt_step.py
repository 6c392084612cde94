"""One training step of the char-GPT example (forward, cross-entropy, backward, gradient clipping,
AdamW step) in ember vs the same model in PyTorch, in one process.

The two models come from the same code (``ember.examples.char_gpt.gpt_classes``), PyTorch's
weights are copied into ember, and the loss and gradients are checked equal before timing.
Steps alternate between the libraries (A, B, A, B, ...); medians of wall time and of process
CPU time are reported for each thread count.

    python bench/python/bench_gpt_step.py [--threads 1,2] [--reps 15] [--per-block 2] [--ops] [--profile]

--ops      also time each kind of op of the step in isolation (same shapes, forward + backward,
           ember vs PyTorch), times the number of uses per step: where the step's time goes.
--profile  cProfile one block of ember steps; the top entries by own time (the ``_C`` entries
           are the C++ kernels, one line per binding).
"""
import argparse
import cProfile
import io
import pstats
import statistics
import time

import numpy as np

import ember
from ember.examples import char_gpt

try:
    import torch
except ImportError:
    torch = None

DEFAULT = dict(vocab=101, batch=char_gpt.DEFAULTS["batch_size"], block=char_gpt.DEFAULTS["block_size"],
               n_layer=char_gpt.DEFAULTS["n_layer"], n_head=char_gpt.DEFAULTS["n_head"],
               n_embd=char_gpt.DEFAULTS["n_embd"])


class Pair:
    """The GPT built in both libraries with the same weights, optimizers and batch."""

    def __init__(self, cfg, seed=0):
        V, T, L, H, C = cfg["vocab"], cfg["block"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        torch.manual_seed(seed)
        self.tm = char_gpt.gpt_classes(torch)(V, T, L, H, C)
        self.em = char_gpt.GPT(V, T, L, H, C)
        self.em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in self.tm.state_dict().items()})
        assert self.em.head.weight is self.em.tok_emb.weight
        self.to = torch.optim.AdamW(self.tm.optimizer_groups(0.1), lr=1e-3, betas=(0.9, 0.99))
        self.eo = ember.optim.AdamW(self.em.optimizer_groups(0.1), lr=1e-3, betas=(0.9, 0.99))
        rng = np.random.default_rng(seed)
        x = rng.integers(0, V, (cfg["batch"], T))
        y = rng.integers(0, V, (cfg["batch"], T))
        self.tx, self.ty = torch.from_numpy(x), torch.from_numpy(y)
        self.ex, self.ey = ember.from_numpy(x), ember.from_numpy(y)

    def torch_step(self, update=True):
        _, loss = self.tm(self.tx, self.ty)
        self.to.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.tm.parameters(), 1.0)
        if update:
            self.to.step()
        return loss

    def ember_step(self, update=True):
        _, loss = self.em(self.ex, self.ey)
        self.eo.zero_grad(set_to_none=True)
        loss.backward()
        ember.nn.utils.clip_grad_norm_(self.em.parameters(), 1.0)
        if update:
            self.eo.step()
        return loss

    def check(self):
        """Same loss and (clipped) gradients before any update; raises AssertionError otherwise."""
        lt, le = float(self.torch_step(update=False).detach()), float(self.ember_step(update=False))
        assert abs(lt - le) <= 1e-4 * max(1.0, abs(lt)), f"loss differs: torch {lt}, ember {le}"
        tg = dict(self.tm.named_parameters())
        worst = 0.0
        for name, p in self.em.named_parameters():
            a, b = p.grad.numpy(), tg[name].grad.numpy()
            worst = max(worst, float(np.abs(a - b).max() / (np.abs(b).max() + 1e-12)))
        assert worst < 1e-3, f"gradients differ (max relative error {worst:.2e})"
        return lt, le, worst


def _timed(fn, n):
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - w0) / n, (time.process_time() - c0) / n


def interleaved(a, b, reps, block, warmup=2):
    """Median (wall, cpu) seconds per call of a and b, alternating blocks of ``block`` calls."""
    for _ in range(warmup):
        a()
        b()
    ra, rb = [], []
    for _ in range(reps):
        ra.append(_timed(a, block))
        rb.append(_timed(b, block))
    med = lambda r: (statistics.median(x[0] for x in r), statistics.median(x[1] for x in r))  # noqa: E731
    return med(ra), med(rb)


# ---------------------------------------------------------------------------------------------
# the step's ops in isolation

def op_cases(cfg):
    """(name, uses per step, builder) for the ops of one step; builder(lib) -> a function that runs the
    op forward and backward on fixed inputs (inputs built once from the same numpy arrays)."""
    B, T, L, H, C, V = cfg["batch"], cfg["block"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["vocab"]
    N, hd = B * T, C // H
    rng = np.random.default_rng(0)

    def arr(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)

    def leaf(lib, a):
        return lib.tensor(a).requires_grad_()

    def linear(n_in, n_out, bias=True):
        x, w, b, g = arr(N, n_in), arr(n_out, n_in), arr(n_out), arr(N, n_out)

        def build(lib):
            X, W, Bi, G = leaf(lib, x), leaf(lib, w), leaf(lib, b) if bias else None, lib.tensor(g)
            F = lib.nn.functional

            def run():
                F.linear(X, W, Bi).backward(G)
            return run
        return build

    def layer_norm():
        x, w, b, g = arr(N, C), arr(C) + 1, arr(C), arr(N, C)

        def build(lib):
            X, W, Bi, G = leaf(lib, x), leaf(lib, w), leaf(lib, b), lib.tensor(g)

            def run():
                lib.nn.functional.layer_norm(X, (C,), W, Bi).backward(G)
            return run
        return build

    def gelu():
        x, g = arr(N, 4 * C) * 10, arr(N, 4 * C)

        def build(lib):
            X, G = leaf(lib, x), lib.tensor(g)

            def run():
                lib.nn.functional.gelu(X).backward(G)
            return run
        return build

    def attention():
        qkv, g = arr(B, T, 3 * C) * 10, arr(B, T, C)

        def build(lib):
            Q, G = leaf(lib, qkv), lib.tensor(g)

            def run():  # the example's path: split heads (views), attention, merge heads (a copy)
                q, k, v = Q.view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4).unbind(0)
                y = lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
                y.transpose(1, 2).reshape(B, T, C).backward(G)
            return run
        return build

    def residual_add():
        a, b, g = arr(B, T, C), arr(B, T, C), arr(B, T, C)

        def build(lib):
            A, Bt, G = leaf(lib, a), leaf(lib, b), lib.tensor(g)

            def run():
                (A + Bt).backward(G)
            return run
        return build

    def embedding():
        idx, w, g = rng.integers(0, V, (B, T)), arr(V, C), arr(B, T, C)
        wp, gp = arr(T, C), arr(T, C)

        def build(lib):
            I, W, G = lib.from_numpy(idx), leaf(lib, w), lib.tensor(g)
            Wp = leaf(lib, wp)
            F = lib.nn.functional

            def run():  # token + position embeddings, summed (the model's input)
                (F.embedding(I, W) + F.embedding(lib.arange(T), Wp)).backward(G)
            return run
        return build

    def cross_entropy():
        logits, y = arr(N, V) * 10, rng.integers(0, V, N)

        def build(lib):
            X, Y = leaf(lib, logits), lib.from_numpy(y)

            def run():
                lib.nn.functional.cross_entropy(X, Y).backward()
            return run
        return build

    def optimizer():
        shapes = [(V, C), (T, C)] + [(3 * C, C), (3 * C,), (C, C), (C,), (4 * C, C), (4 * C,), (C, 4 * C), (C,),
                                     (C,), (C,), (C,), (C,)] * L + [(C,), (C,)]
        ws = [arr(*s) for s in shapes]
        gs = [arr(*s) for s in shapes]

        def build(lib):
            ps = [lib.nn.Parameter(lib.tensor(w)) for w in ws]
            for p, g in zip(ps, gs):
                p.grad = lib.tensor(g)
            opt = lib.optim.AdamW([{"params": [p for p in ps if p.dim() >= 2], "weight_decay": 0.1},
                                   {"params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3)

            def run():  # clip_grad_norm_ + AdamW step over all the model's parameters
                lib.nn.utils.clip_grad_norm_(ps, 1e9)
                opt.step()
            return run
        return build

    return [
        ("linear qkv  (N,C)->(N,3C)", L, linear(C, 3 * C)),
        ("linear proj (N,C)->(N,C)", L, linear(C, C)),
        ("linear fc   (N,C)->(N,4C)", L, linear(C, 4 * C)),
        ("linear fc2  (N,4C)->(N,C)", L, linear(4 * C, C)),
        ("linear head (N,C)->(N,V) no bias", 1, linear(C, V, bias=False)),
        ("attention (split, sdpa causal, merge)", L, attention()),
        ("layer_norm (N,C)", 2 * L + 1, layer_norm()),
        ("gelu (N,4C)", L, gelu()),
        ("residual add (B,T,C)", 2 * L, residual_add()),
        ("embedding tok+pos", 1, embedding()),
        ("cross_entropy (N,V)", 1, cross_entropy()),
        ("clip_grad_norm_ + AdamW step", 1, optimizer()),
    ]


def op_table(cfg, reps, block):
    rows = []
    for name, uses, build in op_cases(cfg):
        (ew, ec), (tw, tc) = interleaved(build(ember), build(torch), reps, block)
        rows.append((name, uses, ec * uses, tc * uses, ew * uses, tw * uses))
    return rows


def profile_ember(pair, steps):
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(steps):
        pair.ember_step()
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(25)
    return s.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    ap.add_argument("--reps", type=int, default=15, help="alternating blocks per library")
    ap.add_argument("--per-block", type=int, default=2, help="steps per timed block")
    ap.add_argument("--ops", action="store_true", help="per-op breakdown (ember vs torch)")
    ap.add_argument("--profile", action="store_true", help="cProfile the ember step")
    for k, v in DEFAULT.items():
        ap.add_argument(f"--{k.replace('_', '-')}", type=int, default=v)
    args = ap.parse_args()
    if torch is None:
        raise SystemExit("bench_gpt_step needs PyTorch")
    cfg = {k: getattr(args, k) for k in DEFAULT}
    flops = 6 * sum(p.numel() for p in Pair(cfg).tm.parameters() if p.dim() == 2) * cfg["batch"] * cfg["block"]
    print(f"GPT step: batch {cfg['batch']} x block {cfg['block']}, {cfg['n_layer']} layers, {cfg['n_head']} heads, "
          f"n_embd {cfg['n_embd']}, vocab {cfg['vocab']}  (~{flops / 1e9:.2f} GFLOP in the Linear layers)")
    for nt in [int(t) for t in args.threads.split(",")]:
        ember.set_num_threads(nt)
        torch.set_num_threads(nt)
        pair = Pair(cfg)
        lt, le, gerr = pair.check()
        (ew, ec), (tw, tc) = interleaved(pair.ember_step, pair.torch_step, args.reps, args.per_block)
        print(f"\nthreads {nt}: loss torch {lt:.6f} ember {le:.6f}, max grad rel. error {gerr:.1e}")
        print(f"  {'':8s} {'ember ms':>9s} {'torch ms':>9s} {'torch/ember':>12s}")
        print(f"  {'wall':8s} {ew * 1e3:9.1f} {tw * 1e3:9.1f} {tw / ew:11.2f}x")
        print(f"  {'cpu':8s} {ec * 1e3:9.1f} {tc * 1e3:9.1f} {tc / ec:11.2f}x")
        print(f"  ember {flops / ew / 1e9:.1f} GFLOP/s (Linear FLOPs / wall), torch {flops / tw / 1e9:.1f}")
        if args.ops:
            rows = op_table(cfg, max(5, args.reps // 2), args.per_block)
            print(f"\n  per step, ops timed in isolation (forward + backward; ms x uses), threads {nt}")
            print(f"  {'op':40s} {'uses':>4s} {'ember cpu':>10s} {'torch cpu':>10s} {'torch/ember':>11s} "
                  f"{'ember wall':>10s} {'torch wall':>10s}")
            for name, uses, ec_, tc_, ew_, tw_ in rows:
                print(f"  {name:40s} {uses:4d} {ec_ * 1e3:10.2f} {tc_ * 1e3:10.2f} {tc_ / ec_:10.2f}x "
                      f"{ew_ * 1e3:10.2f} {tw_ * 1e3:10.2f}")
            se, st = sum(r[2] for r in rows), sum(r[3] for r in rows)
            print(f"  {'sum of the ops':40s} {'':4s} {se * 1e3:10.2f} {st * 1e3:10.2f} {st / se:10.2f}x")
        if args.profile:
            print(f"\n  cProfile of {5 * args.per_block} ember steps (threads {nt}):")
            print(profile_ember(pair, 5 * args.per_block))


if __name__ == "__main__":
    main()
