"""What a dataset holds (configs, splits, row counts, sizes, features, commit) from metadata alone.

Sources, in order of preference, for each split: the card's ``dataset_info`` (rows per split, features);
parquet footers (rows and schema), read from local files in place or from remote files with two small
ranged requests each (:mod:`crucible_torch.formats.parquet_footer`); and local files (a local dataset, or Hub
files already in the cache), which are read to count rows. Nothing is ever downloaded: what none of these
gives is reported as unknown (``None``), with the reason in ``rows_from``/``features_from`` left empty.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..features import Features
from ..formats import READERS, LocalSource, get_reader
from ..formats.archive import archive_kind
from ..formats.parquet_footer import read_parquet_footer
from .data_files import ResolvedConfig, resolve_dataset_configs
from .sources import DatasetSource, HubSource, StreamLocation, open_source

CARD = "dataset card"
FOOTERS = "parquet footers"
LOCAL_FILES = "local files"


@dataclass(frozen=True)
class SplitDescription:
    """One split: its data files, their total size, and its rows when metadata tells (``rows_from`` says how)."""

    name: str
    files: tuple[str, ...]
    num_bytes: int | None
    num_rows: int | None
    rows_from: str | None


@dataclass(frozen=True)
class ConfigDescription:
    """One config: its builder, splits and features (``None`` when unknown without a download)."""

    name: str
    builder: str
    default: bool
    splits: tuple[SplitDescription, ...]
    features: Features | None
    features_from: str | None


@dataclass(frozen=True)
class DatasetDescription:
    """A dataset's configs; for a Hub repo the revision asked for and the commit it resolved to."""

    path: str
    revision: str | None
    commit: str | None
    configs: tuple[ConfigDescription, ...]


@dataclass(frozen=True)
class _FileFacts:
    rows: int | None
    features: Features | None
    origin: str | None


def _remote_footer(location: StreamLocation) -> Any:
    from ..hub import RemoteFile

    if location.size is None or location.url is None:
        raise ValueError(f"{location.name}: no URL or size to read its footer from")
    remote = RemoteFile(location.url, location.size, location.headers, block_size=1)

    def read_range(start: int, end: int) -> bytes:
        remote.seek(start)
        return remote.read(end - start)

    try:
        return read_parquet_footer(read_range, location.size, location.name)
    finally:
        remote.close()


def _file_facts(location: StreamLocation, resolved: ResolvedConfig) -> _FileFacts:
    """Rows and features of one data file without downloading it (unknown when that cannot be done)."""
    if resolved.builder == "parquet":
        if resolved.builder_kwargs.get("filters") is not None:  # footers count the rows before the filter
            return _FileFacts(None, None, None)
        if location.path is not None:
            import pyarrow.parquet as pq

            metadata = pq.read_metadata(location.path)
        else:
            metadata = _remote_footer(location)
        features = Features.from_arrow_schema(metadata.schema.to_arrow_schema())
        return _FileFacts(metadata.num_rows, features, FOOTERS)
    if location.path is None or resolved.builder not in READERS or archive_kind(location.name) is not None:
        return _FileFacts(None, None, None)  # remote, a folder of media files, or an archive: not without reading
    reader = get_reader(resolved.builder, **resolved.builder_kwargs)
    source = LocalSource(location.path, location.name)
    units = reader.units(source)
    if all(unit.exact and unit.num_rows is not None for unit in units):
        rows = sum(unit.num_rows or 0 for unit in units)
    else:
        rows = sum(batch.num_rows for batch in reader.read(source))
    return _FileFacts(rows, Features.from_arrow_schema(reader.read_schema(source)), LOCAL_FILES)


def _sizes(source: DatasetSource, files: Sequence[str]) -> int | None:
    if isinstance(source, HubSource):
        entries = source.snapshot.files
        return sum(entries[f].size for f in files) if all(f in entries for f in files) else None
    paths = source.local_paths(files)
    return sum(os.path.getsize(p) for p in paths)


def _describe_config(
    source: DatasetSource, resolved: ResolvedConfig, default: bool, pool: ThreadPoolExecutor
) -> ConfigDescription:
    features = Features.from_yaml_list(resolved.features_yaml) if resolved.features_yaml else None
    features_from = CARD if features is not None else None
    card_sizes = resolved.split_sizes or {}
    files = [f for split, names in resolved.splits.items() if split not in card_sizes for f in names]
    if not files and features is None:  # every count is on the card: one file for the schema is enough
        files = [f for names in resolved.splits.values() for f in names][:1]
    facts = dict(zip(files, pool.map(lambda loc: _file_facts(loc, resolved), source.stream_locations(files))))
    splits = []
    for split, split_files in resolved.splits.items():
        if split in card_sizes:
            rows, rows_from = card_sizes[split], CARD
        else:
            known = [facts[f] for f in split_files]
            complete = all(f.rows is not None for f in known)
            rows = sum(f.rows or 0 for f in known) if complete else None
            rows_from = known[0].origin if complete and known else None
        splits.append(SplitDescription(split, tuple(split_files), _sizes(source, split_files), rows, rows_from))
    if features is None:
        found = next((f for f in facts.values() if f.features is not None), None)
        if found is not None:
            features, features_from = found.features, found.origin
    return ConfigDescription(resolved.config_name, resolved.builder, default, tuple(splits), features, features_from)


def describe_dataset(
    path: str,
    name: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
    max_workers: int = 8,
) -> DatasetDescription:
    """Describe every config of ``path`` (or only ``name``) from metadata, downloading no data file.

    ``path`` is what ``load_dataset`` takes (a Hub repo id, a local directory, a data file). Footers of
    remote parquet files are read in parallel (``max_workers`` at a time), two ranged requests per file.

    Raises:
        ConfigNotFoundError: ``name`` is not a config of the dataset (the valid names are listed).
    """
    source = open_source(path, revision=revision, token=token)
    names = source.config_names()  # a Hub repo without data switches to its parquet export here
    implicit = not source.card_data.get("configs")
    specs = [] if implicit else resolve_dataset_configs(source.listing, source.card_data, None, source.where)
    defaults = {spec.name for spec in specs if spec.is_default} if specs else set(names)
    if name is not None:
        source.resolve(name, None, None)  # raises ConfigNotFoundError listing the valid names
    chosen = [name] if name is not None else names
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        configs = tuple(
            _describe_config(source, source.resolve(None if implicit else c, None, None), c in defaults, pool)
            for c in chosen
        )
    snapshot = getattr(source, "snapshot", None)
    return DatasetDescription(
        path,
        snapshot.revision if snapshot is not None else None,
        snapshot.commit if snapshot is not None else None,
        configs,
    )
