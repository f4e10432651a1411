"""Lazy views handed out by a Dataset: the batch that ``__getitems__`` returns, and a single column.

A :class:`RowBatch` is what a DataLoader receives for a list of indices. It is a sequence of row dicts, so
``default_collate`` and any hand-written collate work unchanged, but it keeps the gathered Arrow table, so
:class:`crucible_torch.Collator` converts whole columns to tensors without ever building per-row dicts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


class RowBatch(Sequence):
    """The rows of one batch, formatted as the dataset is; keeps ``table`` for column-wise collation."""

    def __init__(self, table: pa.Table, dataset: Dataset):
        self.table = table
        self.features = dataset.features
        self.format_type = dataset._format_type
        self.format_columns = dataset._format_columns
        self._dataset = dataset
        self._columns: dict[str, Any] | None = None

    @property
    def is_plain(self) -> bool:
        """True when the rows are the python or torch format of all columns (the collate fast path applies)."""
        return self.format_type in (None, "torch") and self.format_columns is None

    @property
    def columns(self) -> dict[str, Any]:
        """The batch as a dict of formatted columns (computed once)."""
        if self._columns is None:
            self._columns = self._dataset._format(self.table, "batch")
        return self._columns

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


class Column(Sequence):
    """A column of a Dataset, read lazily: ``ds["image"][3]`` decodes one image, not the whole column."""

    def __init__(self, dataset: Dataset, name: str):
        self.dataset = dataset
        self.column_name = name
        self.features = dataset.features[name]

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            raise TypeError("Nested column access is not supported; index rows first, e.g. ds[i][col][key]")
        return self.dataset._column_values(self.column_name, key)

    def __iter__(self) -> Iterator[Any]:
        batch_size = 1000
        for start in range(0, len(self), batch_size):
            yield from self.dataset._column_values(self.column_name, slice(start, start + batch_size))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Column):
            return list(self) == list(other)
        return other == list(self)

    def __repr__(self) -> str:
        head = list(self[:5]) if len(self) else []
        return "Column(" + repr(head)[:-1] + (", ...])" if len(self) > 5 else "])")
