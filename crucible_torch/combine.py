"""``concatenate_datasets``, ``interleave_datasets`` and ``split_dataset_by_node`` for both kinds of dataset.

Map-style `Dataset` inputs go to :mod:`crucible_torch.datasets.combine` (row-for-row as `datasets`);
`IterableDataset` inputs build a lazy concatenation or interleaving (:mod:`crucible_torch.iterable.mixing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from .arrow.info import DatasetInfo
from .datasets import Dataset
from .datasets import combine as map_style
from .iterable import IterableDataset
from .iterable.dataset import NodeSplit
from .iterable.mixing import ConcatNode, InterleaveNode

DatasetType = TypeVar("DatasetType", Dataset, IterableDataset)


def _kind(datasets: Sequence[Any], what: str) -> type:
    """Dataset or IterableDataset, when every input is of that kind (`datasets`' error otherwise)."""
    if not datasets:
        raise ValueError(f"Unable to {what} an empty list of datasets.")
    for kind in (Dataset, IterableDataset):
        if isinstance(datasets[0], kind):
            for i, ds in enumerate(datasets):
                if not isinstance(ds, kind):
                    raise ValueError(
                        f"Unable to {what} a {kind.__name__} (at position 0) with a {type(ds).__name__} (at "
                        f"position {i}). Expected a list of Dataset objects or a list of IterableDataset objects."
                    )
            return kind
    raise ValueError(
        f"Expected a list of Dataset objects or a list of IterableDataset objects, but element at position 0 "
        f"is a {type(datasets[0]).__name__}."
    )


def _combined(
    parts: Sequence[IterableDataset], node: Any, info: DatasetInfo | None, split: str | None
) -> IterableDataset:
    """An IterableDataset over ``node`` with the settings the parts share (format, node split)."""
    formats = {ds.format["type"] for ds in parts}
    splits = {ds._distributed for ds in parts}
    if len(splits) > 1:
        raise ValueError("the datasets were split by node differently; combine them before split_dataset_by_node")
    return IterableDataset(
        node,
        info=info,
        split=split,
        format_type=formats.pop() if len(formats) == 1 else None,
        distributed=splits.pop(),
        epoch=parts[0].epoch,
    )


def concatenate_datasets(
    dsets: Sequence[DatasetType], info: DatasetInfo | None = None, split: str | None = None, axis: int = 0
) -> DatasetType:
    """The rows of every dataset, one after the other (map-style: also ``axis=1``, columns side by side).

    For IterableDatasets each slot reads its share of each part in turn; a later ``shuffle`` also shuffles the
    order of the parts per epoch.
    """
    dsets = list(dsets)
    if _kind(dsets, "concatenate") is Dataset:
        return map_style.concatenate_datasets(dsets, info=info, split=split, axis=axis)
    if axis != 0:
        raise NotImplementedError("concatenate_datasets(axis=1) of IterableDatasets is not supported")
    return _combined(dsets, ConcatNode([ds._node for ds in dsets]), info, split)


def interleave_datasets(
    datasets: Sequence[DatasetType],
    probabilities: Sequence[float] | None = None,
    seed: int | None = None,
    info: DatasetInfo | None = None,
    split: str | None = None,
    stopping_strategy: str = "first_exhausted",
) -> DatasetType:
    """Alternate rows between datasets: round-robin, or drawn by ``probabilities`` with ``seed``.

    ``stopping_strategy`` is ``first_exhausted``, ``all_exhausted`` (restart exhausted datasets until each ran
    out once) or ``all_exhausted_without_replacement`` (every row exactly once). IterableDatasets interleave
    within each slot (DataLoader worker x rank), drawing with a generator seeded by (seed, epoch, slot).
    """
    datasets = list(datasets)
    if _kind(datasets, "interleave") is Dataset:
        return map_style.interleave_datasets(
            datasets, probabilities, seed, info=info, split=split, stopping_strategy=stopping_strategy
        )
    node = InterleaveNode([ds._node for ds in datasets], probabilities, seed, stopping_strategy)
    return _combined(datasets, node, info, split)


def split_dataset_by_node(dataset: DatasetType, rank: int, world_size: int, even_batches: bool = True) -> DatasetType:
    """The part of ``dataset`` for ``rank`` of ``world_size``.

    A `Dataset` gets a contiguous chunk (``shard(world_size, rank, contiguous=True)``). An `IterableDataset`
    reads, on this rank, its share of every epoch split over rank x DataLoader-worker slots by rows (not by
    files, so every rank and worker gets rows). With ``even_batches=True`` every rank yields exactly
    ``N // world_size`` rows per epoch (the last ``N % world_size`` rows of the epoch order are dropped), so
    every rank runs the same number of batches and DDP does not hang at the end of an epoch; with False
    nothing is dropped and ranks differ by at most one row. Use the same shuffle seed on every rank.
    """
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"invalid rank {rank} for world_size {world_size}: expected 0 <= rank < world_size")
    if isinstance(dataset, Dataset):
        return dataset.shard(world_size, rank, contiguous=True)
    if not isinstance(dataset, IterableDataset):
        raise TypeError(f"expected a Dataset or an IterableDataset, got {type(dataset).__name__}")
    if dataset._distributed is not None:
        raise ValueError("this IterableDataset is already split by node; split the original dataset instead")
    return dataset._derive(distributed=NodeSplit(rank, world_size, even_batches))
