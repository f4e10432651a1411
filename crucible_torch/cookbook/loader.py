"""``cookbook.load(name)``: a registered dataset through ``load_dataset`` (same cache, same rows), with its rows
mapped to typed examples lazily.

Normalising is a transform, not a pass over the data: map-style splits get ``with_transform`` (the normaliser
runs on each batch as it is read, so inside DataLoader workers) and streaming splits a lazy ``map``. Each row
comes out as ``{"example": <typed example>}``. A malformed row raises :class:`RowError` naming the dataset,
split and row index; rows the registry skips on purpose (ties, malformed HH transcripts) are filtered before
and their count is logged. All shards of a split load: nothing is capped.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from ..combine import concatenate_datasets
from ..features import ClassLabel
from ..load import load_dataset
from .registry import DatasetEntry, info
from .rows import MalformedRow, RowError

logger = logging.getLogger(__name__)

EXAMPLE = "example"
ROW_INDEX = "__cookbook_row__"


class _Normalise:
    """The transform: raw rows (a batch dict, or one row when streaming) -> ``{"example": ...}``; picklable."""

    def __init__(self, fn: Callable[[Mapping[str, Any]], Any], dataset: str, config: str | None, split: str):
        self.fn, self.dataset, self.config, self.split = fn, dataset, config, split

    def one(self, row: dict[str, Any], index: int | None) -> Any:
        try:
            return self.fn(row)
        except MalformedRow as e:
            raise RowError(self.dataset, self.config, self.split, index, str(e)) from None

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        indices = batch.pop(ROW_INDEX)
        rows = (dict(zip(batch, values)) for values in zip(*batch.values()))
        return {EXAMPLE: [self.one(row, int(i)) for row, i in zip(rows, indices)]}

    def row(self, row: dict[str, Any], index: int) -> dict[str, Any]:
        """Streaming ``map(with_indices=True)``: the index counts rows of this worker's stream."""
        return {EXAMPLE: self.one(row, index)}


class _KeepColumns:
    """A registry ``Skip.keep`` over only the columns it reads (``filter(input_columns=...)``); picklable."""

    def __init__(self, keep: Callable[[Mapping[str, Any]], bool], columns: tuple[str, ...]):
        self.keep, self.columns = keep, columns

    def __call__(self, *values: Any) -> bool:
        return bool(self.keep(dict(zip(self.columns, values))))


def _raw(entry: DatasetEntry, split: str, config: str | None, streaming: bool, load_kwargs: dict[str, Any]) -> Any:
    """The split's rows as ``load_dataset`` gives them (concatenated over configs for an "all" entry)."""
    if entry.data_files is not None:
        load_kwargs = {"data_files": entry.data_files, **load_kwargs}
    if entry.concat:
        if config is not None:
            raise ValueError(f"{entry.name} concatenates configs {list(entry.configs)}; it takes no config")
        if split not in entry.concat:
            raise ValueError(f"{entry.name} has splits {sorted(entry.concat)}, not {split!r}")
        parts = [
            load_dataset(entry.repo_id, c, split=split, streaming=streaming, **load_kwargs) for c in entry.concat[split]
        ]
        return concatenate_datasets(parts)
    config = config if config is not None else entry.default_config
    if config is not None and config not in entry.configs:
        raise ValueError(f"{entry.name} has configs {list(entry.configs)}, not {config!r}")
    name = None if entry.data_files is not None else config
    return load_dataset(entry.repo_id, name, split=split, streaming=streaming, **load_kwargs)


def _normaliser(entry: DatasetEntry, ds: Any) -> Callable[[Mapping[str, Any]], Any]:
    """The entry's normaliser, with the class names bound for vision entries (from the split's features)."""
    assert entry.normaliser is not None
    if entry.label_column is None:
        return entry.normaliser
    feature = (ds.features or {}).get(entry.label_column)
    if not isinstance(feature, ClassLabel):
        raise RowError(
            entry.name, None, str(ds.split), None, f"expected column {entry.label_column!r} to be a ClassLabel"
        )
    return functools.partial(entry.normaliser, label_names=tuple(feature.names), label=entry.label_column)


def _skip(entry: DatasetEntry, ds: Any, where: str, streaming: bool) -> Any:
    """Drop the rows the registry skips on purpose, and say how many went."""
    assert entry.skip is not None
    keep = _KeepColumns(entry.skip.keep, entry.skip.columns)
    if streaming:
        logger.warning("%s: skipping %s as the stream is read", where, entry.skip.reason)
        return ds.filter(keep, input_columns=list(entry.skip.columns))
    before = len(ds)
    ds = ds.filter(keep, input_columns=list(entry.skip.columns))
    level = logging.WARNING if len(ds) < before else logging.INFO
    logger.log(level, "%s: skipped %d of %d rows: %s", where, before - len(ds), before, entry.skip.reason)
    return ds


def load(
    name: str,
    split: str | None = None,
    config: str | None = None,
    *,
    streaming: bool | None = None,
    normalise: bool = True,
    skip: bool = True,
    **load_kwargs: Any,
) -> Any:
    """Load a registered dataset's split (default: the entry's default split and config).

    ``streaming`` defaults to the entry's (True for OpenThoughts3). With ``normalise=True`` rows become
    ``{"example": <typed example>}`` lazily, and the registry's skipped rows are filtered first (``skip=False``
    keeps them: ties come through as ``preferred="tie"``). ``load_kwargs`` (``token``, ``revision``,
    ``cache_dir``, ...) go to ``load_dataset``.
    """
    entry = info(name)
    split = split or entry.default_split
    streaming = entry.streaming if streaming is None else streaming
    ds = _raw(entry, split, config, streaming, dict(load_kwargs))
    if not normalise or entry.normaliser is None:
        return ds
    config = None if entry.concat else (config or entry.default_config)
    where = f"{entry.name} ({entry.repo_id}" + (f" [{config}]" if config else "") + f") split {split!r}"
    if not streaming:
        indices = pa.array(np.arange(len(ds), dtype=np.int64))
        ds = ds.add_column(ROW_INDEX, indices, new_fingerprint=f"{ds._fingerprint}-cookbook-rows")
    if skip and entry.skip is not None:
        ds = _skip(entry, ds, where, streaming)
    transform = _Normalise(_normaliser(entry, ds), entry.name, config, split)
    if streaming:
        return ds.map(transform.row, with_indices=True, remove_columns=list(ds.column_names or []))
    return ds.with_transform(transform)
