"""ember.utils.data: datasets, samplers and the DataLoader (as torch.utils.data)."""
from .dataset import (ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset,  # noqa: F401
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler)
from .dataloader import DataLoader, default_collate, get_worker_info  # noqa: F401
