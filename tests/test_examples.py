"""Short end-to-end run of the README's demo job (kept in the default run)."""
from ember.examples import demo


def test_demo_trains(capsys):
    acc = demo.main(["--steps", "200", "--seed", "1"])
    out = capsys.readouterr().out
    assert "200/200" in out
    assert acc > 0.9  # a 3-class spiral; chance is 0.33
