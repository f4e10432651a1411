"""Archive data files of a resolved split, replaced by the files extracted from them (as `datasets` reads them).

A ``.zip`` (or ``.tar``, ``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``) data file of a json/csv/text/parquet/
arrow split is downloaded when it is a Hub file, extracted once into the cache (:mod:`..formats.archive`),
and its files, in `datasets`' walk order, take its place. Files inside whose extension the builder does not
read (a README next to the JSONL files) are left out: `datasets` would fail on them. The WebDataset builder
reads ``.tar`` shards in place and the folder builders handle their own archives, so neither comes here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from ..formats.archive import archive_files, archive_kind, extract_archive
from .data_file_types import filter_builder_files
from .sources import DatasetSource, HubSource, StreamLocation

#: Builders that read archives themselves.
OWN_ARCHIVES = ("webdataset", "imagefolder", "audiofolder")


@dataclass(frozen=True)
class LocalFile:
    """A data file on local disk: ``name`` is what errors call it, ``path`` where it is."""

    name: str
    path: str


def file_names(source: DatasetSource, files: Sequence[str]) -> list[str]:
    """What errors and labels call each file: its absolute path, or ``hf://datasets/<repo>@<commit>/<path>``."""
    if isinstance(source, HubSource):
        return [
            f if os.path.isabs(f) else f"hf://datasets/{source.repo_id}@{source.snapshot.commit}/{f}" for f in files
        ]
    return [f if os.path.isabs(f) else p for f, p in zip(files, source.local_paths(files))]


def _expand(builder: str, name: str, path: str) -> list[LocalFile]:
    if builder in OWN_ARCHIVES or archive_kind(name) is None:
        return [LocalFile(name, path)]
    root = extract_archive(path, name)
    inside = [str(p) for p in archive_files(root)]
    kept = set(filter_builder_files([os.path.relpath(p, root) for p in inside], builder))
    return [LocalFile(f"{name}::{os.path.relpath(p, root)}", p) for p in inside if os.path.relpath(p, root) in kept]


def local_data_files(source: DatasetSource, builder: str, files: Sequence[str]) -> list[LocalFile]:
    """The split's files on local disk (Hub files downloaded), archives replaced by their extracted files."""
    paths = source.local_paths(files)
    return [f for name, path in zip(file_names(source, files), paths) for f in _expand(builder, name, path)]


def stream_data_files(source: DatasetSource, builder: str, files: Sequence[str]) -> list[StreamLocation]:
    """Where streaming reads the split's files; an archive is downloaded and extracted first (the files inside
    are then local), every other file is read in place."""
    locations = source.stream_locations(files)
    out: list[StreamLocation] = []
    for file, location in zip(files, locations):
        if builder in OWN_ARCHIVES or archive_kind(location.name) is None:
            out.append(location)
            continue
        (path,) = source.local_paths([file])
        out.extend(
            StreamLocation(f.name, path=f.path, size=os.path.getsize(f.path))
            for f in _expand(builder, location.name, path)
        )
    return out
