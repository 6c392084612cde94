"""The README's quick tour runs as written."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tour_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "README has no python block"
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "float64" in out


def test_readme_training_tour_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    training = [b for b in blocks if "loss.backward()" in b]
    assert training, "README has no training example"
    monkeypatch.chdir(tmp_path)  # it writes model.safetensors
    exec(compile(training[0], "README.md", "exec"), {})
    assert (tmp_path / "model.safetensors").exists()
