"""A prepared split that is still being written: its length and schema now, any row soon, the file when done.

Converting a large parquet split takes as long as decompressing it; nothing needs to wait for that except
operations on the whole table. Two reading threads decode its units (parquet row groups) one at a time; a
writing thread joins consecutive ones into chunks and appends them to the Arrow file (atomically published).
Meanwhile the table answers ``num_rows``/``schema`` at once and serves rows from the units in memory, from the
chunks already in the temp file, or, when they are further ahead than the readers, by reading the row groups that
hold them straight from the parquet files (their offsets come from the footers) through the same function that
feeds the writer, so a row read early equals the row in the finished file. Rows a reading thread is about to
decode are waited for instead of decoded twice, so a sequential reader (``map``, ``iter``) runs in step with the
conversion. Gathers of a few rows work the same way; larger ones, column operations and pickling wait for the
file. A process forked meanwhile (DataLoader workers) does not wait: its copy of the table waits for the
parent's conversion as for another process's (``os.register_at_fork``), and serves rows the same way meanwhile.

When another process is already converting the same split (the cache's lock file is held), the thread waits
for that process in the kernel and memory-maps its result; rows are served from the parquet files meanwhile.
If that process fails, this one converts.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..arrow.files import INCOMPLETE_SUFFIX, ArrowWriter, memory_map_table
from ..arrow.table import ArrowTable, TableRecipe, gather
from ..hub.atomic import discard_stale_temps
from ..hub.lock import FileLock
from .source_units import SourceUnits

_RUNNING: weakref.WeakSet[Conversion] = weakref.WeakSet()
_AHEAD_UNITS = 2
"""Rows in the unit a reading thread decodes, or in the next, are waited for; others are read from the source."""
_MAX_GATHER_UNITS = 4
"""A gather touching more units than this waits for the file rather than reading them from the source."""
PREPARED_CHUNK_BYTES = 64 << 20
"""Units (row groups) are joined into record batches of about this size: a random 256-row gather costs one
``take`` per chunk it touches (CPU time per batch on the 500 MB benchmark split: 0.08 ms in 1 chunk, 0.22 ms in 2,
0.75 ms in 24 row-group chunks), while the copy that joins them slows the conversion (measured on the benchmark
split, 2 cores: 0.8-1.2 s unjoined, 1.3-1.7 s in 64 MB chunks, 1.7-2.0 s in 128 MB chunks)."""


def wait_for_all() -> None:
    """Block until every split being prepared in this process is written."""
    for conversion in list(_RUNNING):
        conversion.wait(raise_error=False)


def _before_fork() -> None:
    """Wait for the conversions that a forked child could not wait for itself (no working file lock)."""
    for conversion in list(_RUNNING):
        if not conversion.resumable_in_child:
            conversion.wait(raise_error=False)


def _after_fork_in_child() -> None:
    for conversion in list(_RUNNING):
        conversion.resume_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


class Conversion:
    """Writes the Arrow file at ``path`` from ``units`` on a background (non-daemon) thread.

    ``lock`` is the split's cache lock; when ``lock_held`` is False another process holds it, and the thread
    first waits for that process, converting only if no file appeared. ``on_rows(n)`` reports progress and
    ``on_end()`` runs when the thread ends, whatever the outcome.
    """

    def __init__(
        self,
        path: Path,
        schema: pa.Schema,
        units: SourceUnits,
        lock: FileLock | None = None,
        lock_held: bool = True,
        on_rows: Callable[[int], None] | None = None,
        on_end: Callable[[], None] | None = None,
    ):
        self.path = Path(path)
        self.schema = schema
        self.units = units
        self.num_rows = units.num_rows
        self._lock, self._lock_held = lock, lock_held  # FileLock (or None), held by this process or waited for
        self._on_rows, self._on_end = on_rows, on_end
        self._table: pa.Table | None = None
        self._chunks: list[tuple[int, int, int]] = []  # (rows so far, byte start, byte end) in the temp file
        self._held: dict[int, pa.Table] = {}  # units read and not yet in the temp file
        self._decoding: set[int] = set()  # units a reading thread is decoding now
        self._temp: Path | None = None
        self._map: tuple[Path | None, pa.Buffer] | None = None  # the temp file mapped last
        self._writing = lock_held  # this process writes the file (else another one does, until it fails)
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._progress = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"prepare {self.path.name}")
        _RUNNING.add(self)
        self._thread.start()

    @property
    def resumable_in_child(self) -> bool:
        """Whether a forked child can wait for this conversion through the file lock: the lock works here (this
        process holds a real flock, or waits for another process's)."""
        return self._lock is not None and (self._lock.exclusive or not self._lock_held)

    def resume_in_child(self) -> None:
        """In a process forked while this conversion runs: wait for the parent's conversion through the lock file
        (a new open file: the inherited descriptor and its lock stay the parent's) and, if no file appears,
        convert, as after any holder's death. The parent's threads are gone and the locks they used may have
        been held at the fork, so they are replaced."""
        self._progress = threading.Condition()
        self.units.reset_lock()
        done, self._done = self._done.is_set(), threading.Event()
        if done or self._lock is None:
            self._done.set()
            return
        self._decoding, self._writing = set(), False
        self._on_rows = self._on_end = None
        self._lock.forget()
        self._lock, self._lock_held = FileLock(self._lock.path), False
        self._thread = threading.Thread(target=self._run, name=f"prepare {self.path.name}", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ writer
    def _chunk_written(self, rows: int, start: int, end: int) -> None:
        with self._progress:
            self._chunks.append((rows, start, end))
            flushed = [u for u in self._held if self.units.offsets[u + 1] <= rows]
            for unit in flushed:  # now in the temp file: readers map it from there
                del self._held[unit]
            self._progress.notify_all()

    def _run(self) -> None:
        try:
            if self._lock is not None and not self._lock_held:
                self._lock.acquire()  # another process converts: sleep in the kernel until it ends
                self._lock_held = True
                if self.path.exists():
                    return
                with self._progress:  # it failed: this process converts, and its readers may wait for it
                    self._writing = True
                    self._progress.notify_all()
            if self._lock is not None and self._lock.exclusive:
                discard_stale_temps(self.path, INCOMPLETE_SUFFIX)
            self._write(self.units.tables(PREPARED_CHUNK_BYTES, self._decoded))
        except BaseException as error:  # noqa: BLE001 - kept and raised in the thread that reads the rows
            self._error = error
        finally:
            if self._lock is not None and self._lock_held:
                self._lock.release()
            with self._progress:
                self._done.set()
                self._progress.notify_all()
            _RUNNING.discard(self)
            if self._on_end is not None:
                self._on_end()

    def _decoded(self, unit: int, table: pa.Table | None) -> None:
        """A reading thread starts (``table`` None) or finishes decoding ``unit``: readers of its rows wait for it
        rather than decode it again, and then take it from memory."""
        with self._progress:
            if table is None:
                self._decoding.add(unit)
            else:
                self._decoding.discard(unit)
                self._held[unit] = table
                self._progress.notify_all()

    def _write(self, groups: Iterable[tuple[range, pa.Table]]) -> None:
        # Each group of units is one record batch of the file: few large chunks make the gathers of a shuffled
        # epoch cheap (one ``take`` per chunk a batch touches). Units are served to readers from memory until
        # they are in the temp file. The row count is checked before the file is published, so a source that
        # changed while it was read leaves nothing in the cache to be served next time.
        with ArrowWriter(
            self.path, self.schema, batch_bytes=1, on_chunk=self._chunk_written, expected_rows=self.num_rows
        ) as writer:
            with self._progress:  # a fresh temp file (a forked child may hold its parent's chunk list)
                self._temp, self._chunks = writer.temp_path, []
            for group, table in groups:
                first_row = int(self.units.offsets[group.start])
                with self._progress:  # the joined copy replaces the units (their memory is freed)
                    for unit in group:
                        start, stop = int(self.units.offsets[unit]), int(self.units.offsets[unit + 1])
                        self._held[unit] = table.slice(start - first_row, stop - start)
                writer.write_table(table)
                if self._on_rows is not None:
                    self._on_rows(table.num_rows)

    # ------------------------------------------------------------------ readers
    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, raise_error: bool = True) -> None:
        """Block until the file is complete; re-raise what stopped the conversion."""
        self._done.wait()
        if raise_error and self._error is not None:
            raise self._error

    @property
    def table(self) -> pa.Table:
        """The whole file, memory-mapped (waits for it)."""
        if self._table is None:
            self.wait()
            self._table = memory_map_table(self.path)
        return self._table

    def rows(self, start: int, stop: int) -> pa.Table:
        """Rows ``[start, stop)`` as soon as possible: from the finished file, the units in memory, the temp
        file or the source. Rows the writer is about to reach are waited for rather than decoded twice; rows
        further ahead (or any row while another process converts) are read from the source."""
        if stop <= start:
            return self.schema.empty_table()
        if self._done.is_set():
            return self.table.slice(start, stop - start)
        first, last = self.units.unit_of(start), self.units.unit_of(stop - 1)
        if first != last:  # each unit may be in a different place (flushed, held, ahead): one at a time
            bounds = self.units.offsets
            parts = [
                self.rows(max(start, int(bounds[u])), min(stop, int(bounds[u + 1]))) for u in range(first, last + 1)
            ]
            return pa.concat_tables(parts)
        with self._progress:
            while not self._done.is_set():
                table = self.units.cached_rows(start, stop, self._held)
                if table is not None:
                    return table
                chunks, temp = list(self._chunks), self._temp
                if chunks and chunks[-1][0] >= stop:
                    break
                if not self._writing or not self._coming(self.units.unit_of(stop - 1)):
                    chunks = None
                    break
                self._progress.wait()
        if self._done.is_set():
            return self.table.slice(start, stop - start)
        if chunks is None:
            return self.units.rows(start, stop)
        table = self._read_chunks(chunks, temp, start, stop)
        if table is None:  # the temp file was renamed into place (or removed by a failure) meanwhile
            return self.table.slice(start, stop - start)
        return table

    def _coming(self, unit: int) -> bool:
        """Whether a reading thread is decoding ``unit`` or will within ``_AHEAD_UNITS`` units (call locked)."""
        return any(0 <= unit - decoding < _AHEAD_UNITS for decoding in self._decoding)

    def take(self, indices: np.ndarray) -> pa.Table | None:
        """Rows ``indices`` in that order when they lie in a few units (read from wherever each is); None when
        the file is needed: the rows are spread over more units, or the file is complete."""
        if self._done.is_set():
            return None
        offsets = self.units.offsets
        unit_of_row = np.searchsorted(offsets, indices, side="right") - 1
        units, position = np.unique(unit_of_row, return_inverse=True)
        if len(units) > _MAX_GATHER_UNITS:
            return None
        parts = [self.rows(int(offsets[u]), int(offsets[u + 1])) for u in units]
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        unit_starts = np.concatenate([[0], np.cumsum(offsets[units + 1] - offsets[units])[:-1]]).astype(np.int64)
        return gather(table, indices - offsets[unit_of_row] + unit_starts[position])

    def _read_chunks(
        self, chunks: list[tuple[int, int, int]], temp: Path | None, start: int, stop: int
    ) -> pa.Table | None:
        """Rows ``[start, stop)`` from the written part of the temp file, without copying (None if it is gone)."""
        first = previous = 0
        wanted = []
        for rows, byte_start, byte_end in chunks:
            if rows > start and previous < stop:
                if not wanted:
                    first = previous
                wanted.append((byte_start, byte_end))
            previous = rows
        data = self._mapped(temp, wanted[-1][1])
        if data is None:
            return None
        batches = []
        for byte_start, byte_end in wanted:
            for message in pa.ipc.MessageReader.open_stream(data.slice(byte_start, byte_end - byte_start)):
                if message.type == "record batch":  # the first chunk also holds the schema message
                    batches.append(pa.ipc.read_record_batch(message, self.schema))
        return pa.Table.from_batches(batches, schema=self.schema).slice(start - first, stop - start)

    def _mapped(self, temp: Path | None, size: int) -> pa.Buffer | None:
        """The temp file ``temp`` memory-mapped as one buffer of at least ``size`` bytes (re-mapped as it grows)."""
        mapped = self._map
        if mapped is None or mapped[0] != temp or mapped[1].size < size:
            try:
                mapped = self._map = (temp, pa.memory_map(str(temp)).read_buffer())
            except FileNotFoundError:
                return None
        return mapped[1]


class PreparingTable(ArrowTable):
    """Rows ``[start, start + length)`` of the file a :class:`Conversion` is writing, as an :class:`ArrowTable`."""

    def __init__(self, conversion: Conversion, start: int = 0, length: int | None = None):
        self.conversion = conversion
        self.start = start
        self.length = conversion.num_rows - start if length is None else length
        recipe = TableRecipe.from_files([conversion.path])
        whole = start == 0 and self.length == conversion.num_rows
        self.recipe = recipe if whole else recipe.then("slice", start, self.length)
        self._offsets = None
        self._table: pa.Table | None = None

    @property
    def path(self) -> Path:
        return self.conversion.path

    def wait(self, raise_error: bool = True) -> None:
        """Block until the file is complete; re-raise what stopped the conversion."""
        self.conversion.wait(raise_error)

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            whole = self.conversion.table
            self._table = whole if self.length == whole.num_rows else whole.slice(self.start, self.length)
        return self._table

    @property
    def schema(self) -> pa.Schema:
        return self.conversion.schema

    @property
    def num_rows(self) -> int:
        return self.length

    def slice_rows(self, start: int, stop: int) -> pa.Table:
        """Rows ``[start, stop)``, without waiting for the whole file."""
        return self.conversion.rows(self.start + start, self.start + stop)

    def gather(self, indices: np.ndarray) -> pa.Table:
        indices = np.asarray(indices, dtype=np.int64)
        if len(indices):
            table = self.conversion.take(indices + self.start)
            if table is not None:
                return table
        return super().gather(indices)

    def then(self, op: str, *args: Any) -> ArrowTable:
        """A slice stays lazy while the file is written; other operations wait for it."""
        if op == "slice" and not self.conversion.done:
            offset, length = args
            offset = min(offset, self.length)
            return PreparingTable(self.conversion, self.start + offset, max(0, min(length, self.length - offset)))
        return super().then(op, *args)

    def __reduce__(self):
        self.wait()
        return (_from_recipe, (self.recipe,))


def _from_recipe(recipe: TableRecipe) -> ArrowTable:
    return ArrowTable(recipe.build(), recipe)
