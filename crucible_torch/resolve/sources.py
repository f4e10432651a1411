"""Where a dataset's files come from: a packaged builder with data files, a local directory, or a Hub repo.

``load_dataset`` asks a source for its file listing and card data (to resolve configs and splits), then for
local paths of the chosen files (Hub files are downloaded into the huggingface_hub cache, only those needed),
for a stable identity of each file (the fingerprint of prepared data), and for streaming locations. A Hub repo
is resolved once: one repo-info call and one tree listing per (repo, revision), nothing offline or pinned.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DatasetNotFoundError
from .data_file_types import has_allowed_extension, infer_builder
from .data_files import ResolvedConfig, config_names, resolve_config, resolve_local_data_files
from .file_listing import FILES_TO_IGNORE, FileListing, is_remote_url
from .repo_metadata import read_card_data

PACKAGED_BUILDERS = ("parquet", "json", "csv", "text", "arrow", "webdataset", "imagefolder", "audiofolder")
PARQUET_REVISION = "refs/convert/parquet"
_REPO_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


@dataclass(frozen=True)
class StreamLocation:
    """A data file as the streaming layer opens it: a local path, or a URL with its size and auth headers."""

    name: str
    path: str | None = None
    url: str | None = None
    size: int | None = None
    headers: Mapping[str, str] | None = None


class DatasetSource:
    """A dataset's files, card data and identity; subclasses differ in where files live."""

    cache_name: str
    where: str
    listing: FileListing
    card_data: dict[str, Any]

    def resolve(self, name: str | None, data_dir: str | None, data_files: Any) -> ResolvedConfig:
        return resolve_config(
            self.listing,
            self.card_data,
            name,
            data_dir,
            data_files,
            dataset_name=self.dataset_name,
            where=self.where,
            archive_members=self.archive_members,
        )

    def archive_members(self, file: str) -> list[str]:
        """The member names of an archive data file (a Hub file is downloaded first), to infer its builder."""
        from ..formats.archive import archive_member_names

        (path,) = self.local_paths([file])
        return archive_member_names(path, file)

    @property
    def dataset_name(self) -> str | None:
        return None

    def config_names(self) -> list[str]:
        return config_names(self.listing, self.card_data, self.dataset_name, self.where)

    def local_paths(self, files: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def identity(self, files: Sequence[str]) -> list[tuple]:
        """What decides whether prepared data is still valid: per file (name, size, mtime or blob id)."""
        raise NotImplementedError

    def stream_locations(self, files: Sequence[str]) -> list[StreamLocation]:
        raise NotImplementedError


def _local_identity(path: str) -> tuple:
    stat = os.stat(path)
    return (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)


class PackagedSource(DatasetSource):
    """``load_dataset("json", data_files=...)``: a builder name plus local files (absolute paths)."""

    def __init__(self, builder: str, data_files: Any, data_dir: str | None, builder_kwargs: dict | None = None):
        self.builder = builder
        self.builder_kwargs = dict(builder_kwargs or {})
        self.cache_name = builder
        self.where = f"{builder} data files"
        self._splits = resolve_local_data_files(data_files, data_dir)
        self.listing = FileListing.from_paths([])
        self.card_data = {}

    def resolve(self, name: str | None, data_dir: str | None, data_files: Any) -> ResolvedConfig:
        return ResolvedConfig(
            config_name=name or "default",
            splits=self._splits,
            builder=self.builder,
            builder_kwargs=dict(self.builder_kwargs),
        )

    def config_names(self) -> list[str]:
        return ["default"]

    def local_paths(self, files: Sequence[str]) -> list[str]:
        return list(files)

    def identity(self, files: Sequence[str]) -> list[tuple]:
        return [_local_identity(f) for f in files]

    def stream_locations(self, files: Sequence[str]) -> list[StreamLocation]:
        return [StreamLocation(f, path=f, size=os.path.getsize(f)) for f in files]


class LocalDirectorySource(DatasetSource):
    """A local directory laid out like a Hub repo (README YAML configs, split patterns)."""

    def __init__(self, path: str | os.PathLike):
        self.root = Path(path).resolve()
        self.cache_name = f"local___{self.root.name}"
        self.where = str(self.root)
        self.listing = FileListing.from_directory(self.root)
        self.card_data = read_card_data(self.root)

    @property
    def dataset_name(self) -> str | None:
        return self.root.name

    def local_paths(self, files: Sequence[str]) -> list[str]:
        return [f if os.path.isabs(f) else str(self.root / f) for f in files]

    def identity(self, files: Sequence[str]) -> list[tuple]:
        return [_local_identity(p) for p in self.local_paths(files)]

    def stream_locations(self, files: Sequence[str]) -> list[StreamLocation]:
        return [StreamLocation(p, path=p, size=os.path.getsize(p)) for p in self.local_paths(files)]


class HubSource(DatasetSource):
    """A Hub dataset repo pinned to one commit (resolved once; offline it comes from the cache)."""

    def __init__(self, repo_id: str, revision: str | None = None, token: str | bool | None = None):
        self.repo_id = repo_id
        self.cache_name = repo_id.replace("/", "___")
        self._token = token
        self._use(self._resolve(revision))

    def _resolve(self, revision: str | None) -> Any:
        from ..hub import resolve_repo

        return resolve_repo(self.repo_id, revision=revision, repo_type="dataset", token=self._token)

    def _use(self, snapshot: Any, card_data: dict[str, Any] | None = None) -> None:
        self.snapshot = snapshot
        self.where = f"{self.repo_id}@{snapshot.revision}"
        self.listing = FileListing.from_paths(snapshot.files)
        self.card_data = dict(snapshot.card_data or {}) if card_data is None else card_data

    @property
    def dataset_name(self) -> str | None:
        return self.repo_id.split("/")[-1]

    def resolve(self, name: str | None, data_dir: str | None, data_files: Any) -> ResolvedConfig:
        """Resolve on the requested revision, or on ``refs/convert/parquet`` when it holds no data files."""
        if data_files is None and data_dir is None:
            self._use_parquet_export_if_no_data()
        return super().resolve(name, data_dir, data_files)

    def config_names(self) -> list[str]:
        self._use_parquet_export_if_no_data()
        return super().config_names()

    def _use_parquet_export_if_no_data(self) -> None:
        if not any(has_allowed_extension(p) for p in self.listing.paths if p.rsplit("/", 1)[-1] not in FILES_TO_IGNORE):
            self._switch_to_parquet_export()

    def _switch_to_parquet_export(self) -> bool:
        from ..hub import HubError

        if self.snapshot.revision == PARQUET_REVISION:
            return False
        try:
            export = self._resolve(PARQUET_REVISION)
        except HubError:
            return False
        self._use(export, {"configs": _parquet_export_configs(list(export.files))})
        return True

    def local_paths(self, files: Sequence[str]) -> list[str]:
        local = self.snapshot.download(list(files))
        return [local[f] for f in files]

    def identity(self, files: Sequence[str]) -> list[tuple]:
        return [(self.repo_id, self.snapshot.commit, f, self.snapshot.files[f].etag) for f in files]

    def stream_locations(self, files: Sequence[str]) -> list[StreamLocation]:
        out = []
        for f in files:
            cached = self.snapshot.local_path(f)
            entry = self.snapshot.files[f]
            if cached is not None:
                out.append(
                    StreamLocation(
                        f"hf://datasets/{self.repo_id}@{self.snapshot.commit}/{f}",
                        path=cached,
                        size=entry.size,
                    )
                )
            else:
                out.append(
                    StreamLocation(
                        f"hf://datasets/{self.repo_id}@{self.snapshot.commit}/{f}",
                        url=self.snapshot.url(f),
                        size=entry.size,
                        headers=self.snapshot.auth_headers(),
                    )
                )
        return out


def _parquet_export_configs(paths: Sequence[str]) -> list[dict[str, Any]]:
    """YAML-style configs for the parquet export layout ``{config}/{split}/NNNN.parquet`` (and ``partial-{split}``)."""
    layout: dict[str, dict[str, str]] = {}
    for path in paths:
        parts = path.split("/")
        if len(parts) == 3 and parts[2].endswith(".parquet"):
            config, split_dir, _ = parts
            split = split_dir.removeprefix("partial-")
            layout.setdefault(config, {})[split] = f"{config}/{split_dir}/*.parquet"
    return [
        {"config_name": config, "data_files": [{"split": s, "path": p} for s, p in splits.items()]}
        for config, splits in layout.items()
    ]


def open_source(
    path: str,
    data_files: Any = None,
    data_dir: str | None = None,
    revision: str | None = None,
    token: str | bool | None = None,
) -> DatasetSource:
    """The source for ``load_dataset(path, ...)``: packaged builder, local directory, or Hub repo."""
    if path in PACKAGED_BUILDERS:
        if data_files is not None and _remote(data_files):
            raise NotImplementedError("remote URLs in data_files are not supported yet; load the Hub repo instead")
        return PackagedSource(path, data_files, data_dir)
    if os.path.isdir(path):
        return LocalDirectorySource(path)
    if os.path.isfile(path):
        if path.endswith(".py"):
            raise RuntimeError(
                f"Dataset scripts are no longer supported, but found {os.path.basename(path)}. "
                "Load the data files with a packaged builder, e.g. load_dataset('json', data_files=...)"
            )
        builder, kwargs = infer_builder({"train": [path]}, path)
        return PackagedSource(builder, path, None, kwargs)
    if _REPO_ID.match(path) and not path.startswith((".", "/")):
        return HubSource(path, revision, token)
    raise DatasetNotFoundError(
        f"Dataset '{path}' doesn't exist: it is not a packaged builder {list(PACKAGED_BUILDERS)}, a local "
        "directory, a data file, nor a Hub repository id 'owner/name'."
    )


def _remote(data_files: Any) -> bool:
    if isinstance(data_files, str):
        return is_remote_url(data_files)
    if isinstance(data_files, Mapping):
        return any(_remote(v) for v in data_files.values())
    if isinstance(data_files, (list, tuple)):
        return any(_remote(v) for v in data_files)
    return False
