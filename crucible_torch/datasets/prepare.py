"""Prepared splits: data files converted once into a memory-mapped Arrow file in the cache.

The cache key is a fingerprint of the source files' identities (path, size and mtime for local files; repo,
commit and blob id for Hub files), the config, the builder and its kwargs, and the features, so online and
offline loads of the same commit find the same entry and a second load does no conversion at all. Files are
read batch by batch and written streaming, atomically: a crash leaves no file that is taken as prepared.

Converting happens once per cache directory, not once per process: the converter holds an ``flock`` on the
split's lock file, and processes that load the same split meanwhile (torchrun's ranks at start-up) wait for it
in the kernel, then memory-map its file. The kernel drops the lock of a process that dies, so the next load
converts instead of waiting forever.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..arrow.files import INCOMPLETE_SUFFIX, write_tables
from ..arrow.fingerprint import hash_object
from ..arrow.info import DatasetInfo, SplitInfo
from ..arrow.prepared_cache import prepared_split_dir
from ..arrow.table import ArrowTable
from ..config import data_cache_dir
from ..errors import EmptySplitError
from ..features import Features, cast_table_to_features
from ..formats import LocalSource, get_reader, read_files, unify_schemas
from ..formats.folder import FOLDER_BUILDERS
from ..formats.schema import align_batch
from ..formats.webdataset import infer_features as infer_webdataset_features
from ..hub.atomic import discard_stale_temps
from ..hub.lock import FileLock
from ..hub.naming import safe_path_component
from ..hub.progress import progress_bar
from ..resolve.archives import local_data_files
from ..resolve.data_files import ResolvedConfig
from ..resolve.folder import resolve_folder
from ..resolve.sources import DatasetSource
from ..resolve.split_spec import parse_split
from ..runtime.prefetch import prefetched
from .arrow_dataset import Dataset
from .combine import concatenate_datasets
from .dataset_dict import DatasetDict
from .preparing import Conversion, PreparingTable
from .source_units import SourceUnits

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
            # As JSON text: a deeply nested schema (Arena's content-part lists) is past hash_object's depth.
            json.dumps(features.to_dict(), sort_keys=True) if features is not None else None,
            source.identity(resolved.splits[split]),
        )
    )
    if key is None:  # every part above is plain data; a failure here is a bug, not bad input
        raise TypeError(f"cannot fingerprint split {split!r} of {source.where}: its key holds an unhashable value")
    return key


def _converted_batches(
    resolved: ResolvedConfig, sources: list[LocalSource], features: Features | None
) -> Iterator[pa.Table]:
    """The split's files as tables in ``features`` (which the reader gets: it reads columns by them)."""
    reader = get_reader(resolved.builder, **resolved.builder_kwargs, features=features)
    for _, batch in read_files(reader, sources):
        table = pa.Table.from_batches([batch])
        if features is not None and table.schema != features.arrow_schema:
            table = cast_table_to_features(table, features)
        yield table


def prepare_split(
    source: DatasetSource,
    resolved: ResolvedConfig,
    split: str,
    features: Features | None,
    cache_dir: str | os.PathLike | None = None,
    keep_in_memory: bool = False,
    force: bool = False,
    rows: Callable[[str], pa.Table] | None = None,
) -> Dataset:
    """The split as a Dataset, converting its files into the cache on first use.

    Parquet splits (whose length and schema the footers give) are converted in the background: the Dataset is
    returned at once, rows are served as chunks land, and operations that need the whole file wait for it.
    ``rows(split)``, when given, builds the split's rows instead of its files (an imagefolder's paths).
    """
    fingerprint = split_fingerprint(source, resolved, split, features)
    directory = prepared_split_dir(
        data_cache_dir(cache_dir),
        safe_path_component(source.cache_name, f"dataset name of {source.where}"),
        safe_path_component(resolved.config_name, f"config name of {source.where}"),
        fingerprint,
    )
    path = directory / f"{safe_path_component(split, 'split name')}.arrow"
    table = None
    if (force or not path.exists()) and rows is not None:
        schema = features.arrow_schema if features is not None else None
        write_tables(path, iter([rows(split)]), schema, schema_of_first=_with_features)
    elif force or not path.exists():
        table = _prepare(source, resolved, split, features, path, keep_in_memory, force)
    if table is None:
        table = ArrowTable.from_files([path], in_memory=keep_in_memory)
    info = DatasetInfo(
        features=Features.from_arrow_schema(table.schema),
        builder_name=resolved.builder,
        dataset_name=source.cache_name,
        config_name=resolved.config_name,
        splits={split: SplitInfo(split, num_examples=table.num_rows, dataset_name=source.cache_name)},
        extra={"download_checksums": _download_checksums(source, resolved.splits[split])},
    )
    return Dataset(table, info=info, split=split, fingerprint=fingerprint)


