"""The character-level GPT example: short runs through its entry point, its pieces, and parity of
the model (loss, gradients, a few optimizer steps, greedy decoding) with the same code on PyTorch."""
import math

import numpy as np
import pytest

import ember
from ember.examples import char_gpt

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

# One thread: these tiny shapes gain nothing from a second one, and on a loaded 2-core machine the
# thread hand-offs of tiny kernels cost more than the work.
TINY = ["--threads", "1", "--n-layer", "1", "--n-head", "2", "--n-embd", "32", "--block-size", "16",
        "--batch-size", "8", "--eval-iters", "2", "--sample-chars", "40", "--max-chars", "200000", "--warmup", "5"]


@pytest.fixture(autouse=True)
def one_thread():
    """Run each test on one thread (main(--threads) sets it globally) and restore the counts after."""
    saved = ember.get_num_threads(), (torch.get_num_threads() if torch is not None else None)
    ember.set_num_threads(1)
    if torch is not None:
        torch.set_num_threads(1)
    yield
    ember.set_num_threads(saved[0])
    if torch is not None:
        torch.set_num_threads(saved[1])


def test_tiny_run_default_data(capsys):
    res = char_gpt.main(TINY + ["--steps", "60", "--eval-interval", "30", "--lr", "1e-2", "--seed", "1"])
    out = capsys.readouterr().out
    first, last = res["losses"][0], float(np.mean(res["losses"][-10:]))
    assert first > math.log(res["vocab_size"]) - 0.3  # starts near uniform
    assert last < first - 0.5, (first, last)  # and learns
    assert "stdlib sources" in out and "vocabulary" in out
    assert "step 30: train loss" in out and "step 60: train loss" in out  # periodic evaluation
    assert f"unigram baseline {res['unigram']:.4f} nats" in out
    assert f"final val loss {res['val_loss']:.4f} nats" in out
    assert "--- sample (temperature 0.8, top-k None) ---" in out
    assert len(res["sample"]) == 1 + 40  # the prompt "\n" and 40 sampled characters
    assert res["sample"] in out
    assert [h[0] for h in res["history"]] == [30, 60]
    assert 2.0 < res["unigram"] < 5.0


def test_data_file_and_save(tmp_path, capsys):
    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta"]
    text = "".join(f"{words[i]} = {i}\n" for i in rng.integers(0, 4, 1500))
    path = tmp_path / "tiny.txt"
    path.write_text(text, encoding="utf-8")
    save = tmp_path / "gpt.safetensors"
    res = char_gpt.main(TINY + ["--data", str(path), "--steps", "80", "--eval-interval", "40", "--lr", "1e-2",
                                "--top-k", "3", "--temperature", "0.5", "--save", str(save), "--no-progress"])
    out = capsys.readouterr().out
    assert str(path) in out and f"vocabulary {len(set(text))}" in out
    assert res["vocab_size"] == len(set(text))
    assert set(res["sample"]) <= set(text)
    assert "--- sample (temperature 0.5, top-k 3) ---" in out
    # the text is so regular that 80 steps beat the unigram baseline by far
    assert res["val_loss"] < res["unigram"] - 0.5, (res["val_loss"], res["unigram"])
    state = ember.load(str(save))
    assert "tok_emb.weight" in state and "blocks.0.attn.c_attn.weight" in state
    model = char_gpt.GPT(res["vocab_size"], 16, 1, 2, 32)
    model.load_state_dict(state)
    assert model.head.weight is model.tok_emb.weight
    np.testing.assert_array_equal(model.tok_emb.weight.detach().numpy(), state["tok_emb.weight"].numpy())


