"""Batches for ``torch.utils.data.DataLoader``: what a batch is (:class:`RowBatch`, the gathered Arrow table
behind a list of rows), how it becomes tensors (:class:`Collator`, driven by Features) and which rows form
batch ``k`` of an epoch (:class:`EpochBatchSampler`). Independent of the dataset classes, which use it.
"""

from .collator import Collator, collate
from .row_batch import RowBatch
from .sampler import EpochBatchSampler

__all__ = ["Collator", "EpochBatchSampler", "RowBatch", "collate"]
