"""Malformed inputs: every error names the file and where in it (line, row group, column)."""

from __future__ import annotations

import gzip
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crucible_torch.errors import DataFileError, SchemaMismatchError
from crucible_torch.formats import JsonReader, ReadUnit, get_reader, read_files


def _consume(builder: str, path, **kwargs) -> None:
    for _ in get_reader(builder, **kwargs).read(path):
        pass


# -- parquet ------------------------------------------------------------------------------------------------


def _parquet(path) -> pq.FileMetaData:
    blobs = [random.Random(i).randbytes(100).hex() for i in range(1000)]
    pq.write_table(pa.table({"i": list(range(1000)), "s": blobs}), path, row_group_size=100)
    return pq.ParquetFile(path).metadata


def test_truncated_parquet_names_the_file(tmp_path):
    path = tmp_path / "cut.parquet"
    _parquet(path)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataFileError) as info:
        _consume("parquet", path)
    assert info.value.file == str(path)
    assert str(path) in str(info.value) and "truncated" in str(info.value)
    with pytest.raises(DataFileError):
        get_reader("parquet").units(path)


def test_corrupt_row_group_is_named(tmp_path):
    path = tmp_path / "bad.parquet"
    metadata = _parquet(path)
    chunk = metadata.row_group(4).column(1)
    header = chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[header : header + 16] = b"\x00" * 16  # the page header of row group 4's string column
    path.write_bytes(bytes(data))
    reader = get_reader("parquet")
    assert sum(b.num_rows for b in reader.read(path, unit=ReadUnit("row_groups", 0, 4))) == 400
    with pytest.raises(DataFileError) as info:
        _consume("parquet", path)
    assert (info.value.file, info.value.row_group) == (str(path), 4)
    assert "row group 4" in str(info.value)


def test_unknown_parquet_column(tmp_path):
    path = tmp_path / "data.parquet"
    _parquet(path)
    with pytest.raises(DataFileError, match="no column 'nope'") as info:
        _consume("parquet", path, columns=["nope"])
    assert info.value.column == "nope"


# -- json ---------------------------------------------------------------------------------------------------


def test_bad_jsonl_line_is_numbered(tmp_path):
    lines = [json.dumps({"a": i}) for i in range(50)]
    lines[36] = '{"a": 36,'
    lines[10] = ""  # blank lines still count as lines
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError) as info:
        _consume("json", path, chunksize=64)
    assert (info.value.file, info.value.line) == (str(path), 37)
    assert "line 37" in str(info.value) and "invalid JSON" in str(info.value)


def test_bad_jsonl_line_in_a_later_unit_has_its_file_line_number(tmp_path):
    lines = [json.dumps({"a": i, "pad": "x" * 20}) for i in range(200)]
    lines[150] = "not json"
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    reader = JsonReader(unit_bytes=1000)
    units = reader.units(path)
    failing = []
    for unit in units:
        try:
            list(reader.read(path, unit=unit))
        except DataFileError as exc:
            failing.append(exc.line)
    assert failing == [151]


def test_jsonl_type_change_names_line_and_column(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"a": {"b": 1}}\n{"a": {"b": 2}}\n{"a": null}\n{"a": {"b": "three"}}\n')
    with pytest.raises(DataFileError) as info:
        _consume("json", path, on_mixed_types=None)
    assert (info.value.line, info.value.column) == (4, "a/b")
    assert "on_mixed_types='use_json'" in str(info.value)


def test_json_without_the_field(tmp_path):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"rows": [{"a": 1}]}))
    with pytest.raises(DataFileError, match="no field 'data'.*rows"):
        _consume("json", path, field="data")


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "data.jsonl.gz"
    payload = gzip.compress("".join(json.dumps({"v": random.Random(i).random()}) + "\n" for i in range(2000)).encode())
    path.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(DataFileError) as info:
        _consume("json", path)
    assert info.value.file == str(path) and "gzip" in str(info.value)


# -- csv ----------------------------------------------------------------------------------------------------


def test_csv_unterminated_quote_names_its_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('a,b\n1,"fine\nacross lines"\n2,ok\n3,"never closed\n4,x\n5,y\n')
    with pytest.raises(DataFileError) as info:
        _consume("csv", path)
    assert (info.value.file, info.value.line) == (str(path), 5)
    assert "never closed" in str(info.value)


def test_csv_literal_quotes_in_unquoted_fields_are_fine(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("h,w\n5'11\",1\n6'0\",2\n7',3\n")
    table = pa.Table.from_batches(list(get_reader("csv").read(path)))
    assert table.column("h").to_pylist() == ["5'11\"", "6'0\"", "7'"]


def test_csv_too_many_fields_names_the_line(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('a,b\n1,"two\nlines"\n\n2,x\n3,4,5\n')
    with pytest.raises(DataFileError) as info:
        _consume("csv", path)
    assert info.value.line == 6
    assert "expected 2 fields, saw 3" in str(info.value) and "on_bad_lines='skip'" in str(info.value)


def test_csv_value_not_fitting_features_names_line_and_column(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n3,x\n")
    schema = pa.schema([("a", pa.int64()), ("b", pa.int64())])
    with pytest.raises(DataFileError) as info:
        _consume("csv", path, features=schema)
    assert (info.value.line, info.value.column) == (3, "b")


# -- across files and registry ------------------------------------------------------------------------------


def test_mismatched_schemas_name_both_files_and_the_column(tmp_path):
    first, second = tmp_path / "part-0.jsonl", tmp_path / "part-1.jsonl"
    first.write_text('{"id": 1, "label": 0}\n')
    second.write_text('{"id": 2, "label": "cat"}\n')
    with pytest.raises(SchemaMismatchError) as info:
        list(read_files("json", [first, second]))
    message = str(info.value)
    assert str(first) in message and str(second) in message
    assert "'label'" in message and "int64" in message and "string" in message
    assert info.value.column == "label"


def test_unknown_builder_lists_the_builders():
    with pytest.raises(ValueError, match=r"'imagefolder'.*\['arrow', 'csv', 'json', 'parquet', 'text', 'webdataset'\]"):
        get_reader("imagefolder")


def test_unknown_builder_kwarg_lists_the_accepted_ones():
    with pytest.raises(ValueError, match=r"does not take \['parse_dates'\].*'sep'"):
        get_reader("csv", parse_dates=True)