def test_weight_tying():
    ember.manual_seed(0)
    model = char_gpt.GPT(11, 8, 1, 2, 16)
    assert model.head.weight is model.tok_emb.weight
    names = [n for n, _ in model.named_parameters()]
    assert "tok_emb.weight" in names and "head.weight" not in names  # listed (and optimized) once
    groups = model.optimizer_groups(0.1)
    decay, no_decay = groups[0]["params"], groups[1]["params"]
    assert all(p.dim() == 2 for p in decay) and all(p.dim() < 2 for p in no_decay)
    assert len(decay) + len(no_decay) == len(names)
    opt = ember.optim.AdamW(groups, lr=1e-2)
    x = ember.randint(0, 11, (2, 8))
    _, loss = model(x, x)
    loss.backward()
    g = model.tok_emb.weight.grad
    assert g is not None and float(g.abs().sum()) > 0
    opt.step()
    assert model.head.weight is model.tok_emb.weight


def test_data_pieces():
    d = char_gpt.CharData("abcabcabd" * 20)
    assert d.chars == ["a", "b", "c", "d"]
    assert d.decode(d.encode("cab")) == "cab"
    assert len(d.train) == 162 and len(d.val) == 18
    counts = np.bincount(d.train, minlength=4)
    p = (counts + 1) / (counts.sum() + 4)
    ce, h = d.unigram_baseline()
    assert ce == pytest.approx(float(-np.log(p[d.val]).mean()))
    q = counts / counts.sum()
    assert h == pytest.approx(float(-(q * np.log(q)).sum()))
    x, y = char_gpt.BatchSampler(d.train, 8, 4, seed=0)()
    assert x.shape == (4, 8) and x.dtype == ember.int64
    np.testing.assert_array_equal(x.numpy()[:, 1:], y.numpy()[:, :-1])  # targets are the inputs shifted by one
    text, source = char_gpt.load_text(max_chars=1000)
    assert len(text) == 1000 and "stdlib" in source
    assert text == char_gpt.load_text(max_chars=1000)[0]  # deterministic


def test_lr_schedule():
    f = char_gpt.lr_lambda(10, 110, 0.1)
    assert f(0) == pytest.approx(0.1) and f(9) == pytest.approx(1.0)
    assert f(10) == pytest.approx(1.0) and f(60) == pytest.approx(0.55) and f(110) == pytest.approx(0.1)
    assert f(500) == pytest.approx(0.1)
    assert all(f(s) >= f(s + 1) for s in range(10, 120))


def test_bad_input():
    with pytest.raises(ValueError, match=r"\[char_gpt\] the text is too short"):
        char_gpt.CharData("ab")
    with pytest.raises(ValueError, match=r"\[char_gpt\] a split of"):
        char_gpt.BatchSampler(np.arange(5), 8, 2, 0)
    with pytest.raises(ValueError, match=r"\[char_gpt\] n_embd 30 is not a multiple of n_head 4"):
        char_gpt.GPT(10, 8, 1, 4, 30)
    model = char_gpt.GPT(10, 8, 1, 2, 16)
    with pytest.raises(ValueError, match=r"\[char_gpt\] sequence of length 9 is longer than block_size 8"):
        model(ember.zeros(1, 9, dtype=ember.int64))
    with pytest.raises(SystemExit):
        char_gpt.parse_args(["--n-embd", "30", "--n-head", "4"])
    with pytest.raises(SystemExit):
        char_gpt.parse_args(["--top-k", "0"])


def test_generate_shapes():
    ember.manual_seed(0)
    model = char_gpt.GPT(7, 4, 1, 1, 8)
    gen = ember.Generator().manual_seed(0)
    out = model.generate(ember.zeros(2, 1, dtype=ember.int64), 9, temperature=1.0, top_k=2, generator=gen)
    assert out.shape == (2, 10) and int(out.max()) < 7 and not out.requires_grad  # crops to block_size 4
    greedy = model.generate(ember.zeros(1, 1, dtype=ember.int64), 5, temperature=0.0)
    top1 = model.generate(ember.zeros(1, 1, dtype=ember.int64), 5, temperature=1.0, top_k=1, generator=gen)
    np.testing.assert_array_equal(greedy.numpy(), top1.numpy())  # top-1 sampling is greedy decoding


# ---------------------------------------------------------------------------------------------
# parity with PyTorch: the same model code on both libraries, PyTorch's weights copied into ember

