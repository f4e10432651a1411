"""Each reader against the `datasets` builder on the same generated files: names, types and rows agree."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crucible_torch.formats import read_files

ROWS = [
    {"id": 1, "score": 0.5, "text": "plain", "ok": True, "tags": [1, 2], "meta": {"lang": "en"}},
    {"id": 2, "score": 1.0, "text": 'quote " and, comma', "ok": False, "tags": [], "meta": {"lang": "fr"}},
    {"id": 3, "score": None, "text": "ünïcödé ✓ 🚀", "ok": None, "tags": None, "meta": None},
    {"id": 4, "score": -2.25, "text": "line\nbreak", "ok": True, "tags": [3], "meta": {"lang": None}},
]


def _write_jsonl(path: Path, rows: list[dict], newline: str = "\n") -> Path:
    path.write_bytes(newline.join(json.dumps(r, ensure_ascii=False) for r in rows).encode() + newline.encode())
    return path


# -- json ---------------------------------------------------------------------------------------------------


def test_jsonl_matches(tmp_path, reference, read_table, assert_same_table):
    rows = ROWS + [{"id": 5, "extra": "only here"}]
    path = _write_jsonl(tmp_path / "data.jsonl", rows)
    assert_same_table(read_table("json", path), reference("json", path))


def test_jsonl_with_blank_lines_crlf_and_bom(tmp_path, reference, read_table, assert_same_table):
    text = "\ufeff" + "\r\n".join([json.dumps(ROWS[0]), "", json.dumps(ROWS[1]), "   ", json.dumps(ROWS[2])])
    path = tmp_path / "data.jsonl"
    path.write_text(text, encoding="utf-8")
    ours = read_table("json", path)
    assert ours.num_rows == 3
    assert_same_table(ours, reference("json", path))


@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_of_objects_matches(tmp_path, indent, reference, read_table, assert_same_table):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(ROWS, indent=indent, ensure_ascii=False), encoding="utf-8")
    assert_same_table(read_table("json", path), reference("json", path))


def test_json_array_of_strings_matches(tmp_path, reference, read_table, assert_same_table):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(["first", "second", "third ✓"]), encoding="utf-8")
    ours = read_table("json", path)
    assert ours.column_names == ["text"]
    assert_same_table(ours, reference("json", path))


@pytest.mark.parametrize("payload", [ROWS, ["a", "b"]], ids=["objects", "strings"])
def test_json_field_matches(tmp_path, payload, reference, read_table, assert_same_table):
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"version": "1.0", "data": payload}, indent=1), encoding="utf-8")
    assert_same_table(read_table("json", path, field="data"), reference("json", path, field="data"))


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_compressed_jsonl_matches(tmp_path, suffix, opener, reference, read_table, assert_same_table):
    path = tmp_path / f"data.jsonl{suffix}"
    with opener(path, "wt", encoding="utf-8") as f:
        f.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS))
    assert_same_table(read_table("json", path), reference("json", path))


def test_zstd_jsonl_matches_uncompressed_reference(tmp_path, reference, read_table, assert_same_table):
    plain = _write_jsonl(tmp_path / "data.jsonl", ROWS)
    compressed = tmp_path / "data.jsonl.zst"
    with pa.CompressedOutputStream(str(compressed), "zstd") as out:
        out.write(plain.read_bytes())
    assert_same_table(read_table("json", compressed), reference("json", plain))


# -- csv ----------------------------------------------------------------------------------------------------

CSV = (
    "id,score,name,flag,day,sparse,empty\n"
    '1,0.5,"Smith, J.",True,2020-01-01,7,\n'
    '2,1,"say ""hi""",false,2020-01-02,,\n'
    '3,,"two\nlines",TRUE,2021-12-31,9,\n'
    "4,2.5e3,NA,,2022-02-02,10,\n"
)


@pytest.mark.parametrize(
    "content, kwargs",
    [
        (CSV, {}),
        (CSV.replace(",", ";"), {"sep": ";"}),
        (CSV.replace(",", "\t"), {"sep": "\t"}),
        (CSV, {"header": None}),
        (CSV, {"column_names": ["a", "b", "c", "d", "e", "f", "g"]}),
        (CSV, {"names": ["a", "b", "c", "d", "e", "f", "g"], "header": 0}),
        ("comment line\nanother\n" + CSV, {"skiprows": 2}),
        (CSV, {"usecols": ["name", "id"]}),
        (CSV, {"usecols": [2, 0]}),
        (CSV.replace('"', "'"), {"quotechar": "'"}),
        ("a,b\n1,x\n2,\n,z\n", {"na_values": ["z"]}),
    ],
    ids=["default", "semicolon", "tab", "no-header", "column-names", "names-header0", "skiprows", "usecols",
         "usecols-positions", "quotechar", "na-values"],
)  # fmt: skip
def test_csv_matches(tmp_path, content, kwargs, reference, read_table, assert_same_table):
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    assert_same_table(read_table("csv", path, **kwargs), reference("csv", path, **kwargs), plain_strings=True)


def test_gzipped_csv_matches(tmp_path, reference, read_table, assert_same_table):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(CSV)
    assert_same_table(read_table("csv", path), reference("csv", path), plain_strings=True)


def test_csv_over_many_blocks_gets_types_of_the_whole_file(tmp_path, reference, read_table, assert_same_table):
    """Arrow infers from the first block; a float and a string far below must still win, as in pandas."""
    lines = ["n,x,late"] + [f"{i},{i},{'' if i % 50 else i}" for i in range(400)] + ["1.5,word,"]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    ours = read_table("csv", path, block_size=256)
    assert [f.type for f in ours.schema] == [pa.float64(), pa.string(), pa.float64()]
    reference_table = reference("csv", path, chunksize=1_000)
    assert_same_table(ours, reference_table, plain_strings=True)


