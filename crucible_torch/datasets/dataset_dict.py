"""`DatasetDict`: splits by name, with the Dataset operations applied to every split."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..hub.atomic import discard
from ..hub.naming import safe_path_component
from .arrow_dataset import Dataset
from .export import DICT_FILE, _write_json, load_dataset_from_disk


def _per_split(name: str, doc: str) -> Callable[..., DatasetDict]:
    def method(self: DatasetDict, *args: Any, **kwargs: Any) -> DatasetDict:
        return DatasetDict({split: getattr(ds, name)(*args, **kwargs) for split, ds in self.items()})

    method.__name__ = name
    method.__doc__ = doc
    return method


def _in_place(name: str, doc: str) -> Callable[..., None]:
    def method(self: DatasetDict, *args: Any, **kwargs: Any) -> None:
        for ds in self.values():
            getattr(ds, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = doc
    return method


class DatasetDict(dict):
    """A ``dict`` of split name -> :class:`Dataset` (what ``load_dataset`` returns without ``split``)."""

    def __getitem__(self, key: Any) -> Dataset:
        if isinstance(key, str) or not self:
            return super().__getitem__(key)
        available = list(self)
        raise KeyError(
            f"Invalid key: {key!r}. Please first select a split. For example: "
            f"`my_dataset_dictionary[{available[0]!r}][{key!r}]`. Available splits: {available}"
        )

    @property
    def data(self) -> dict[str, Any]:
        return {k: ds.data for k, ds in self.items()}

    @property
    def cache_files(self) -> dict[str, list]:
        return {k: ds.cache_files for k, ds in self.items()}

    @property
    def num_columns(self) -> dict[str, int]:
        return {k: ds.num_columns for k, ds in self.items()}

    @property
    def num_rows(self) -> dict[str, int]:
        return {k: ds.num_rows for k, ds in self.items()}

    @property
    def column_names(self) -> dict[str, list[str]]:
        return {k: ds.column_names for k, ds in self.items()}

    @property
    def shape(self) -> dict[str, tuple[int, int]]:
        return {k: ds.shape for k, ds in self.items()}

    def unique(self, column: str) -> dict[str, list]:
        return {k: ds.unique(column) for k, ds in self.items()}

    def __repr__(self) -> str:
        body = ",\n".join(f"    {k}: " + repr(v).replace("\n", "\n    ") for k, v in self.items())
        return f"DatasetDict({{\n{body}\n}})"

    map = _per_split("map", "``Dataset.map`` on every split.")
    filter = _per_split("filter", "``Dataset.filter`` on every split.")
    sort = _per_split("sort", "``Dataset.sort`` on every split.")
    flatten = _per_split("flatten", "``Dataset.flatten`` on every split.")
    flatten_indices = _per_split("flatten_indices", "``Dataset.flatten_indices`` on every split.")
    cast = _per_split("cast", "``Dataset.cast`` on every split.")
    cast_column = _per_split("cast_column", "``Dataset.cast_column`` on every split.")
    class_encode_column = _per_split("class_encode_column", "``Dataset.class_encode_column`` on every split.")
    remove_columns = _per_split("remove_columns", "``Dataset.remove_columns`` on every split.")
    select_columns = _per_split("select_columns", "``Dataset.select_columns`` on every split.")
    rename_column = _per_split("rename_column", "``Dataset.rename_column`` on every split.")
    rename_columns = _per_split("rename_columns", "``Dataset.rename_columns`` on every split.")
    with_format = _per_split("with_format", "``Dataset.with_format`` on every split.")
    with_transform = _per_split("with_transform", "``Dataset.with_transform`` on every split.")
    batch = _per_split("batch", "``Dataset.batch`` on every split.")
    align_labels_with_mapping = _per_split(
        "align_labels_with_mapping", "``Dataset.align_labels_with_mapping`` on every split."
    )
    set_format = _in_place("set_format", "``Dataset.set_format`` on every split.")
    reset_format = _in_place("reset_format", "``Dataset.reset_format`` on every split.")
    set_transform = _in_place("set_transform", "``Dataset.set_transform`` on every split.")

    def shuffle(
        self,
        seeds: int | dict[str, int | None] | None = None,
        seed: int | None = None,
        generators: dict[str, np.random.Generator] | None = None,
        **kwargs: Any,
    ) -> DatasetDict:
        """Shuffle every split: one ``seed`` for all, or ``seeds``/``generators`` per split."""
        if seed is not None and seeds is not None:
            raise ValueError("Please specify seed or seeds, but not both")
        seeds = seed if seed is not None else seeds
        per_split = seeds if isinstance(seeds, dict) else {k: seeds for k in self}
        generators = generators or {}
        return DatasetDict(
            {k: ds.shuffle(seed=per_split.get(k), generator=generators.get(k), **kwargs) for k, ds in self.items()}
        )

    def save_to_disk(
        self,
        dataset_dict_path: str | os.PathLike,
        max_shard_size: int | str | None = None,
        num_shards: dict[str, int] | None = None,
        num_proc: int | None = None,
        **_: Any,
    ) -> None:
        """One ``save_to_disk`` directory per split plus ``dataset_dict.json``, as `datasets` lays it out.

        ``dataset_dict.json`` is the commit record: removed first, written last, so an interrupted save reads as
        absent rather than as a mixture of two saves.
        """
        path = Path(dataset_dict_path)
        path.mkdir(parents=True, exist_ok=True)
        discard(path / DICT_FILE)
        for split, ds in self.items():
            folder = path / safe_path_component(split, "split name")
            ds.save_to_disk(folder, max_shard_size=max_shard_size, num_shards=(num_shards or {}).get(split))
        _write_json(path / DICT_FILE, {"splits": list(self)})

    @staticmethod
    def load_from_disk(
        dataset_dict_path: str | os.PathLike, keep_in_memory: bool | None = None, **_: Any
    ) -> DatasetDict:
        path = Path(dataset_dict_path)
        meta = path / DICT_FILE
        if not meta.is_file():
            raise FileNotFoundError(
                f"No such file: '{meta}'. Expected to load a `DatasetDict` object, "
                "but provided path is not a `DatasetDict`."
            )
        splits = json.loads(meta.read_text(encoding="utf-8"))["splits"]
        where = f"split name in {meta}"
        return DatasetDict(
            {s: load_dataset_from_disk(path / safe_path_component(s, where), keep_in_memory) for s in splits}
        )


def load_from_disk(
    dataset_path: str | os.PathLike, keep_in_memory: bool | None = None, **_: Any
) -> Dataset | DatasetDict:
    """A Dataset or DatasetDict saved by ``save_to_disk`` (either library's)."""
    path = Path(dataset_path)
    if not path.exists():
        raise FileNotFoundError(f"Directory {path} not found")
    if (path / DICT_FILE).is_file():
        return DatasetDict.load_from_disk(path, keep_in_memory)
    return load_dataset_from_disk(path, keep_in_memory)
