"""Fixtures for the format tests: the `datasets` builders as the reference, and a remote-like source."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pytest

from crucible_torch.formats import DataSource, get_reader


def _plain(dtype: pa.DataType) -> pa.DataType:
    """large_string -> string at any depth (pandas 3 makes `datasets`' CSV strings large_string)."""
    if pa.types.is_large_string(dtype):
        return pa.string()
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return pa.list_(_plain(dtype.value_type))
    if pa.types.is_struct(dtype):
        return pa.struct([f.with_type(_plain(f.type)) for f in dtype])
    return dtype


def _compared(table: pa.Table, plain_strings: bool) -> tuple[list[tuple[str, pa.DataType]], list]:
    fields = [(f.name, _plain(f.type) if plain_strings else f.type) for f in table.schema]
    return fields, table.to_pylist()


@pytest.fixture
def assert_same_table() -> Callable[..., None]:
    """``assert_same_table(ours, theirs, plain_strings=False)``: same column names, types and rows."""

    def check(ours: pa.Table, theirs: pa.Table, plain_strings: bool = False) -> None:
        our_fields, our_rows = _compared(ours, plain_strings)
        their_fields, their_rows = _compared(theirs, plain_strings)
        assert our_fields == their_fields
        assert our_rows == their_rows

    return check


@pytest.fixture
def reference(tmp_path: Path) -> Callable[..., pa.Table]:
    """``reference(builder, files, **kwargs)``: the table `datasets.load_dataset` builds from ``files``."""
    import datasets

    datasets.disable_progress_bars()

    def load(builder: str, files: list[Path] | Path, **kwargs: object) -> pa.Table:
        data_files = [str(f) for f in files] if isinstance(files, list) else str(files)
        ds = datasets.load_dataset(
            builder, data_files=data_files, split="train", cache_dir=str(tmp_path / "hf_cache"), **kwargs
        )
        return ds.data.table

    return load


def _read_table(builder: str, path: Path | DataSource, **kwargs: object) -> pa.Table:
    batches = list(get_reader(builder, **kwargs).read(path))
    return pa.Table.from_batches(batches) if batches else pa.table({})


@pytest.fixture
def read_table() -> Callable[..., pa.Table]:
    """``read_table(builder, path, **builder_kwargs)``: everything our reader yields for one file."""
    return _read_table


class RecordingFile(io.BytesIO):
    """A seekable in-memory file that logs the byte ranges read from it, like a ranged-HTTP file object."""

    def __init__(self, data: bytes, log: list[tuple[int, int]]) -> None:
        super().__init__(data)
        self._log = log

    def _record(self, start: int) -> None:
        if self.tell() > start:
            self._log.append((start, self.tell()))

    def read(self, size: int | None = -1) -> bytes:
        start = self.tell()
        data = super().read(size)
        self._record(start)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        start = self.tell()
        count = super().readinto(buffer)
        self._record(start)
        return count


class RemoteLikeSource(DataSource):
    """A non-local source (no ``local_path``) over bytes, logging every range read."""

    def __init__(self, name: str, data: bytes) -> None:
        self._name = name
        self._data = data
        self.reads: list[tuple[int, int]] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def size(self) -> int | None:
        return len(self._data)

    def open(self) -> BinaryIO:
        return RecordingFile(self._data, self.reads)  # type: ignore[return-value]

    def bytes_read(self) -> int:
        return sum(end - start for start, end in self.reads)


@pytest.fixture
def remote_source() -> type[RemoteLikeSource]:
    """``remote_source(name, data)``: a remote-like `DataSource` that logs the byte ranges read."""
    return RemoteLikeSource


@pytest.fixture
def load_with(tmp_path: Path) -> Callable[..., tuple[Any, list[dict]]]:
    """``load_with(lib, builder, files, streaming=False, **kwargs)``: ``(features, rows)`` of ``lib.load_dataset``.

    ``lib`` is the `datasets` or the ``crucible_torch`` module; rows are decoded Python dicts, so `Json`
    columns compare by the values they hold. Each library gets its own cache directory.
    """
    import datasets

    datasets.disable_progress_bars()

    def load(lib: Any, builder: str, files: Any, streaming: bool = False, **kwargs: Any) -> tuple[Any, list[dict]]:
        data_files = [str(f) for f in files] if isinstance(files, list) else str(files)
        cache = str(tmp_path / f"cache-{lib.__name__}")
        ds = lib.load_dataset(
            builder, data_files=data_files, split="train", cache_dir=cache, streaming=streaming, **kwargs
        )
        return ds.features, [dict(row) for row in ds]

    return load
