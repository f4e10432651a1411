"""Streaming: `IterableDataset` over files or a map-style dataset, sharded by rows over rank x worker slots.

See :mod:`.dataset` for the API, :mod:`.partition`, :mod:`.order` and :mod:`.stages` for which rows each slot
reads in which order, and :mod:`.state` for exact resumption (``merge_state_dicts`` for resizes).
"""

from .dataset import IterableDataset
from .dataset_dict import IterableDatasetDict
from .state import merge_state_dicts

__all__ = ["IterableDataset", "IterableDatasetDict", "merge_state_dicts"]
