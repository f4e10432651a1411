"""An imagefolder/audiofolder dataset resolved: its files located, archives extracted, then planned and read.

:mod:`..formats.folder` holds `datasets`' rules; this module feeds them the files of a local tree or a Hub
repo. Labels are read from file names (nothing is downloaded for them); metadata files are read (downloaded
when on the Hub); ``.zip`` archives are downloaded and extracted into the cache, since their files decide
labels too. Media files of the splits to read are downloaded for a map-style load; a streaming load keeps
the names of media that are not on local disk (``remote``), and its workers fetch their bytes.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..errors import DataFileError
from ..features import Features
from ..formats.archive import archive_files, extract_archive
from ..formats.folder import (
    FOLDER_BUILDERS,
    FolderBuilder,
    FolderOptions,
    FolderPlan,
    MediaFile,
    MetadataFile,
    SplitFiles,
    classify,
    plan_folder,
    split_rows,
)
from .archives import file_names
from .data_files import ResolvedConfig
from .sources import DatasetSource, HubSource, StreamLocation


@dataclass
class FolderDataset:
    """A folder dataset's plan (features, labels, metadata) and its files per split."""

    builder: FolderBuilder
    options: FolderOptions
    plan: FolderPlan
    files: dict[str, SplitFiles]
    remote: dict[str, StreamLocation] = field(default_factory=dict)

    @property
    def features(self) -> Features:
        return self.plan.features

    def rows(self, split: str) -> pa.Table:
        """The split's rows: media as ``{bytes: None, path}`` (a local path, or a name in ``remote``)."""
        return split_rows(self.builder, self.plan, split, self.files[split], self.options)


class _Locator:
    """Turns repo file names into what rows store: local paths (downloading if asked) or remote names."""

    def __init__(self, source: DatasetSource, download: bool) -> None:
        self.source = source
        self.download = download
        self.remote: dict[str, StreamLocation] = {}

    def stored(self, files: Sequence[str]) -> list[str]:
        if not files:
            return []
        if self.download or not isinstance(self.source, HubSource):
            return self.source.local_paths(files)
        out = []
        for location in self.source.stream_locations(files):
            if location.path is not None:
                out.append(location.path)
            else:
                self.remote[location.name] = location
                out.append(location.name)
        return out


def _local_resolver(base: str):
    def resolve(relatives: list[str], metadata: str) -> list[str]:
        paths = [os.path.join(base, *r.split("/")) for r in relatives]
        _check_found([p if os.path.isfile(p) else None for p in paths], relatives, metadata)
        return paths

    return resolve


def _repo_resolver(source: DatasetSource, locator: _Locator, metadata_file: str):
    directory = posixpath.dirname(metadata_file)

    def resolve(relatives: list[str], metadata: str) -> list[str]:
        in_repo = [posixpath.normpath(posixpath.join(directory, r)) for r in relatives]
        _check_found([f if f in source.listing else None for f in in_repo], relatives, metadata)
        unique = list(dict.fromkeys(in_repo))
        stored = dict(zip(unique, locator.stored(unique)))
        return [stored[f] for f in in_repo]

    return resolve


def _check_found(found: list[str | None], relatives: list[str], metadata: str) -> None:
    for value, relative in zip(found, relatives):
        if value is None:
            raise DataFileError(
                f"the metadata names {relative!r}, which does not exist next to it",
                file=metadata,
                hint="every file_name must be a file in the metadata file's directory or below it",
            )


def _split_files(
    source: DatasetSource,
    builder: FolderBuilder,
    options: FolderOptions,
    files: list[str],
    locator: _Locator,
    read: bool,
) -> SplitFiles:
    names = file_names(source, files)
    media, metadata, archives = classify(builder, names, options)
    out = SplitFiles()
    stored = locator.stored([files[i] for i in media]) if read else [names[i] for i in media]
    for i, path in zip(media, stored):
        extension = os.path.splitext(names[i])[1].lower()
        out.media.append(MediaFile(names[i], path, counts=extension in builder.extensions))
    metadata_paths = source.local_paths([files[i] for i in metadata])
    for i, path in zip(metadata, metadata_paths):
        local = os.path.isabs(files[i]) or not isinstance(source, HubSource)
        resolve = _local_resolver(os.path.dirname(path)) if local else _repo_resolver(source, locator, files[i])
        out.metadata.append(MetadataFile(names[i], path, resolve))
    for i, path in zip(archives, source.local_paths([files[i] for i in archives])):
        root = extract_archive(path, names[i])
        for extracted in map(str, archive_files(root)):
            if os.path.splitext(extracted)[1] in builder.extensions:
                out.media.append(MediaFile(extracted, extracted))
            elif os.path.basename(extracted) in options.metadata_filenames:
                out.metadata.append(MetadataFile(extracted, extracted, _local_resolver(os.path.dirname(extracted))))
    return out


def resolve_folder(
    source: DatasetSource,
    resolved: ResolvedConfig,
    splits: Sequence[str],
    features: Any = None,
    *,
    streaming: bool = False,
) -> FolderDataset:
    """Plan the folder dataset over every split and locate the files of ``splits`` (the ones to read)."""
    builder = FOLDER_BUILDERS[resolved.builder]
    kwargs = dict(resolved.builder_kwargs)
    if features is not None:
        kwargs["features"] = features
    options = FolderOptions.from_kwargs(kwargs)
    locator = _Locator(source, download=not streaming)
    files = {
        split: _split_files(source, builder, options, split_files, locator, split in splits)
        for split, split_files in resolved.splits.items()
    }
    dataset = FolderDataset(builder, options, plan_folder(builder, files, options), files)
    dataset.remote = locator.remote
    return dataset
