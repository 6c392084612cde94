"""Character-level GPT on ember: runs ``python -m ember.examples.char_gpt`` (see ``--help``).

    python examples/char_gpt.py [--data FILE] [--steps N] [--temperature X] [--top-k K] ...
"""
import os
import sys

try:
    import ember  # noqa: F401  (an installed ember, or one on PYTHONPATH)
except ImportError:  # run from a source checkout: use its python/ package
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "python"))

from ember.examples.char_gpt import main

if __name__ == "__main__":
    main()
