"""``concatenate_datasets`` and ``interleave_datasets`` for map-style datasets, row-for-row as `datasets`.

Concatenation stacks the Arrow tables (zero-copy) and offsets the indices mappings; interleaving is a
selection over the concatenation whose indices are drawn exactly as `datasets` draws them (round-robin
without probabilities; ``default_rng(seed).choice(k, size=1000, p=probabilities)`` blocks with them), so the
same arguments give the same row sequence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from ..arrow.fingerprint import update_fingerprint
from ..arrow.info import DatasetInfo
from ..arrow.table import concat_arrow_tables
from ..features import Features, align_features
from .arrow_dataset import Dataset

STOPPING_STRATEGIES = ("first_exhausted", "all_exhausted", "all_exhausted_without_replacement")


def concatenate_datasets(
    dsets: Sequence[Dataset], info: DatasetInfo | None = None, split: str | None = None, axis: int = 0
) -> Dataset:
    """Rows of every dataset in order (``axis=0``), or their columns side by side (``axis=1``)."""
    dsets = list(dsets)
    if not dsets:
        raise ValueError("Unable to concatenate an empty list of datasets.")
    if axis not in (0, 1):
        raise ValueError("axis must be 0 or 1")
    format = _raw_format(dsets[0])
    if any(_raw_format(d) != format for d in dsets):
        format = None
    fingerprint = update_fingerprint("".join(d._fingerprint for d in dsets), "concatenate", {"axis": axis})
    if axis == 1:
        return _concat_columns(dsets, info, split, fingerprint, format)
    # as `datasets`: every column of every dataset, in order of first appearance; a dataset without a column
    # gives None there (columns shared must have the same feature, or be all-null in some datasets)
    aligned = align_features([d._info.features for d in dsets])
    names = list(dict.fromkeys(n for d in dsets for n in d.column_names))
    features = Features({n: aligned[n] for n in names})
    schema = features.arrow_schema
    tables, index_parts, offset = [], [], 0
    for d in dsets:
        t = d._table
        if d.column_names != names:
            t = t.then("conform", schema)
        elif t.table.schema != schema:
            t = t.then("cast", schema)
        tables.append(t)
        index_parts.append((d._indices if d._indices is not None else np.arange(d.num_rows)) + offset)
        offset += d.data.num_rows
    indices = None if all(d._indices is None for d in dsets) else np.concatenate(index_parts)
    info = info or DatasetInfo(features=features)
    info = info.copy()
    info.features = features
    out = Dataset(concat_arrow_tables(tables), info=info, split=split, indices=indices, fingerprint=fingerprint)
    return _with_format(out, format)


_FORMAT_STATE = ("_format_type", "_format_kwargs", "_format_columns", "_output_all_columns", "_transform")


def _raw_format(dataset: Dataset) -> dict:
    """A dataset's format state as set (format columns stay None when unset, so new columns are formatted)."""
    return {name: getattr(dataset, name) for name in _FORMAT_STATE}


def _with_format(dataset: Dataset, format: dict | None) -> Dataset:
    if format is not None:
        dataset.__dict__.update({name: value for name, value in format.items()})
        dataset._format_kwargs = dict(dataset._format_kwargs)
    return dataset


def _concat_columns(
    dsets: list[Dataset], info: DatasetInfo | None, split: str | None, fingerprint: str, format: dict | None
) -> Dataset:
    if any(d.num_rows != dsets[0].num_rows for d in dsets):
        raise ValueError("Number of rows must match for all datasets")
    names = [n for d in dsets for n in d.column_names]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Column names {duplicates} are duplicated; rename them before concatenating on axis=1")
    tables = [d.flatten_indices() if d._indices is not None else d for d in dsets]
    arrays, fields = [], []
    for d in tables:
        arrays.extend(d.data.columns)
        fields.extend(d.data.schema)
    features = Features({n: f for d in dsets for n, f in d.features.items()})
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields)).cast(features.arrow_schema)
    info = (info or DatasetInfo()).copy()
    info.features = features
    out = Dataset(table, info=info, split=split, fingerprint=fingerprint)
    return _with_format(out, format)


