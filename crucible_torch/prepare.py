"""Prepared splits: data files converted once into a memory-mapped Arrow file in the cache.

The cache key is a fingerprint of the source files' identities (path, size and mtime for local files; repo,
commit and blob id for Hub files), the config, the builder and its kwargs, and the features, so online and
offline loads of the same commit find the same entry and a second load does no conversion at all. Files are
read batch by batch and written streaming, atomically: a crash leaves no file that is taken as prepared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from .config import data_cache_dir
from .data_files import ResolvedConfig
from .datasets import Dataset, DatasetInfo
from .datasets.arrow_files import ArrowWriter
from .datasets.info import SplitInfo
from .datasets.preparing import PreparingTable
from .datasets.table import ArrowTable
from .features import Features, cast_table_to_features
from .fingerprint import hash_object
from .formats import LocalSource, get_reader, read_files, unify_schemas
from .hub.progress import progress_bar
from .prefetch import prefetched
from .sources import DatasetSource

FORMAT_VERSION = "1"


def split_fingerprint(source: DatasetSource, resolved: ResolvedConfig, split: str, features: Features | None) -> str:
    """The cache key of one prepared split."""
    key = hash_object(
        (
            FORMAT_VERSION,
            source.cache_name,
            resolved.config_name,
            resolved.builder,
            sorted((k, repr(v)) for k, v in resolved.builder_kwargs.items()),
            features.to_dict() if features is not None else None,
            source.identity(resolved.splits[split]),
        )
    )
    assert key is not None
    return key


def _converted_batches(
    resolved: ResolvedConfig, sources: list[LocalSource], features: Features | None
) -> Iterator[pa.Table]:
    reader = get_reader(resolved.builder, **resolved.builder_kwargs)
    for _, batch in read_files(reader, sources):
        table = pa.Table.from_batches([batch])
        yield cast_table_to_features(table, features) if features is not None else table


def prepare_split(
    source: DatasetSource,
    resolved: ResolvedConfig,
    split: str,
    features: Features | None,
    cache_dir: str | os.PathLike | None = None,
    keep_in_memory: bool = False,
    force: bool = False,
) -> Dataset:
    """The split as a Dataset, converting its files into the cache on first use.

    Parquet splits (whose length and schema the footers give) are converted in the background: the Dataset is
    returned at once, rows are served as chunks land, and operations that need the whole file wait for it.
    """
    fingerprint = split_fingerprint(source, resolved, split, features)
    directory = data_cache_dir(cache_dir) / source.cache_name / resolved.config_name / fingerprint
    path = directory / f"{split}.arrow"
    if force or not path.exists():
        table = _convert(source, resolved, split, features, path, background=not keep_in_memory)
    else:
        table = None
    if table is None:
        table = ArrowTable.from_files([path], in_memory=keep_in_memory)
    info = DatasetInfo(
        features=Features.from_arrow_schema(table.schema),
        builder_name=resolved.builder,
        dataset_name=source.cache_name,
        config_name=resolved.config_name,
        splits={split: SplitInfo(split, num_examples=table.num_rows, dataset_name=source.cache_name)},
    )
    return Dataset(table, info=info, split=split, fingerprint=fingerprint)


def _known_shape(
    resolved: ResolvedConfig, sources: list[LocalSource], features: Features | None
) -> tuple[pa.Schema, int] | None:
    """(schema, rows) of the prepared split from metadata alone, when the format has it (parquet footers)."""
    if resolved.builder != "parquet" or resolved.builder_kwargs.get("filters") is not None:
        return None
    reader = get_reader(resolved.builder, **resolved.builder_kwargs)
    num_rows = sum(unit.num_rows or 0 for s in sources for unit in reader.units(s))
    if features is not None:
        return features.arrow_schema, num_rows
    unified = unify_schemas([(s.name, reader.read_schema(s)) for s in sources])
    return _with_features(unified), num_rows


def _convert(
    source: DatasetSource, resolved: ResolvedConfig, split: str, features: Features | None, path: Path, background: bool
) -> PreparingTable | None:
    """Write the split's Arrow file: in the background when its shape is known upfront, else right here."""
    files = resolved.splits[split]
    names = [f if os.path.isabs(f) else f"{source.where}/{f}" for f in files]
    sources = [LocalSource(p, n) for p, n in zip(source.local_paths(files), names)]
    shape = _known_shape(resolved, sources, features) if background else None
    bar = progress_bar(total=shape[1] if shape else None, desc=f"Generating {split} split", unit=" examples")
    tables = prefetched(_converted_batches(resolved, sources, features))
    if shape is not None:
        return PreparingTable(path, shape[0], shape[1], _closing(tables, bar), on_rows=bar.update)
    writer: ArrowWriter | None = None
    with bar:
        try:
            for table in tables:
                bar.update(table.num_rows)
                if writer is None:
                    schema = features.arrow_schema if features is not None else _with_features(table.schema)
                    writer = ArrowWriter(path, schema)
                writer.write_table(table)
            if writer is None:
                empty = features.arrow_schema if features is not None else pa.schema([])
                writer = ArrowWriter(path, empty)
            writer.close()
        except BaseException:
            if writer is not None:
                writer.abort()
            raise
    return None


def _closing(tables: Iterator[pa.Table], bar: Any) -> Iterator[pa.Table]:
    """``tables``, closing the progress bar when they end (the conversion runs in another thread)."""
    try:
        yield from tables
    finally:
        bar.close()


def _with_features(schema: pa.Schema) -> pa.Schema:
    """The schema with `datasets`' feature metadata (inferred from Arrow when the files carry none)."""
    return Features.from_arrow_schema(schema).arrow_schema
