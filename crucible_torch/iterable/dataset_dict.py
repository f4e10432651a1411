"""`IterableDatasetDict`: the splits of a streamed dataset, each an `IterableDataset`, edited together."""

from __future__ import annotations

from typing import Any

from .dataset import IterableDataset


class IterableDatasetDict(dict[str, IterableDataset]):
    """``{split: IterableDataset}`` as ``load_dataset(..., streaming=True)`` returns it without ``split``.

    The lazy operations of `IterableDataset` apply to every split and return a new dict.
    """

    def _each(self, method: str, *args: Any, **kwargs: Any) -> IterableDatasetDict:
        return IterableDatasetDict({name: getattr(ds, method)(*args, **kwargs) for name, ds in self.items()})

    def map(self, *args: Any, **kwargs: Any) -> IterableDatasetDict:
        return self._each("map", *args, **kwargs)

    def filter(self, *args: Any, **kwargs: Any) -> IterableDatasetDict:
        return self._each("filter", *args, **kwargs)

    def shuffle(self, *args: Any, **kwargs: Any) -> IterableDatasetDict:
        return self._each("shuffle", *args, **kwargs)

    def with_format(self, type: str | None = None) -> IterableDatasetDict:  # noqa: A002 - datasets' name
        return self._each("with_format", type)

    def select_columns(self, column_names: str | list[str]) -> IterableDatasetDict:
        return self._each("select_columns", column_names)

    def remove_columns(self, column_names: str | list[str]) -> IterableDatasetDict:
        return self._each("remove_columns", column_names)

    def rename_column(self, original_column_name: str, new_column_name: str) -> IterableDatasetDict:
        return self._each("rename_column", original_column_name, new_column_name)

    def rename_columns(self, column_mapping: dict[str, str]) -> IterableDatasetDict:
        return self._each("rename_columns", column_mapping)

    def cast_column(self, column: str, feature: Any) -> IterableDatasetDict:
        return self._each("cast_column", column, feature)

    def cast(self, features: Any) -> IterableDatasetDict:
        return self._each("cast", features)

    def take(self, n: int) -> IterableDatasetDict:
        return self._each("take", n)

    def skip(self, n: int) -> IterableDatasetDict:
        return self._each("skip", n)

    def set_epoch(self, epoch: int) -> None:
        for ds in self.values():
            ds.set_epoch(epoch)

    @property
    def column_names(self) -> dict[str, list[str] | None]:
        return {name: ds.column_names for name, ds in self.items()}

    @property
    def num_columns(self) -> dict[str, int | None]:
        return {name: ds.num_columns for name, ds in self.items()}

    def __repr__(self) -> str:
        body = "\n".join(f"    {name}: {ds!r}".replace("\n", "\n    ") for name, ds in self.items())
        return f"IterableDatasetDict({{\n{body}\n}})"
