"""Public API that nothing else in the suite exercised, compared with `datasets`: JSON array and CSV exports with
options, ``from_text`` by line/paragraph/document, ``formatted_as``, and ``n_shards`` of a stream."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import datasets as hf
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import crucible_torch as ct

ROWS = [{"id": i, "text": f'say "{i}", then, stop' if i % 3 else None, "score": i / 4} for i in range(25)]


def test_json_array_export_parses_like_datasets(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    written = ct.Dataset.from_list(ROWS).shuffle(seed=2).to_json(str(ours), lines=False)
    hf.Dataset.from_list(ROWS).shuffle(seed=2).to_json(str(theirs), lines=False)
    assert written == ours.stat().st_size  # bytes, as `datasets` counts them
    assert json.loads(ours.read_text()) == json.loads(theirs.read_text())


def test_json_lines_export_of_bytes_is_base64_text(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    ct.Dataset.from_dict({"raw": [b"\x00\xff", b"ok"]}).to_json(str(path))
    assert [json.loads(line) for line in path.read_text().splitlines()] == [{"raw": "AP8="}, {"raw": "b2s="}]


@pytest.mark.parametrize(("sep", "header"), [(",", True), ("\t", True), (";", False)])
def test_csv_export_parses_like_datasets(tmp_path: Path, sep: str, header: bool) -> None:
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    rows = [{**r, "flag": i % 2 == 0, "half": np.float32(i / 2)} for i, r in enumerate(ROWS)]
    written = ct.Dataset.from_list(rows).select([5, 1, 2, 24]).to_csv(str(ours), sep=sep, header=header, batch_size=3)
    assert written == ours.stat().st_size
    hf.Dataset.from_list(rows).select([5, 1, 2, 24]).to_csv(str(theirs), sep=sep, header=header)

    def parse(path: Path) -> list[list[str]]:
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=sep))

    assert parse(ours) == parse(theirs)


@pytest.mark.parametrize(
    "kwargs", [{}, {"sample_by": "paragraph"}, {"sample_by": "document"}, {"keep_linebreaks": True}]
)
def test_from_text_matches_datasets(tmp_path: Path, kwargs: dict) -> None:
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    paths[0].write_text("first line\nsecond line\n\nnew paragraph\nstill it\n", encoding="utf-8")
    paths[1].write_text("other file\r\nwith crlf\n\n\nlast", encoding="utf-8")
    ours = ct.Dataset.from_text([str(p) for p in paths], cache_dir=str(tmp_path / "ours"), **kwargs)
    theirs = hf.Dataset.from_text([str(p) for p in paths], cache_dir=str(tmp_path / "theirs"), **kwargs)
    assert ours.to_list() == theirs.to_list()
    assert ours.features.to_dict() == theirs.features.to_dict()


def test_formatted_as_sets_and_restores_the_format_like_datasets() -> None:
    data = {"a": [1, 2, 3], "b": ["x", "y", "z"]}
    for lib in (ct, hf):
        ds = lib.Dataset.from_dict(data)
        ds.set_format("python", columns=["a"], output_all_columns=True)
        before = ds.format
        with ds.formatted_as("numpy", columns=["a"]):
            inside = ds[0:2]
            assert ds.format["type"] == "numpy"
        assert isinstance(inside["a"], np.ndarray) and inside["a"].tolist() == [1, 2] and "b" not in inside
        assert ds.format == before and ds[0] == {"a": 1, "b": "x"}
        with pytest.raises(KeyError), ds.formatted_as("numpy"):
            raise KeyError("an error inside the block")
        assert ds.format == before, lib.__name__


def test_n_shards_of_a_stream(tmp_path: Path) -> None:
    """Files are units (equal to `datasets`' count for line files); a parquet file splits by row group."""
    files = []
    for i in range(3):
        files.append(tmp_path / f"part{i}.jsonl")
        files[-1].write_text("".join(json.dumps({"id": 10 * i + j}) + "\n" for j in range(4)))
    ours = ct.load_dataset("json", data_files=[str(f) for f in files], split="train", streaming=True)
    theirs = hf.load_dataset("json", data_files=[str(f) for f in files], split="train", streaming=True)
    assert ours.n_shards == ours.num_shards == theirs.n_shards == 3
    parquet = tmp_path / "data.parquet"
    pq.write_table(pa.table({"id": list(range(100))}), parquet, row_group_size=30)
    stream = ct.load_dataset("parquet", data_files=str(parquet), split="train", streaming=True)
    assert stream.n_shards == pq.ParquetFile(parquet).metadata.num_row_groups == 4
