"""Map-style datasets: `Dataset` over memory-mapped Arrow, `DatasetDict`, concatenation and interleaving."""

from .arrow_dataset import Dataset
from .combine import concatenate_datasets, interleave_datasets
from .dataset_dict import DatasetDict, load_from_disk
from .info import DatasetInfo, SplitInfo
from .row_batch import Column, RowBatch

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
