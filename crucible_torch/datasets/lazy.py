"""Python-format batches and rows that convert a column only when the function reads it.

A ``map``/``filter`` function usually reads one or two columns of a wide table; converting every column to
Python objects first (what ``to_pydict`` does) costs more than the function. `LazyBatch` converts a column on
first access and remembers what was read or assigned, so ``map`` can carry the untouched columns over as Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pyarrow as pa

from ..features import Features, require_decoding


class LazyBatch(MutableMapping):
    """``{column: list}`` over an Arrow batch; values are converted (and decoded) on first access."""

    def __init__(self, table: pa.Table, features: Features | None):
        self._table = table
        self._features = features
        self.data: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self.data:
            if key not in self._table.column_names:
                raise KeyError(key)
            values = self._table.column(key).to_pylist()
            feature = self._features.get(key) if self._features is not None else None
            if feature is not None and require_decoding(feature):
                values = self._features.decode_column(key, values)
            self.data[key] = values
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("columns cannot be deleted from a map input; use remove_columns=")

    def __iter__(self) -> Iterator[str]:
        yield from self._table.column_names
        yield from (k for k in self.data if k not in self._table.column_names)

    def __len__(self) -> int:
        return len(set(self._table.column_names) | set(self.data))

    def __repr__(self) -> str:
        return f"LazyBatch({ {k: self[k] for k in self} })"


class LazyRow(MutableMapping):
    """Row ``index`` of a `LazyBatch`; assignments stay in the row. ``touched()`` is what map merges back."""

    def __init__(self, batch: LazyBatch, index: int):
        self._batch = batch
        self._index = index
        self._read: dict[str, None] = {}
        self._set: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self._set:
            return self._set[key]
        value = self._batch[key][self._index]
        self._read[key] = None
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._set[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("columns cannot be deleted from a map input; use remove_columns=")

    def __iter__(self) -> Iterator[str]:
        names = self._batch._table.column_names
        yield from names
        yield from (k for k in self._set if k not in names)

    def __len__(self) -> int:
        return len(set(self._batch._table.column_names) | set(self._set))

    def touched(self) -> dict[str, Any]:
        """The columns read or assigned, with their current values (returned rows merge only these)."""
        return {k: self[k] for k in [*self._read, *self._set]}

    def __repr__(self) -> str:
        return f"LazyRow({ {k: self[k] for k in self} })"
