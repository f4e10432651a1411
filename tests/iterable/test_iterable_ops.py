"""Lazy operations, formats and loading, row for row against `datasets`' IterableDataset (one process)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import datasets as hf
import numpy as np
import pyarrow as pa
import pytest
import torch
from iterable_helpers import write_jsonl, write_parquet_files
from PIL import Image as PILImage

import crucible_torch as ct
from crucible_torch.errors import DataFileError
from crucible_torch.iterable import IterableDataset, IterableDatasetDict


def _plain(value):
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype).replace("torch.", ""), value.tolist())
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.tolist())
    if isinstance(value, (np.generic,)):
        return ("array", value.dtype.str, value.item())
    if isinstance(value, pa.Table):
        return ("table", value.to_pylist())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture
def both(tmp_path, monkeypatch):
    """``(ours, theirs)``: the same two files streamed by crucible_torch and by `datasets`."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    files = write_parquet_files(tmp_path / "data", [23, 17], row_group_size=6)
    ours = ct.load_dataset("parquet", data_files=files, split="train", streaming=True)
    theirs = hf.load_dataset("parquet", data_files=files, split="train", streaming=True, cache_dir=str(tmp_path / "hf"))
    return ours, theirs


def _add(row, k):
    return {"plus": row["id"] + k}


def _split_words(batch):
    return {"word": [w for t in batch["text"] for w in t.split()]}


OPS = {
    "plain": lambda ds: ds,
    "map": lambda ds: ds.map(_add, fn_kwargs={"k": 3}),
    "map_indices_columns": lambda ds: ds.map(lambda i, t, idx: {"both": f"{i}:{t}:{idx}"}, input_columns=["id", "text"],
                                             with_indices=True),
    "map_remove": lambda ds: ds.map(lambda r: {"len": len(r["text"])}, remove_columns=["text"]),
    "batched_map_expands": lambda ds: ds.map(_split_words, batched=True, batch_size=5, remove_columns=["id", "text"]),
    "batched_map_drop_last": lambda ds: ds.map(lambda b: {"n": [len(b["id"])] * len(b["id"])}, batched=True,
                                               batch_size=7, drop_last_batch=True),
    "filter": lambda ds: ds.filter(lambda r: r["id"] % 3 == 0),
    "filter_batched_indices": lambda ds: ds.filter(lambda b, idx: [i % 2 == 0 for i in idx], batched=True,
                                                   batch_size=4, with_indices=True),
    "take_skip": lambda ds: ds.skip(5).take(12),
    "batch": lambda ds: ds.batch(6),
    "batch_drop_last": lambda ds: ds.batch(6, drop_last_batch=True),
    "columns": lambda ds: ds.rename_column("text", "t").select_columns(["t", "id"]),
    "remove_after_map": lambda ds: ds.map(_add, fn_kwargs={"k": 1}).remove_columns("text").rename_columns({"id": "i"}),
    "cast_column": lambda ds: ds.cast_column("id", hf.Value("float64") if ds.__module__.startswith("datasets")
                                             else ct.Value("float64")),
    "torch": lambda ds: ds.with_format("torch"),
    "arrow": lambda ds: ds.with_format("arrow"),
}  # fmt: skip


@pytest.mark.parametrize("op", sorted(OPS))
def test_rows_match_datasets(both, op):
    ours, theirs = (OPS[op](ds) for ds in both)
    assert _plain(list(ours)) == _plain(list(theirs))
    if theirs.column_names is not None:
        assert ours.column_names == theirs.column_names


@pytest.mark.parametrize("fmt", [None, "torch", "arrow"])
@pytest.mark.parametrize("drop_last", [False, True])
def test_iter_batches_match_datasets(both, fmt, drop_last):
    ours, theirs = (ds.with_format(fmt) for ds in both)
    assert _plain(list(ours.iter(batch_size=7, drop_last_batch=drop_last))) == _plain(
        list(theirs.iter(batch_size=7, drop_last_batch=drop_last))
    )


@pytest.mark.parametrize("fmt", [None, "numpy", "torch", "arrow"])
def test_formats_match_the_map_style_dataset(tmp_path, fmt):
    """A streamed row and batch come out as the same row and batch of a map-style Dataset."""
    files = write_parquet_files(tmp_path, [9, 4], row_group_size=5)
    streamed = ct.load_dataset("parquet", data_files=files, split="train", streaming=True).with_format(fmt)
    table = ct.load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "c")).with_format(fmt)
    assert _plain(list(streamed)) == _plain([table[i] for i in range(len(table))])
    assert _plain(next(streamed.iter(batch_size=6))) == _plain(table[:6])


def test_images_come_out_decoded_as_in_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    images = []
    for i in range(4):
        buffer = io.BytesIO()
        PILImage.new("RGB", (3 + i, 2), (10 * i, 0, 0)).save(buffer, format="PNG")
        images.append({"bytes": buffer.getvalue(), "path": None})
    path = str(tmp_path / "images.parquet")
    hf.Dataset.from_dict({"image": images, "label": [0, 1, 0, 1]}).cast_column("image", hf.Image()).to_parquet(path)
    ours = list(ct.load_dataset("parquet", data_files=path, split="train", streaming=True))
    theirs = list(hf.load_dataset("parquet", data_files=path, split="train", streaming=True, cache_dir=str(tmp_path)))
    assert all(isinstance(row["image"], PILImage.Image) for row in ours)
    assert [(np.asarray(r["image"]).tolist(), r["label"]) for r in ours] == [
        (np.asarray(r["image"]).tolist(), r["label"]) for r in theirs
    ]
    undecoded = ct.load_dataset("parquet", data_files=path, split="train", streaming=True)
    raw = next(iter(undecoded.cast_column("image", ct.Image(decode=False))))
    assert raw["image"]["bytes"] == images[0]["bytes"]
    tensors = next(iter(undecoded.with_format("torch")))
    assert tensors["image"].shape == (3, 2, 3) and tensors["image"].dtype == torch.uint8


