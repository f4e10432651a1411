"""crucible_torch: Hub datasets loaded fast and fed straight into ``torch.utils.data.DataLoader``.

The API follows `datasets` (``load_dataset``, ``Dataset``, ``DatasetDict``, ``IterableDataset``, Features), so
code written against `datasets` runs by changing the import. Heavy modules (torch, pyarrow, torchvision) are
imported on first use of a name, which keeps ``import crucible_torch`` fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # loading
    "load_dataset": "crucible_torch.load",
    "get_dataset_config_names": "crucible_torch.load",
    "get_dataset_split_names": "crucible_torch.load",
    "get_dataset_infos": "crucible_torch.load",
    "load_from_disk": "crucible_torch.datasets",
    # containers
    "Dataset": "crucible_torch.datasets",
    "DatasetDict": "crucible_torch.datasets",
    "DatasetInfo": "crucible_torch.datasets",
    "IterableDataset": "crucible_torch.iterable",
    "IterableDatasetDict": "crucible_torch.iterable",
    "merge_state_dicts": "crucible_torch.iterable",
    "concatenate_datasets": "crucible_torch.combine",
    "interleave_datasets": "crucible_torch.combine",
    "split_dataset_by_node": "crucible_torch.combine",
    # features
    "Features": "crucible_torch.features",
    "Value": "crucible_torch.features",
    "ClassLabel": "crucible_torch.features",
    "List": "crucible_torch.features",
    "LargeList": "crucible_torch.features",
    "Sequence": "crucible_torch.features",
    "Image": "crucible_torch.features",
    "Audio": "crucible_torch.features",
    "Json": "crucible_torch.features",
    # torch integration
    "Collator": "crucible_torch.batching.collator",
    "collate": "crucible_torch.batching.collator",
    "EpochBatchSampler": "crucible_torch.batching.sampler",
    "device_batches": "crucible_torch.batching.device",
}

__all__ = [
    "Audio",
    "ClassLabel",
    "Collator",
    "Dataset",
    "DatasetDict",
    "DatasetInfo",
    "EpochBatchSampler",
    "Features",
    "Image",
    "IterableDataset",
    "IterableDatasetDict",
    "Json",
    "LargeList",
    "List",
    "Sequence",
    "Value",
    "collate",
    "concatenate_datasets",
    "device_batches",
    "get_dataset_config_names",
    "get_dataset_infos",
    "get_dataset_split_names",
    "interleave_datasets",
    "load_dataset",
    "load_from_disk",
    "merge_state_dicts",
    "split_dataset_by_node",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crucible_torch' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .batching.collator import Collator, collate
    from .batching.device import device_batches
    from .batching.sampler import EpochBatchSampler
    from .combine import concatenate_datasets, interleave_datasets, split_dataset_by_node
    from .datasets import Dataset, DatasetDict, DatasetInfo, load_from_disk
    from .features import Audio, ClassLabel, Features, Image, Json, LargeList, List, Sequence, Value
    from .iterable import IterableDataset, IterableDatasetDict, merge_state_dicts
    from .load import get_dataset_config_names, get_dataset_infos, get_dataset_split_names, load_dataset
