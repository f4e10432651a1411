"""Batches for ``torch.utils.data.DataLoader``: what a batch is (:class:`RowBatch`, the gathered Arrow table
behind a list of rows), how it becomes tensors (:class:`Collator`, driven by Features) and which rows form
batch ``k`` of an epoch (:class:`EpochBatchSampler`), and where it is finished (:func:`device_batches`: on the
consumer's device, once per batch). Independent of the dataset classes, which use it.
"""

from .collator import Collator, collate
from .device import Unfinished, device_batches
from .row_batch import RowBatch
from .sampler import EpochBatchSampler

__all__ = ["Collator", "EpochBatchSampler", "RowBatch", "Unfinished", "collate", "device_batches"]
