"""Memory: resident memory stays flat across a million small ops (no leaks in the op path)."""
import gc
import resource

import ember


def _rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_million_small_ops_do_not_leak():
    a, b = ember.ones(8), ember.ones(8)
    for _ in range(20000):  # warm up the allocator and Python caches
        c = a + b
    gc.collect()
    before = _rss_kb()
    for _ in range(1_000_000):
        c = a + b
    gc.collect()
    grown = _rss_kb() - before
    assert c.tolist() == [2.0] * 8
    assert grown < 2048, f"resident memory grew by {grown} KiB over 1e6 ops"


def test_large_temporaries_are_reused():
    x = ember.ones(1 << 22)
    stats = ember._C.allocator_stats()
    for _ in range(50):
        y = x + x
    after = ember._C.allocator_stats()
    assert after["reserved"] - stats["reserved"] <= 2 * (1 << 24) + 4096
    assert y.numel() == 1 << 22
