"""Streaming siblings of the map-style fidelity fixes, differential against `datasets` 5.2 (issue 10, items 8-11,
19, 30): formats of streamed rows and batches, map/filter on a formatted stream, combining streams with
different columns, ``batch`` features."""

from __future__ import annotations

import json

import datasets as hf
import pytest
import torch
from fidelity_helpers import assert_same

import crucible_torch as ct

ROWS = [
    {"i": 1, "f": 0.5, "s": "a", "tokens": [1, 2], "empty": [], "meta": {"k": 1, "v": [0.5]}},
    {"i": 2, "f": None, "s": "b", "tokens": [3], "empty": [], "meta": {"k": 2, "v": []}},
    {"i": 3, "f": 2.0, "s": "c", "tokens": [4, 5], "empty": [], "meta": {"k": 3, "v": [1.0, 2.0]}},
]


@pytest.fixture
def jsonl(tmp_path) -> str:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return str(path)


def _stream(L, path: str):
    features = L.Features(
        {
            "i": L.Value("int64"),
            "f": L.Value("float64"),
            "s": L.Value("string"),
            "tokens": L.List(L.Value("int64")),
            "empty": L.List(L.Value("int32")),
            "meta": {"k": L.Value("int64"), "v": L.List(L.Value("float64"))},
        }
    )
    return L.load_dataset("json", data_files=path, split="train", streaming=True, features=features)


@pytest.mark.parametrize("format_type", ["torch", "numpy"])
def test_streamed_rows_and_batches_are_formatted_like_datasets(jsonl: str, format_type: str) -> None:
    """Items 8-10 for streams: NaN for a missing float, empty lists as empty tensors, struct batches as lists."""

    def run(L):
        ds = _stream(L, jsonl).with_format(format_type)
        return list(ds), list(ds.iter(batch_size=2))

    assert_same(run)


def test_map_and_filter_on_a_torch_stream_receive_tensors(jsonl: str) -> None:
    """Item 11: a function over a torch-formatted stream gets tensors, as over a torch-formatted Dataset."""

    def run(L):
        ds = _stream(L, jsonl).with_format("torch")
        mapped = ds.map(lambda r: {"kind": type(r["i"]).__name__, "i2": r["i"] * 2})
        kept = ds.filter(lambda r: bool((r["tokens"] > 2).any()))
        batched = ds.map(lambda b: {"n": b["i"] + 1}, batched=True, batch_size=2)
        return [r["kind"] for r in mapped], [r["i2"] for r in mapped], [r["i"] for r in kept], [r["n"] for r in batched]

    assert_same(run)


def test_combining_streams_with_different_columns_fills_none(tmp_path) -> None:
    """Item 19 for streams: rows have every column of the combination, so collate works."""

    def run(L):
        a = L.Dataset.from_dict({"a": [1, 2]}).to_iterable_dataset()
        b = L.Dataset.from_dict({"b": ["x", "y"], "a": [3, 4]}).to_iterable_dataset()
        concat = L.concatenate_datasets([a, b])
        mixed = L.interleave_datasets([a, b], stopping_strategy="all_exhausted")
        return list(concat), concat.features, list(mixed), mixed.features

    assert_same(run)
    a = ct.Dataset.from_dict({"a": [1, 2]}).to_iterable_dataset()
    b = ct.Dataset.from_dict({"b": ["x", "y"]}).to_iterable_dataset()
    batches = list(torch.utils.data.DataLoader(ct.concatenate_datasets([a, b]), batch_size=4, collate_fn=lambda x: x))
    assert [sorted(row) for row in batches[0]] == [["a", "b"]] * 4


def test_batch_features_are_lists(jsonl: str) -> None:
    """Item 30: ``batch(n)`` reports ``List(feature)`` for every column, also a ClassLabel's."""

    def run(L):
        labels = L.Features({"l": L.ClassLabel(names=["a", "b"]), "x": L.Value("int32")})
        ds = L.Dataset.from_dict({"l": [0, 1, 1], "x": [1, 2, 3]}, features=labels).to_iterable_dataset()
        streamed = _stream(L, jsonl)
        return (
            ds.batch(2).features,
            list(ds.batch(2)),
            streamed.batch(2).features,
            streamed.select_columns("i").batch(3).features,
        )

    assert_same(run)


def test_missing_int_in_a_torch_stream_names_the_column(tmp_path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"i": 1}\n{"i": null}\n')
    ds = ct.load_dataset("json", data_files=str(path), split="train", streaming=True).with_format("torch")
    with pytest.raises(ct.errors.MissingValueError, match="column 'i'"):
        list(ds)
    assert hf  # the reference stays importable next to the helpers