def _prepare(
    source: DatasetSource,
    resolved: ResolvedConfig,
    split: str,
    features: Features | None,
    path: Path,
    keep_in_memory: bool,
    force: bool,
) -> PreparingTable | None:
    """Convert the split to ``path`` once per cache: in the background when its shape is known upfront (a
    :class:`PreparingTable`), else here (None: ``path`` is then complete). When another process holds the lock,
    its conversion is waited for instead."""
    sources = [LocalSource(f.path, f.name) for f in local_data_files(source, resolved.builder, resolved.splits[split])]
    lock = FileLock(path.with_name(f".{path.name}.lock"))
    held = lock.try_acquire()
    if held and not force and path.exists():  # finished by another process since we looked
        lock.release()
        return None
    units = None if keep_in_memory else _parquet_units(resolved, sources, features)
    if units is not None:
        schema, pieces = units
        what = f"Generating {split} split" if held else f"Waiting for another process to generate the {split} split"
        bar = progress_bar(total=pieces.num_rows, desc=what, unit=" examples")
        conversion = Conversion(path, schema, pieces, lock, held, on_rows=bar.update, on_end=bar.close)
        return PreparingTable(conversion)
    try:
        if not held:
            lock.acquire()  # another process converts: sleep in the kernel until it ends, then use its file
            if path.exists() and not force:
                return None
        if lock.exclusive:
            discard_stale_temps(path, INCOMPLETE_SUFFIX)
        with progress_bar(desc=f"Generating {split} split", unit=" examples") as bar:
            schema = features.arrow_schema if features is not None else None
            tables = prefetched(_converted_batches(resolved, sources, features))
            write_tables(path, _counted(tables, bar), schema, schema_of_first=_with_features)
    finally:
        lock.release()
    return None


def _download_checksums(source: DatasetSource, files: list[str]) -> dict[str, dict[str, Any]]:
    """``info.download_checksums`` in `datasets`' shape (which `datasets` 5 leaves empty): each source file,
    ``hf://datasets/{repo}@{commit}/{path}`` for a Hub file so the info says which commit the split came from,
    with its size; no checksum."""
    return {loc.name: {"num_bytes": loc.size, "checksum": None} for loc in source.stream_locations(files)}


def _parquet_units(
    resolved: ResolvedConfig, sources: list[LocalSource], features: Features | None
) -> tuple[pa.Schema, SourceUnits] | None:
    """(schema of the prepared file, its row groups as units) when the footers give both; None otherwise."""
    if resolved.builder != "parquet" or resolved.builder_kwargs.get("filters") is not None:
        return None
    reader = get_reader(resolved.builder, **resolved.builder_kwargs, features=features)
    pieces = [(s, unit) for s in sources for unit in reader.units(s)]
    unified = reader.target_schema or unify_schemas([(s.name, reader.read_schema(s)) for s in sources])
    schema = features.arrow_schema if features is not None else _with_features(unified)

    def read(i: int) -> pa.Table:
        source, unit = pieces[i]
        batches = [align_batch(b, unified, file=source.name) for b in reader.read(source, unit=unit)]
        table = pa.Table.from_batches(batches, schema=unified)
        if features is not None and table.schema != features.arrow_schema:
            table = cast_table_to_features(table, features)
        if table.schema.equals(schema):
            return table.replace_schema_metadata(schema.metadata)
        return table.cast(schema)

    offsets = np.cumsum([0] + [unit.num_rows or 0 for _, unit in pieces], dtype=np.int64)
    return schema, SourceUnits(offsets, read, [unit.num_bytes for _, unit in pieces])


def _counted(tables: Iterator[pa.Table], bar: Any) -> Iterator[pa.Table]:
    """``tables``, advancing the progress bar by each one's rows."""
    for table in tables:
        bar.update(table.num_rows)
        yield table


