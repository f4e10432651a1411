"""Ray Data blocks written as ordered shards by the Ray workers, then a manifest: the output side of ``from_ray``
and ``crucible_torch.ray.map``.

Each write task writes its blocks into ``data-<task>-<part>`` files (a new part when the schema changes), on
a local path (Arrow IPC stream shards through the house's atomic writer, memory-mappable as they are) or on
any pyarrow filesystem (temp file, then a move). The driver orders the shards by write task (Ray submits them
in the dataset's order when ``preserve_order`` is set, which `write_shards` does for the run), unifies their
schemas, restores the Features, rewrites a local shard whose types differ, and writes ``manifest.json`` last:
a directory with a manifest is complete, one without is ignored and rewritten.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import ray.data
from ray.data.block import Block, BlockAccessor
from ray.data.datasource import Datasink

from ..arrow.files import ArrowWriter, memory_map_table
from ..config import data_cache_dir
from ..features import Features, get_nested_type
from ..features.features import features_from_schema_metadata
from ..formats import align_batch, unify_schemas
from ..hub.atomic import temp_path, write_atomically
from ..hub.naming import safe_path_component
from .pipeline import pipeline_sources
from .to_ray import single_node

MANIFEST = "manifest.json"
PARQUET_ROW_GROUP_BYTES = 32 << 20  # row groups are the streaming units: small enough to spread over slots


@dataclass(frozen=True)
class Destination:
    """Where shards go: a directory on a pyarrow filesystem (``local`` when it is this machine's)."""

    filesystem: pafs.FileSystem
    root: str

    @property
    def local(self) -> bool:
        return isinstance(self.filesystem, pafs.LocalFileSystem)

    @classmethod
    def of(cls, cache_dir: str | os.PathLike | None, filesystem: pafs.FileSystem | None = None) -> Destination:
        """``cache_dir`` on ``filesystem``; a URI names its filesystem; else a local path (default: the cache)."""
        if filesystem is not None:
            if cache_dir is None:
                raise ValueError("filesystem= needs cache_dir=, the directory on that filesystem to write to")
            return cls(filesystem, str(cache_dir).rstrip("/"))
        if isinstance(cache_dir, str) and "://" in cache_dir:
            fs, path = pafs.FileSystem.from_uri(cache_dir)
            return cls(fs, path.rstrip("/"))
        return cls(pafs.LocalFileSystem(), str(data_cache_dir(cache_dir).resolve()))

    def join(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def temp_for(self, path: str) -> str:
        """A fresh temp name beside ``path`` (the house's naming: :func:`crucible_torch.hub.atomic.temp_path`)."""
        return str(temp_path(path, "incomplete"))

    def write_bytes(self, path: str, data: bytes) -> None:
        """Write a small file atomically: through the house helper locally, as temp file + move elsewhere."""
        if self.local:
            write_atomically(path, data)
            return
        tmp = self.temp_for(path)
        with self.filesystem.open_output_stream(tmp) as f:
            f.write(data)
        self.filesystem.move(tmp, path)


@dataclass(frozen=True)
class Shard:
    """One written shard: its file name in the output directory, rows, and Arrow schema."""

    order: tuple[int, int]  # (write task, part): the shards' order is the Ray dataset's
    name: str
    num_rows: int
    schema: pa.Schema


class _ShardFile:
    """One shard written to a temp name on the filesystem and moved into place when complete."""

    def __init__(self, destination: Destination, name: str, schema: pa.Schema, file_format: str) -> None:
        self.destination, self.name, self.schema, self.format = destination, name, schema, file_format
        self.num_rows = 0
        self.path = destination.join(name)
        self._local = ArrowWriter(self.path, schema) if destination.local and file_format == "arrow" else None
        if self._local is None:
            self._tmp = destination.temp_for(self.path)
            self._stream = destination.filesystem.open_output_stream(self._tmp)
            if file_format == "arrow":
                self._writer: Any = pa.ipc.new_stream(self._stream, schema)
            else:
                self._writer = pq.ParquetWriter(self._stream, schema)

    def write(self, table: pa.Table) -> None:
        self.num_rows += table.num_rows
        if self._local is not None:
            self._local.write_table(table)
        elif self.format == "arrow":
            self._writer.write_table(table)
        else:
            row_bytes = max(1, table.nbytes // max(1, table.num_rows))
            self._writer.write_table(table, row_group_size=max(1, PARQUET_ROW_GROUP_BYTES // row_bytes))

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            return
        self._writer.close()
        self._stream.close()
        self.destination.filesystem.move(self._tmp, self.path)

    def abort(self) -> None:
        if self._local is not None:
            self._local.abort()
            return
        try:
            self._writer.close()
            self._stream.close()
        finally:
            self.destination.filesystem.delete_file(self._tmp)


class ShardSink(Datasink):
    """Ray Data sink writing each write task's blocks as shards ``data-<task>-<part>.<format>`` into ``directory``.

    A task starts a new part when a block's schema differs from the previous one's (e.g. a column that was all
    null in one block), so every shard has one schema; the driver unifies them afterwards. With ``schema``,
    every block is first brought to it (missing columns as nulls, values cast).
    """

    def __init__(self, destination: Destination, file_format: str, schema: pa.Schema | None, distributed: bool) -> None:
        self.destination = destination
        self.format = file_format
        self.schema = schema
        self.distributed = distributed
        self.shards: list[Shard] = []

    @property
    def supports_distributed_writes(self) -> bool:
        return self.distributed

    def get_name(self) -> str:
        return "CrucibleShards"

    def on_write_start(self, schema: pa.Schema | None = None) -> None:
        self.destination.filesystem.create_dir(self.destination.root, recursive=True)

    def _conformed(self, block: Block, name: str) -> pa.Table:
        table = BlockAccessor.for_block(block).to_arrow()
        if self.schema is None or table.schema == self.schema:
            return table
        batches = [align_batch(b, self.schema, file=name) for b in table.to_batches()]
        return pa.Table.from_batches(batches, schema=self.schema)

    def write(self, blocks: Iterable[Block], ctx: Any) -> list[Shard]:
        written: list[Shard] = []
        current: _ShardFile | None = None

        def finish() -> None:
            if current is not None:
                current.close()
                written.append(Shard((ctx.task_idx, len(written)), current.name, current.num_rows, current.schema))

        try:
            for block in blocks:
                table = self._conformed(block, f"a block of write task {ctx.task_idx}")
                if table.num_columns == 0:
                    continue
                if current is None or not table.schema.equals(current.schema, check_metadata=True):
                    finish()
                    name = f"data-{ctx.task_idx:05d}-{len(written):03d}.{self.format}"
                    current = _ShardFile(self.destination, name, table.schema, self.format)
                current.write(table)
            finish()
        except BaseException:
            if current is not None and current.name not in {s.name for s in written}:
                current.abort()
            raise
        return written

    def on_write_complete(self, write_result: Any) -> None:
        self.shards = sorted((s for task in write_result.write_returns for s in task), key=lambda s: s.order)


def restore_features(schema: pa.Schema, sources: Sequence[Features]) -> Features:
    """Features of ``schema``: from its ``huggingface`` metadata where the Arrow type matches, else from the first
    of ``sources`` with a feature of that name and type, else inferred from Arrow."""
    features = Features.from_arrow_schema(schema)
    stored = features_from_schema_metadata(schema) or {}
    for field in schema:
        if field.name in stored and get_nested_type(stored[field.name]) == field.type:
            continue
        for source in sources:
            feature = source.get(field.name)
            if feature is not None and get_nested_type(feature) == field.type:
                features[field.name] = feature
                break
    return features


@dataclass(frozen=True)
class Written:
    """A complete output directory: its shards in order and the Features of the rows."""

    destination: Destination
    directory: str
    shards: tuple[tuple[str, int], ...]  # (file name, rows)
    features: Features
    fingerprint: str

    @property
    def num_rows(self) -> int:
        return sum(rows for _, rows in self.shards)

    def paths(self) -> list[str]:
        return [f"{self.directory}/{name}" for name, _ in self.shards]

    def save(self) -> None:
        """Write ``manifest.json`` (last, atomically): the directory is complete from then on."""
        manifest = {
            "fingerprint": self.fingerprint,
            "features": self.features.to_dict(),
            "shards": [{"file": name, "num_rows": rows} for name, rows in self.shards],
        }
        self.destination.write_bytes(f"{self.directory}/{MANIFEST}", json.dumps(manifest, indent=1).encode("utf-8"))

    @classmethod
    def load(cls, destination: Destination, directory: str) -> Written | None:
        """The directory's manifest, or None when there is none (never written, or the writing was cut short)."""
        fs = destination.filesystem
        if fs.get_file_info(f"{directory}/{MANIFEST}").type != pafs.FileType.File:
            return None
        with fs.open_input_stream(f"{directory}/{MANIFEST}") as f:
            manifest = json.loads(f.read().decode("utf-8"))
        where = f"shard name in {directory}/{MANIFEST}"
        shards = tuple((safe_path_component(s["file"], where), int(s["num_rows"])) for s in manifest["shards"])
        features = Features.from_dict(manifest["features"])
        return cls(destination, directory, shards, features, manifest["fingerprint"])


def write_shards(
    ray_dataset: ray.data.Dataset,
    destination: Destination,
    directory: str,
    fingerprint: str,
    *,
    file_format: str = "arrow",
    features: Features | None = None,
    shared_storage: bool | None = None,
) -> Written:
    """Run ``ray_dataset`` and write its blocks, in order, as shards into ``directory``; then the manifest.

    Write tasks run anywhere when ``directory`` is remote or on storage every node mounts
    (``shared_storage``; None: "the cluster has one node"), else on the driver's node.
    """
    distributed = not destination.local or (shared_storage if shared_storage is not None else single_node())
    schema = features.arrow_schema if features is not None else None
    sink = ShardSink(Destination(destination.filesystem, directory), file_format, schema, distributed)
    options = ray_dataset.context.execution_options
    preserve_order = options.preserve_order
    options.preserve_order = True  # the order of the write tasks is then the order of the rows
    try:
        ray_dataset.write_datasink(sink)
    finally:
        options.preserve_order = preserve_order
    named = [(s.name, s.schema) for s in sink.shards]
    if features is None:
        unified = unify_schemas(named) if named else pa.schema([])  # no rows: Ray knows no schema either
        features = restore_features(unified, [s.features for s in pipeline_sources(ray_dataset)])
        schema = unified.with_metadata({**(unified.metadata or {}), **features.arrow_schema.metadata})
    written = Written(destination, directory, tuple((s.name, s.num_rows) for s in sink.shards), features, fingerprint)
    if destination.local and file_format == "arrow":
        for path in written.paths():
            conform_shard(path, schema)
    written.save()
    return written


def conform_shard(path: str, schema: pa.Schema) -> None:
    """Rewrite a local Arrow shard whose columns or types differ from ``schema`` to match it (a shard that
    differs only in schema metadata is left as it is: the Features travel in the manifest)."""
    table = memory_map_table(path)
    if table.schema.equals(schema):
        return
    with ArrowWriter(path, schema) as writer:
        for batch in table.to_batches():
            writer.write_batch(align_batch(batch, schema, file=path))
