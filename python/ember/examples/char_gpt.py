"""Train a character-level GPT on ember (nanoGPT-style), then sample from it.

    python -m ember.examples.char_gpt [--device cpu|cuda] [--data FILE] [--steps N] [--batch-size B] [--block-size T]
                                      [--n-layer L] [--n-head H] [--n-embd C] [--lr LR] [--seed S]
                                      [--temperature X] [--top-k K] [--save FILE]

Text: by default the Python standard library's own source files (every ``*.py`` directly under
``os.path.dirname(os.__file__)``, sorted by name, capped at ``--max-chars``), so the job runs
offline on any machine; or any UTF-8 text file given with ``--data``. The vocabulary is the set of
characters of the text; the first 90% is the training split, the last 10% the validation split.

Model: token + learned position embeddings, pre-LN blocks (LayerNorm -> causal self-attention
with one fused qkv Linear -> residual; LayerNorm -> Linear-GELU-Linear -> residual), a final
LayerNorm and a head whose weight is the token embedding's (weight tying). AdamW with weight
decay on the 2-D weights only, linear warm-up then cosine decay, gradient-norm clipping.

At the end it prints the unigram baseline (the cross-entropy on the validation text of the
training text's character frequencies, in nats) next to the final validation loss, and samples.
The model code is written once against a torch-like namespace (``gpt_classes``), so the same
code builds the PyTorch twin used by the parity test and the training-step benchmark.
"""
import argparse
import glob
import math
import os
import sys
import time

import numpy as np

import ember as torch
import ember.nn as nn

# Defaults sized to train in a few minutes on two CPU cores (see bench/results/2026-11-22-gpt.md).
DEFAULTS = dict(steps=1500, batch_size=16, block_size=64, n_layer=4, n_head=4, n_embd=128, lr=3e-3,
                min_lr_ratio=0.1, warmup=100, weight_decay=0.1, grad_clip=1.0, dropout=0.0,
                eval_interval=250, eval_iters=20, max_chars=3_000_000)


# ---------------------------------------------------------------------------------------------
# data

def stdlib_sources():
    """The sorted ``*.py`` files directly under the standard library's directory."""
    return sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))


def load_text(path=None, max_chars=DEFAULTS["max_chars"]):
    """The training text: ``path`` if given, else the standard library's sources; at most ``max_chars``
    characters (None: no cap). Returns (text, description)."""
    if path is not None:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(max_chars) if max_chars else f.read()
        return text, path
    parts, total, files = [], 0, 0
    for name in stdlib_sources():
        with open(name, encoding="utf-8", errors="replace") as f:
            s = f.read()
        parts.append(s)
        total += len(s)
        files += 1
        if max_chars and total >= max_chars:
            break
    text = "".join(parts)
    if max_chars:
        text = text[:max_chars]
    return text, f"{files} stdlib sources under {os.path.dirname(os.__file__)}"


class CharData:
    """Character vocabulary, the encoded text and its 90/10 train/val split."""

    def __init__(self, text, val_fraction=0.1):
        if len(text) < 4:
            raise ValueError(f"[char_gpt] the text is too short to train on ({len(text)} characters; "
                             "give a text file with --data)")
        # One pass over the text as UTF-32 code points: np.unique gives the sorted vocabulary and
        # every character's index in it.
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        vocab, ids = np.unique(codes, return_inverse=True)
        self.chars = [chr(c) for c in vocab]
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.ids = ids.astype(np.int64).reshape(-1)
        n_train = int(len(self.ids) * (1.0 - val_fraction))
        self.train, self.val = self.ids[:n_train], self.ids[n_train:]

    @property
    def vocab_size(self):
        return len(self.chars)

    def encode(self, s):
        return [self.stoi[c] for c in s if c in self.stoi]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)

    def unigram_baseline(self):
        """Cross-entropy (nats) on the val split of the train split's character frequencies (add-one
        smoothed so a character unseen in training costs a finite amount), and the train entropy."""
        counts = np.bincount(self.train, minlength=self.vocab_size).astype(np.float64)
        p_train = counts / counts.sum()
        nz = p_train > 0
        entropy = float(-(p_train[nz] * np.log(p_train[nz])).sum())
        p = (counts + 1.0) / (counts.sum() + self.vocab_size)
        return float(-np.log(p[self.val]).mean()), entropy


