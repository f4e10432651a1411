"""``Dataset.from_ray`` / ``IterableDataset.from_ray``: a Ray dataset written as shards, opened back.

The Ray workers write the blocks into ``<cache_dir>/from_ray/<fingerprint>/`` (:mod:`.shards`). ``cache_dir`` is
a local path (Arrow IPC stream shards, the cache's own format, memory-mapped as they are) or a pyarrow
filesystem URI such as ``s3://bucket/prefix``: parquet shards for an `IterableDataset`, whose row groups are
the units spread over rank x worker and read in place; Arrow shards copied into the local cache for a
map-style `Dataset`.

The Features come from the ``huggingface`` schema metadata the blocks carry (``to_ray`` puts it there), or,
for a column a step rebuilt without it, from the exported dataset's feature of that name when the Arrow type
still matches; ``features=`` overrides both. The fingerprint is derived from the source's fingerprint and the
pipeline's steps (:mod:`.pipeline`); when it exists, a second call finds the manifest and runs nothing.
"""

from __future__ import annotations

import os

import pyarrow.fs as pafs
import ray.data

from ..arrow.fingerprint import hash_object, random_fingerprint
from ..arrow.table import ArrowTable
from ..config import data_cache_dir
from ..datasets import Dataset, DatasetInfo
from ..features import Features
from ..formats import DataSource, FilesystemSource, LocalSource, get_reader
from ..hub.atomic import atomic_path
from ..iterable import IterableDataset
from ..iterable.plan import FilePlan
from ..iterable.source import SourceNode
from .pipeline import pipeline_fingerprint
from .shards import Destination, Written, conform_shard, write_shards


def output_fingerprint(ray_dataset: ray.data.Dataset, features: Features | None, file_format: str) -> str | None:
    """The fingerprint of ``from_ray``'s result: the pipeline's and the arguments', or None (never reused)."""
    pipeline = pipeline_fingerprint(ray_dataset)
    if pipeline is None:
        return None
    return hash_object(("from_ray", pipeline, features.to_dict() if features is not None else None, file_format))


def materialize(
    ray_dataset: ray.data.Dataset,
    features: Features | None,
    cache_dir: str | os.PathLike | None,
    filesystem: pafs.FileSystem | None,
    file_format: str,
    load_from_cache_file: bool | None,
    shared_storage: bool | None,
) -> Written:
    """The shards of ``ray_dataset``: found by fingerprint when already written, else written now."""
    if features is not None and not isinstance(features, Features):
        features = Features(features)
    destination = Destination.of(cache_dir, filesystem)
    fingerprint = output_fingerprint(ray_dataset, features, file_format)
    directory = destination.join("from_ray", fingerprint or random_fingerprint())
    if fingerprint is not None and load_from_cache_file is not False:
        found = Written.load(destination, directory)
        if found is not None:
            return found
    return write_shards(
        ray_dataset,
        destination,
        directory,
        fingerprint or random_fingerprint(),
        file_format=file_format,
        features=features,
        shared_storage=shared_storage,
    )


def _local_copy(written: Written) -> list[str]:
    """Local paths of the shards: as they are, or copied from a remote filesystem into the local cache."""
    if written.destination.local:
        return written.paths()
    local = data_cache_dir() / "from_ray" / written.fingerprint
    local.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, _ in written.shards:
        target = local / name
        if not target.exists():
            with atomic_path(target, "incomplete") as tmp:
                pafs.copy_files(
                    f"{written.directory}/{name}",
                    str(tmp),
                    source_filesystem=written.destination.filesystem,
                    destination_filesystem=pafs.LocalFileSystem(),
                )
        conform_shard(str(target), written.features.arrow_schema)
        paths.append(str(target))
    return paths


def dataset_from_ray(
    ray_dataset: ray.data.Dataset,
    features: Features | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    filesystem: pafs.FileSystem | None = None,
    split: str | None = None,
    load_from_cache_file: bool | None = None,
    shared_storage: bool | None = None,
) -> Dataset:
    """The rows of ``ray_dataset``, in its order, as a memory-mapped `Dataset` with the Features restored.

    Args:
        features: the Features of the rows (every block is cast to them); by default restored from the blocks'
            schema metadata and the exported dataset. A pipeline that yields no rows has no schema in Ray:
            the result then has no columns unless ``features`` names them.
        cache_dir: where the shards go: a local directory (default: the crucible_torch cache) or a pyarrow
            filesystem URI (``s3://bucket/prefix``; the shards are then copied into the local cache).
        filesystem: a pyarrow filesystem to write ``cache_dir`` on instead of the one its URI names.
        load_from_cache_file: reuse the shards of an earlier identical pipeline (default: yes, when the pipeline
            has a fingerprint: see :mod:`crucible_torch.ray.pipeline`).
        shared_storage: a local ``cache_dir`` is on storage every node mounts, so any node may write shards;
            None means "the cluster has one node". When False, write tasks run on the driver's node.
    """
    written = materialize(ray_dataset, features, cache_dir, filesystem, "arrow", load_from_cache_file, shared_storage)
    paths = _local_copy(written)
    schema = written.features.arrow_schema
    table = ArrowTable.from_files(paths) if paths else ArrowTable(schema.empty_table())
    info = DatasetInfo(features=written.features)
    return Dataset(table, info=info, split=split, fingerprint=written.fingerprint)


def iterable_from_ray(
    ray_dataset: ray.data.Dataset,
    features: Features | None = None,
    cache_dir: str | os.PathLike | None = None,
    *,
    filesystem: pafs.FileSystem | None = None,
    split: str | None = None,
    load_from_cache_file: bool | None = None,
    shared_storage: bool | None = None,
) -> IterableDataset:
    """The rows of ``ray_dataset`` as a streaming `IterableDataset` over the written shards, sharded over
    rank x DataLoader worker like any streamed split. Arguments as for `dataset_from_ray`; a remote
    ``cache_dir`` gets parquet shards, read in place by row group."""
    file_format = "arrow" if Destination.of(cache_dir, filesystem).local else "parquet"
    written = materialize(
        ray_dataset, features, cache_dir, filesystem, file_format, load_from_cache_file, shared_storage
    )
    fs = written.destination.filesystem
    sources: list[DataSource] = [
        LocalSource(path) if written.destination.local else FilesystemSource(fs, path) for path in written.paths()
    ]
    reader = get_reader(file_format, features=written.features)
    node = SourceNode(FilePlan.build(reader, sources), features=written.features)
    return IterableDataset(node, info=DatasetInfo(features=written.features), split=split)
