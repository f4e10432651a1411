"""Dataset access and transformation semantics, compared with `datasets` on the same data."""

from __future__ import annotations

import pickle

import datasets as hf
import numpy as np
import pytest
import torch

import crucible_torch as ct

ROWS = [
    {
        "id": i,
        "text": f"sample {i}",
        "score": i / 4,
        "tags": ["a"] * (i % 3),
        "meta": {"src": f"s{i % 2}", "n": i},
    }
    for i in range(23)
]


@pytest.fixture
def pair():
    return ct.Dataset.from_list(ROWS), hf.Dataset.from_list(ROWS)


@pytest.mark.parametrize(
    "key",
    [0, -1, 5, slice(2, 9), slice(None, None, 3), [4, 0, 4], range(3, 7), np.array([1, 2]), slice(20, 40)],
)
def test_getitem_matches_datasets(pair, key) -> None:
    ours, theirs = pair
    assert ours[key] == theirs[key]
    assert ours.shuffle(seed=3)[key] == theirs.shuffle(seed=3)[key]


def test_column_access_iteration_and_metadata(pair) -> None:
    ours, theirs = pair
    assert list(ours["text"]) == list(theirs["text"])
    assert ours["text"][3] == theirs["text"][3]
    assert ours.column_names == theirs.column_names
    assert ours.shape == theirs.shape and ours.num_rows == len(theirs)
    assert list(ours) == list(theirs)
    assert list(ours.iter(batch_size=5, drop_last_batch=True)) == list(theirs.iter(batch_size=5, drop_last_batch=True))
    with pytest.raises(IndexError):
        ours[23]
    with pytest.raises(KeyError):
        ours["nope"]


def test_from_list_uses_first_row_keys_and_missing_is_none() -> None:
    rows = [
        {"a": 1, "m": [{"role": "user", "content": "hi"}]},
        {"a": 2, "m": [{"role": "assistant"}]},
        {"m": []},
    ]
    ours, theirs = ct.Dataset.from_list(rows), hf.Dataset.from_list(rows)
    assert ours.to_list() == theirs.to_list()
    assert ours[1]["m"][0]["content"] is None


def test_map_batched_and_unbatched_match(pair) -> None:
    ours, theirs = pair

    def add_len(example):
        return {"n_chars": len(example["text"]), "text": example["text"].upper()}

    def batched(batch, indices):
        return {"double": [s * 2 for s in batch["score"]], "idx": indices}

    assert ours.map(add_len).to_list() == theirs.map(add_len).to_list()
    o = ours.map(batched, batched=True, batch_size=4, with_indices=True, remove_columns=["tags"])
    t = theirs.map(batched, batched=True, batch_size=4, with_indices=True, remove_columns=["tags"])
    assert o.to_list() == t.to_list()
    assert o.column_names == t.column_names


def test_map_drop_last_batch_on_a_file_backed_split_matches(pair, tmp_path) -> None:
    ours, theirs = pair
    ours.save_to_disk(tmp_path / "split")
    stored = ct.load_from_disk(str(tmp_path / "split"))  # memory-mapped, no indices mapping

    def doubled(batch):
        return {"double": [s * 2 for s in batch["score"]]}

    o = stored.map(doubled, batched=True, batch_size=5, drop_last_batch=True)
    t = theirs.map(doubled, batched=True, batch_size=5, drop_last_batch=True)
    assert o.to_list() == t.to_list()
    assert len(o) == len(ours) - len(ours) % 5


def test_map_can_change_row_count_once_inputs_are_removed(pair) -> None:
    ours, _ = pair

    def explode(batch):
        return {"piece": [t for text in batch["text"] for t in text.split()]}

    out = ours.map(explode, batched=True, remove_columns=ours.column_names)
    assert len(out) == 2 * len(ours)
    with pytest.raises(ValueError, match="remove_columns"):
        ours.map(explode, batched=True)


def test_filter_matches_and_is_an_indices_mapping(pair) -> None:
    ours, theirs = pair
    o = ours.shuffle(seed=1).filter(lambda r: r["id"] % 3 == 0)
    t = theirs.shuffle(seed=1).filter(lambda r: r["id"] % 3 == 0)
    assert o.to_list() == t.to_list()
    assert o._indices is not None
    o2 = ours.filter(lambda ids: [x > 10 for x in ids], batched=True, input_columns="id")
    assert list(o2["id"]) == list(range(11, 23))


def test_map_results_are_cached_on_disk_for_file_backed_data(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(f'{{"x": {i}}}\n' for i in range(50)))
    ds = ct.load_dataset("json", data_files=str(path), split="train")
    log = str(tmp_path / "calls.log")

    def square(batch):
        with open(log, "a") as f:
            f.write("x")
        return {"y": [v * v for v in batch["x"]]}

    first = ds.map(square, batched=True)
    n_calls = len(open(log).read())
    second = ds.map(square, batched=True)
    assert len(open(log).read()) == n_calls, "second map with the same function must load the cache"
    assert second.to_list() == first.to_list()
    assert any("cache-" in f["filename"] for f in second.cache_files)


def test_map_num_proc_gives_the_same_rows(pair) -> None:
    ours, _ = pair
    single = ours.map(lambda r, i: {"k": i * 10 + r["id"]}, with_indices=True)
    multi = ours.map(lambda r, i: {"k": i * 10 + r["id"]}, with_indices=True, num_proc=2)
    assert single.to_list() == multi.to_list()
    assert (
        ours.filter(lambda r: r["id"] % 2 == 0, num_proc=2).to_list()
        == ours.filter(lambda r: r["id"] % 2 == 0).to_list()
    )