class BatchSampler:
    """Random windows of block_size + 1 characters from one split (seeded numpy generator)."""

    def __init__(self, ids, block_size, batch_size, seed):
        if len(ids) < block_size + 1:
            raise ValueError(f"[char_gpt] a split of {len(ids)} characters is too short for block size {block_size}")
        self.ids, self.block_size, self.batch_size = ids, block_size, batch_size
        self.rng = np.random.default_rng(seed)
        self.offsets = np.arange(block_size + 1)

    def __call__(self):
        start = self.rng.integers(0, len(self.ids) - self.block_size, size=self.batch_size)
        win = self.ids[start[:, None] + self.offsets]
        return torch.from_numpy(win[:, :-1].copy()), torch.from_numpy(win[:, 1:].copy())


# ---------------------------------------------------------------------------------------------
# model

def gpt_classes(torch):
    """The GPT modules written against a torch-like namespace (``ember`` or ``torch``): returns the
    GPT class. Everything the model does goes through ``torch.nn`` and ``torch.nn.functional``."""
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head, dropout):
            super().__init__()
            if n_embd % n_head:
                raise ValueError(f"[char_gpt] n_embd {n_embd} is not a multiple of n_head {n_head}")
            self.n_head, self.dropout = n_head, dropout
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)  # q, k and v in one product
            self.c_proj = nn.Linear(n_embd, n_embd)
            self.resid_drop = nn.Dropout(dropout)

        def forward(self, x):
            B, T, C = x.shape
            H = self.n_head
            # (B, T, 3C) -> (3, B, H, T, C/H): q, k, v as strided views, no copies.
            q, k, v = self.c_attn(x).view(B, T, 3, H, C // H).permute(2, 0, 3, 1, 4).unbind(0)
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                               is_causal=True)
            y = y.transpose(1, 2).reshape(B, T, C)
            return self.resid_drop(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self, n_embd, dropout):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * n_embd, n_embd)
            self.drop = nn.Dropout(dropout)

        def forward(self, x):
            return self.drop(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head, dropout):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd)
            self.attn = CausalSelfAttention(n_embd, n_head, dropout)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = MLP(n_embd, dropout)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        """Decoder-only transformer: (B, T) token ids -> (B, T, vocab) logits (and the mean
        cross-entropy against ``targets`` when given)."""

        def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout=0.0):
            super().__init__()
            self.block_size = block_size
            self.tok_emb = nn.Embedding(vocab_size, n_embd)
            self.pos_emb = nn.Embedding(block_size, n_embd)
            self.drop = nn.Dropout(dropout)
            self.blocks = nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.head = nn.Linear(n_embd, vocab_size, bias=False)
            self.head.weight = self.tok_emb.weight  # weight tying
            # GPT-2 initialization: N(0, 0.02), zero biases, residual projections scaled by 1/sqrt(2L).
            for name, p in self.named_parameters():
                if name.endswith("c_proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))
                elif p.dim() == 2:
                    nn.init.normal_(p, mean=0.0, std=0.02)
                elif name.endswith(".bias"):
                    nn.init.zeros_(p)

        def forward(self, idx, targets=None):
            B, T = idx.shape
            if T > self.block_size:
                raise ValueError(f"[char_gpt] sequence of length {T} is longer than block_size {self.block_size}")
            pos = torch.arange(T, dtype=torch.int64, device=idx.device)
            x = self.drop(self.tok_emb(idx) + self.pos_emb(pos))
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln_f(x))
            if targets is None:
                return logits, None
            loss = F.cross_entropy(logits.view(B * T, -1), targets.reshape(B * T))
            return logits, loss

        def optimizer_groups(self, weight_decay):
            """AdamW groups as nanoGPT: decay the 2-D weights (matmuls, embeddings), not biases/norms."""
            params = list(self.parameters())
            return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                    {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
            """Append ``max_new_tokens`` sampled tokens to ``idx`` (B, T0), feeding at most the last
            block_size tokens back each step."""
            for _ in range(max_new_tokens):
                logits, _ = self(idx[:, -self.block_size:])
                logits = logits[:, -1, :]
                if temperature <= 0:  # greedy
                    nxt = logits.argmax(-1, keepdim=True)
                else:
                    logits = logits / temperature
                    if top_k is not None and top_k < logits.shape[-1]:
                        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
                        logits = logits.masked_fill(logits < kth, float("-inf"))
                    probs = F.softmax(logits, dim=-1)
                    # drawn on the CPU with the CPU generator: the same text on every device
                    nxt = torch.multinomial(probs.cpu(), 1, generator=generator).to(idx.device)
                idx = torch.cat([idx, nxt], dim=1)
            return idx

    return GPT


GPT = gpt_classes(torch)


def lr_lambda(warmup, total, min_ratio):
    """Multiplier of the peak learning rate at scheduler step s: linear warm-up over ``warmup``
    steps, then cosine decay to ``min_ratio`` at ``total``."""
    def f(s):
        if s < warmup:
            return (s + 1) / warmup
        frac = min(1.0, (s - warmup) / max(1, total - warmup))
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * frac))
    return f


