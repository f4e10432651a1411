"""``Dataset.to_iterable_dataset(num_shards)``: a map-style dataset streamed as contiguous row ranges.

The units are ``num_shards`` contiguous ranges of the (memory-mapped) rows, so shuffling, slots, resumption
and every lazy operation work as for files, and a DataLoader worker receives the dataset as the paths of
its Arrow files. Rows are read in order of the dataset (through its indices mapping, if any).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from ..errors import DataFileError
from .dataset import IterableDataset
from .partition import split_sizes
from .source import SourceNode

if TYPE_CHECKING:
    from ..datasets import Dataset

_READ_ROWS = 10_000


class TablePlan:
    """A map-style dataset as ``num_shards`` units of contiguous rows (a row provider of `SourceNode`)."""

    def __init__(self, dataset: Dataset, num_shards: int) -> None:
        if num_shards < 1:
            raise ValueError(f"num_shards must be at least 1, got {num_shards}")
        self.dataset = dataset.with_format("arrow")
        self.schema = dataset.features.arrow_schema
        self.rows = np.array(split_sizes(len(dataset), min(num_shards, max(len(dataset), 1))), dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(self.rows)]).astype(np.int64)

    def read_unit(self, index: int, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        lo, hi = int(self._starts[index]), int(self._starts[index + 1])
        for start in range(lo, hi, _READ_ROWS):
            yield from self.dataset[start : min(hi, start + _READ_ROWS)].select(list(columns)).to_batches()

    def count_mismatch(self, index: int, expected: int, found: int) -> DataFileError:
        return DataFileError(f"shard {index} of the dataset has {found} rows, expected {expected}")


def dataset_to_iterable(dataset: Dataset, num_shards: int = 1) -> IterableDataset:
    """The rows of ``dataset`` as an `IterableDataset` of ``num_shards`` units, keeping its format type."""
    node = SourceNode(TablePlan(dataset, num_shards), features=dataset.features)
    format_type = dataset.format["type"] if dataset.format["type"] in (None, "numpy", "torch", "arrow") else None
    return IterableDataset(node, info=dataset.info, split=dataset.split, format_type=format_type)
