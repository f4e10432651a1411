"""Constructors: from_list, from_dict, from_pandas, from_generator and the file readers (from_json, ...).

In-memory constructors keep their table in RAM as `datasets` does; ``from_generator`` and the file readers
write Arrow files into the cache (keyed by a fingerprint of their inputs) and memory-map them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..arrow.files import write_tables
from ..arrow.fingerprint import hash_object, random_fingerprint
from ..arrow.info import DatasetInfo
from ..arrow.prepared_cache import GENERATOR_DIR
from ..arrow.table import ArrowTable
from ..config import data_cache_dir
from ..features import Features, cast_table_to_features
from ..hub.naming import safe_path_component
from .encode import table_from_batch, table_from_rows
from .map_output import OutputTypes

if TYPE_CHECKING:
    from .arrow_dataset import Dataset


def _info_with(info: DatasetInfo | None, features: Features) -> DatasetInfo:
    info = info.copy() if info is not None else DatasetInfo()
    info.features = features
    return info


_ROWS_PER_ENCODE = 1000  # generator rows are encoded to Arrow this many at a time


def _generated_tables(
    generator: Callable[..., Iterator[dict]], gen_kwargs: dict, features: Features | None
) -> Iterator[pa.Table]:
    """The generator's rows as tables of ``_ROWS_PER_ENCODE`` rows; without ``features`` the first table fixes
    the column types and later ones are cast to them (as `datasets`' writer does)."""
    types = OutputTypes(None)
    names: list[str] | None = None
    start = 0

    def encode(rows: list[dict]) -> pa.Table:
        if features is not None:
            return table_from_rows(rows, features)[0]
        columns = {name: [row.get(name) for row in rows] for name in names}
        span = range(start, start + len(rows))
        typed = {name: types.convert(name, values, span) for name, values in columns.items()}
        schema = Features({name: feature for name, (_, feature) in typed.items()}).arrow_schema
        return pa.Table.from_arrays([array for array, _ in typed.values()], schema=schema)

    rows: list[dict] = []
    for row in generator(**gen_kwargs):
        if names is None:
            names = list(row)
        rows.append(row)
        if len(rows) == _ROWS_PER_ENCODE:
            yield encode(rows)
            start += len(rows)
            rows = []
    if rows:
        yield encode(rows)


class ConstructMixin:
    """Class methods that build a Dataset from Python objects, pandas, generators or files."""

    @classmethod
    def from_dict(
        cls,
        mapping: Mapping[str, Any],
        features: Features | None = None,
        info: DatasetInfo | None = None,
        split: str | None = None,
    ) -> Dataset:
        """Columns given as ``{name: values}``; values are encoded by ``features`` when given."""
        features = features if features is None or isinstance(features, Features) else Features(features)
        table, inferred = table_from_batch(dict(mapping), features)
        if features is not None:
            missing = [c for c in features if c not in table.column_names]
            if missing:
                raise ValueError(f"Features name columns {missing} that the mapping does not have")
            inferred = Features({name: features[name] if name in features else f for name, f in inferred.items()})
        return cls(table, info=_info_with(info, inferred), split=split)

    @classmethod
    def from_list(
        cls,
        mapping: list[dict],
        features: Features | None = None,
        info: DatasetInfo | None = None,
        split: str | None = None,
    ) -> Dataset:
        """Rows given as dicts; the first row's keys are the columns and missing keys read back as None."""
        features = features if features is None or isinstance(features, Features) else Features(features)
        table, inferred = table_from_rows(list(mapping), features)
        return cls(table, info=_info_with(info, inferred), split=split)

    @classmethod
    def from_pandas(
        cls,
        df: Any,
        features: Features | None = None,
        info: DatasetInfo | None = None,
        split: str | None = None,
        preserve_index: bool | None = None,
    ) -> Dataset:
        """A pandas DataFrame (pandas is optional); the index is kept as `datasets` keeps it."""
        table = pa.Table.from_pandas(df, preserve_index=preserve_index)
        table = table.replace_schema_metadata(None)
        if features is not None:
            features = features if isinstance(features, Features) else Features(features)
            table = cast_table_to_features(table, features)
        else:
            features = Features.from_arrow_schema(table.schema)
        return cls(table.cast(features.arrow_schema), info=_info_with(info, features), split=split)

    @classmethod
    def from_generator(
        cls,
        generator: Callable[..., Iterator[dict]],
        features: Features | None = None,
        cache_dir: str | os.PathLike | None = None,
        keep_in_memory: bool = False,
        gen_kwargs: dict | None = None,
        num_proc: int | None = None,
        split: str = "train",
        **_: Any,
    ) -> Dataset:
        """Rows yielded by ``generator(**gen_kwargs)``, written to the cache in bounded memory and memory-mapped.

        The cache entry is keyed by a hash of the generator's code and arguments, so an unchanged generator is
        read back instead of re-run.
        """
        gen_kwargs = dict(gen_kwargs or {})
        features = features if features is None or isinstance(features, Features) else Features(features)
        key = hash_object((generator, gen_kwargs, features.to_dict() if features else None))
        fingerprint = key or random_fingerprint()
        tables = _generated_tables(generator, gen_kwargs, features)
        if keep_in_memory:
            parts = list(tables)
            table = (
                pa.concat_tables(parts)
                if parts
                else (features.arrow_schema.empty_table() if features else pa.table({}))
            )
            return cls(
                table,
                info=_info_with(None, Features.from_arrow_schema(table.schema)),
                split=split,
                fingerprint=fingerprint,
            )
        name = f"generator-{safe_path_component(split, 'split name')}.arrow"
        path = data_cache_dir(cache_dir) / GENERATOR_DIR / fingerprint / name
        if key is None or not path.exists():
            write_tables(path, tables, features.arrow_schema if features is not None else None)
        table = ArrowTable.from_files([path])
        return cls(
            table,
            info=_info_with(None, Features.from_arrow_schema(table.table.schema)),
            split=split,
            fingerprint=fingerprint,
        )

    @classmethod
    def from_ray(
        cls,
        ray_dataset: Any,
        features: Features | None = None,
        cache_dir: str | os.PathLike | None = None,
        **kwargs: Any,
    ) -> Dataset:
        """The rows of a ``ray.data.Dataset``, written as Arrow shards by the Ray workers into ``cache_dir`` (a path
        or a pyarrow filesystem URI) and memory-mapped, Features restored (see `crucible_torch.ray.dataset_from_ray`
        for the other arguments; needs the ``ray`` extra)."""
        # An upward import on purpose: crucible_torch.ray sits above this layer and imports ray, which the
        # library loads only when this is called.
        from ..ray import dataset_from_ray

        return dataset_from_ray(ray_dataset, features, cache_dir, **kwargs)

    @classmethod
    def _from_files(
        cls,
        builder: str,
        path_or_paths: Any,
        split: str | None,
        features: Features | None,
        cache_dir: Any,
        keep_in_memory: bool,
        **kwargs: Any,
    ) -> Dataset:
        """The packaged ``builder`` over ``path_or_paths``, as ``load_dataset(builder, data_files=...)`` loads it."""
        from ..resolve.request import requested_features, resolve_request
        from .prepare import load_prepared

        source, resolved = resolve_request(builder, None, None, path_or_paths, None, None, kwargs)
        features = requested_features(resolved, features)
        return load_prepared(source, resolved, split or "train", features, cache_dir, keep_in_memory)

    @classmethod
    def from_json(
        cls,
        path_or_paths: Any,
        split: str | None = None,
        features: Features | None = None,
        cache_dir: Any = None,
        keep_in_memory: bool = False,
        field: str | None = None,
        **kwargs: Any,
    ) -> Dataset:
        """JSON Lines or JSON file(s) (``field`` selects the list inside a JSON object)."""
        if field is not None:
            kwargs["field"] = field
        return cls._from_files("json", path_or_paths, split, features, cache_dir, keep_in_memory, **kwargs)

    @classmethod
    def from_parquet(
        cls,
        path_or_paths: Any,
        split: str | None = None,
        features: Features | None = None,
        cache_dir: Any = None,
        keep_in_memory: bool = False,
        columns: list[str] | None = None,
        **kwargs: Any,
    ) -> Dataset:
        """Parquet file(s), optionally only ``columns``."""
        if columns is not None:
            kwargs["columns"] = columns
        return cls._from_files("parquet", path_or_paths, split, features, cache_dir, keep_in_memory, **kwargs)

    @classmethod
    def from_csv(
        cls,
        path_or_paths: Any,
        split: str | None = None,
        features: Features | None = None,
        cache_dir: Any = None,
        keep_in_memory: bool = False,
        **kwargs: Any,
    ) -> Dataset:
        """CSV file(s); keyword arguments such as ``sep`` go to the CSV reader."""
        return cls._from_files("csv", path_or_paths, split, features, cache_dir, keep_in_memory, **kwargs)

    @classmethod
    def from_text(
        cls,
        path_or_paths: Any,
        split: str | None = None,
        features: Features | None = None,
        cache_dir: Any = None,
        keep_in_memory: bool = False,
        **kwargs: Any,
    ) -> Dataset:
        """Text file(s): one row per line (or ``sample_by="paragraph"|"document"``)."""
        return cls._from_files("text", path_or_paths, split, features, cache_dir, keep_in_memory, **kwargs)