# -- text ---------------------------------------------------------------------------------------------------

TEXTS = {
    "plain": "first line\nsecond line\n",
    "crlf-blank": "a\r\nb\r\n\r\nc\r\n\r\n\r\nd",
    "paragraphs": "\n\np1 l1\np1 l2\n\n\n\np2\n\n\n",
    "cr-only": "x\ry\r\rz",
    "unicode": "ünï\n✓ 🚀\n\n",
}


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"keep_linebreaks": True}, {"sample_by": "paragraph"}, {"sample_by": "document"}],
    ids=["line", "keep-linebreaks", "paragraph", "document"],
)
def test_text_matches(tmp_path, name, kwargs, reference, read_table, assert_same_table):
    path = tmp_path / "data.txt"
    path.write_bytes(TEXTS[name].encode())
    assert_same_table(read_table("text", path, **kwargs), reference("text", path, **kwargs))


def test_text_small_chunks_match_one_chunk(tmp_path, read_table, assert_same_table):
    path = tmp_path / "data.txt"
    path.write_text(TEXTS["paragraphs"] * 20 + TEXTS["crlf-blank"] * 20)
    for sample_by in ("line", "paragraph"):
        small = read_table("text", path, sample_by=sample_by, chunksize=7)
        assert_same_table(small, read_table("text", path, sample_by=sample_by))


# -- parquet and arrow --------------------------------------------------------------------------------------


def _table() -> pa.Table:
    return pa.Table.from_pylist(ROWS * 10)


def test_parquet_matches(tmp_path, reference, read_table, assert_same_table):
    path = tmp_path / "data.parquet"
    pq.write_table(_table(), path, row_group_size=7)
    assert_same_table(read_table("parquet", path), reference("parquet", path))


def test_parquet_columns_match(tmp_path, reference, read_table, assert_same_table):
    path = tmp_path / "data.parquet"
    pq.write_table(_table(), path, row_group_size=7)
    columns = ["text", "id"]
    ours = read_table("parquet", path, columns=columns)
    assert ours.column_names == ["id", "text"]  # the builder kwarg keeps file order, as `datasets`
    assert_same_table(ours, reference("parquet", path, columns=columns))


@pytest.mark.parametrize("fmt", ["stream", "file"])
def test_arrow_matches(tmp_path, fmt, reference, read_table, assert_same_table):
    path = tmp_path / "data.arrow"
    table = _table()
    writer_factory = pa.ipc.new_stream if fmt == "stream" else pa.ipc.new_file
    with pa.OSFile(str(path), "wb") as sink, writer_factory(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=9):
            writer.write_batch(batch)
    ours = read_table("arrow", path)
    assert ours.num_rows == table.num_rows
    assert_same_table(ours, reference("arrow", path))


def test_several_jsonl_files_match(tmp_path, reference, assert_same_table):
    files = [_write_jsonl(tmp_path / f"part{i}.jsonl", ROWS[i::2]) for i in range(2)]
    ours = pa.Table.from_batches([batch for _, batch in read_files("json", files)])
    assert_same_table(ours, reference("json", files))


# -- encodings and sources ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "builder, name, content, kwargs",
    [
        ("json", "data.jsonl", '{"a": "café"}\n{"a": "naïve"}\n', {"encoding": "latin-1"}),
        ("csv", "data.csv", "a,b\ncafé,1\n", {"encoding": "latin-1"}),
        ("text", "data.txt", "ab\ncd ✓\n", {"encoding": "utf-16"}),
        ("csv", "data.csv", "\ufeffa,b\nx,1\n", {}),
    ],
    ids=["json-latin1", "csv-latin1", "text-utf16", "csv-bom"],
)
def test_encodings_match(tmp_path, builder, name, content, kwargs, reference, read_table, assert_same_table):
    path = tmp_path / name
    path.write_bytes(content.encode(kwargs.get("encoding", "utf-8")))
    ours = read_table(builder, path, **kwargs)
    assert_same_table(ours, reference(builder, path, **kwargs), plain_strings=builder == "csv")


@pytest.mark.parametrize(
    "builder, name, content",
    [
        ("json", "data.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)),
        ("json", "data.json", json.dumps(ROWS)),
        ("csv", "data.csv", CSV),
        ("text", "data.txt", TEXTS["crlf-blank"]),
    ],
)
def test_remote_sources_read_like_local_files(tmp_path, builder, name, content, remote_source, read_table):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8", newline="")
    remote = remote_source(f"hf://datasets/owner/name@main/{name}", path.read_bytes())
    assert read_table(builder, remote).to_pylist() == read_table(builder, path).to_pylist()


def test_compressed_arrow_stream(tmp_path, read_table):
    table = _table()
    path = tmp_path / "data.arrow.gz"
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    path.write_bytes(gzip.compress(sink.getvalue().to_pybytes()))
    assert read_table("arrow", path).equals(table)


def test_empty_files(tmp_path, read_table, reference, assert_same_table):
    (tmp_path / "empty.jsonl").write_text("\n\n")
    assert read_table("json", tmp_path / "empty.jsonl").num_rows == 0
    (tmp_path / "empty.txt").write_text("")
    assert read_table("text", tmp_path / "empty.txt").num_rows == 0
    document = read_table("text", tmp_path / "empty.txt", sample_by="document")
    assert_same_table(document, reference("text", tmp_path / "empty.txt", sample_by="document"))
    (tmp_path / "header.csv").write_text("a,b\n")
    header_only = read_table("csv", tmp_path / "header.csv")
    assert (header_only.column_names, header_only.num_rows) == (["a", "b"], 0)
