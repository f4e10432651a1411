"""Export: Python objects, pandas, Parquet/JSON Lines/CSV files, and ``save_to_disk``/``load_from_disk``.

``save_to_disk`` writes exactly `datasets`' layout (``data-NNNNN-of-NNNNN.arrow`` in the IPC stream format,
``state.json``, ``dataset_info.json``), so a directory saved by either library loads in the other.

Every file written to a path is written atomically (:mod:`crucible_torch.hub.atomic`), so a crash leaves the
previous complete file or none. ``save_to_disk`` replaces a previous save with ``state.json`` as the commit
record: it is removed first and written last, and the old shards are removed before the new ones are written,
so an interrupted save reads as absent (never a mixture of two saves) and a save with fewer shards leaves no
stale ones for ``load_dataset(dir)`` to pick up.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import re
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..arrow.files import write_tables
from ..arrow.info import DatasetInfo, SplitInfo
from ..arrow.table import ArrowTable
from ..errors import DatasetNotFoundError
from ..features.json_paths import decode_json_columns, json_paths_of
from ..hub.atomic import atomic_open, atomic_path, discard, write_atomically
from ..hub.naming import safe_path_component

if TYPE_CHECKING:
    from .arrow_dataset import Dataset

MAX_SHARD_SIZE = 500 << 20
STATE_FILE = "state.json"
INFO_FILE = "dataset_info.json"
DICT_FILE = "dataset_dict.json"
SHARD_NAME = re.compile(r"data-\d{5}-of-\d{5}\.arrow")


def _destination(path_or_buf: Any) -> bool:
    return isinstance(path_or_buf, (str, os.PathLike))


def _binary_sink(path_or_buf: Any) -> AbstractContextManager[IO[Any]]:
    """Where to write: an atomic temp file for a path, else the caller's buffer (binary or text, left open)."""
    if _destination(path_or_buf):
        return atomic_open(path_or_buf, "wb")
    return nullcontext(path_or_buf)


def _put(f: IO[Any], data: str | bytes) -> int:
    """Write ``data`` to a binary or text file; returns the number of bytes (UTF-8) it takes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    f.write(raw.decode("utf-8") if isinstance(f, io.TextIOBase) else raw)
    return len(raw)


def _pandas_like_text(table: pa.Table) -> pa.Table:
    """Float and bool columns as the text pandas writes (``6.0``, ``0.1`` for float32, ``True``; NaN as empty)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            values = table.column(index).to_numpy(zero_copy_only=False)
            text = pa.array(values.astype(str), pa.string(), mask=np.isnan(values))
        elif pa.types.is_boolean(field.type):
            text = pc.if_else(table.column(index), "True", "False")
        else:
            continue
        table = table.set_column(index, pa.field(field.name, pa.string()), text)
    return table


def _native_sink(path_or_buf: Any) -> AbstractContextManager[Any]:
    """What a pyarrow writer writes to: an atomic temp path for a path, else the caller's buffer."""
    if _destination(path_or_buf):
        return atomic_path(path_or_buf)
    return nullcontext(path_or_buf)


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _embed_local_files(table: pa.Table, dataset: Dataset) -> pa.Table:
    """Image/Audio values stored only as a local path get their bytes inlined, so the saved copy is self-contained."""
    from ..features import Audio, Image

    for name, feature in dataset.features.items():
        if not isinstance(feature, (Image, Audio)):
            continue
        values = table.column(name).to_pylist()
        changed = False
        for value in values:
            if value and value.get("bytes") is None and value.get("path") and os.path.isfile(value["path"]):
                with open(value["path"], "rb") as f:
                    value["bytes"] = f.read()
                value["path"] = os.path.basename(value["path"])
                changed = True
        if changed:
            index = table.column_names.index(name)
            table = table.set_column(index, table.field(index), pa.array(values, type=table.field(index).type))
    return table


