"""CSV as `datasets` 5.2 loads it (issue 11, items 1, 2, 4, 5, 9): headers, encodings, NA rules, options.

Every case loads the same bytes with `datasets.load_dataset("csv", ...)` and with crucible_torch and
compares column names, types and rows. `datasets` reads CSV with pandas; with pandas 3 its text columns are
``large_string`` (``string`` with pandas 2), ours are always ``string``: the one normalisation applied here.
"""

from __future__ import annotations

import csv

import datasets
import pytest

import crucible_torch as ct
from crucible_torch.errors import DataFileError


def _plain(features) -> str:
    return repr(features).replace("large_string", "string")


def _both(tmp_path, load_with, content: bytes, streaming: bool = False, name: str = "data.csv", **kwargs):
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / name
    path.write_bytes(content)
    ours = load_with(ct, "csv", path, streaming=streaming, **kwargs)
    theirs = load_with(datasets, "csv", path, streaming=streaming, **kwargs)
    return (_plain(ours[0]), ours[1]), (_plain(theirs[0]), theirs[1])


HEADERS = {
    "duplicates": b"a,a,a.1\n1,2,3\n",  # datasets: a, a.2, a.1 = 1, 2, 3 (we lost two values before)
    "duplicates-chain": b"a,a,a,a.1,a.1\n1,2,3,4,5\n",
    "empty-cells": b",x,,\n0,1,2,3\n",  # Unnamed: 0, x, Unnamed: 2, Unnamed: 3
    "pandas-index-column": b",text\n0,hi\n1,yo\n",  # a frame written by DataFrame.to_csv
    "implicit-index": b"a,b\n1,2,3\n4,5,6\n",
    "trailing-delimiter": b"a,b\n1,2,\n4,5,\n",
}


@pytest.mark.parametrize("name", list(HEADERS))
def test_header_names_follow_pandas(tmp_path, load_with, name):
    ours, theirs = _both(tmp_path, load_with, HEADERS[name])
    assert ours == theirs


def test_an_unnamed_column_can_be_removed_by_its_pandas_name(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(",text\n0,hi\n1,yo\n")
    ds = ct.load_dataset("csv", data_files=str(path), split="train").remove_columns("Unnamed: 0")
    assert ds.column_names == ["text"] and ds["text"] == ["hi", "yo"]


@pytest.mark.parametrize("streaming", [False, True], ids=["map-style", "streaming"])
def test_invalid_utf8_is_an_error_naming_file_line_and_column(tmp_path, streaming):
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\nok,1\ncaf\xe9,2\n")
    with pytest.raises((UnicodeDecodeError, datasets.exceptions.DatasetGenerationError)) as theirs:
        hf = datasets.load_dataset(
            "csv", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"), streaming=streaming
        )
        list(hf)
    assert isinstance(theirs.value, UnicodeDecodeError) or isinstance(theirs.value.__cause__, UnicodeDecodeError)
    with pytest.raises(DataFileError) as info:
        list(ct.load_dataset("csv", data_files=str(path), split="train", streaming=streaming))
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 3, "a")
    assert "encoding=" in str(info.value) and "encoding_errors=" in str(info.value)


@pytest.mark.parametrize(
    "kwargs", [{"encoding": "latin-1"}, {"encoding_errors": "replace"}], ids=["latin-1", "replace"]
)
def test_encoding_options_read_what_datasets_reads(tmp_path, load_with, kwargs):
    ours, theirs = _both(tmp_path, load_with, b"a,b\ncaf\xe9,1\nna\xefve,2\n", **kwargs)
    assert ours == theirs


def test_utf16_with_a_byte_order_mark(tmp_path, load_with):
    ours, theirs = _both(tmp_path, load_with, "a,b\nü,1\n".encode("utf-16"), encoding="utf-16")
    assert ours == theirs


