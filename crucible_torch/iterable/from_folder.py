"""The rows of a streamed imagefolder/audiofolder split: a small table of media paths, read in units.

The table (paths, labels, metadata columns) is built once in the main process (:mod:`..resolve.folder`);
units are slices of ``UNIT_ROWS`` rows, so every rank x worker slot gets rows and a resume seeks by row
count. Media are read when decoded, from their local path; a Hub file not on local disk (streaming does not
download) is fetched by the worker that reads its unit, the unit's files at once in threads, and its bytes
are put in the row. Such units hold ``FETCH_THREADS`` rows: a slot whose piece starts inside a unit reads
(and fetches) the unit's earlier rows too, so small units keep that waste to a few files per slot.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import DataFileError
from ..features import Audio, Features, Image, List
from ..formats import DataSource
from .partition import split_sizes

UNIT_ROWS = 256
FETCH_THREADS = 8


def _fetch(source: DataSource) -> bytes:
    with source.open() as f:
        return f.read()


class FolderRows:
    """A row provider of `~.source.SourceNode` over a folder split's rows; ``remote`` maps names to sources."""

    def __init__(self, table: pa.Table, features: Features, remote: Mapping[str, DataSource]) -> None:
        self.table = table
        self.schema = features.arrow_schema
        self.features = features
        self.remote = dict(remote)
        unit_rows = FETCH_THREADS if self.remote else UNIT_ROWS
        units = max(1, -(-table.num_rows // unit_rows))
        self.rows = np.array(split_sizes(table.num_rows, units) if table.num_rows else [], dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(self.rows)]).astype(np.int64)

    def read_unit(self, index: int, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        lo, hi = int(self._starts[index]), int(self._starts[index + 1])
        table = self.table.slice(lo, hi - lo).select(list(columns))
        if self.remote:
            table = self._with_remote_bytes(table)
        yield from table.combine_chunks().to_batches()

    def _with_remote_bytes(self, table: pa.Table) -> pa.Table:
        for i, name in enumerate(table.column_names):
            feature = self.features[name]
            as_list = isinstance(feature, List) and isinstance(feature.feature, (Image, Audio))
            if not (isinstance(feature, (Image, Audio)) or as_list):
                continue
            values = table[name].to_pylist()
            items = [v for value in values if value is not None for v in (value if as_list else [value])]
            wanted = [v for v in items if v is not None and v["bytes"] is None and v["path"] in self.remote]
            if not wanted:
                continue
            with ThreadPoolExecutor(min(FETCH_THREADS, len(wanted))) as pool:
                fetched = pool.map(lambda v: _fetch(self.remote[v["path"]]), wanted)
                for value, data in zip(wanted, fetched):
                    value["bytes"] = data
            table = table.set_column(i, name, pa.array(values, type=table.schema.field(name).type))
        return table

    def count_mismatch(self, index: int, expected: int, found: int) -> DataFileError:
        return DataFileError(f"unit {index} of the folder rows has {found} rows, expected {expected}")


def folder_rows(tables: Sequence[pa.Table], features: Features, remote: Mapping[str, Any]) -> FolderRows:
    """The provider over the rows of several splits, concatenated in order."""
    table = pa.concat_tables(tables) if tables else features.arrow_schema.empty_table()
    return FolderRows(table, features, remote)
