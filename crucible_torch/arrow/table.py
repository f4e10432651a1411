"""Arrow table access for map-style datasets: fast row gathers, and tables that pickle as a recipe.

``pa.Table.take`` concatenates every chunk of a chunked column before taking (40 ms for 256 rows of a 1M-row,
1000-chunk table on the reference machine); :func:`gather` takes from each chunk only what it needs (~10x
faster). A :class:`TableRecipe` rebuilds a memory-mapped table from its files plus replayable column
operations, so a dataset sent to a spawned DataLoader worker pickles as a few paths, not its rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from .files import memory_map_table


def chunk_offsets(table: pa.Table) -> np.ndarray:
    """Row offset of each record batch of ``table`` followed by its length."""
    lengths = [0] + [b.num_rows for b in table.to_batches()]
    return np.cumsum(lengths, dtype=np.int64)


def index_array(indices: np.ndarray) -> pa.Array:
    """Row indices as an Arrow int64 array, zero-copy (``pa.array(ndarray)`` would import pandas: 0.2 s)."""
    data = np.ascontiguousarray(indices, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def gather(table: pa.Table, indices: np.ndarray, offsets: np.ndarray | None = None) -> pa.Table:
    """Rows ``indices`` of ``table`` in that order, as a table with one chunk."""
    indices = np.asarray(indices, dtype=np.int64)
    if len(indices) == 0:
        return table.schema.empty_table()
    batches = table.to_batches()
    if len(batches) <= 1:
        source = batches[0] if batches else table.combine_chunks()
        return pa.Table.from_batches([source.take(index_array(indices))], schema=table.schema)
    if offsets is None:
        offsets = chunk_offsets(table)
    order = np.argsort(indices, kind="stable")
    sorted_idx = indices[order]
    chunk_ids = np.searchsorted(offsets, sorted_idx, side="right") - 1
    bounds = np.flatnonzero(np.diff(chunk_ids)) + 1
    parts = []
    for run in np.split(np.arange(len(sorted_idx)), bounds):
        chunk = int(chunk_ids[run[0]])
        parts.append(batches[chunk].take(index_array(sorted_idx[run] - offsets[chunk])))
    combined = pa.Table.from_batches(parts, schema=table.schema).combine_chunks()
    if np.all(order[:-1] < order[1:]):
        return combined
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return combined.take(index_array(inverse))


def apply_op(table: pa.Table, op: str, args: tuple) -> pa.Table:
    """One replayable column operation; the same function computes it now and on unpickling."""
    if op == "select":
        return table.select(list(args[0]))
    if op == "rename":
        return table.rename_columns(list(args[0]))
    if op == "slice":
        return table.slice(args[0], args[1])
    if op == "cast":
        return table.cast(args[0])
    if op == "conform":  # the columns of a schema, in its order; a column the table lacks is all null
        schema = args[0]
        arrays = [
            table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
            for f in schema
        ]
        return pa.Table.from_arrays(arrays, schema=schema)
    if op == "drop_metadata":
        return table.replace_schema_metadata(None)
    raise ValueError(f"unknown table operation {op!r}")


@dataclass(frozen=True)
class TableRecipe:
    """How to rebuild a table from Arrow files without copying rows: files, concatenation, column ops."""

    files: tuple[str, ...] = ()
    parts: tuple[TableRecipe, ...] = ()
    ops: tuple[tuple[str, tuple], ...] = field(default_factory=tuple)
    axis: int = 0

    @classmethod
    def from_files(cls, files: Sequence[str | os.PathLike]) -> TableRecipe:
        return cls(files=tuple(str(f) for f in files))

    @classmethod
    def concat(cls, recipes: Sequence[TableRecipe], axis: int = 0) -> TableRecipe:
        return cls(parts=tuple(recipes), axis=axis)

    def then(self, op: str, *args: Any) -> TableRecipe:
        return TableRecipe(self.files, self.parts, self.ops + ((op, args),), self.axis)

    def all_files(self) -> list[str]:
        out = list(self.files)
        for part in self.parts:
            out.extend(part.all_files())
        return out

    def build(self) -> pa.Table:
        if self.parts and self.axis == 1:
            table = hstack([p.build() for p in self.parts])
        elif self.parts:
            table = pa.concat_tables([p.build() for p in self.parts], promote_options="default")
        else:
            table = pa.concat_tables([memory_map_table(f) for f in self.files])
        for op, args in self.ops:
            table = apply_op(table, op, args)
        return table


class ArrowTable:
    """A ``pa.Table`` plus, when it is file-backed, the recipe that rebuilds it; pickles as the recipe."""

    def __init__(self, table: pa.Table, recipe: TableRecipe | None = None):
        self.table = table
        self.recipe = recipe
        self._offsets: np.ndarray | None = None

    @classmethod
    def from_files(cls, files: Sequence[str | os.PathLike], in_memory: bool = False) -> ArrowTable:
        if in_memory:
            from .files import read_table_in_memory

            return cls(pa.concat_tables([read_table_in_memory(f) for f in files]))
        recipe = TableRecipe.from_files(files)
        return cls(recipe.build(), recipe)

    @property
    def offsets(self) -> np.ndarray:
        if self._offsets is None:
            self._offsets = chunk_offsets(self.table)
        return self._offsets

    @property
    def schema(self) -> pa.Schema:
        return self.table.schema

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def slice_rows(self, start: int, stop: int) -> pa.Table:
        """Rows ``[start, stop)`` (zero-copy)."""
        return self.table.slice(start, stop - start)

    def then(self, op: str, *args: Any) -> ArrowTable:
        """This table with one more replayable operation."""
        return ArrowTable(apply_op(self.table, op, args), self.recipe.then(op, *args) if self.recipe else None)

    def replaced(self, table: pa.Table) -> ArrowTable:
        """A table computed in memory: it no longer has a recipe."""
        return ArrowTable(table)

    def gather(self, indices: np.ndarray) -> pa.Table:
        return gather(self.table, indices, self.offsets)

    @property
    def cache_files(self) -> list[str]:
        return self.recipe.all_files() if self.recipe else []

    def __getstate__(self) -> dict:
        if self.recipe is not None:
            return {"recipe": self.recipe}
        return {"table": self.table}

    def __setstate__(self, state: dict) -> None:
        self.recipe = state.get("recipe")
        self.table = self.recipe.build() if self.recipe is not None else state["table"]
        self._offsets = None


def hstack(tables: Sequence[pa.Table]) -> pa.Table:
    """The columns of equally long tables side by side (zero-copy; schema metadata is dropped)."""
    columns = [column for t in tables for column in t.columns]
    names = [name for t in tables for name in t.column_names]
    return pa.Table.from_arrays(columns, names=names)


def hstack_arrow_tables(tables: Sequence[ArrowTable]) -> ArrowTable:
    """Column-wise join keeping a recipe when every part has one (``map`` results over their base)."""
    table = hstack([t.table for t in tables])
    if all(t.recipe is not None for t in tables):
        return ArrowTable(table, TableRecipe.concat([t.recipe for t in tables], axis=1))
    return ArrowTable(table)


def concat_arrow_tables(tables: Sequence[ArrowTable]) -> ArrowTable:
    """Row-wise concatenation keeping a recipe when every part has one."""
    table = pa.concat_tables([t.table for t in tables], promote_options="default")
    if all(t.recipe is not None for t in tables):
        return ArrowTable(table, TableRecipe.concat([t.recipe for t in tables]))
    return ArrowTable(table)
