"""What every format reader shares: the `ReadUnit` a file splits into, and the `Reader` base class.

A reader turns one data file into Arrow record batches in bounded memory. The streaming layer asks it for
`units` (pieces of a file that can be read independently: parquet row groups, JSONL byte ranges, whole
files otherwise) and reads each with ``read(source, unit=...)``; the map-style layer just reads whole files.
"""

from __future__ import annotations

import copy
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import pyarrow as pa

from ..errors import DataFileError
from .schema import align_batch
from .source import DataSource

UnitKind = Literal["file", "row_groups", "bytes"]
SourceLike = DataSource | str | os.PathLike[str]


@dataclass(frozen=True)
class ReadUnit:
    """An independently readable piece of one file.

    ``kind`` says what ``[start, end)`` counts: ``"row_groups"`` (parquet row-group indices), ``"bytes"``
    (a JSONL byte range; the unit owns every line that *starts* inside it) or ``"file"`` (the whole file;
    start/end unused). ``num_rows`` is exact when ``exact`` (from metadata), else an estimate or None;
    ``num_bytes`` is the uncompressed size the metadata gives, if any (an estimate of the decoded size).
    """

    kind: UnitKind
    start: int = 0
    end: int | None = None
    num_rows: int | None = None
    exact: bool = False
    num_bytes: int | None = field(default=None, compare=False)


WHOLE_FILE = ReadUnit("file")


def target_schema_of(features: Any) -> pa.Schema | None:
    """The Arrow schema to cast to from ``features=``: a ``pa.Schema``, or anything with ``.arrow_schema``."""
    if features is None or isinstance(features, pa.Schema):
        return features
    schema = getattr(features, "arrow_schema", None)
    if not isinstance(schema, pa.Schema):
        raise TypeError(f"features must be a pyarrow.Schema or have an .arrow_schema, got {type(features)}")
    return schema


class Reader(ABC):
    """Base class of the format readers: ``name`` is the `datasets` builder name it stands in for.

    ``features`` (a ``pa.Schema`` or a Features object) is the schema every batch is cast to, as the
    builders' ``features=`` kwarg does; without it the file's own (inferred) types are kept.
    """

    name: ClassVar[str]
    #: True when `units` reads the file (not just its metadata) to count rows, so planning it is worth caching.
    units_from_scan: ClassVar[bool] = False

    def __init__(self, *, features: Any = None) -> None:
        self.target_schema = target_schema_of(features)

    @abstractmethod
    def read(
        self, source: SourceLike, *, columns: Sequence[str] | None = None, unit: ReadUnit | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield the rows of ``source`` (or of one of its ``unit``s) as record batches, ``columns`` only."""

    def with_schema(self, schema: pa.Schema) -> Reader:
        """A copy of this reader whose batches come out in ``schema``: the schema planned for a whole split.

        Formats that decide types while reading (JSON's `Json` columns, CSV's column types) then read every
        unit of every file as the plan says, instead of re-deciding from the unit's own rows.
        """
        pinned = copy.copy(self)
        pinned.target_schema = schema
        return pinned

    def units(self, source: SourceLike) -> list[ReadUnit]:
        """The pieces ``source`` can be read in; one whole-file unit unless the format splits."""
        return [WHOLE_FILE]

    def read_schema(self, source: SourceLike) -> pa.Schema:
        """The schema of ``source``'s batches, from metadata where the format has it, else its first batch."""
        if self.target_schema is not None:
            return self.target_schema
        for batch in self.read(source):
            return batch.schema
        return pa.schema([])

    def _check_unit(self, unit: ReadUnit | None, *kinds: UnitKind) -> ReadUnit:
        unit = unit or WHOLE_FILE
        if unit.kind not in ("file", *kinds):
            raise ValueError(f"the {self.name} reader reads units of kind {('file', *kinds)}, not {unit.kind!r}")
        return unit

    def _finish(self, batch: pa.RecordBatch, columns: Sequence[str] | None, file: str) -> pa.RecordBatch:
        """Keep ``columns`` (in the order given) and cast to the target schema, if any (which fills the columns
        the file lacks with nulls)."""
        target = self.target_schema
        if columns is not None:
            if target is not None:
                columns = [c for c in columns if batch.schema.get_field_index(c) >= 0 or target.get_field_index(c) < 0]
            batch = select_columns(batch, columns, file)
        if target is None:
            return batch
        if columns is not None:
            kept = [target.field(c) for c in columns if target.get_field_index(c) >= 0]
            target = pa.schema(kept, metadata=target.metadata)
        return align_batch(batch, target, file=file)


def select_columns(batch: pa.RecordBatch, columns: Sequence[str], file: str) -> pa.RecordBatch:
    """Keep ``columns`` of ``batch`` in the order given; an unknown name is a `DataFileError`."""
    missing = [c for c in columns if batch.schema.get_field_index(c) < 0]
    if missing:
        raise DataFileError(
            f"no column {missing[0]!r}; the columns are {batch.schema.names}", file=file, column=missing[0]
        )
    if list(columns) == batch.schema.names:
        return batch
    return batch.select(list(columns))
