"""The rows of a split being prepared as units (parquet row groups): read one by one, remembered for a while,
grouped into the chunks of the prepared file and decoded ahead by two threads for the conversion."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa

from ..runtime.prefetch import mapped_ahead

_WIDE_ROW_BYTES = 4096
"""Units whose rows average more than this many bytes are written as they are, not joined."""
_READERS = 2
"""Units decoded at once by the conversion (Arrow decodes without the GIL; one row group alone keeps ~1.3 of
two cores busy)."""
_CACHED_UNITS = 2
"""Units read from the source that are kept for the next request (a sequential reader asks for each many times)."""


@functools.cache
def join_pool() -> pa.MemoryPool:
    """Where the copies that join units are allocated: jemalloc's pool when this pyarrow has it, because it keeps
    freed pages for reuse (the default mimalloc pool hands them back to the kernel at once, so every join
    page-faults fresh memory in: measured, joining the benchmark split took 0.6-1.1 s from mimalloc, 0.32 s from
    jemalloc). The conversion hands its unused pages back when it ends (``release_unused``)."""
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc
        return pa.default_memory_pool()


class SourceUnits:
    """The split's rows as independently readable pieces: ``offsets[i]`` is the first row of unit ``i``
    (``offsets[-1]`` the row count), ``read(i)`` its rows, already in the prepared file's schema, and
    ``sizes[i]`` (optional) an estimate of their bytes, by which the conversion groups units into chunks."""

    def __init__(
        self,
        offsets: Sequence[int] | np.ndarray,
        read: Callable[[int], pa.Table],
        sizes: Sequence[int | None] | None = None,
    ):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.read = read
        self.sizes = list(sizes) if sizes is not None else [None] * len(self)
        self._cache: OrderedDict[int, pa.Table] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def num_rows(self) -> int:
        return int(self.offsets[-1])

    def unit_of(self, row: int) -> int:
        """The unit holding ``row``."""
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def reset_lock(self) -> None:
        """A new lock (after a fork, where another thread may have held the old one)."""
        self._lock = threading.Lock()

    def remember(self, unit: int, table: pa.Table) -> None:
        """Keep ``table`` as unit ``unit`` among the last few units read (dropping the oldest)."""
        with self._lock:
            self._cache[unit] = table
            self._cache.move_to_end(unit)
            while len(self._cache) > _CACHED_UNITS:
                self._cache.popitem(last=False)

    def cached_read(self, unit: int) -> pa.Table:
        """``read(unit)``, or the table remembered for it."""
        with self._lock:
            table = self._cache.get(unit)
        if table is None:
            table = self.read(unit)
            self.remember(unit, table)
        return table

    def _span(self, start: int, stop: int) -> range:
        return range(self.unit_of(start), self.unit_of(max(start, stop - 1)) + 1)

    def _assemble(self, units: range, parts: list[pa.Table], start: int, stop: int) -> pa.Table:
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        return table.slice(start - int(self.offsets[units[0]]), stop - start)

    def cached_rows(self, start: int, stop: int, held: dict[int, pa.Table]) -> pa.Table | None:
        """Rows ``[start, stop)`` when every unit holding them is remembered or in ``held``; None otherwise."""
        units = self._span(start, stop)
        with self._lock:
            parts = [held.get(u, self._cache.get(u)) for u in units]
        if any(p is None for p in parts):
            return None
        return self._assemble(units, parts, start, stop)

    def rows(self, start: int, stop: int) -> pa.Table:
        """Rows ``[start, stop)``, reading the units that hold them from the source unless remembered."""
        units = self._span(start, stop)
        return self._assemble(units, [self.cached_read(u) for u in units], start, stop)

    def _joinable(self, unit: int) -> bool:
        size, rows = self.sizes[unit], int(self.offsets[unit + 1] - self.offsets[unit])
        return size is not None and size <= _WIDE_ROW_BYTES * max(rows, 1)

    def groups(self, target_bytes: int) -> list[range]:
        """Consecutive units of about ``target_bytes`` together. A unit of unknown size, or of wide rows (images,
        audio: a gather costs their bytes, not the number of chunks), stands alone."""
        out: list[range] = []
        first, total = 0, 0
        for unit, size in enumerate(self.sizes):
            joined = self._joinable(unit) and self._joinable(first) and total + (size or 0) <= target_bytes
            if unit > first and not joined:
                out.append(range(first, unit))
                first, total = unit, 0
            total += size or 0
        if len(self) > first:
            out.append(range(first, len(self)))
        return out

    def _read_unit(self, unit: int, on_unit: Callable[[int, pa.Table | None], None]) -> pa.Table:
        on_unit(unit, None)
        table = self.read(unit)
        on_unit(unit, table)
        return table

    def tables(
        self, target_bytes: int, on_unit: Callable[[int, pa.Table | None], None]
    ) -> Iterator[tuple[range, pa.Table]]:
        """Every group of units in order, as one chunk each (the conversion's input). Two background threads
        decode units at once, a unit at a time, so the first chunk is ready after its own units and decoding
        overlaps the copy that joins a group (made here, in the consumer's thread). ``on_unit(u, None)`` is
        called when unit ``u`` starts decoding, ``on_unit(u, table)`` when it is decoded."""
        decoded = mapped_ahead(lambda unit: self._read_unit(unit, on_unit), range(len(self)), workers=_READERS)
        try:
            for group in self.groups(target_bytes):
                parts = [next(decoded) for _ in group]
                table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
                yield group, table.combine_chunks(memory_pool=join_pool())
        finally:
            decoded.close()
            join_pool().release_unused()