def _pair(V=13, T=12, L=2, H=2, C=16, seed=0):
    torch.manual_seed(seed)
    tm = char_gpt.gpt_classes(torch)(V, T, L, H, C)
    em = char_gpt.GPT(V, T, L, H, C)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert em.head.weight is em.tok_emb.weight and tm.head.weight is tm.tok_emb.weight
    return tm, em


def _batch(V, B, T, seed):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, (B, T)), rng.integers(0, V, (B, T))


@needs_torch
def test_parity_loss_and_gradients():
    tm, em = _pair()
    x, y = _batch(13, 3, 12, 0)
    tl, el = tm(torch.from_numpy(x), torch.from_numpy(y))[1], em(ember.from_numpy(x), ember.from_numpy(y))[1]
    assert float(el) == pytest.approx(float(tl.detach()), rel=1e-5)
    tl.backward()
    el.backward()
    tp = dict(tm.named_parameters())
    ep = dict(em.named_parameters())
    assert sorted(tp) == sorted(ep)
    for name, p in ep.items():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    # shorter sequences than block_size and logits without targets
    lt, _ = tm(torch.from_numpy(x[:, :5]))
    le, _ = em(ember.from_numpy(x[:, :5]))
    np.testing.assert_allclose(le.detach().numpy(), lt.detach().numpy(), rtol=1e-4, atol=1e-5)


@needs_torch
def test_parity_training_steps():
    """Three steps of the example's recipe (AdamW groups, warm-up/cosine LambdaLR, clipping) agree."""
    tm, em = _pair(seed=1)
    lam = char_gpt.lr_lambda(2, 3, 0.1)
    to = torch.optim.AdamW(tm.optimizer_groups(0.1), lr=3e-2, betas=(0.9, 0.99))
    eo = ember.optim.AdamW(em.optimizer_groups(0.1), lr=3e-2, betas=(0.9, 0.99))
    ts, es = torch.optim.lr_scheduler.LambdaLR(to, lam), ember.optim.lr_scheduler.LambdaLR(eo, lam)
    for step in range(3):
        x, y = _batch(13, 4, 12, 10 + step)
        tl = tm(torch.from_numpy(x), torch.from_numpy(y))[1]
        el = em(ember.from_numpy(x), ember.from_numpy(y))[1]
        assert float(el) == pytest.approx(float(tl.detach()), rel=1e-4)
        for lib, m, o, s, loss in ((torch, tm, to, ts, tl), (ember, em, eo, es, el)):
            o.zero_grad(set_to_none=True)
            loss.backward()
            lib.nn.utils.clip_grad_norm_(m.parameters(), 0.5)
            o.step()
            s.step()
        assert es.get_last_lr() == pytest.approx(ts.get_last_lr())
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        np.testing.assert_allclose(p.detach().numpy(), tp[name].detach().numpy(), rtol=1e-3, atol=2e-4,
                                   err_msg=name)


@needs_torch
def test_parity_greedy_generation():
    tm, em = _pair(seed=2)
    start = np.array([[1, 2, 3]])
    with torch.no_grad():
        tout = tm.generate(torch.from_numpy(start), 20, temperature=0.0)
    eout = em.generate(ember.from_numpy(start), 20, temperature=0.0)
    np.testing.assert_array_equal(eout.numpy(), tout.numpy())


def test_root_script_runs(tmp_path):
    """``python examples/char_gpt.py`` (the path the issue names) runs the same entry point."""
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = tmp_path / "t.txt"
    data.write_text("for i in range(10):\n    print(i)\n" * 40, encoding="utf-8")
    # the ember this test imported (an installed wheel, or a checkout's python/ with EMBER_BUILD_DIR)
    here = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])))
    r = subprocess.run([sys.executable, os.path.join(root, "examples", "char_gpt.py"), *TINY, "--data", str(data),
                        "--steps", "4", "--eval-interval", "2", "--sample-chars", "5", "--no-progress"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "unigram baseline" in r.stdout and "final val loss" in r.stdout and "step 4: train loss" in r.stdout
