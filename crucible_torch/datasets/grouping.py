"""``Dataset.batch``: rows grouped into lists, by count or by runs of equal keys, computed on Arrow.

Each output row holds, per column, the list of the values of one group (features become ``List(feature)``,
so a ClassLabel stays a ClassLabel inside the list and structs stay structs). Groups are ``batch_size``
consecutive rows, or with ``by_column`` the runs of consecutive rows sharing the same key values (a null key
never starts a new run, as `datasets` compares with ``pyarrow.compute.not_equal``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..features import Features, List

if TYPE_CHECKING:
    from .arrow_dataset import Dataset

_GROUPS_PER_TABLE = 1000


def _run_starts(dataset: Dataset, columns: Sequence[str], stop: int) -> np.ndarray:
    """Row offsets where a run of equal keys starts (always 0), over rows ``[0, stop)``."""
    cuts = np.zeros(max(stop - 1, 0), dtype=bool)
    if stop > 1:
        table = dataset._rows_table(slice(0, stop)).select(list(columns))
        for name in columns:
            column = table.column(name).combine_chunks()
            differs = pc.not_equal(column.slice(1), column.slice(0, stop - 1))
            cuts |= pc.fill_null(differs, False).to_numpy(zero_copy_only=False)
    return np.concatenate([[0], np.flatnonzero(cuts) + 1]).astype(np.int64)


def group_offsets(
    dataset: Dataset, batch_size: int | None, by_column: str | Sequence[str] | None, drop_last_batch: bool
) -> np.ndarray:
    """The row offsets of the groups, followed by the end of the last group."""
    n = dataset.num_rows
    if by_column is None:
        size = batch_size if batch_size and batch_size > 0 else max(n, 1)
        stop = n - n % size if drop_last_batch else n
        return np.append(np.arange(0, stop, size), stop).astype(np.int64) if stop else np.zeros(1, np.int64)
    columns = [by_column] if isinstance(by_column, str) else list(by_column)
    missing = [c for c in columns if c not in dataset.column_names]
    if missing:
        raise ValueError(f"by_column {missing} not in the dataset. Current columns: {dataset.column_names}")
    stop = n
    if drop_last_batch and batch_size and batch_size > 0:
        stop = n - n % batch_size
    starts = _run_starts(dataset, columns, stop) if stop else np.zeros(0, np.int64)
    if stop < n and len(starts):  # `datasets` keeps the last run open when later rows are dropped: it is lost
        return starts
    return np.append(starts, stop).astype(np.int64)


def grouped_tables(dataset: Dataset, offsets: np.ndarray, features: Features) -> Iterator[pa.Table]:
    """Tables of grouped rows, ``_GROUPS_PER_TABLE`` groups at a time."""
    schema = features.arrow_schema
    for first in range(0, len(offsets) - 1, _GROUPS_PER_TABLE):
        bounds = offsets[first : first + _GROUPS_PER_TABLE + 1]
        start, stop = int(bounds[0]), int(bounds[-1])
        rows = dataset._rows_table(slice(start, stop))
        list_offsets = pa.array(bounds - start, pa.int32())
        arrays = [
            pa.ListArray.from_arrays(list_offsets, rows.column(name).combine_chunks(), type=field.type)
            for name, field in zip(rows.column_names, schema)
        ]
        yield pa.Table.from_arrays(arrays, schema=schema)


class GroupingMixin:
    """``batch``."""

    def batch(
        self: Dataset,
        batch_size: int | None = None,
        by_column: str | Sequence[str] | None = None,
        drop_last_batch: bool = False,
        num_proc: int | None = None,
        new_fingerprint: str | None = None,
    ) -> Dataset:
        """A dataset whose rows are groups of rows: ``batch_size`` consecutive rows, or (``by_column``) runs of
        consecutive rows with equal values in those columns. Each column holds the list of the group's values."""
        if batch_size is None and by_column is None:
            raise ValueError("Dataset.batch() needs `batch_size` or `by_column`.")
        from .processing import write_or_keep

        features = Features({name: List(feature) for name, feature in self._info.features.items()})
        fingerprint = new_fingerprint or self._new_fingerprint(
            "batch", batch_size=batch_size, by_column=by_column, drop_last_batch=drop_last_batch
        )
        offsets = group_offsets(self, batch_size, by_column, drop_last_batch)
        table = write_or_keep(self, grouped_tables(self, offsets, features), features.arrow_schema, fingerprint)
        info = self._info.copy()
        info.features = features
        return self._replace(table=table, indices=None, info=info, fingerprint=fingerprint)
