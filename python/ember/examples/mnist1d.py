"""Train the MNIST-1D models of Prince, *Understanding Deep Learning*, on ember.

    python -m ember.examples.mnist1d [--model mlp|cnn|both] [--epochs N] [--lr LR] [--batch-size B]
                                      [--seed S] [--device cpu|cuda] [--plot FILE.png] [--save FILE]

The data (4000 training / 1000 test sequences of length 40) is generated offline with the
``mnist1d`` package and cached under ~/.cache/ember. Models:
  * mlp (Fig. 8.2): 40-100-100-10, ReLU, He initialization, cross-entropy, SGD lr 0.1, batch 100;
    its training error reaches 0% while its test error stays near 40% (it overfits).
  * cnn (Figs. 10.7/10.8): three Conv1d layers (15 channels, kernel 3, stride 2, 'valid', ReLU)
    and Linear 60->10 (2050 parameters), SGD lr 0.01 with momentum 0.9, halved every 20 epochs:
    test error near 17%.
The training loop is written exactly as for PyTorch; only the import differs.
"""
import argparse
import os
import sys
import time

import numpy as np

import ember as torch
import ember.nn as nn
from ember.utils.data import DataLoader, TensorDataset

# The book's settings: the MLP with plain SGD (Fig. 8.2); the CNN with SGD momentum 0.9 and the
# learning rate halved every 20 epochs (its notebook for Figs. 10.7/10.8).
DEFAULTS = {"mlp": dict(epochs=100, lr=0.1, momentum=0.0, step=None),
            "cnn": dict(epochs=100, lr=0.01, momentum=0.9, step=20)}


def load_mnist1d(seed=42):
    """(x_train, y_train, x_test, y_test) as numpy arrays, generated once and cached."""
    cache = os.path.join(os.path.expanduser("~"), ".cache", "ember", f"mnist1d-{seed}.npz")
    if os.path.exists(cache):
        d = np.load(cache)
        return d["x"], d["y"], d["x_test"], d["y_test"]
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        sys.exit("the MNIST-1D generator is missing: pip install mnist1d (or pip install '.[examples]')")
    args = get_dataset_args()
    args.seed = seed
    d = make_dataset(args)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    np.savez(cache, x=d["x"], y=d["y"], x_test=d["x_test"], y_test=d["y_test"])
    return d["x"], d["y"], d["x_test"], d["y_test"]


def make_mlp():
    model = nn.Sequential(nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10))
    for m in model.modules():  # He initialization, zero biases (as in the book's notebooks)
        if isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def make_cnn():
    if not hasattr(nn, "Conv1d"):
        raise RuntimeError("the CNN needs nn.Conv1d, which this build of ember does not have yet")
    model = nn.Sequential(
        nn.Unflatten(1, (1, 40)),
        nn.Conv1d(1, 15, kernel_size=3, stride=2, padding="valid"), nn.ReLU(),
        nn.Conv1d(15, 15, kernel_size=3, stride=2, padding="valid"), nn.ReLU(),
        nn.Conv1d(15, 15, kernel_size=3, stride=2, padding="valid"), nn.ReLU(),
        nn.Flatten(), nn.Linear(60, 10))
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d)):
            nn.init.kaiming_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def error_rate(model, x, y, batch=1000):
    """Percent misclassified; x, y on the model's device (one host read at the end)."""
    model.eval()
    wrong = None
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            w = (model(x[i:i + batch]).argmax(1) != y[i:i + batch]).sum()
            wrong = w if wrong is None else wrong + w
    model.train()
    return 100.0 * int(wrong) / x.shape[0]


