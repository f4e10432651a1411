"""The unit plan of a streamed split: every file's units with exact row counts, and one schema.

Built once, in the main process, when the IterableDataset is created; DataLoader workers receive it (by fork
or pickle) and never read a footer or count a row to plan. Files are planned in parallel threads:

- parquet: one unit per row group, counts from the footer (only the footer is fetched for a Hub file);
- JSON Lines: byte ranges of at most `LINE_UNIT_BYTES` (a range owns the lines that start in it, so ranges
  split anywhere), counted by one forward pass over the file that only finds line ends;
- WebDataset ``.tar`` shards: byte ranges of whole samples (about 8 MiB), found by one pass over the member
  headers. A local (or cached Hub) shard is walked by seeking past member data: one 512-byte read per member.
  A remote shard not in the cache cannot be walked that way without a ranged request per member, so it is
  read once as one stream (the count that every whole-file unit needs anyway); that pass records the sample
  offsets too, so the shard still splits into byte ranges, each read later with one ranged GET. Compressed
  shards (``.tar.gz``) cannot be entered mid-stream: one unit each, counted by that pass;
- CSV, text, compressed files, and parquet read with ``filters``: one unit per file (or row group), counted
  by reading it once with the reader.

Exact counts are what let slots be cut by rows, ranks get equal quotas, and a resume seek by metadata. The
counting pass costs one read of each non-parquet file: fast for local files, one download for a remote
JSONL/CSV/text/tar file. Its result (for a tar, the sample offsets: the shard's index) is cached on disk,
atomically, under ``$CRUCIBLE_TORCH_CACHE/streaming_units``, keyed by the file's name, size, mtime (local)
and the reader's options; a Hub file's name carries its commit, so the key changes whenever the content can.
Footer-derived plans are not cached: reading the footer here also keeps its bytes with the source for the
DataLoader workers (:mod:`.sources`); after a cache hit every worker would fetch the footers itself.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from ..arrow.prepared_cache import STREAMING_PLANS_DIR
from ..config import data_cache_dir
from ..errors import DataFileError
from ..formats import DataSource, Reader, ReadUnit, align_batch, unify_schemas
from ..formats.lines import count_rows, iter_line_chunks
from ..hub.atomic import write_atomically

LINE_UNIT_BYTES = 8 << 20
PLAN_THREADS = 16
_CACHE_VERSION = "1"


@dataclass(frozen=True)
class FileUnits:
    """What planning learned about one file: its units (exact ``num_rows``) and its Arrow schema."""

    units: tuple[ReadUnit, ...]
    schema: pa.Schema


def _split_byte_units(units: Sequence[ReadUnit], unit_bytes: int) -> list[ReadUnit]:
    out = []
    for unit in units:
        bounds = list(range(unit.start, unit.end or unit.start, unit_bytes)) + [unit.end]
        out.extend(ReadUnit("bytes", a, b) for a, b in zip(bounds, bounds[1:]) if b > a)
    return out


def count_line_rows(f: object, bounds: Sequence[int]) -> list[int]:
    """Non-blank lines starting in each ``[bounds[i], bounds[i+1])`` of a line file, in one forward pass."""
    counts = [0] * (len(bounds) - 1)
    for offset, chunk in iter_line_chunks(f, bounds[0], bounds[-1]):  # type: ignore[arg-type]
        position = offset
        while chunk:
            index = bisect.bisect_right(bounds, position) - 1
            boundary = bounds[index + 1]
            if position + len(chunk) <= boundary:
                counts[index] += count_rows(chunk)
                break
            newline = chunk.find(b"\n", boundary - 1 - position)
            cut = len(chunk) if newline < 0 else newline + 1
            counts[index] += count_rows(chunk[:cut])
            chunk = chunk[cut:]
            position += cut
    return counts


def _count_units(reader: Reader, source: DataSource, units: list[ReadUnit]) -> list[ReadUnit]:
    if all(unit.exact for unit in units):
        return units
    if all(unit.kind == "bytes" for unit in units):
        units = _split_byte_units(units, LINE_UNIT_BYTES)
        with source.open() as f:
            counts = count_line_rows(f, [units[0].start] + [unit.end for unit in units])
        return [replace(unit, num_rows=n, exact=True) for unit, n in zip(units, counts)]
    counted = []
    for unit in units:
        rows = unit.num_rows if unit.exact else sum(batch.num_rows for batch in reader.read(source, unit=unit))
        counted.append(replace(unit, num_rows=rows, exact=True))
    return counted


def _cache_path(reader: Reader, source: DataSource) -> str:
    """Where this file's counted plan is cached."""
    local = source.local_path
    if local is not None:
        stat = os.stat(local)
        identity = (source.name, stat.st_size, stat.st_mtime_ns)
    else:
        identity = (source.name, source.size, None)
    options = sorted((k, repr(v)) for k, v in vars(reader).items() if not k.startswith("_"))  # not its caches
    key = hashlib.sha256(repr((_CACHE_VERSION, reader.name, identity, options)).encode()).hexdigest()
    return str(data_cache_dir() / STREAMING_PLANS_DIR / f"{key}.json")