class ExportMixin:
    """Conversions out of a Dataset."""

    def _all_rows(self: Dataset) -> pa.Table:
        return self._rows_table(slice(None))

    def _row_batches(self: Dataset, batch_size: int | None = None) -> Any:
        step = batch_size or 10_000
        for start in range(0, self.num_rows, step):
            yield self._rows_table(slice(start, start + step))

    def _stored_columns(self: Dataset, table: pa.Table) -> dict[str, list]:
        """``table``'s columns as stored values, `Json` decoded (images stay bytes), as `datasets` exports them."""
        return decode_json_columns(table.to_pydict(), self.features)

    def to_list(self: Dataset) -> list[dict]:
        """Rows as plain dicts of stored values (only `Json` is decoded, as in `datasets`)."""
        columns = self._stored_columns(self._all_rows())
        return [dict(zip(columns, values)) for values in zip(*columns.values())]

    def to_dict(self: Dataset, batch_size: int | None = None, batched: bool = False) -> Any:
        """Columns as ``{name: list}`` of stored values; with ``batched`` an iterator of such dicts."""
        if batched:
            return (self._stored_columns(t) for t in self._row_batches(batch_size))
        return self._stored_columns(self._all_rows())

    def to_pandas(self: Dataset, batch_size: int | None = None, batched: bool = False) -> Any:
        """A pandas DataFrame (needs pandas installed); `Json` columns hold the decoded values."""
        if batched:
            return (self._data_frame(t) for t in self._row_batches(batch_size))
        return self._data_frame(self._all_rows())

    def _data_frame(self: Dataset, table: pa.Table) -> Any:
        frame = table.to_pandas()
        json_columns = [name for name, feature in self.features.items() if json_paths_of(feature)]
        if json_columns:
            import pandas as pd  # to_pandas imported it already

            for name, values in self._stored_columns(table.select(json_columns)).items():
                frame[name] = pd.Series(values, index=frame.index, dtype=object)
        return frame

    def to_ray(self: Dataset, *, shared_storage: bool | None = None, override_num_blocks: int | None = None) -> Any:
        """The rows as a ``ray.data.Dataset``, in this dataset's order, read from its memory-mapped Arrow files,
        with the Features as schema metadata (needs the ``ray`` extra: see `crucible_torch.ray.to_ray`)."""
        # An upward import on purpose: crucible_torch.ray sits above this layer and imports ray, which the
        # library loads only when this is called.
        from ..ray import to_ray

        return to_ray(self, shared_storage=shared_storage, override_num_blocks=override_num_blocks)

    def to_parquet(
        self: Dataset,
        path_or_buf: str | os.PathLike | Any,
        batch_size: int | None = None,
        **parquet_writer_kwargs: Any,
    ) -> int:
        """Write a Parquet file with the features in its schema metadata; returns the bytes written."""
        schema = self.features.arrow_schema
        with _native_sink(path_or_buf) as sink:
            with pq.ParquetWriter(sink, schema, **parquet_writer_kwargs) as writer:
                for table in self._row_batches(batch_size or 1000):
                    writer.write_table(table.cast(schema))
        return os.path.getsize(path_or_buf) if _destination(path_or_buf) else 0

    def to_json(
        self: Dataset,
        path_or_buf: str | os.PathLike | Any,
        batch_size: int | None = None,
        lines: bool = True,
        **_: Any,
    ) -> int:
        """Write JSON Lines (``lines=True``, the default) or one JSON array; bytes are base64 text.

        Returns the number of bytes written, as `datasets` does.
        """
        written = 0
        with _binary_sink(path_or_buf) as f:
            if not lines:
                written += _put(f, "[")
            first = True
            for table in self._row_batches(batch_size):
                columns = self._stored_columns(table)
                for row in (dict(zip(columns, values)) for values in zip(*columns.values())):
                    text = json.dumps(row, ensure_ascii=False, default=_json_default)
                    text = text if lines else ("" if first else ",") + text
                    written += _put(f, text + ("\n" if lines else ""))
                    first = False
            if not lines:
                written += _put(f, "]")
        return written

    def to_csv(
        self: Dataset,
        path_or_buf: str | os.PathLike | Any,
        batch_size: int | None = None,
        sep: str = ",",
        header: bool = True,
        **_: Any,
    ) -> int:
        """Write CSV with a header row (no index column, as `datasets` writes it), batch by batch.

        Floats and booleans are written as pandas (which `datasets` uses) writes them (``6.0``, ``True``), so
        the file reads back with the same column types. Returns the number of bytes written.
        """
        written = 0
        with _binary_sink(path_or_buf) as f:
            batches = self._row_batches(batch_size) if self.num_rows else [self.data.schema.empty_table()]
            for index, table in enumerate(batches):
                out = pa.BufferOutputStream()
                options = pa_csv.WriteOptions(include_header=header and index == 0, delimiter=sep)
                pa_csv.write_csv(_pandas_like_text(table), out, write_options=options)
                written += _put(f, out.getvalue().to_pybytes())
        return written

    def save_to_disk(
        self: Dataset,
        dataset_path: str | os.PathLike,
        max_shard_size: int | str | None = None,
        num_shards: int | None = None,
        num_proc: int | None = None,
        **_: Any,
    ) -> None:
        """Write the rows (in current order) as Arrow shards plus `datasets`' ``state.json``/``dataset_info.json``.

        A previous save in ``dataset_path`` is replaced (its shards removed); other files there are kept.
        """
        path = Path(dataset_path)
        if any(str(path.resolve()) == str(Path(f).parent.resolve()) for f in self._table.cache_files):
            raise PermissionError(f"Tried to overwrite {path} but a dataset can't overwrite itself.")
        limit = max_shard_size if isinstance(max_shard_size, int) else MAX_SHARD_SIZE
        if num_shards is None:
            num_shards = max(1, min(self.num_rows, math.ceil(self._all_rows().nbytes / limit)) if self.num_rows else 1)
        schema = self.features.arrow_schema
        names = [f"data-{index:05d}-of-{num_shards:05d}.arrow" for index in range(num_shards)]
        _unpublish(path)
        for index, name in enumerate(names):
            shard = self.shard(num_shards, index, contiguous=True)
            batches = (_embed_local_files(t, self).cast(schema) for t in shard._row_batches(1000))
            write_tables(path / name, batches, schema)
        state = {
            "_data_files": [{"filename": name} for name in names],
            "_fingerprint": self._fingerprint,
            "_format_columns": self._format_columns,
            "_format_kwargs": self._format_kwargs,
            "_format_type": self._format_type if self._format_type != "custom" else None,
            "_output_all_columns": self._output_all_columns,
            "_split": self.split,
        }
        info = self._info.copy()
        info.splits = {self.split: SplitInfo(self.split, num_examples=self.num_rows)} if self.split else info.splits
        _write_json(path / INFO_FILE, info.to_dict())
        _write_json(path / STATE_FILE, state, sort_keys=True)  # last: the commit record of the save


