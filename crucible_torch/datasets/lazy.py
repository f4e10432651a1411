"""Python-format batches and rows that convert a column only when the function reads it.

A ``map``/``filter`` function usually reads one or two columns of a wide table; converting every column to
Python objects first (what ``to_pydict`` does) costs more than the function. `LazyBatch` converts a column on
first access and remembers what was read, assigned or deleted, so ``map`` can carry the untouched columns over
as Arrow and apply exactly what the function did to the others: as in `datasets`, assignments and deletions
on the input row persist even when the function returns a new dict, and a value read and changed in place
(``row["tokens"].append(0)``) is stored changed.
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
        self.assigned: dict[str, None] = {}  # keys set through this mapping, in order
        self.deleted: set[str] = set()
        self._snapshots: dict[str, tuple[Any, list]] = {}  # read column -> (list object, shallow copy)

    @property
    def table(self) -> pa.Table:
        return self._table

    def _load(self, key: str) -> Any:
        values = self._table.column(key).to_pylist()
        feature = self._features.get(key) if self._features is not None else None
        if feature is not None and require_decoding(feature):
            values = self._features.decode_column(key, values)
        self._snapshots[key] = (values, list(values))
        return values

    def __getitem__(self, key: str) -> Any:
        if key in self.deleted:
            raise KeyError(key)
        if key not in self.data:
            if key not in self._table.column_names:
                raise KeyError(key)
            self.data[key] = self._load(key)
        return self.data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.deleted.discard(key)
        self.data[key] = value
        self.assigned[key] = None

    def __delitem__(self, key: str) -> None:
        if key in self.deleted or (key not in self.data and key not in self._table.column_names):
            raise KeyError(key)
        self.data.pop(key, None)
        self.assigned.pop(key, None)
        self.deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        names = self._table.column_names
        yield from (k for k in names if k not in self.deleted)
        yield from (k for k in self.data if k not in names)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return key not in self.deleted and (key in self.data or key in self._table.column_names)

    def read_columns(self) -> list[str]:
        """Input columns that were read (not assigned, not deleted): they may have been changed in place."""
        return [k for k in self._snapshots if k in self.data and k not in self.assigned]

    def changed_in_place(self, key: str) -> bool | None:
        """For a read column: True when its list was changed (an element replaced), False when not, None when
        an element itself is mutable (a list or dict) and may have been changed without the list noticing."""
        values, snapshot = self._snapshots[key]
        current = self.data[key]
        if current is not values or current != snapshot:  # list equality compares identical elements in C
            return True
        feature = self._features.get(key) if self._features is not None else None
        if feature is not None and require_decoding(feature):
            return False  # decoded media (PIL images, audio dicts) are kept as stored unless assigned
        first = next((v for v in current if v is not None), None)
        return None if isinstance(first, (list, dict)) else False

    def __repr__(self) -> str:
        return f"LazyBatch({ {k: self[k] for k in self} })"


class LazyRow(MutableMapping):
    """Row ``index`` of a `LazyBatch`; assignments and deletions stay in the row."""

    __slots__ = ("_batch", "_index", "assigned", "deleted")

    def __init__(self, batch: LazyBatch, index: int):
        self._batch = batch
        self._index = index
        self.assigned: dict[str, Any] = {}
        self.deleted: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        if self.assigned and key in self.assigned:
            return self.assigned[key]
        if self.deleted and key in self.deleted:
            raise KeyError(key)
        values = self._batch.data.get(key)
        if values is None:
            values = self._batch[key]
        return values[self._index]

    def __setitem__(self, key: str, value: Any) -> None:
        self.deleted.discard(key)
        self.assigned[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.assigned.pop(key, None)
        self.deleted.add(key)

    def __iter__(self) -> Iterator[str]:
        names = self._batch.table.column_names
        yield from (k for k in names if k not in self.deleted)
        yield from (k for k in self.assigned if k not in names)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return key not in self.deleted and (key in self.assigned or key in self._batch.table.column_names)

    def __repr__(self) -> str:
        return f"LazyRow({ {k: self[k] for k in self} })"
