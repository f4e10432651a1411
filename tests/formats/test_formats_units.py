"""Units: any split of a file into units reads each row once; parquet reads one row group at a time."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crucible_torch.formats import DataSource, JsonReader, ParquetReader, ReadUnit, get_reader

_values = st.one_of(
    st.integers(-(2**40), 2**40),
    st.text(max_size=40),
    st.text(alphabet='é✓🚀\u2028 \t"\\{}', max_size=300),
    st.none(),
)
_blanks = st.lists(st.sampled_from([None, None, "", "  "]), max_size=40)
_rows = st.lists(st.fixed_dictionaries({"k": st.integers(0, 10**6), "v": _values}), max_size=40)


def _jsonl_bytes(rows: list[dict], blank_after: list[str | None], crlf: bool, final_newline: bool) -> bytes:
    """JSON Lines of ``rows``, with the blank (or whitespace) line ``blank_after[i]`` after row i."""
    eol = "\r\n" if crlf else "\n"
    lines = []
    for row, blank in zip(rows, blank_after + [None] * len(rows), strict=False):
        lines.append(json.dumps(row, ensure_ascii=False))
        if blank is not None:
            lines.append(blank)
    text = eol.join(lines) + (eol if final_newline and lines else "")
    return text.encode()


def _rows_of(reader: JsonReader, path: Path, units: list[ReadUnit]) -> list[dict]:
    return [row for unit in units for batch in reader.read(path, unit=unit) for row in batch.to_pylist()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=_rows,
    blank_after=_blanks,
    crlf=st.booleans(),
    final_newline=st.booleans(),
    cuts=st.lists(st.floats(0, 1), max_size=12),
)
def test_jsonl_byte_ranges_partition_the_rows(tmp_path, rows, blank_after, crlf, final_newline, cuts):
    rows = [{"k": r["k"], "v": str(r["v"])} for r in rows]  # one type per column, as a JSONL file needs
    data = _jsonl_bytes(rows, blank_after, crlf, final_newline)
    path = tmp_path / "data.jsonl"
    path.write_bytes(data)
    bounds = sorted({0, len(data), *(int(c * len(data)) for c in cuts)})
    units = [ReadUnit("bytes", a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    reader = JsonReader(chunksize=64)
    assert _rows_of(reader, path, units) == rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows, blank_after=_blanks, unit_bytes=st.integers(1, 400))
def test_jsonl_units_report_their_row_counts(tmp_path, rows, blank_after, unit_bytes):
    rows = [{"k": r["k"], "v": str(r["v"])} for r in rows]
    path = tmp_path / "data.jsonl"
    path.write_bytes(_jsonl_bytes(rows, blank_after, crlf=False, final_newline=True))
    reader = JsonReader(unit_bytes=unit_bytes)
    units = reader.units(path)
    assert all(u.kind == "bytes" and u.exact for u in units)
    assert sum(u.num_rows for u in units) == len(rows)
    for unit in units:
        assert sum(b.num_rows for b in reader.read(path, unit=unit)) == unit.num_rows
    assert _rows_of(reader, path, units) == rows


def test_jsonl_units_on_a_remote_source_seek(remote_source):
    rows = [{"i": i, "s": "x" * (i % 7)} for i in range(300)]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    source = remote_source("hf://datasets/o/n@main/data.jsonl", data)
    reader = JsonReader(unit_bytes=len(data) // 5, chunksize=256)
    units = reader.units(source)
    assert len(units) >= 5
    source.reads.clear()
    last = list(reader.read(source, unit=[u for u in units if u.num_rows][-1]))
    assert source.bytes_read() < len(data) // 2  # only the tail was fetched
    assert last[-1].to_pylist()[-1] == rows[-1]
    assert _rows_of(reader, source, units) == rows  # type: ignore[arg-type]


class _ForwardOnly(io.RawIOBase):
    """A non-seekable byte stream, like the body of a plain HTTP GET."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        return self._data.readinto(buffer)


class _StreamSource(DataSource):
    def __init__(self, name: str, data: bytes) -> None:
        self._name, self._data = name, data

    @property
    def name(self) -> str:
        return self._name

    @property
    def size(self) -> int | None:
        return None

    def open(self) -> BinaryIO:
        return _ForwardOnly(self._data)  # type: ignore[return-value]


def _arrow_stream() -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa.schema([("a", pa.int64())])) as writer:
        writer.write_table(pa.table({"a": [1, 2]}))
    return sink.getvalue().to_pybytes()


@pytest.mark.parametrize(
    "builder, name, content",
    [
        ("json", "data.jsonl", b'{"a": 1}\n{"a": 2}\n'),
        ("json", "data.json", b'[{"a": 1}, {"a": 2}]'),
        ("csv", "data.csv", b"a\n1\n2\n"),
        ("arrow", "data.arrow", _arrow_stream()),
    ],
)
def test_forward_only_streams_are_read_whole(builder, name, content):
    source = _StreamSource(f"hf://datasets/o/n@main/{name}", content)
    reader = get_reader(builder)
    assert [u.kind for u in reader.units(source)] == ["file"]
    assert [row for batch in reader.read(source) for row in batch.to_pylist()] == [{"a": 1}, {"a": 2}]