def test_column_operations_match(pair) -> None:
    ours, theirs = pair
    assert ours.rename_column("text", "t").to_list() == theirs.rename_column("text", "t").to_list()
    assert ours.remove_columns(["meta", "tags"]).to_list() == theirs.remove_columns(["meta", "tags"]).to_list()
    assert ours.select_columns(["score", "id"]).to_list() == theirs.select_columns(["score", "id"]).to_list()
    assert ours.flatten().to_list() == theirs.flatten().to_list()
    assert ours.flatten().column_names == theirs.flatten().column_names
    assert ours.shuffle(seed=4).unique("text") == theirs.shuffle(seed=4).unique("text")
    assert ours.add_column("z", list(range(23))).to_list() == theirs.add_column("z", list(range(23))).to_list()
    item = {"id": 99, "text": "new", "score": 0.5, "tags": [], "meta": {"src": "x", "n": 1}}
    assert ours.shuffle(seed=2).add_item(item).to_list() == theirs.shuffle(seed=2).add_item(item).to_list()
    with pytest.raises(ValueError, match="already in the dataset"):
        ours.rename_column("text", "id")


def test_class_encode_and_cast_column() -> None:
    data = {"label": ["cat", "dog", "cat", "bird"], "v": [1, 2, 3, 4]}
    ours, theirs = ct.Dataset.from_dict(data), hf.Dataset.from_dict(data)
    o, t = ours.class_encode_column("label"), theirs.class_encode_column("label")
    assert o.to_list() == t.to_list()
    assert o.features["label"].names == t.features["label"].names
    cast = ours.cast_column("v", ct.Value("float32"))
    assert cast.features["v"] == ct.Value("float32") and cast["v"][0] == 1.0


def test_formats_numpy_torch_arrow(pair) -> None:
    ours, theirs = pair
    o, t = ours.with_format("numpy"), theirs.with_format("numpy")
    np.testing.assert_array_equal(o[:5]["id"], t[:5]["id"])
    assert o[:5]["score"].dtype == t[:5]["score"].dtype
    tt = ours.with_format("torch", columns=["id", "score"])
    row = tt[3]
    assert set(row) == {"id", "score"} and row["id"].dtype == torch.int64 and row["score"].dtype == torch.float32
    assert tt[0:4]["id"].tolist() == [0, 1, 2, 3]
    arrow = ours.with_format("arrow")[2:5]
    assert arrow.num_rows == 3
    both = ours.with_format("torch", columns=["id"], output_all_columns=True)[0]
    assert isinstance(both["id"], torch.Tensor) and both["text"] == "sample 0"


def test_set_transform_runs_on_batches(pair) -> None:
    ours, theirs = pair

    def upper(batch):
        return {"text": [t.upper() for t in batch["text"]]}

    ours.set_transform(upper, columns=["text"])
    theirs.set_transform(upper, columns=["text"])
    assert ours[0] == theirs[0]
    assert ours[1:3] == theirs[1:3]


def test_save_to_disk_round_trips_with_datasets_both_ways(tmp_path, pair) -> None:
    ours, theirs = pair
    ours.shuffle(seed=5).save_to_disk(tmp_path / "ours")
    assert hf.load_from_disk(str(tmp_path / "ours")).to_list() == theirs.shuffle(seed=5).to_list()
    theirs.save_to_disk(str(tmp_path / "theirs"))
    back = ct.load_from_disk(tmp_path / "theirs")
    assert back.to_list() == theirs.to_list() and back.features == ct.Features.from_dict(theirs.features.to_dict())
    ct.DatasetDict({"a": ours, "b": ours.take(3)}).save_to_disk(tmp_path / "dd")
    loaded = hf.load_from_disk(str(tmp_path / "dd"))
    assert loaded["b"].num_rows == 3


def test_file_backed_dataset_pickles_as_paths(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(f'{{"x": {i}, "s": "{"y" * 100}"}}\n' for i in range(2000)))
    ds = ct.load_dataset("json", data_files=str(path), split="train").shuffle(seed=0).select_columns(["x"])
    blob = pickle.dumps(ds)
    assert len(blob) < 40_000, "rows must not be pickled, only the recipe and the indices"
    assert pickle.loads(blob)[:10] == ds[:10]


def test_dataloader_with_workers_and_collators_agree(pair) -> None:
    ours, _ = pair
    ds = ours.select_columns(["id", "score", "text"])
    fast = list(torch.utils.data.DataLoader(ds, batch_size=5, collate_fn=ds.collate_fn, num_workers=2))
    default = list(torch.utils.data.DataLoader(ds.with_format("torch"), batch_size=5, num_workers=0))
    assert len(fast) == len(default) == 5
    for a, b in zip(fast, default):
        assert torch.equal(a["id"], b["id"]) and torch.allclose(a["score"], b["score"]) and a["text"] == b["text"]


def test_dataset_dict_operations() -> None:
    dd = ct.DatasetDict({"train": ct.Dataset.from_dict({"a": [1, 2, 3]}), "test": ct.Dataset.from_dict({"a": [4]})})
    assert dd.num_rows == {"train": 3, "test": 1}
    assert dd.map(lambda r: {"b": r["a"] * 2})["train"]["b"][:] == [2, 4, 6]
    assert list(dd.shuffle(seed=0)["train"]["a"]) == list(hf.Dataset.from_dict({"a": [1, 2, 3]}).shuffle(seed=0)["a"])
    with pytest.raises(KeyError, match="select a split"):
        dd[0]
