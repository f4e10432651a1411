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

import pyarrow as pa

from .config import data_cache_dir
from .data_files import ResolvedConfig
from .datasets import Dataset, DatasetInfo
from .datasets.arrow_files import ArrowWriter
from .datasets.info import SplitInfo
from .datasets.table import ArrowTable
from .features import Features, cast_table_to_features
from .fingerprint import hash_object
from .formats import LocalSource, get_reader, read_files
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
    resolved: ResolvedConfig, files: list[str], names: list[str], features: Features | None
) -> Iterator[pa.Table]:
    reader = get_reader(resolved.builder, **resolved.builder_kwargs)
    sources = [LocalSource(path, name) for path, name in zip(files, names)]
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
    """The split as a Dataset, converting its files into the cache on first use."""
    fingerprint = split_fingerprint(source, resolved, split, features)
    directory = data_cache_dir(cache_dir) / source.cache_name / resolved.config_name / fingerprint
    path = directory / f"{split}.arrow"
    if force or not path.exists():
        _write_split(source, resolved, split, features, path)
    table = ArrowTable.from_files([path], in_memory=keep_in_memory)
    stored = Features.from_arrow_schema(table.table.schema)
    info = DatasetInfo(
        features=stored,
        builder_name=resolved.builder,
        dataset_name=source.cache_name,
        config_name=resolved.config_name,
        splits={split: SplitInfo(split, num_examples=table.table.num_rows, dataset_name=source.cache_name)},
    )
    return Dataset(table, info=info, split=split, fingerprint=fingerprint)


def _write_split(
    source: DatasetSource, resolved: ResolvedConfig, split: str, features: Features | None, path: Path
) -> None:
    files = resolved.splits[split]
    local = source.local_paths(files)
    names = [f if os.path.isabs(f) else f"{source.where}/{f}" for f in files]
    writer: ArrowWriter | None = None
    with progress_bar(desc=f"Generating {split} split", unit=" examples") as bar:
        try:
            for table in prefetched(_converted_batches(resolved, local, names, features)):
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


def _with_features(schema: pa.Schema) -> pa.Schema:
    """The schema with `datasets`' feature metadata (inferred from Arrow when the files carry none)."""
    return Features.from_arrow_schema(schema).arrow_schema
