"""The leaf of every streaming pipeline: a planned set of units, read as one slot's share of an epoch.

In a slot, the source lays the units out in epoch order (:mod:`.order`), takes the row space of the current
stage (:mod:`.stages`), cuts the slot's piece from it (:mod:`.partition`) and reads that piece, in order or
in permuted windows of ``buffer_size`` rows. The token of a row is its index in the slot's stream, so a
resume at row ``k`` computes which window holds it, reads that window (at most ``buffer_size`` rows, from
the unit that holds its first row: a parquet resume opens one row group) and continues: it costs the same
at 90% of an epoch as at 0%.

Column edits applied right after the source (select, remove, rename, cast) are folded into it, so a parquet
file is read for the kept columns only and images of dropped columns are never decoded. Rows come out as
Python dicts with features decoded (Image -> PIL), as in `datasets`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from ..arrow.table import gather
from ..errors import DataFileError
from ..features import Features, cast_table_to_features
from .nodes import Emitted, Node, SlotContext, Token
from .order import Shuffle, unit_order, window_permutation
from .partition import RowSpace
from .stages import stage_space

CHUNK_ROWS = 1000  # rows converted to Python at a time


class RowProvider(Protocol):
    """Units with exact row counts that can be read by index (`~.plan.FilePlan`, `~.from_table.TablePlan`)."""

    schema: pa.Schema
    rows: np.ndarray

    def read_unit(self, index: int, columns: Sequence[str]) -> Iterator[pa.RecordBatch]: ...

    def count_mismatch(self, index: int, expected: int, found: int) -> DataFileError: ...


class _UnitReader:
    """Reads row ranges of units, keeping the current unit's batch iterator open for forward reads."""

    def __init__(self, plan: RowProvider, columns: Sequence[str]) -> None:
        self.plan = plan
        self.columns = list(columns)
        self._unit = -1
        self._batches: Iterator[pa.RecordBatch] = iter(())
        self._batch: pa.RecordBatch | None = None
        self._batch_start = 0
        self._next_start = 0

    def read(self, unit: int, lo: int, hi: int) -> list[pa.RecordBatch]:
        """Rows ``[lo, hi)`` of ``unit``; reopens the unit only when asked for rows before the current batch."""
        if unit != self._unit or lo < self._batch_start:
            self._unit = unit
            self._batches = self.plan.read_unit(unit, self.columns)
            self._batch, self._batch_start, self._next_start = None, 0, 0
        out = []
        while lo < hi:
            batch = self._batch
            if batch is not None and lo < self._next_start:
                n = min(hi, self._next_start) - lo
                out.append(batch.slice(lo - self._batch_start, n))
                lo += n
                continue
            batch = next(self._batches, None)
            if batch is None:
                self._unit = -1
                raise self.plan.count_mismatch(unit, int(self.plan.rows[unit]), self._next_start)
            self._batch, self._batch_start = batch, self._next_start
            self._next_start += batch.num_rows
        return out


class SourceNode(Node):
    """Planned units read as the slot's share of each epoch, optionally shuffled (see the module docstring).

    ``columns`` are the provider's columns to read, ``names`` what they are called in the rows, and
    ``features`` the features of the rows (a cast when they differ from the stored ones).
    """

    def __init__(
        self,
        plan: RowProvider,
        columns: Sequence[str] | None = None,
        names: Sequence[str] | None = None,
        features: Features | None = None,
        shuffle: Shuffle | None = None,
    ) -> None:
        self.plan = plan
        self.columns = list(plan.schema.names if columns is None else columns)
        self.names = list(self.columns if names is None else names)
        stored = Features.from_arrow_schema(plan.schema)
        natural = Features({name: stored[column] for column, name in zip(self.columns, self.names)})
        self._features = natural if features is None else features
        self._cast = self._features != natural
        self.shuffle = shuffle

    # -- the pipeline protocol --------------------------------------------------------------------------
    @property
    def features(self) -> Features:
        return self._features

    @property
    def num_units(self) -> int:
        return len(self.plan.rows)

    @property
    def num_rows(self) -> int:
        """Rows in one epoch, over all slots."""
        return int(self.plan.rows.sum())

    def shuffled(self, seed: int, buffer_size: int) -> SourceNode:
        return self.edited(shuffle=Shuffle(seed, buffer_size))

    def edited(self, **changes: Any) -> SourceNode:
        """A copy with some of ``columns``, ``names``, ``features``, ``shuffle`` replaced."""
        args = {"columns": self.columns, "names": self.names, "features": self._features, "shuffle": self.shuffle}
        args.update(changes)
        return SourceNode(self.plan, **args)

    def seek_token(self, rows: int) -> Token:
        return rows

    def consumed_rows(self, token: Token, emitted: int) -> int:
        return (token or 0) + emitted

    # -- reading ----------------------------------------------------------------------------------------
    def piece(self, ctx: SlotContext) -> RowSpace:
        """The epoch positions this slot reads in the current stage, in order."""
        space = stage_space(self.num_rows, ctx.history, self.shuffle, ctx.epoch)
        lo, hi = ctx.layout.bounds(len(space), ctx.slot)
        return space.slice(lo, hi)

    def iter_slot(self, ctx: SlotContext, token: Token) -> Iterator[Emitted]:
        piece = self.piece(ctx)
        length = len(piece)
        order = unit_order(self.num_units, self.shuffle, ctx.epoch)
        starts = np.concatenate([[0], np.cumsum(self.plan.rows[order])]).astype(np.int64)
        reader = _UnitReader(self.plan, self.columns)
        position = token or 0

        def read(lo: int, hi: int) -> pa.Table:
            batches: list[pa.RecordBatch] = []
            for start, n in piece.runs(lo, hi):
                k = int(np.searchsorted(starts, start, side="right")) - 1
                while n > 0:
                    take = min(n, int(starts[k + 1]) - start)
                    batches.extend(reader.read(int(order[k]), start - int(starts[k]), start - int(starts[k]) + take))
                    start, n, k = start + take, n - take, k + 1
            return pa.Table.from_batches(batches, schema=_schema_of(batches, self.plan.schema, self.columns))

        if self.shuffle is None:
            while position < length:
                end = min(length, position + CHUNK_ROWS)
                yield from self._rows(read(position, end), position)
                position = end
            return
        size = self.shuffle.buffer_size
        window = position // size
        while window * size < length:
            lo, hi = window * size, min(length, (window + 1) * size)
            table = read(lo, hi)
            permutation = window_permutation(hi - lo, self.shuffle, ctx.epoch, len(ctx.history), ctx.slot, window)
            for first in range(max(position, lo) - lo, hi - lo, CHUNK_ROWS):
                yield from self._rows(gather(table, permutation[first : first + CHUNK_ROWS]), lo + first)
            window += 1

    def _rows(self, table: pa.Table, first_token: int) -> Iterator[Emitted]:
        """Rows of ``table`` as decoded Python dicts, tokens counting up from ``first_token``."""
        if self.names != self.columns:
            table = table.rename_columns(self.names)
        if self._cast:
            table = cast_table_to_features(table, self._features)
        columns = self._features.decode_batch(table.to_pydict())
        if not columns:
            for i in range(table.num_rows):
                yield first_token + i, {}
            return
        names = list(columns)
        for i, values in enumerate(zip(*columns.values())):
            yield first_token + i, dict(zip(names, values))


def _schema_of(batches: list[pa.RecordBatch], schema: pa.Schema, columns: Sequence[str]) -> pa.Schema:
    if batches:
        return batches[0].schema
    return pa.schema([schema.field(c) for c in columns], metadata=schema.metadata)