def to_device(x, y, device):
    """A CPU batch on ``device`` (pinned and copied asynchronously for a GPU)."""
    if str(device) == "cpu":
        return x, y
    return x.pin_memory().to(device, non_blocking=True), y.pin_memory().to(device, non_blocking=True)


@torch.no_grad()
def estimate_loss(model, samplers, iters, device="cpu"):
    """Mean loss over ``iters`` fresh batches of each split, in eval mode (one host read per split)."""
    model.eval()
    out = {}
    for split, sample in samplers.items():
        total = None
        for _ in range(iters):
            x, y = to_device(*sample(), device)
            _, loss = model(x, y)
            total = loss if total is None else total + loss
        out[split] = float(total) / iters
    model.train()
    return out


# ---------------------------------------------------------------------------------------------
# training

def train(data, args, progress=True):
    """Train a GPT on ``data`` with the settings in ``args``; returns (model, results dict)."""
    torch.manual_seed(args.seed)
    device = getattr(args, "device", "cpu")
    model = GPT(data.vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.optimizer_groups(args.weight_decay), lr=args.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(args.warmup, args.steps, args.min_lr_ratio))
    train_batch = BatchSampler(data.train, args.block_size, args.batch_size, args.seed)
    evals = {"train": BatchSampler(data.train, args.block_size, args.batch_size, args.seed + 1),
             "val": BatchSampler(data.val, args.block_size, args.batch_size, args.seed + 2)}
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    bar = tqdm(total=args.steps, desc="char_gpt", ncols=120, disable=not progress) if tqdm else None
    history, losses, ema = [], [], None
    start, cpu_start = time.perf_counter(), time.process_time()
    eval_time = 0.0
    pending = []  # losses not yet read back: the host reads them in one transfer at eval points

    def flush():
        nonlocal ema
        if not pending:
            return
        vals = torch.stack(pending).tolist() if len(pending) > 1 else [float(pending[0])]
        pending.clear()
        for lv in vals:
            losses.append(lv)
            ema = lv if ema is None else 0.95 * ema + 0.05 * lv

    for step in range(1, args.steps + 1):
        x, y = to_device(*train_batch(), device)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.grad_clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        opt.step()
        sched.step()
        pending.append(loss.detach())
        if str(device) == "cpu":
            flush()  # reading a CPU loss costs nothing
        if step % args.eval_interval == 0 or step == args.steps:
            flush()
            t0 = time.perf_counter()
            est = estimate_loss(model, evals, args.eval_iters, device)
            eval_time += time.perf_counter() - t0
            history.append((step, est["train"], est["val"]))
            msg = f"step {step}: train loss {est['train']:.4f}, val loss {est['val']:.4f}"
            if bar is not None:  # printed above the bar (also with --no-progress)
                bar.write(msg)
            else:
                print(msg, flush=True)
        if bar is not None:
            if ema is not None:
                bar.set_postfix(loss=f"{ema:.4f}", lr=f"{sched.get_last_lr()[0]:.2e}")
            bar.update(1)
    if bar is not None:
        bar.close()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    train_wall = wall - eval_time
    return model, dict(params=n_params, steps=args.steps, losses=losses, history=history, wall=wall, cpu=cpu,
                       train_loss=history[-1][1], val_loss=history[-1][2],
                       steps_per_s=args.steps / train_wall if train_wall > 0 else float("inf"),
                       tokens_per_s=args.steps * args.batch_size * args.block_size / train_wall
                       if train_wall > 0 else float("inf"))


def sample(model, data, n_chars, temperature, top_k, seed, prompt="\n"):
    """Text continuing ``prompt`` (characters outside the vocabulary are dropped)."""
    model.eval()
    ids = data.encode(prompt) or [0]
    gen = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    idx = torch.tensor([ids], dtype=torch.int64, device=device)
    out = model.generate(idx, n_chars, temperature=temperature, top_k=top_k, generator=gen)
    return data.decode(out[0].tolist())


