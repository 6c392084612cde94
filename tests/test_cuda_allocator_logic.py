"""The caching device allocator's bookkeeping (csrc/ember/cuda/block_pool.h), run on the CPU.

``_C._FakeBlockPool`` is the same BlockPool class the CUDA allocator uses, instantiated over a fake
backend: a fixed byte budget handing out never-dereferenced addresses, and events that complete
when the test calls ``complete(stream)``. So size classes, splitting, coalescing, per-stream reuse,
record_stream and the out-of-memory path are tested on machines without a GPU.
"""
import pytest

import ember
from ember import _C

KiB, MiB = 1024, 1024 * 1024
S0, S1, S2, S3 = 0, 11, 22, 33  # stream handles


def pool(total=256 * MiB):
    return _C._FakeBlockPool(total)


def test_small_requests_round_to_512_and_share_a_2mib_segment():
    p = pool()
    a = p.malloc(1, S0)
    b = p.malloc(700, S0)
    st = p.stats()
    assert st["allocated_bytes.all.current"] == 512 + 1024
    assert st["requested_bytes.all.current"] == 701
    assert st["reserved_bytes.all.current"] == 2 * MiB
    assert st["segment.all.current"] == 1
    assert b == a + 512  # carved from the same segment, right after a
    blocks = p.blocks()
    assert [(s, n, alloc) for s, n, alloc, _ in blocks] == [(S0, 512, True), (S0, 1024, True), (S0, 2 * MiB - 1536, False)]


def test_freed_block_is_reused_at_once_by_the_same_stream():
    p = pool()
    a = p.malloc(4000, S0)
    p.free(a)
    b = p.malloc(3000, S0)
    assert b == a
    st = p.stats()
    assert st["num_cache_hits"] == 1
    assert p.backend_stats()["raw_allocs"] == 1


def test_free_neighbours_coalesce_back_into_the_segment():
    p = pool()
    ptrs = [p.malloc(100 * KiB, S0) for _ in range(4)]
    for q in (ptrs[1], ptrs[3], ptrs[2], ptrs[0]):  # out of order: merges both ways
        p.free(q)
    blocks = p.blocks()
    assert len(blocks) == 1 and blocks[0][1] == 2 * MiB and not blocks[0][2]
    assert p.stats()["allocated_bytes.all.current"] == 0


def test_large_requests_use_large_segments_and_split():
    p = pool()
    a = p.malloc(MiB + 1, S0)           # large: rounded to 512, from a 20 MiB segment
    b = p.malloc(3 * MiB, S0)           # fits in the remainder of that segment
    assert p.stats()["reserved_bytes.all.current"] == 20 * MiB
    assert b == a + MiB + 512
    c = p.malloc(17 * MiB, S0)          # too big for the remainder; >= 10 MiB: own segment, 2 MiB-rounded
    assert p.stats()["reserved_bytes.all.current"] == 20 * MiB + 18 * MiB
    for q in (a, b, c):
        p.free(q)
    p.empty_cache()
    assert p.stats()["reserved_bytes.all.current"] == 0
    assert p.backend_stats()["used"] == 0


def test_other_stream_reuses_only_after_the_owner_completes():
    p = pool()
    a = p.malloc(4096, S1)
    p.free(a)
    b = p.malloc(4096, S2)              # S1 may still be using a's memory: not handed to S2
    assert b != a
    assert p.backend_stats()["raw_allocs"] == 2
    p.complete(S1)                      # the event recorded on S1 has completed
    c = p.malloc(4096, S3)
    assert c == a                       # now S3 may take S1's cached block
    assert p.backend_stats()["raw_allocs"] == 2


def test_record_stream_defers_reuse_until_every_user_stream_completes():
    p = pool()
    a = p.malloc(8192, S1)
    assert p.record_stream(a, S2)
    p.free(a)
    assert p.stats()["pending_blocks"] == 1
    b = p.malloc(8192, S1)
    assert b != a                       # S2 might still read a
    p.complete(S2)
    p.free(b)
    c = p.malloc(8192, S1)              # pending block released, merged and reused
    assert p.stats()["pending_blocks"] == 0
    assert c == a
    p.free(c)
    p.empty_cache()
    assert p.backend_stats()["live_events"] == 0
    assert p.stats()["reserved_bytes.all.current"] == 0


def test_out_of_memory_frees_the_cache_retries_then_raises():
    p = pool(64 * MiB)
    a = p.malloc(30 * MiB, S0)
    p.free(a)                           # 30 MiB cached
    b = p.malloc(40 * MiB, S0)          # needs the cache released first
    st = p.stats()
    assert st["num_alloc_retries"] == 1
    assert st["reserved_bytes.all.current"] == 40 * MiB
    with pytest.raises(ember.cuda.OutOfMemoryError) as ei:
        p.malloc(40 * MiB, S0)
    msg = str(ei.value)
    assert msg.startswith("[_FakeBlockPool] CUDA out of memory. Tried to allocate 40.00 MiB")
    assert "of which 24.00 MiB is free" in msg and "total capacity of 64.00 MiB" in msg
    assert isinstance(ei.value, RuntimeError)
    assert p.stats()["num_ooms"] == 1
    c = p.malloc(MiB, S0)               # the pool stays usable
    p.free(c)
    p.free(b)


def test_out_of_memory_waits_for_pending_frees():
    p = pool(40 * MiB)
    a = p.malloc(30 * MiB, S1)
    p.record_stream(a, S2)
    p.free(a)                           # pending on S2
    b = p.malloc(30 * MiB, S3)          # synchronize -> pending block released -> segment freed
    assert p.backend_stats()["syncs"] == 1
    assert p.stats()["pending_blocks"] == 0
    p.free(b)


def test_peak_and_reset():
    p = pool()
    a = p.malloc(5 * MiB, S0)
    b = p.malloc(5 * MiB, S0)
    p.free(a)
    p.free(b)
    st = p.stats()
    assert st["allocated_bytes.all.current"] == 0
    assert st["allocated_bytes.all.peak"] == 10 * MiB
    assert st["allocation.all.allocated"] == 2 and st["allocation.all.freed"] == 2


def test_free_of_unknown_pointer_is_reported():
    p = pool()
    assert p.free(12345) is False
    assert p.record_stream(12345, S1) is False
