"""Map-style datasets: `Dataset` over memory-mapped Arrow, `DatasetDict`, concatenation and interleaving.

A split's files are prepared once into the Arrow cache (:mod:`.prepare`); shuffles and selections are an
indices mapping over the memory-mapped table, never copies.
"""

from ..arrow.info import DatasetInfo, SplitInfo
from ..batching.row_batch import RowBatch
from .arrow_dataset import Dataset
from .column import Column
from .combine import concatenate_datasets, interleave_datasets
from .dataset_dict import DatasetDict, load_from_disk

__all__ = [
    "Column",
    "Dataset",
    "DatasetDict",
    "DatasetInfo",
    "RowBatch",
    "SplitInfo",
    "concatenate_datasets",
    "interleave_datasets",
    "load_from_disk",
]
