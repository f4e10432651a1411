"""A column of a map-style Dataset, read lazily: ``ds["image"][3]`` decodes one image, not the whole column."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


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