def _round_robin(lengths: list[int], offsets: np.ndarray, strategy: str) -> np.ndarray:
    if strategy == "all_exhausted_without_replacement":
        chunks, bounds = [], [0] + sorted(set(lengths))
        live_lengths, live_offsets = list(lengths), np.asarray(offsets)
        for start, end in zip(bounds[:-1], bounds[1:]):
            chunks.append((live_offsets.reshape(1, -1) + np.arange(start, end).reshape(-1, 1)).reshape(-1))
            gone = [i for i, n in enumerate(live_lengths) if n == end]
            live_lengths = np.delete(live_lengths, gone).tolist()
            live_offsets = np.delete(live_offsets, gone)
        return np.concatenate(chunks)
    if strategy == "first_exhausted":
        return (offsets.reshape(1, -1) + np.arange(min(lengths)).reshape(-1, 1)).reshape(-1)
    wrapped = np.mod(np.arange(max(lengths)).reshape(-1, 1), np.asarray(lengths).reshape(1, -1))
    return (wrapped + offsets).reshape(-1)


def _sampled(
    lengths: list[int], offsets: np.ndarray, probabilities: Sequence[float], seed: int | None, strategy: str
) -> np.ndarray:
    k = len(lengths)
    rng = np.random.default_rng(seed)
    drawable = np.asarray(probabilities, dtype=np.float64) > 0
    empty = [i for i in range(k) if lengths[i] == 0 and drawable[i]]
    if empty:
        raise ValueError(
            "interleave_datasets with probabilities requires every dataset that can be sampled "
            f"(probability > 0) to be non-empty; datasets at indices {empty} are empty."
        )
    if strategy == "all_exhausted_without_replacement":
        exhausted = np.zeros(k, dtype=bool)
        position = [0] * k
        out: list[int] = []
        while not exhausted.all():
            for source in rng.choice(k, size=1000, p=probabilities):
                if exhausted.all():
                    break
                if not exhausted[source]:
                    out.append(position[source] + int(offsets[source]))
                    position[source] += 1
                if position[source] >= lengths[source]:
                    exhausted[source] = True
        return np.asarray(out, dtype=np.int64)
    oversampling = strategy == "all_exhausted"
    if oversampling and not drawable.all():
        never = [i for i in range(k) if not drawable[i]]
        raise ValueError(
            'interleave_datasets with stopping_strategy="all_exhausted" cannot exhaust a dataset that '
            f"is never sampled; datasets at indices {never} have probability 0."
        )
    lengths_arr = np.asarray(lengths, dtype=np.int64)
    blocks, counts = [], np.zeros(k, dtype=np.int64)
    reached = np.zeros(k, dtype=bool)
    while not (reached[drawable].all() if oversampling else reached[drawable].any()):
        block = rng.choice(k, size=1000, p=probabilities)
        blocks.append(block)
        counts += np.bincount(block, minlength=k)
        reached = counts >= lengths_arr
    draws = np.concatenate(blocks)
    exhaust_at = np.full(k, -1, dtype=np.int64)
    for s in np.flatnonzero(drawable):
        hits = np.flatnonzero(draws == s)
        if len(hits) >= lengths[s]:
            exhaust_at[s] = hits[lengths[s] - 1]
    valid = exhaust_at[exhaust_at >= 0]
    used = draws[: (valid.max() if oversampling else valid.min()) + 1]
    indices = np.empty(len(used), dtype=np.int64)
    for s in np.flatnonzero(drawable):
        where = np.flatnonzero(used == s)
        indices[where] = np.arange(len(where)) % lengths[s] + offsets[s]
    return indices


def interleave_datasets(
    datasets: Sequence[Dataset],
    probabilities: Sequence[float] | None = None,
    seed: int | None = None,
    info: DatasetInfo | None = None,
    split: str | None = None,
    stopping_strategy: str = "first_exhausted",
) -> Dataset:
    """Alternate rows between sources: round-robin, or drawn by ``probabilities`` with ``seed``."""
    if stopping_strategy not in STOPPING_STRATEGIES:
        raise ValueError(
            f"{stopping_strategy} is not supported. Please enter a valid stopping_strategy: {list(STOPPING_STRATEGIES)}"
        )
    datasets = list(datasets)
    if not datasets:
        raise ValueError("Unable to interleave an empty list of datasets.")
    if probabilities is not None and len(probabilities) != len(datasets):
        raise ValueError(f"probabilities has {len(probabilities)} values for {len(datasets)} datasets")
    lengths = [len(d) for d in datasets]
    offsets = np.cumsum([0] + lengths[:-1])
    combined = concatenate_datasets(datasets, info=info, split=split)
    if probabilities is None:
        indices = _round_robin(lengths, offsets, stopping_strategy)
    else:
        indices = _sampled(lengths, offsets, probabilities, seed, stopping_strategy)
    return combined.select(indices)
