"""The batch a map-style dataset's ``__getitems__`` hands to a DataLoader: rows that keep their Arrow table.

A :class:`RowBatch` is what a DataLoader receives for a list of indices. It is a sequence of row dicts, so
``default_collate`` and any hand-written collate work unchanged, but it keeps the gathered Arrow table, so
:class:`crucible_torch.Collator` converts whole columns to tensors without ever building per-row dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..features import Features


class RowBatch(Sequence):
    """The rows of one batch, formatted as the dataset is; keeps ``table`` for column-wise collation."""

    def __init__(
        self,
        table: pa.Table,
        features: Features | None,
        format_type: str | None,
        format_columns: Sequence[str] | None,
        format_batch: Callable[[pa.Table], Any],
        format_for_collate: Callable[[pa.Table], Any] | None = None,
    ):
        self.table = table
        self.features = features
        self.format_type = format_type
        self.format_columns = format_columns
        self._format_batch = format_batch
        self._format_for_collate = format_for_collate
        self._columns: dict[str, Any] | None = None

    @property
    def is_plain(self) -> bool:
        """True when the rows are the python or torch format of all columns (the collate fast path applies)."""
        return self.format_type in (None, "torch") and self.format_columns is None

    @property
    def columns(self) -> dict[str, Any]:
        """The batch as a dict of formatted columns (computed once)."""
        if self._columns is None:
            self._columns = self._format_batch(self.table)
        return self._columns

    def collate_columns(self) -> Any:
        """The batch formatted for a column-wise collate: as :attr:`columns`, except that value transforms with
        a batch-level step (normalisation) leave it undone, as ``UnfinishedColumn`` values the collate runs on
        the stacked batch once."""
        if self._format_for_collate is None:
            return self.columns
        return self._format_for_collate(self.table)

    def __len__(self) -> int:
        return self.table.num_rows

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        columns = self.columns
        if isinstance(columns, pa.Table):
            return columns.slice(i, 1)
        return {name: values[i] for name, values in columns.items()}

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def __reduce__(self):
        # Crossing a process boundary (a custom collate returning the batch itself): send plain rows.
        return (list, (list(self),))