def parse_args(argv=None):
    d = DEFAULTS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", metavar="FILE", default=None, help="UTF-8 text file (default: the stdlib's sources)")
    ap.add_argument("--max-chars", type=int, default=d["max_chars"], help="cap on the text's length (0: none)")
    ap.add_argument("--steps", type=int, default=d["steps"])
    ap.add_argument("--batch-size", type=int, default=d["batch_size"])
    ap.add_argument("--block-size", type=int, default=d["block_size"])
    ap.add_argument("--n-layer", type=int, default=d["n_layer"])
    ap.add_argument("--n-head", type=int, default=d["n_head"])
    ap.add_argument("--n-embd", type=int, default=d["n_embd"])
    ap.add_argument("--dropout", type=float, default=d["dropout"])
    ap.add_argument("--lr", type=float, default=d["lr"], help="peak learning rate")
    ap.add_argument("--min-lr-ratio", type=float, default=d["min_lr_ratio"], help="final lr / peak lr")
    ap.add_argument("--warmup", type=int, default=d["warmup"], help="linear warm-up steps")
    ap.add_argument("--weight-decay", type=float, default=d["weight_decay"])
    ap.add_argument("--grad-clip", type=float, default=d["grad_clip"], help="max gradient norm (0: off)")
    ap.add_argument("--eval-interval", type=int, default=d["eval_interval"])
    ap.add_argument("--eval-iters", type=int, default=d["eval_iters"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="ember.set_num_threads (default: ember's)")
    ap.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (0: greedy)")
    ap.add_argument("--top-k", type=int, default=None, help="sample among the k most likely characters")
    ap.add_argument("--sample-chars", type=int, default=400, help="how many characters to sample")
    ap.add_argument("--prompt", default="\n", help="text the sample continues")
    ap.add_argument("--save", metavar="FILE", default=None, help="save the trained weights (safetensors)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"],
                    help="where to train (default cpu, also when a GPU is present: reproducible results)")
    args = ap.parse_args(argv)
    for name in ("steps", "batch_size", "block_size", "n_layer", "n_head", "n_embd", "eval_interval", "eval_iters"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.n_embd % args.n_head:
        ap.error(f"--n-embd {args.n_embd} must be a multiple of --n-head {args.n_head}")
    if args.top_k is not None and args.top_k < 1:
        ap.error("--top-k must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is available to ember on this machine")
    if args.threads:
        torch.set_num_threads(args.threads)
    text, source = load_text(args.data, args.max_chars or None)
    data = CharData(text)
    if min(len(data.train), len(data.val)) < args.block_size + 1:
        sys.exit(f"char_gpt: the text ({len(text)} characters) is too short for --block-size {args.block_size}")
    print(f"data: {len(text):,} characters from {source}; vocabulary {data.vocab_size}; "
          f"train {len(data.train):,} / val {len(data.val):,}")
    unigram, entropy = data.unigram_baseline()
    model, res = train(data, args, progress=not args.no_progress)
    if args.save:
        torch.save(model.state_dict(), args.save)
        print(f"saved weights to {args.save}")
    text_out = sample(model, data, args.sample_chars, args.temperature, args.top_k, args.seed, args.prompt)
    print(f"\n--- sample (temperature {args.temperature}, top-k {args.top_k}) ---")
    print(text_out)
    print("---")
    res.update(unigram=unigram, train_entropy=entropy, sample=text_out, vocab_size=data.vocab_size)
    print(f"\n{'params':>8s} {'steps':>6s} {'unigram':>8s} {'train loss':>11s} {'val loss':>9s} {'wall s':>7s} "
          f"{'cpu s':>7s} {'steps/s':>8s} {'tokens/s':>9s}")
    print(f"{res['params']:8d} {res['steps']:6d} {unigram:8.4f} {res['train_loss']:11.4f} {res['val_loss']:9.4f} "
          f"{res['wall']:7.1f} {res['cpu']:7.1f} {res['steps_per_s']:8.2f} {res['tokens_per_s']:9.0f}")
    print(f"unigram baseline {unigram:.4f} nats (train character entropy {entropy:.4f}); "
          f"final val loss {res['val_loss']:.4f} nats")
    return res


if __name__ == "__main__":
    main()
