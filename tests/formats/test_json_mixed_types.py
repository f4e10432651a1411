"""Mixed-type JSON (issue 11, item 3): the columns `datasets` 5.2 types as `Json`, loaded both ways.

Each case loads the same file with `datasets` and with crucible_torch, map-style and streaming, and compares
the features and the decoded rows. Before `Json` existed these raised (mixed scalars) or merged differently
keyed structs into one struct whose rows gained ``None`` fields they never had.
"""

from __future__ import annotations

import json

import datasets
import pytest
import torch

import crucible_torch as ct
from crucible_torch.errors import DataFileError
from crucible_torch.features import Features, Json, List, Value

CHAT = [
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x", "tool_calls": [{"n": 1}]}]},
    {"messages": [{"role": "user", "content": "yo", "metadata": {"k": "v"}}]},
]
CASES = {
    "number-then-string": [{"x": 1}, {"x": "a"}],
    "list-of-mixed": [{"x": [1, "a"]}, {"x": [2]}],
    "struct-keys-differ": [{"x": {"a": 1}}, {"x": {"b": 2}}],
    "chat-optional-fields": CHAT,
    "empty-objects": [{"x": {}}, {"x": {}}],
    "null-struct-number": [{"x": None}, {"x": {"a": 1}}, {"x": 3}],
    "nested-scalar-mix": [{"x": {"a": 1}}, {"x": {"a": "s"}}],
    "bool-and-number": [{"id": 1, "flag": True}, {"id": 2, "flag": 0}],
    "same-keys-stay-a-struct": [{"x": {"a": 1, "b": 2}}, {"x": {"b": 3, "a": 4}}],
}


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.mark.parametrize("streaming", [False, True], ids=["map-style", "streaming"])
@pytest.mark.parametrize("name", list(CASES))
def test_mixed_types_load_as_datasets_loads_them(tmp_path, load_with, name, streaming):
    path = _write_jsonl(tmp_path / "data.jsonl", CASES[name])
    their_features, their_rows = load_with(datasets, "json", path, streaming=streaming)
    our_features, our_rows = load_with(ct, "json", path, streaming=streaming)
    assert repr(our_features) == repr(their_features)
    assert our_rows == their_rows


def test_a_json_array_document_with_mixed_types(tmp_path, load_with):
    path = tmp_path / "data.json"
    path.write_text(json.dumps(CASES["number-then-string"] + CASES["number-then-string"]))
    our_features, our_rows = load_with(ct, "json", path)
    their_features, their_rows = load_with(datasets, "json", path)
    assert (repr(our_features), our_rows) == (repr(their_features), their_rows)


def test_every_byte_range_unit_types_rows_as_the_first_chunk_did(tmp_path):
    """The keys differ only in the first chunk; later units, read alone in DataLoader workers, must still
    encode the column as JSON instead of merging the keys of their own rows into one struct."""
    rows = [{"id": i, "meta": {"a": i} if i % 2 else {"b": str(i), "c": [i]}} for i in range(400)]
    path = _write_jsonl(tmp_path / "data.jsonl", rows)
    theirs = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    stream = ct.load_dataset("json", data_files=str(path), split="train", streaming=True, unit_bytes=1000)
    assert stream.features == Features({"id": Value("int64"), "meta": Json()})
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=2)
    got = sorted((int(row["id"]), row["meta"]) for row in loader)
    assert got == [(row["id"], row["meta"]) for row in theirs]


def test_json_collates_and_exports_as_python_values(tmp_path):
    path = _write_jsonl(tmp_path / "data.jsonl", [{"x": 1}, {"x": "a"}, {"x": {"k": [1, 2]}}, {"x": 2}])
    theirs = datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))
    ours = ct.load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path / "ct"))
    assert ours.to_list() == theirs.to_list()
    assert ours.to_dict() == theirs.to_dict()
    assert ours.to_pandas()["x"].tolist() == theirs.to_pandas()["x"].tolist()
    for key in (slice(0, 4), 2):
        assert repr(ours.with_format("torch")[key]) == repr(theirs.with_format("torch")[key])
    batch = next(iter(torch.utils.data.DataLoader(ours, batch_size=4, collate_fn=ours.collate_fn)))
    assert repr(batch["x"]) == repr(theirs.with_format("torch")[:4]["x"])
    ours.to_json(tmp_path / "out.jsonl")
    assert [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()] == theirs.to_list()


@pytest.mark.parametrize("streaming", [False, True], ids=["map-style", "streaming"])
def test_features_with_json_encode_the_named_column(tmp_path, load_with, streaming):
    path = _write_jsonl(tmp_path / "data.jsonl", [{"x": {"a": 1}, "y": [1]}, {"x": {"a": 2}, "y": [2, 3]}])
    ours = Features({"x": Json(), "y": List(Json())})
    theirs = datasets.Features({"x": datasets.Json(), "y": datasets.List(datasets.Json())})
    assert load_with(ct, "json", path, streaming=streaming, features=ours) == (
        ours,
        load_with(datasets, "json", path, streaming=streaming, features=theirs)[1],
    )


def test_on_mixed_types_none_raises_naming_line_and_column(tmp_path):
    path = _write_jsonl(tmp_path / "data.jsonl", [{"x": 1}, {"x": 2}, {"x": "a"}])
    with pytest.raises(DataFileError) as info:
        ct.load_dataset("json", data_files=str(path), split="train", on_mixed_types=None)
    assert (info.value.file, info.value.line, info.value.column) == (str(path), 3, "x")


def test_a_json_column_in_one_file_makes_it_json_in_every_file(tmp_path):
    """Deliberate difference: `datasets` raises when the first file decided a narrower type."""
    first = _write_jsonl(tmp_path / "a.jsonl", [{"x": 2}, {"x": 3}])
    second = _write_jsonl(tmp_path / "b.jsonl", [{"x": 1}, {"x": "a"}])
    with pytest.raises(datasets.exceptions.DatasetGenerationError):
        datasets.load_dataset("json", data_files=[str(first), str(second)], cache_dir=str(tmp_path / "hf"))
    for streaming in (False, True):
        ds = ct.load_dataset("json", data_files=[str(first), str(second)], split="train", streaming=streaming)
        assert ds.features == Features({"x": Json()})
        assert [row["x"] for row in ds] == [2, 3, 1, "a"]


def test_a_later_chunk_that_does_not_fit_the_first_rows_says_how_to_fix_it(tmp_path):
    rows = [{"x": {"a": i}} for i in range(50)] + [{"x": {"b": 1}}, {"x": {"c": 2}}]
    path = _write_jsonl(tmp_path / "data.jsonl", rows)
    with pytest.raises(DataFileError, match=r"Json\(\)") as info:
        list(ct.load_dataset("json", data_files=str(path), split="train", streaming=True, chunksize=64))
    assert info.value.column == "x"
