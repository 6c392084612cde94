"""ember.utils.data: datasets, samplers, collate and DataLoader (also with worker processes)."""
import collections

import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler,
                              SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                              default_collate, random_split)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.array([i, i * i], dtype=np.float32), "y": i % 3, "name": f"s{i}"}


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def test_tensor_dataset_batches_with_one_gather():
    x = ember.arange(20.0).reshape(10, 2)
    y = ember.arange(10)
    dl = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and len(batches) == 3
    xb, yb = batches[2]
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[8:])
    assert yb.dtype is ember.int64 and yb.tolist() == [8, 9]
    assert len(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_and_seeded():
    x = ember.arange(50)
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    a = [b[0].tolist() for b in DataLoader(TensorDataset(x), batch_size=8, shuffle=True, generator=g1)]
    b = [b[0].tolist() for b in DataLoader(TensorDataset(x), batch_size=8, shuffle=True, generator=g2)]
    assert a == b
    flat = sorted(v for batch in a for v in batch)
    assert flat == list(range(50)) and [v for batch in a for v in batch] != list(range(50))


def test_default_collate_nested():
    batch = next(iter(DataLoader(Squares(5), batch_size=3)))
    assert batch["x"].shape == (3, 2) and batch["x"].dtype is ember.float32
    assert batch["y"].tolist() == [0, 1, 2] and batch["name"] == ["s0", "s1", "s2"]
    Point = collections.namedtuple("Point", "a b")
    out = default_collate([Point(1.0, ember.ones(2)), Point(2.0, ember.zeros(2))])
    assert isinstance(out, Point) and out.a.dtype is ember.float64 and out.b.shape == (2, 2)
    assert default_collate([(1, True), (2, False)])[1].dtype is ember.bool
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])


def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    r = list(RandomSampler(range(10), generator=ember.Generator().manual_seed(0)))
    assert sorted(r) == list(range(10))
    r = list(RandomSampler(range(3), replacement=True, num_samples=20))
    assert len(r) == 20 and set(r) <= {0, 1, 2}
    assert sorted(SubsetRandomSampler([5, 7, 9])) == [5, 7, 9]
    w = list(WeightedRandomSampler([0.0, 1.0, 0.0], 10))
    assert w == [1] * 10
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError):
        RandomSampler(range(3), num_samples=0)


def test_subset_concat_random_split():
    d = Squares(10)
    s = Subset(d, [3, 1])
    assert len(s) == 2 and s[0]["y"] == 0
    c = d + Squares(5)
    assert isinstance(c, ConcatDataset) and len(c) == 15 and c[12]["name"] == "s2" and c[-1]["name"] == "s4"
    parts = random_split(d, [7, 3], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [7, 3]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    parts = random_split(d, [0.5, 0.5])
    assert [len(p) for p in parts] == [5, 5]
    with pytest.raises(ValueError):
        random_split(d, [3, 3])


def test_iterable_dataset_and_batch_sampler_argument():
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2)] == [[0, 1], [2, 3], [4]]
    dl = DataLoader(TensorDataset(ember.arange(6)), batch_sampler=[[0, 5], [2]])
    assert [b[0].tolist() for b in dl] == [[0, 5], [2]]
    assert [b for b in DataLoader(Squares(3), batch_size=None)][1]["y"] == 1
    with pytest.raises(ValueError):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError):
        DataLoader(Squares(3), batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError):
        DataLoader(Squares(3), num_workers=-1)


def test_worker_processes_give_the_same_batches_in_order():
    x = ember.arange(40.0).reshape(20, 2)
    ref = [b[0].tolist() for b in DataLoader(TensorDataset(x), batch_size=3)]
    got = [b[0].tolist() for b in DataLoader(TensorDataset(x), batch_size=3, num_workers=2)]
    assert got == ref
    got = [b["y"].tolist() for b in DataLoader(Squares(9), batch_size=2, num_workers=2, worker_init_fn=lambda i: None)]
    assert got == [[0, 1], [2, 0], [1, 2], [0, 1], [2]]
