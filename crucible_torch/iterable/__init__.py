"""Streaming: `IterableDataset` over files or a map-style dataset, sharded by rows over rank x worker slots.

See :mod:`.dataset` for the API, :mod:`.partition`, :mod:`.order` and :mod:`.stages` for which rows each slot
reads in which order, and :mod:`.state` for exact resumption (``merge_state_dicts`` for resizes). The names are
imported on first use, so the torch-free parts (:mod:`.sources`, the remote data sources) load without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "IterableDataset": "dataset",
    "IterableDatasetDict": "dataset_dict",
    "merge_state_dicts": "state",
}

__all__ = ["IterableDataset", "IterableDatasetDict", "merge_state_dicts"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .dataset import IterableDataset
    from .dataset_dict import IterableDatasetDict
    from .state import merge_state_dicts