def train(name, data, epochs, lr, batch_size, seed, device, progress=True, momentum=0.0, step=None):
    x_train, y_train, x_test, y_test = data
    torch.manual_seed(seed)
    model = (make_mlp if name == "mlp" else make_cnn)().to(device)
    n_params = sum(p.numel() for p in model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step, gamma=0.5) if step else None
    gen = torch.Generator().manual_seed(seed)
    cuda = str(device).startswith("cuda")
    # batches are drawn on the CPU (same shuffles as a CPU run), pinned, and moved asynchronously
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, generator=gen,
                        pin_memory=cuda)
    x_train_d, y_train_d, x_test_d, y_test_d = (t.to(device) for t in (x_train, y_train, x_test, y_test))
    history = {"train": [], "test": []}
    steps = 0
    start = time.perf_counter()
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    # One bar per model that advances every epoch (an epoch here takes tens of milliseconds), showing
    # the epoch's running loss and accuracy and the current train/test error.
    epochs_iter = tqdm(range(epochs), desc=name, ncols=120, disable=not progress) if tqdm else range(epochs)
    for epoch in epochs_iter:
        # running sums stay on the device: one host read per epoch, not per step
        loss_sum, correct_sum, seen = None, None, 0
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            steps += 1
            bl = loss.detach() * yb.shape[0]
            bc = (out.argmax(1) == yb).sum()
            loss_sum = bl if loss_sum is None else loss_sum + bl
            correct_sum = bc if correct_sum is None else correct_sum + bc
            seen += yb.shape[0]
        total_loss, correct = float(loss_sum), int(correct_sum)
        if sched is not None:
            sched.step()
        history["train"].append(error_rate(model, x_train_d, y_train_d))
        history["test"].append(error_rate(model, x_test_d, y_test_d))
        if tqdm and progress:
            epochs_iter.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}",
                                    train_err=f"{history['train'][-1]:.1f}%", test_err=f"{history['test'][-1]:.1f}%")
        elif progress and ((epoch + 1) % 10 == 0 or epoch + 1 == epochs):
            print(f"{name} epoch {epoch + 1:3d}: loss {total_loss / seen:.4f}  train error "
                  f"{history['train'][-1]:5.1f}%  test error {history['test'][-1]:5.1f}%", flush=True)
    wall = time.perf_counter() - start
    return model, dict(params=n_params, train_err=history["train"][-1], test_err=history["test"][-1], wall=wall,
                       steps_per_s=steps / wall, history=history)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["mlp", "cnn", "both"], default="both")
    ap.add_argument("--epochs", type=int, default=None, help="default: 100 (mlp), 100 (cnn)")
    ap.add_argument("--lr", type=float, default=None, help="default: 0.1 (mlp), 0.01 (cnn)")
    ap.add_argument("--momentum", type=float, default=None, help="default: 0 (mlp), 0.9 (cnn)")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--plot", metavar="FILE.png", default=None)
    ap.add_argument("--save", metavar="FILE", default=None, help="save the trained weights (safetensors)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = ap.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is available to ember on this machine")
    names = ["mlp", "cnn"] if args.model == "both" else [args.model]
    if args.model == "both" and not hasattr(nn, "Conv1d"):
        print("note: nn.Conv1d is not in this build yet; training the MLP only")
        names = ["mlp"]
    xs, ys, xt, yt = load_mnist1d()
    data = (torch.tensor(xs, dtype=torch.float32), torch.tensor(ys, dtype=torch.int64),
            torch.tensor(xt, dtype=torch.float32), torch.tensor(yt, dtype=torch.int64))
    results = {}
    for name in names:
        d = DEFAULTS[name]
        model, res = train(name, data, args.epochs or d["epochs"], args.lr or d["lr"], args.batch_size, args.seed,
                           args.device, progress=not args.no_progress,
                           momentum=d["momentum"] if args.momentum is None else args.momentum, step=d["step"])
        results[name] = res
        if args.save:
            path = args.save if len(names) == 1 else f"{os.path.splitext(args.save)[0]}-{name}.safetensors"
            torch.save(model.state_dict(), path)
            print(f"saved {name} weights to {path}")
    print(f"\n{'model':6s} {'params':>7s} {'train err':>10s} {'test err':>9s} {'wall s':>7s} {'steps/s':>8s}")
    for name, r in results.items():
        print(f"{name:6s} {r['params']:7d} {r['train_err']:9.1f}% {r['test_err']:8.1f}% {r['wall']:7.1f} "
              f"{r['steps_per_s']:8.0f}")
    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4))
        for name, r in results.items():
            ax.plot(r["history"]["train"], label=f"{name} train")
            ax.plot(r["history"]["test"], "--", label=f"{name} test")
        ax.set_xlabel("epoch")
        ax.set_ylabel("error (%)")
        ax.set_title("MNIST-1D")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot)
        print(f"wrote {args.plot}")
    return results


if __name__ == "__main__":
    main()