def _webdataset_features(source: DatasetSource, resolved: ResolvedConfig) -> Features:
    """Features inferred from the first shard of the last split, as `datasets` infers them (downloads it)."""
    last = list(resolved.splits.values())[-1]
    (shard,) = local_data_files(source, resolved.builder, last[:1])
    return infer_webdataset_features(LocalSource(shard.path, shard.name))


def _with_features(schema: pa.Schema) -> pa.Schema:
    """The schema with `datasets`' feature metadata (inferred from Arrow when the files carry none)."""
    return Features.from_arrow_schema(schema).arrow_schema


def load_prepared(
    source: DatasetSource,
    resolved: ResolvedConfig,
    split: str | list[str] | tuple[str, ...] | None,
    features: Features | None,
    cache_dir: Any,
    keep_in_memory: bool,
    force: bool = False,
) -> Dataset | DatasetDict | list[Dataset] | tuple[Dataset, ...]:
    """The map-style result of a load: every split as a `DatasetDict`, the rows ``split`` selects
    (``train[:10%]+test``) as one `Dataset`, or a list (tuple) of them for a list (tuple) of specs, as
    `datasets` returns. Only the splits named are prepared.

    Raises:
        EmptySplitError: a prepared split holds no rows (`datasets` raises too).
    """
    many = isinstance(split, (list, tuple))
    specs = [parse_split(str(s)) for s in split] if many else [parse_split(split)] if split is not None else []
    names = list(resolved.splits)
    if specs:
        names = list(dict.fromkeys(name for spec in specs for name in spec.resolve_names(list(resolved.splits))))
    rows = None
    if resolved.builder in FOLDER_BUILDERS:
        folder = resolve_folder(source, resolved, names, features)
        features, rows = folder.features, folder.rows
    elif resolved.builder == "webdataset" and features is None:
        features = _webdataset_features(source, resolved)
    prepared = {
        s: prepare_split(
            source,
            resolved,
            s,
            features,
            cache_dir,
            keep_in_memory,
            force=force,
            rows=rows,
        )
        for s in names
    }
    _describe_splits(prepared, source, resolved)
    if not specs:
        return DatasetDict(prepared)
    selected = [_select(prepared, spec) for spec in specs]
    return type(split)(selected) if many else selected[0]


def _describe_splits(prepared: dict[str, Dataset], source: DatasetSource, resolved: ResolvedConfig) -> None:
    """Give every prepared split the info `datasets` gives it: the dataset's name and every split's size
    (the prepared ones, and those the dataset card states)."""
    sizes = {s: len(ds) for s, ds in prepared.items()}
    for name, size in sizes.items():
        if size == 0:
            raise EmptySplitError(name, resolved.splits[name])
    name = source.dataset_name or source.cache_name
    known = {s: n for s, n in (resolved.split_sizes or {}).items() if s in resolved.splits}
    splits = {
        s: SplitInfo(s, num_examples={**known, **sizes}[s], dataset_name=name)
        for s in resolved.splits
        if s in sizes or s in known
    }
    for ds in prepared.values():
        ds.info.dataset_name = name
        ds.info.splits = dict(splits)


def _select(prepared: dict[str, Dataset], spec: Any) -> Dataset:
    """The Dataset a split spec names (``train[:10%]+test``), from the prepared splits."""
    lengths = {s: len(d) for s, d in prepared.items()}
    pieces = spec.to_absolute(lengths)
    if not spec.is_whole_splits() and sum(piece.num_rows for piece in pieces) == 0:
        sizes = ", ".join(f"{name}: {n} rows" for name, n in lengths.items())
        raise ValueError(
            f'Instruction "{spec}" corresponds to no data! The slice selects no rows of the split ({sizes}); '
            "use bounds inside the split, or a percentage that rounds to at least one row."
        )
    parts = []
    for piece in pieces:
        ds = prepared[piece.split]
        whole = piece.start == 0 and piece.stop == len(ds)
        parts.append(ds if whole else ds.select(range(piece.start, max(piece.start, piece.stop))))
    if len(parts) == 1:
        parts[0]._split = str(spec)
        return parts[0]
    return concatenate_datasets(parts, split=str(spec))
