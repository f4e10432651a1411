"""Typing and storing the output of ``map`` (and ``from_generator``) chunk by chunk, as `datasets` writes it.

Types: the first chunk fixes each column's type, as `datasets`' ``ArrowWriter`` does. With
``on_mixed_types="use_json"`` (the default of ``map``), values that mix types or structs whose keys differ
between rows make the column (or the part of it that mixes) `Json`, and later chunks are encoded for it. A
column the input already had first *tries* its old feature (``try_original_type``: an int column stays int32,
a ClassLabel stays a ClassLabel) and takes the values' own type when they do not fit it. Later chunks are cast
to the fixed types (a float column takes later ints; a value that does not fit raises, naming the column and
the rows), instead of failing on a schema mismatch or truncating. The columns ``features=`` names are cast to
them (`datasets` needs every column named; naming only some leaves the others typed as above).

Storage: `ResultSink` keeps the chunk tables in memory or streams them into one cache file. When ``map``
stores only the columns the function returned, a later chunk may need an input column that earlier chunks
left to the base table (a list changed in place in row 5000 only); the sink then widens what it stored,
filling the earlier rows from the base table, so every chunk holds the same columns.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..arrow.files import ArrowWriter, memory_map_table
from ..arrow.table import ArrowTable
from ..features import CastError, Features, FeatureType, Value, cast_array_to_feature, generate_from_arrow_type
from ..features.json_arrays import array_from_values
from ..features.json_paths import encode_at, json_paths_of, mixed_type_paths
from .encode import MixedTypesError, typed_column

MAP_FEATURES_KEY = b"crucible_torch.map_features"  # schema metadata: the features of every output column
ON_MIXED_TYPES = (None, "use_json")


def _json_column(values: list[Any]) -> tuple[pa.Array, FeatureType]:
    """A column of Python values with `Json` where they mix types (``on_mixed_types="use_json"``)."""
    array = array_from_values(values)
    return array, generate_from_arrow_type(array.type)


def _has_null_type(feature: FeatureType) -> bool:
    while hasattr(feature, "feature"):
        feature = feature.feature
    return isinstance(feature, Value) and feature.dtype == "null"


class OutputTypes:
    """The feature of each output column: fixed by its first chunk, or given by ``features``."""

    def __init__(
        self,
        original: Features | None,
        features: Features | None = None,
        try_original_type: bool = True,
        on_mixed_types: str | None = None,
    ) -> None:
        if on_mixed_types not in ON_MIXED_TYPES:
            raise ValueError(f"on_mixed_types must be one of {list(ON_MIXED_TYPES)}, not {on_mixed_types!r}")
        self.original = original or Features()
        self.features = features
        self.try_original_type = try_original_type
        self.on_mixed_types = on_mixed_types
        self.fixed: dict[str, FeatureType] = {}

    def convert(self, name: str, values: Any, rows: range) -> tuple[pa.Array | pa.ChunkedArray, FeatureType]:
        """One column of one chunk as Arrow, typed by the rules of the module docstring."""
        if self.features is not None and name in self.features:
            return typed_column(values, self.features[name], column=name)
        fixed = self.fixed.get(name)
        use_json = self.on_mixed_types == "use_json" and isinstance(values, list)
        if fixed is None:
            try_feature = self.original.get(name) if self.try_original_type else None
            if use_json and mixed_type_paths(values, include_root=True):  # keys differing between rows, {}
                array, feature = _json_column(values)
            else:
                try:
                    array, feature = typed_column(values, try_feature=try_feature, column=name)
                except MixedTypesError:
                    if not use_json:
                        raise
                    array, feature = _json_column(values)  # 1 and "a": Json, as datasets types them
            self.fixed[name] = feature
            return array, feature
        if use_json:
            for path in json_paths_of(fixed):  # a later chunk of a Json column: its values as JSON text
                values = [encode_at(value, path) for value in values]
        try:
            return typed_column(values, fixed, column=name)
        except (CastError, MixedTypesError) as err:
            hint = (
                f"its first values were all None, so it was typed {fixed!r}"
                if _has_null_type(fixed)
                else f"its first values fixed its type as {fixed!r}"
            )
            raise CastError(
                f"column {name!r}, rows {rows.start}-{rows.stop - 1}: the values do not fit the column's type: "
                f"{hint}. Pass features= with the type to store (or map with batched=True and a larger "
                f"batch_size). ({err})",
                column=name,
            ) from err

    def cast_carried(self, name: str, array: pa.Array | pa.ChunkedArray) -> tuple[pa.Array | pa.ChunkedArray, bool]:
        """(array, changed) of an input column carried over: cast to ``features`` when they give another type."""
        if self.features is None or name not in self.features:
            return array, False
        cast = cast_array_to_feature(array, self.features[name])  # also checks the values (class ids in range)
        return cast, cast.type != array.type


def encode_features(features: Features) -> bytes:
    return json.dumps(features.to_dict()).encode()


def decode_features(schema: pa.Schema) -> Features | None:
    """The output features stored with a map result, or None when the table is not one."""
    raw = (schema.metadata or {}).get(MAP_FEATURES_KEY)
    return None if raw is None else Features.from_dict(json.loads(raw))


class ResultSink:
    """Collects result tables (in memory, or into ``path``), widening earlier tables when a later one holds
    more columns; ``fill(name, rows)`` gives a column's values for absolute result rows from the base table."""

    def __init__(self, path: Path | None, fill: Callable[[str, range, pa.DataType], pa.Array] | None = None) -> None:
        self.path = path
        self.fill = fill
        self.tables: list[pa.Table] = []
        self.schema: pa.Schema | None = None
        self.num_rows = 0
        self._writer: ArrowWriter | None = None

    def add(self, table: pa.Table) -> None:
        if self.schema is None:
            self._start(table.schema)
        else:
            extra = [f for f in table.schema if f.name not in self.schema.names]
            if extra:
                self._widen(pa.schema(list(self.schema) + extra, metadata=table.schema.metadata))
            table = self._conform(table, self.num_rows)
        if self._writer is not None:
            self._writer.write_table(table)
        else:
            self.tables.append(table)
        self.num_rows += table.num_rows

    def _start(self, schema: pa.Schema) -> None:
        self.schema = schema
        if self.path is not None:
            self._writer = ArrowWriter(self.path, schema)

    def _conform(self, table: pa.Table, start: int) -> pa.Table:
        """``table`` with this sink's columns, in its order: missing input columns filled from the base table."""
        assert self.schema is not None
        arrays = []
        for field in self.schema:
            if field.name in table.column_names:
                column = table.column(field.name)
                arrays.append(column if column.type == field.type else column.cast(field.type))
            elif self.fill is not None:
                arrays.append(self.fill(field.name, range(start, start + table.num_rows), field.type))
            else:
                raise ValueError(f"map output lacks column {field.name!r} in rows {start}-{start + table.num_rows - 1}")
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _widen(self, schema: pa.Schema) -> None:
        """Store more columns from now on; what was stored before gets them from the base table."""
        self.schema = schema
        if self._writer is None:
            start, tables = 0, []
            for table in self.tables:
                tables.append(self._conform(table, start))
                start += table.num_rows
            self.tables = tables
            return
        old = self._writer.detach()
        try:
            self._writer = ArrowWriter(self.path, schema)
            start = 0
            for batch in memory_map_table(old).to_batches():
                self._writer.write_table(self._conform(pa.Table.from_batches([batch]), start))
                start += batch.num_rows
        finally:
            os.unlink(old)

    def finish(self, empty_schema: pa.Schema | None = None) -> ArrowTable | None:
        """The stored result (None when nothing was added and no ``empty_schema`` is given)."""
        if self.schema is None:
            if empty_schema is None:
                return None
            self._start(empty_schema)
        if self._writer is not None:
            path = self._writer.close()
            self._writer = None
            return ArrowTable.from_files([path])
        if not self.tables:
            return ArrowTable(self.schema.empty_table())
        return ArrowTable(pa.concat_tables(self.tables))

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None


def conform_parts(parts: Sequence[pa.Table], fill: Callable[[str, range, pa.DataType], pa.Array]) -> pa.Table:
    """Tables of consecutive rows (per-process map results) made alike and concatenated (in memory)."""
    sink = ResultSink(None, fill)
    names: dict[str, pa.Field] = {}
    for part in parts:
        for field in part.schema:
            names.setdefault(field.name, field)
    first = parts[0].schema
    sink._start(pa.schema(list(names.values()), metadata=first.metadata))
    for part in parts:
        sink.add(part)
    return sink.finish().table


def output_schema(stored: Mapping[str, FeatureType], full: Features) -> pa.Schema:
    """The schema of a stored result: its columns' types and features, plus the features of every output column."""
    features = Features(stored)
    meta = dict(features.arrow_schema.metadata or {})
    meta[MAP_FEATURES_KEY] = encode_features(full)
    return features.arrow_schema.with_metadata(meta)