def _load_cached(path: str) -> FileUnits | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
        units = tuple(ReadUnit(kind, start, end, rows, exact=True) for kind, start, end, rows in data["units"])
        return FileUnits(units, schema)
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def _store(path: str, planned: FileUnits) -> None:
    data = {
        "units": [[u.kind, u.start, u.end, u.num_rows] for u in planned.units],
        "schema": base64.b64encode(planned.schema.serialize().to_pybytes()).decode(),
    }
    try:
        write_atomically(path, json.dumps(data))
    except OSError:  # a read-only cache only costs the next run a re-plan
        pass


def plan_file(reader: Reader, source: DataSource) -> FileUnits:
    """The units (with exact row counts) and schema of one file, from the disk cache when planned before."""
    path = _cache_path(reader, source)
    cached = _load_cached(path)
    if cached is not None:
        return cached
    units = list(reader.units(source))
    counted = _count_units(reader, source, units)
    planned = FileUnits(tuple(counted), reader.read_schema(source))
    if counted != units or reader.units_from_scan:
        _store(path, planned)
    return planned


class FilePlan:
    """The units of a split's files in file order, with exact row counts, and the split's unified schema.

    A row provider for :class:`~.source.SourceNode`: ``rows[i]`` is the row count of unit ``i`` and
    ``read_unit(i, columns)`` yields its batches, brought to the schema (missing columns as nulls).
    """

    def __init__(self, reader: Reader, sources: Sequence[DataSource], planned: Sequence[FileUnits]) -> None:
        self.sources = list(sources)
        if reader.target_schema is not None:
            self.schema = reader.target_schema
        else:
            self.schema = unify_schemas([(s.name, p.schema) for s, p in zip(self.sources, planned)])
        self.reader = reader.with_schema(self.schema)
        self.file_columns = [set(p.schema.names) for p in planned]
        self.units = [(i, unit) for i, p in enumerate(planned) for unit in p.units]
        self.rows = np.array([unit.num_rows for _, unit in self.units], dtype=np.int64)

    @classmethod
    def build(cls, reader: Reader, sources: Sequence[DataSource]) -> FilePlan:
        """Plan every file (in parallel threads) and collect the result."""
        sources = list(sources)
        if len(sources) <= 1:
            planned = [plan_file(reader, s) for s in sources]
        else:
            with ThreadPoolExecutor(min(PLAN_THREADS, len(sources)), thread_name_prefix="plan") as pool:
                planned = list(pool.map(lambda s: plan_file(reader, s), sources))
        return cls(reader, sources, planned)

    def describe(self, index: int) -> tuple[str, str]:
        """The file name and a description of unit ``index`` (for error messages)."""
        file_index, unit = self.units[index]
        where = {"row_groups": f"row group {unit.start}", "bytes": f"bytes {unit.start}-{unit.end}"}
        return self.sources[file_index].name, where.get(unit.kind, "whole file")

    def read_unit(self, index: int, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        """The rows of unit ``index`` as batches of ``columns`` of the split schema."""
        file_index, unit = self.units[index]
        source = self.sources[file_index]
        present = [c for c in columns if c in self.file_columns[file_index]]
        target = pa.schema([self.schema.field(c) for c in columns], metadata=self.schema.metadata)
        for batch in self.reader.read(source, columns=present, unit=unit):
            yield align_batch(batch, target, file=source.name)

    def count_mismatch(self, index: int, expected: int, found: int) -> DataFileError:
        """The error for a unit whose row count differs from the plan (the file changed after planning)."""
        name, where = self.describe(index)
        return DataFileError(
            f"{where} has {found} rows but {expected} when the stream was planned",
            file=name,
            hint="the file changed after load_dataset(..., streaming=True); load the dataset again",
        )
