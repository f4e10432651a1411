"""A column of a map-style Dataset, read lazily: ``ds["image"][3]`` decodes one image, not the whole column.

As in `datasets`, ``ds["col"][key]`` is ``ds[key]["col"]`` computed on that column alone, iterating yields
``row["col"]`` for each row in the dataset's format, and ``ds["meta"]["source"]`` is a column of a struct's field.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


class Column(Sequence):
    """A column of a Dataset (or a field of a struct column), read lazily."""

    def __init__(self, source: Dataset | Column, name: str):
        features = source.features
        if not isinstance(features, dict) or name not in features:
            raise ValueError(f"Column '{name}' doesn't exist.")
        self.source = source
        self.column_name = name
        self.features = features[name]

    @property
    def dataset(self) -> Dataset:
        return self.source.dataset if isinstance(self.source, Column) else self.source

    def _rows(self) -> Any:
        """What to read rows from: the source dataset reduced to this column (all columns for a transform)."""
        if isinstance(self.source, Column):
            return self.source
        return self.source._single_column(self.column_name)

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return Column(self, key)
        rows = self._rows()
        if isinstance(self.source, Column):
            if isinstance(key, int):
                return rows[key][self.column_name]
            return [item[self.column_name] for item in rows[key]]
        return rows[key][self.column_name]

    def __iter__(self) -> Iterator[Any]:
        for row in self._rows():
            yield row[self.column_name]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Column):
            return list(self) == list(other)
        return other == list(self)

    def __repr__(self) -> str:
        head = list(self[:5]) if len(self) else []
        return "Column(" + repr(head)[:-1] + (", ...])" if len(self) > 5 else "])")
