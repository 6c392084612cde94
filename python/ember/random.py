"""ember.random: seeding the default generator and saving/restoring its state (torch.random)."""
import contextlib

from ._ops.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                          set_rng_state)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """Context manager: the default generator's state is restored on exit, so random ops inside
    don't change the numbers drawn after it."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
