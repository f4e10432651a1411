"""A prepared split that is still being written: its length and schema now, its rows as chunks land.

Converting a large parquet split takes as long as decompressing it; nothing needs to wait for that except
access to rows not written yet. A background thread writes the Arrow file (atomically, as always); the table
answers ``num_rows``/``schema`` at once, serves ``slice_rows`` from the chunks already in the temp file, and
becomes the plain memory-mapped file once complete. Anything else (gathers, column operations, pickling) waits
for completion. Forking waits too (``os.register_at_fork``), so DataLoader workers never see a write in progress.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..arrow.files import ArrowWriter, memory_map_table
from ..arrow.table import ArrowTable, TableRecipe

_RUNNING: weakref.WeakSet[PreparingTable] = weakref.WeakSet()


def wait_for_all() -> None:
    """Block until every split being prepared in this process is written (run before any fork)."""
    for table in list(_RUNNING):
        table.wait(raise_error=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=wait_for_all)


class PreparingTable(ArrowTable):
    """The Arrow file at ``path`` being written from ``tables`` by a background (non-daemon) thread."""

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        num_rows: int,
        tables: Iterable[pa.Table],
        on_rows: Callable[[int], None] | None = None,
    ):
        self.path = Path(path)
        self.recipe = TableRecipe.from_files([self.path])
        self._schema = schema
        self._num_rows = num_rows
        self._table: pa.Table | None = None
        self._offsets: np.ndarray | None = None
        self._chunks: list[tuple[int, int, int]] = []  # (rows so far, byte start, byte end) in the temp file
        self._temp: Path | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._progress = threading.Condition()
        self._thread = threading.Thread(target=self._write, args=(tables, on_rows), name=f"prepare {self.path.name}")
        _RUNNING.add(self)
        self._thread.start()

    def _chunk_written(self, rows: int, start: int, end: int) -> None:
        with self._progress:
            self._chunks.append((rows, start, end))
            self._progress.notify_all()

    def _write(self, tables: Iterable[pa.Table], on_rows: Callable[[int], None] | None) -> None:
        try:
            # The row count is checked before the file is published, so a source that changed while it was
            # read leaves nothing in the cache to be served next time.
            with ArrowWriter(
                self.path, self._schema, on_chunk=self._chunk_written, expected_rows=self._num_rows
            ) as writer:
                self._temp = writer.temp_path
                for table in tables:
                    writer.write_table(table)
                    if on_rows is not None:
                        on_rows(table.num_rows)
        except BaseException as error:  # noqa: BLE001 - kept and raised in the thread that reads the rows
            self._error = error
        finally:
            with self._progress:
                self._done.set()
                self._progress.notify_all()
            _RUNNING.discard(self)

    def wait(self, raise_error: bool = True) -> None:
        """Block until the file is complete; re-raise what stopped the conversion."""
        self._done.wait()
        if raise_error and self._error is not None:
            raise self._error

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            self.wait()
            self._table = memory_map_table(self.path)
        return self._table

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    @property
    def num_rows(self) -> int:
        return self._num_rows

    def slice_rows(self, start: int, stop: int) -> pa.Table:
        """Rows ``[start, stop)``, as soon as the chunks holding them are written."""
        with self._progress:
            while not self._done.is_set() and (not self._chunks or self._chunks[-1][0] < stop):
                self._progress.wait()
            chunks = list(self._chunks)
        if self._done.is_set():
            return super().slice_rows(start, stop)
        return self._read_chunks(chunks, start, stop)

    def _read_chunks(self, chunks: list[tuple[int, int, int]], start: int, stop: int) -> pa.Table:
        try:
            source = pa.memory_map(str(self._temp))
        except FileNotFoundError:  # renamed into place meanwhile
            return super().slice_rows(start, stop)
        batches, first = [], 0
        previous = 0
        for rows, byte_start, byte_end in chunks:
            if rows > start and previous < stop:
                reader = pa.ipc.MessageReader.open_stream(source.read_at(byte_end - byte_start, byte_start))
                for message in reader:  # the first chunk also holds the schema message
                    if message.type == "record batch":
                        batches.append(pa.ipc.read_record_batch(message, self._schema))
                if len(batches) == 1:
                    first = previous
            previous = rows
        table = pa.Table.from_batches(batches, schema=self._schema)
        return table.slice(start - first, stop - start)

    def __reduce__(self):
        self.wait()
        return (ArrowTable.from_files, ([str(self.path)],))