NA = {
    "dict": (b"a,b\n-,-\n1,2\n", {"na_values": {"b": ["-"]}}),  # only b's "-" is missing
    "dict-without-defaults": (b"a,b\nNA,-\n,2\n", {"na_values": {"b": ["-"]}, "keep_default_na": False}),
    "numeric-na": (b"a,b\n-1,-1.0\n2,3.5\n", {"na_values": [-1]}),
    "no-na-filter": (b"a,b\n,NA\n1,x\n", {"na_filter": False}),
    "quoted-na": (b'a,b\n"NA",1\nx,2\n', {}),
    "bools-with-missing": (b"a,b\nTrue,1\n,2\nfalse,3\n", {}),
    "all-missing": (b"a,b\n,1\n,2\n", {}),
}


@pytest.mark.parametrize("name", list(NA))
def test_na_rules_follow_pandas(tmp_path, load_with, name):
    content, kwargs = NA[name]
    ours, theirs = _both(tmp_path, load_with, content, **kwargs)
    assert ours == theirs


OPTIONS = {
    "ragged-short-rows": (b"a,b,c\n1,2\n3,4,5\n", {}),
    "whitespace-lines": (b"a,b\n1,2\n   \n\t\n3,4\n", {}),
    "comment": (b"a,b\n#x\n1,2 # c\n3,4\n", {"comment": "#"}),
    "thousands": (b'a,b\n"1,000",2\n"2,500",3\n', {"thousands": ","}),
    "decimal-comma": (b"a;b\n1,5;2\n2,25;3\n", {"sep": ";", "decimal": ","}),
    "nrows": (b"a,b\n1,2\n3,4\n5,6\n", {"nrows": 2}),
    "skipinitialspace": (b'a, b\n1, "x,y"\n3, 4\n', {"skipinitialspace": True}),
    "index_col": (b"a,b\n1,2\n3,4\n", {"index_col": 0}),
    "index_col-false": (b"a,b\n1,2,\n4,5,\n", {"index_col": False}),
    "lineterminator": (b"a,b~1,2~3,4~", {"lineterminator": "~"}),
    "skiprows-list": (b"a,b\n1,2\n3,4\n5,6\n", {"skiprows": [1, 3]}),
    "skiprows-int": (b"junk\nmore junk\na,b\n1,2\n", {"skiprows": 2}),
    "multi-char-sep": (b"a::b\n1::2\n3::4\n", {"sep": "::"}),
    "regex-sep": (b"a  b\n1 2\n3    4\n", {"sep": r"\s+"}),
    "sniffed-sep": (b"a;b\n1;2\n3;4\n", {"sep": None}),
    "escapechar": (b'a,b\n"x\\"y",1\nz\\,w,2\n', {"escapechar": "\\"}),
    "on_bad_lines-skip": (b"a,b\n1,2\n3,4,5,6\n7,8\n", {"on_bad_lines": "skip"}),
    "names-shorter-than-rows": (b"1,2,3\n4,5,6\n", {"names": ["x", "y"]}),
    "names-longer-than-rows": (b"1,2\n4,5\n", {"names": ["x", "y", "z"]}),
    "header-row-1": (b"junk\na,b\n1,2\n", {"header": 1}),
    "true-false-values": (b"a,b\nyes,1\nno,2\n", {"true_values": ["yes"], "false_values": ["no"]}),
    "quote-none": (b'a,b\n"x,1\n', {"quoting": csv.QUOTE_NONE}),
    "quoted-continuation": (b'a,b\n"ab"cd,1\nab"cd",2\n', {}),
    "cr-line-ends": (b"a,b\r1,2\r\n3,4\n", {}),
}


@pytest.mark.parametrize("name", list(OPTIONS))
def test_pandas_options_are_supported(tmp_path, load_with, name):
    content, kwargs = OPTIONS[name]
    ours, theirs = _both(tmp_path, load_with, content, **kwargs)
    assert ours == theirs


@pytest.mark.parametrize("name", ["ragged-short-rows", "comment", "regex-sep", "skiprows-list"])
def test_options_stream_as_they_load(tmp_path, load_with, name):
    """`datasets` streams CSV without features; the rows must agree, and our features with its map-style ones."""
    content, kwargs = OPTIONS[name]
    ours, theirs = _both(tmp_path, load_with, content, streaming=True, **kwargs)
    assert ours[1] == theirs[1]
    assert ours[0] == _both(tmp_path / "map", load_with, content, **kwargs)[1][0]