def test_load_dataset_streaming_splits(tmp_path):
    files = write_parquet_files(tmp_path, [10, 5], row_group_size=4)
    data_files = {"train": files[0], "test": files[1]}
    both = ct.load_dataset("parquet", data_files=data_files, streaming=True)
    assert isinstance(both, IterableDatasetDict) and list(both) == ["train", "test"]
    assert [r["id"] for r in both["test"]] == list(range(10, 15))
    joined = ct.load_dataset("parquet", data_files=data_files, split="train+test", streaming=True)
    assert isinstance(joined, IterableDataset) and [r["id"] for r in joined] == list(range(15))
    with pytest.raises(ValueError, match="Bad split"):
        ct.load_dataset("parquet", data_files=data_files, split="train[:50%]", streaming=True)
    mapped = both.map(_add, fn_kwargs={"k": 1}).select_columns(["plus"])
    assert [r["plus"] for r in mapped["train"]] == list(range(1, 11))


def test_jsonl_with_blank_lines_and_a_counted_plan_reused(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", range(100), blank_every=9)
    first = ct.load_dataset("json", data_files=path, split="train", streaming=True)
    again = ct.load_dataset("json", data_files=path, split="train", streaming=True)  # plan from the disk cache
    assert [r["id"] for r in first] == [r["id"] for r in again] == list(range(100))
    with open(path, "a") as f:
        f.write(json.dumps({"id": 100, "text": "new"}) + "\n")
    changed = ct.load_dataset("json", data_files=path, split="train", streaming=True)
    assert [r["id"] for r in changed] == list(range(101))


def test_dataset_to_iterable_dataset_matches_datasets(tmp_path):
    data = {"id": list(range(50)), "text": [f"t{i}" for i in range(50)]}
    ours = ct.Dataset.from_dict(data).shuffle(seed=1).to_iterable_dataset(num_shards=4)
    theirs = hf.Dataset.from_dict(data).shuffle(seed=1).to_iterable_dataset(num_shards=4)
    assert ours.num_shards == theirs.num_shards == 4
    assert list(ours) == list(theirs)
    loader = torch.utils.data.DataLoader(ours, batch_size=5, num_workers=2)
    assert sorted(torch.cat([b["id"] for b in loader]).tolist()) == list(range(50))


def test_split_dataset_by_node_on_a_map_style_dataset_gives_contiguous_chunks():
    ds = ct.Dataset.from_dict({"id": list(range(10))})
    parts = [ct.split_dataset_by_node(ds, rank, 3)["id"] for rank in range(3)]
    assert [list(p) for p in parts] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="rank"):
        ct.split_dataset_by_node(ds, 3, 3)


def test_combining_datasets_of_both_kinds_is_refused(tmp_path):
    stream = ct.load_dataset("parquet", data_files=write_parquet_files(tmp_path, [3], 3), split="train", streaming=True)
    with pytest.raises(ValueError, match="IterableDataset"):
        ct.concatenate_datasets([ct.Dataset.from_dict({"id": [1]}), stream])


def test_formats_without_row_metadata_are_counted_and_split_over_workers(tmp_path):
    ids = list(range(120))
    csv = tmp_path / "a.csv"
    csv.write_text("id,text\n" + "".join(f'{i},"row\n{i}"\n' for i in ids))  # quoted newlines: rows != lines
    text = tmp_path / "a.txt"
    text.write_text("".join(f"{i}\n" for i in ids))
    gz = tmp_path / "a.jsonl.gz"
    gz.write_bytes(gzip.compress(Path(write_jsonl(tmp_path / "plain.jsonl", ids)).read_bytes()))
    arrow = tmp_path / "a.arrow"
    with pa.ipc.new_file(arrow, pa.schema([("id", pa.int64())])) as writer:
        writer.write_table(pa.table({"id": ids}))
    cases = [("csv", csv, "id"), ("text", text, "text"), ("json", gz, "id"), ("arrow", arrow, "id")]
    for builder, path, column in cases:
        ds = ct.load_dataset(builder, data_files=str(path), split="train", streaming=True)
        loader = torch.utils.data.DataLoader(ds, batch_size=16, num_workers=3, collate_fn=list)
        got = sorted(int(row[column]) for batch in loader for row in batch)
        assert got == ids, builder


def test_a_file_changed_after_planning_is_reported(tmp_path):
    path = Path(write_jsonl(tmp_path / "a.jsonl", range(50)))
    ds = ct.load_dataset("json", data_files=str(path), split="train", streaming=True)
    path.write_text("".join(line + "\n" for line in path.read_text().splitlines()[:40]))
    with pytest.raises(DataFileError, match="changed after load_dataset"):
        list(ds)


def test_collate_fn_turns_streamed_rows_into_tensors_by_features(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    import crucible_torch as ct

    path = tmp_path / "train.parquet"
    pq.write_table(pa.table({"x": list(range(10)), "s": [str(i) for i in range(10)]}), path)
    stream = ct.load_dataset("parquet", data_files=str(path), split="train", streaming=True)
    loader = torch.utils.data.DataLoader(stream, batch_size=4, num_workers=2, collate_fn=stream.collate_fn)
    batches = list(loader)
    assert sorted(torch.cat([b["x"] for b in batches]).tolist()) == list(range(10))
    assert all(b["x"].dtype == torch.int64 and isinstance(b["s"], list) for b in batches)