def _unpublish(path: Path) -> None:
    """Turn a previous save in ``path`` into "no dataset" before a new one is written: remove ``state.json``
    (the commit record), then ``dataset_info.json`` and its shards, so no crash can leave a mixture."""
    path.mkdir(parents=True, exist_ok=True)
    for name in (STATE_FILE, INFO_FILE):
        discard(path / name)
    for entry in path.iterdir():
        if SHARD_NAME.fullmatch(entry.name) and entry.is_file():
            discard(entry)


def _write_json(path: Path, data: dict, sort_keys: bool = False) -> None:
    write_atomically(path, json.dumps(data, indent=2, sort_keys=sort_keys))


def load_dataset_from_disk(path: str | os.PathLike, keep_in_memory: bool | None = None) -> Dataset:
    """A Dataset saved by ``save_to_disk`` (by this library or by `datasets`), memory-mapped."""
    from .arrow_dataset import Dataset

    path = Path(path)
    if not (path / STATE_FILE).is_file() or not (path / INFO_FILE).is_file():
        if (path / DICT_FILE).is_file():
            raise FileNotFoundError(
                f"{path} holds a DatasetDict (dataset_dict.json); use load_from_disk() or DatasetDict.load_from_disk()"
            )
        raise DatasetNotFoundError(
            f"No such files: '{path / INFO_FILE}', nor '{path / STATE_FILE}' found. Expected "
            "to load a `Dataset` object but provided path is not a `Dataset`."
        )
    state = json.loads((path / STATE_FILE).read_text(encoding="utf-8"))
    info = DatasetInfo.from_dict(json.loads((path / INFO_FILE).read_text(encoding="utf-8")))
    where = f"a data file name in {path / STATE_FILE}"
    files = [path / safe_path_component(f["filename"], where) for f in state["_data_files"]]
    table = ArrowTable.from_files(files, in_memory=bool(keep_in_memory))
    info.features = None if info.features is None or list(info.features) != table.table.column_names else info.features
    dataset = Dataset(table, info=info, split=state.get("_split"), fingerprint=state.get("_fingerprint"))
    if state.get("_format_type") is not None or state.get("_format_columns") is not None:
        dataset.set_format(
            state.get("_format_type"),
            state.get("_format_columns"),
            state.get("_output_all_columns", False),
            **(state.get("_format_kwargs") or {}),
        )
    return dataset