TYPES = {
    "plus-sign-is-int": b"a\n+1\n2\n",
    "beyond-int64-is-uint64": b"a\n9223372036854775808\n1\n",
    "NAN-is-text": b"a\nNAN\n1\n",
    "infinities": b"a,b\ninf,-Infinity\n1,1e400\n",
    "whitespace-around-numbers": b"a,b\n 1 , 2.5 \n3,4\n",
    "quote-nonnumeric": b'a,b\n"1",2\n"x",3\n',
    "bool-any-case": b"a\ntRuE\nFALSE\n",
    "leading-zeros": b"a\n007\n010\n",
}


@pytest.mark.parametrize("name", list(TYPES))
def test_column_types_follow_pandas(tmp_path, load_with, name):
    kwargs = {"quoting": csv.QUOTE_NONNUMERIC} if name == "quote-nonnumeric" else {}
    ours, theirs = _both(tmp_path, load_with, TYPES[name], **kwargs)
    assert ours == theirs


def test_skipfooter_reads_as_pandas_does_though_datasets_cannot_stream_it(tmp_path):
    """`datasets` hands pandas an iterator, which refuses skipfooter; we apply it as ``read_csv`` does."""
    import pandas as pd

    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n3,4\ntotal,6\n")
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        datasets.load_dataset("csv", data_files=str(path), split="train", skipfooter=1, cache_dir=str(tmp_path / "hf"))
    ours = ct.load_dataset("csv", data_files=str(path), split="train", skipfooter=1)
    assert ours.to_dict() == pd.read_csv(path, skipfooter=1, engine="python").to_dict("list")


def test_unsupported_options_say_what_to_use(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    for kwargs, advice in (
        ({"converters": {"a": int}}, r"\.map\(\)"),
        ({"dialect": "excel"}, "sep, quotechar"),
        ({"header": [0, 1]}, "names="),
        ({"engine": "pyarrow"}, "leave engine unset"),
        ({"skiprows": lambda i: i == 1}, "as a list"),
        ({"thousands": "."}, "decimal mark too"),
    ):
        with pytest.raises(ValueError, match=advice):
            ct.load_dataset("csv", data_files=str(path), split="train", **kwargs)


@pytest.mark.parametrize("late", ["", "NA", "x"], ids=["empty", "NA", "text"])
def test_values_after_the_first_batch_follow_the_same_rules(tmp_path, late):
    """Many small Arrow batches: a text column settles early, its later NA cells must still read as missing."""
    import pandas as pd
    import pyarrow as pa

    from crucible_torch.formats import get_reader

    rows = [f"w{i},{i}" for i in range(300)]
    rows[250] = f"{late},250"
    path = tmp_path / "data.csv"
    path.write_text("word,n\n" + "\n".join(rows) + "\n")
    ours = pa.Table.from_batches(list(get_reader("csv", block_size=256).read(path))).to_pydict()
    theirs = pd.read_csv(path)
    assert ours["word"] == [None if pd.isna(v) else v for v in theirs["word"]]
    assert ours["n"] == theirs["n"].tolist()


def test_arrow_parses_block_size_bytes_at_a_time_not_one_decoded_chunk(tmp_path):
    # The decoded text arrives in 1 MiB chunks; Arrow must still get block_size bytes per read (8 MiB by
    # default), else a 100 MB file becomes ~100 small batches and as many rounds of type checks.
    from crucible_torch.formats import get_reader

    path = tmp_path / "big.csv"
    row = "x" * 200
    path.write_text("id,text\n" + "".join(f"{i},{row}\n" for i in range(15_000)))  # ~3 MiB
    batches = list(get_reader("csv").read(path))
    assert sum(b.num_rows for b in batches) == 15_000
    assert len(batches) == 1