def test_mixed_int_float_jsonl_expected_values(tmp_path):
    rows = [{"a": 1}, {"a": 2.5}, {"b": "x"}]
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = pa.Table.from_batches(list(JsonReader().read(path)))
    assert table.to_pylist() == [{"a": 1.0, "b": None}, {"a": 2.5, "b": None}, {"a": None, "b": "x"}]


def test_compressed_and_array_json_are_one_unit(tmp_path):
    import gzip

    gz = tmp_path / "data.jsonl.gz"
    with gzip.open(gz, "wt") as f:
        f.write('{"a": 1}\n' * 10)
    array = tmp_path / "data.json"
    array.write_text(json.dumps([{"a": 1}] * 10))
    for path in (gz, array):
        assert [u.kind for u in JsonReader().units(path)] == ["file"]
        assert sum(b.num_rows for b in JsonReader().read(path)) == 10


# -- parquet ------------------------------------------------------------------------------------------------


def _parquet(path: Path, num_rows: int, row_group_size: int, payload: int = 0) -> pa.Table:
    """A parquet file of ``num_rows`` rows; ``payload`` bytes of incompressible hex per row make it big."""
    blobs = [random.Random(i).randbytes(payload).hex() for i in range(num_rows)]
    table = pa.table({"i": pa.array(range(num_rows), pa.int64()), "s": [f"row {i}{b}" for i, b in enumerate(blobs)]})
    pq.write_table(table, path, row_group_size=row_group_size)
    return table


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    num_rows=st.integers(0, 120),
    row_group_size=st.integers(1, 40),
    groups=st.lists(st.integers(1, 5), min_size=1),
)
def test_parquet_row_group_units_partition_the_rows(tmp_path, num_rows, row_group_size, groups):
    path = tmp_path / "data.parquet"
    table = _parquet(path, num_rows, row_group_size)
    reader = ParquetReader()
    units = reader.units(path)
    assert sum(u.num_rows for u in units) == num_rows
    assert all(u.exact and u.num_rows <= row_group_size for u in units)
    for unit in units:
        assert sum(b.num_rows for b in reader.read(path, unit=unit)) == unit.num_rows
    # merge neighbouring row groups into ranges of varying widths
    ranges, start = [], 0
    for width in groups * (len(units) + 1):
        if start >= len(units):
            break
        ranges.append(ReadUnit("row_groups", start, min(start + width, len(units))))
        start += width
    read = [row for unit in ranges for batch in reader.read(path, unit=unit) for row in batch.to_pylist()]
    assert read == table.to_pylist()


def test_parquet_yields_one_row_group_at_a_time(tmp_path, remote_source):
    path = tmp_path / "data.parquet"
    table = _parquet(path, 1000, 100, payload=200)  # ~40 KB row groups, so the 64 KiB footer read is a tail
    source = remote_source("data.parquet", path.read_bytes())
    batches = ParquetReader().read(source)
    first = next(batches)
    assert first.num_rows == 100
    assert source.bytes_read() < path.stat().st_size / 3  # the footer and the first row group only
    assert [first.num_rows] + [b.num_rows for b in batches] == [100] * 10
    sizes = [b.num_rows for b in get_reader("parquet", batch_size=30).read(path)]
    assert sizes == [30, 30, 30, 10] * 10
    assert sum(sizes) == table.num_rows


def test_parquet_unit_reads_only_footer_and_its_row_groups(tmp_path, remote_source):
    path = tmp_path / "data.parquet"
    table = _parquet(path, 1000, 100, payload=200)
    data = path.read_bytes()
    metadata = pq.ParquetFile(path).metadata
    spans = []
    for index in range(metadata.num_row_groups):
        columns = [metadata.row_group(index).column(c) for c in range(metadata.num_columns)]
        first = min(c.dictionary_page_offset or c.data_page_offset for c in columns)
        spans.append((first, max(c.data_page_offset + c.total_compressed_size for c in columns)))
    footer_read = (len(data) - (64 << 10), len(data))  # Arrow reads the last 64 KiB to find the footer
    source = remote_source("data.parquet", data)
    batches = list(ParquetReader().read(source, unit=ReadUnit("row_groups", 2, 4)))
    assert pa.Table.from_batches(batches).to_pylist() == table.slice(200, 200).to_pylist()
    allowed = [spans[2], spans[3], footer_read]
    assert spans[3][1] < footer_read[0]
    for start, end in source.reads:
        assert any(a <= start and end <= b for a, b in allowed), (start, end, allowed)


def test_parquet_filters_and_columns(tmp_path):
    path = tmp_path / "data.parquet"
    _parquet(path, 100, 10)
    reader = get_reader("parquet", columns=["s"], filters=[("i", ">=", 95)])
    rows = [row for batch in reader.read(path) for row in batch.to_pylist()]
    assert rows == [{"s": f"row {i}"} for i in range(95, 100)]
    assert not reader.units(path)[0].exact


@pytest.mark.parametrize("fmt", ["stream", "file"])
def test_arrow_unit_counts_rows(tmp_path, fmt):
    path = tmp_path / "data.arrow"
    table = pa.table({"x": list(range(50))})
    factory = pa.ipc.new_stream if fmt == "stream" else pa.ipc.new_file
    with pa.OSFile(str(path), "wb") as sink, factory(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=7)
    (unit,) = get_reader("arrow").units(path)
    assert (unit.kind, unit.num_rows, unit.exact) == ("file", 50, True)
    assert [b.num_rows for b in get_reader("arrow").read(path)] == [7] * 7 + [1]
