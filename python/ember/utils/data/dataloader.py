"""DataLoader: batches from a dataset through a sampler and a collate function.

With a TensorDataset and the default collate, a batch is fetched with ONE index_select per
tensor instead of stacking per-item tensors in Python. ``num_workers > 0`` runs the fetching in
worker processes (fork), in order, each worker limited to one compute thread.
"""
import collections
import collections.abc
import numbers
import os

import numpy as np

from ... import _ops
from ..._tensor import Tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "get_worker_info"]

_worker_info = None


class WorkerInfo:
    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset


def get_worker_info():
    """Inside a worker process: its id, the number of workers, its seed and dataset copy; else None."""
    return _worker_info


def default_collate(batch):
    """Stack tensors/arrays/numbers into batch tensors, recursing into tuples, lists and dicts."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _ops.shape.stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUa":
            raise TypeError(f"[default_collate] default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                            f"found array of {elem.dtype}")
        return _ops.creation.tensor(np.stack(batch))
    if isinstance(elem, np.generic):
        return _ops.creation.tensor(np.array(batch))
    if isinstance(elem, bool):
        return _ops.creation.tensor(batch)
    if isinstance(elem, numbers.Integral):
        return _ops.creation.tensor(batch)  # int64
    if isinstance(elem, float):
        from ..._dtype import float64
        return _ops.creation.tensor(batch, dtype=float64)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        out = {k: default_collate([d[k] for d in batch]) for k in elem}
        if type(elem) is dict:
            return out
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(e) != n for e in batch):
            raise RuntimeError("[default_collate] each element in list of batch should be of equal size")
        cols = [default_collate(list(s)) for s in zip(*batch)]
        return cols if isinstance(elem, list) else tuple(cols) if type(elem) is tuple else type(elem)(cols)
    raise TypeError(f"[default_collate] default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found "
                    f"{type(elem).__name__}")


def _identity(x):
    return x


class _Fetcher:
    """Turns a list of indices (or one index without batching) into a collated batch."""

    def __init__(self, dataset, collate_fn, auto_collation, fast_tensor):
        self.dataset, self.collate_fn, self.auto, self.fast = dataset, collate_fn, auto_collation, fast_tensor

    def __call__(self, index):
        if self.fast:
            idx = _ops.creation.tensor(index)
            return tuple(_ops.index.index_select(t, 0, idx) for t in self.dataset.tensors)
        if self.auto:
            return self.collate_fn([self.dataset[i] for i in index])
        return self.collate_fn(self.dataset[index])


class DataLoader:
    """Iterate over ``dataset`` in (shuffled) batches, as torch.utils.data.DataLoader."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("[DataLoader] num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("[DataLoader] timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor if prefetch_factor is not None else 2
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"[DataLoader] DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("[DataLoader] DataLoader with IterableDataset: expected unspecified sampler/batch_sampler option")
        if sampler is not None and shuffle:
            raise ValueError("[DataLoader] sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("[DataLoader] batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("[DataLoader] batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        auto = batch_sampler is not None or (self._iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if auto else _identity
        self.collate_fn = collate_fn
        self._auto = auto
        self._fast = (auto and collate_fn is default_collate and type(dataset) is TensorDataset)

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else (n + self.batch_size - 1) // self.batch_size
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def _index_iter(self):
        return iter(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        it = self._iter_batches()
        if self.pin_memory and _pin_wanted():
            return (_pin_memory(b) for b in it)
        return it

    def _iter_batches(self):
        if self._iterable:
            return self._iter_iterable()
        fetch = _Fetcher(self.dataset, self.collate_fn, self._auto, self._fast)
        if self.num_workers == 0:
            return (fetch(ix) for ix in self._index_iter())
        return self._iter_workers(fetch)

    def _iter_iterable(self):
        if self.num_workers > 0:
            raise NotImplementedError("[DataLoader] num_workers > 0 with an IterableDataset is not supported; "
                                      "use num_workers=0")
        it = iter(self.dataset)
        if self.batch_size is None:
            for x in it:
                yield self.collate_fn(x)
            return
        batch = []
        for x in it:
            batch.append(x)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def _iter_workers(self, fetch):
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        base_seed = int(_ops.random.randint(0, 2 ** 62, (), generator=self.generator).item())
        ctx = mp.get_context("fork")
        counter = ctx.Value("i", 0)
        with ProcessPoolExecutor(self.num_workers, mp_context=ctx, initializer=_worker_start,
                                 initargs=(counter, self.num_workers, base_seed, self.dataset,
                                           self.worker_init_fn)) as pool:
            pending = collections.deque()
            it = self._index_iter()
            window = self.num_workers * self.prefetch_factor
            for ix in it:
                pending.append(pool.submit(_worker_fetch, fetch, ix))
                if len(pending) >= window:
                    yield pending.popleft().result(timeout=self.timeout or None)
            while pending:
                yield pending.popleft().result(timeout=self.timeout or None)


def _worker_start(counter, num_workers, base_seed, dataset, init_fn):
    global _worker_info
    import ember
    ember.set_num_threads(1)  # after fork, OpenMP must not be re-entered from the child
    with counter.get_lock():
        wid = counter.value
        counter.value += 1
    seed = base_seed + wid
    ember.manual_seed(seed % (2 ** 63))
    np.random.seed(seed % (2 ** 32))
    _worker_info = WorkerInfo(wid, num_workers, seed, dataset)
    os.environ["EMBER_WORKER_ID"] = str(wid)
    if init_fn is not None:
        init_fn(wid)


def _worker_fetch(fetch, index):
    return fetch(index)


_pin_warned = False


def _pin_wanted():
    """pin_memory=True pins only when a GPU is usable (as torch: otherwise it warns once and the
    batches stay in pageable memory)."""
    global _pin_warned
    from ... import cuda
    if cuda.is_available():
        return True
    if not _pin_warned:
        import warnings
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned memory "
                      "won't be used.", stacklevel=3)
        _pin_warned = True
    return False


def _pin_memory(data):
    """``data`` with every CPU tensor copied into pinned (page-locked) host memory, so that
    ``.to('cuda', non_blocking=True)`` is asynchronous; containers are rebuilt with their type."""
    if isinstance(data, Tensor):
        return data if data.device.type != "cpu" or data.is_pinned() else data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if hasattr(data, "pin_memory") and callable(data.pin_memory):  # a custom batch type
        return data.pin_memory()
    if isinstance(data, collections.abc.Mapping):
        try:
            return type(data)({k: _pin_memory(v) for k, v in data.items()})
        except TypeError:
            return {k: _pin_memory(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(_pin_memory(v) for v in data))
    if isinstance(data, tuple):
        return tuple(_pin_memory(v) for v in data)
    if isinstance(data, list):
        return [_pin_memory(v) for v in data]
    return data
