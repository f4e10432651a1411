"""Dataset operations that code written for `datasets` relies on, differential against `datasets` 5.2 (issue 10,
items 3, 4, 5, 15, 16, 17, 18, 19, 21, 26, 27)."""

from __future__ import annotations

import datasets as hf
import numpy as np
import pytest
from fidelity_helpers import assert_same, describe

import crucible_torch as ct


def _rows(ds):
    return ds[:], [row for row in ds], ds.features, ds.column_names


def _two(L):
    return L.Dataset.from_dict({"x": [1, 2], "z": [0, 0]}), L.Dataset.from_dict({"x": [3], "z": [1]})


CASES = {
    # 3: columns added after concatenation, add_column or with_format(columns=) are visible
    "concat_then_map": lambda L: L.concatenate_datasets(_two(L)).map(lambda r: {"y": r["x"] * 2}),
    "interleave_then_map": lambda L: L.interleave_datasets(_two(L)).map(lambda r: {"y": r["x"] * 2}),
    "format_columns_then_map": lambda L: (
        L.Dataset.from_dict({"x": [1, 2], "z": [0, 0]}).with_format(columns=["x"]).map(lambda r: {"y": 1})
    ),
    "format_columns_output_all": lambda L: (
        L.Dataset.from_dict({"x": [1, 2], "z": [0, 0]})
        .with_format("numpy", columns=["x"], output_all_columns=True)
        .map(lambda r: {"y": 1})
    ),
    "add_column_then_map": lambda L: L.Dataset.from_dict({"x": [1, 2]}).add_column("w", [5, 6]).map(lambda r: {"y": 1}),
    "concat_select_columns_order": lambda L: L.concatenate_datasets(_two(L)).select_columns(["z", "x"]),
    "torch_concat_then_map": lambda L: L.concatenate_datasets([d.with_format("torch") for d in _two(L)]).map(
        lambda r: {"y": r["x"] * 2}
    ),
    # 4: flatten keeps the columns where they are
    "flatten_struct_first": lambda L: L.Dataset.from_dict({"s": [{"a": 1, "b": {"c": 2}}], "x": [3]}).flatten(),
    "flatten_depth_one": lambda L: L.Dataset.from_dict({"x": [0], "s": [{"a": 1, "b": {"c": 2}}]}).flatten(max_depth=2),
    # 15: filter keeps rows whose result is truthy
    "filter_truthy_lists": lambda L: L.Dataset.from_dict({"a": [[1], [], [2, 3]]}).filter(lambda r: r["a"]),
    "filter_truthy_strings": lambda L: L.Dataset.from_dict({"s": ["x", "", "y"]}).filter(lambda r: r["s"]),
    "filter_batched_ints": lambda L: L.Dataset.from_dict({"a": [0, 1, 2]}).filter(lambda b: b["a"], batched=True),
    "filter_batched_array": lambda L: L.Dataset.from_dict({"a": [0, 1, 2]}).filter(
        lambda b: np.array(b["a"]) > 0, batched=True
    ),
    # 16: class_encode_column spells values as Python does
    "class_encode_bool": lambda L: L.Dataset.from_dict({"a": [True, False, True]}).class_encode_column("a"),
    "class_encode_float": lambda L: L.Dataset.from_dict({"a": [1.0, 2.5, 1.0]}).class_encode_column("a"),
    "class_encode_int_nulls": lambda L: L.Dataset.from_dict({"a": [3, None, 1]}).class_encode_column("a"),
    "class_encode_with_nulls": lambda L: L.Dataset.from_dict({"a": ["b", None, "a"]}).class_encode_column(
        "a", include_nulls=True
    ),
    "class_encode_after_shuffle": lambda L: (
        L.Dataset.from_dict({"a": ["b", "c", "a", "b"]}).shuffle(seed=1).class_encode_column("a")
    ),
    # 17: cast only casts the rows a filter or select kept
    "cast_after_filter": lambda L: (
        L.Dataset.from_dict({"a": ["1", "x", "3"]}).filter(lambda r: r["a"] != "x").cast_column("a", L.Value("int64"))
    ),
    "cast_after_select": lambda L: (
        L.Dataset.from_dict({"a": ["x", "1", "y", "2"]}).select([3, 1]).cast(L.Features({"a": L.Value("int32")}))
    ),
    # 19: combining datasets with different columns fills None
    "concat_different_columns": lambda L: L.concatenate_datasets(
        [
            L.Dataset.from_dict({"a": [1]}),
            L.Dataset.from_dict({"b": ["x"], "a": [2]}),
            L.Dataset.from_dict({"c": [0.5]}),
        ]
    ),
    "concat_null_column": lambda L: L.concatenate_datasets(
        [L.Dataset.from_dict({"a": [None]}), L.Dataset.from_dict({"a": [2]})]
    ),
    "interleave_different_columns": lambda L: L.interleave_datasets(
        [L.Dataset.from_dict({"a": [1, 2]}), L.Dataset.from_dict({"b": ["x", "y"]})], stopping_strategy="all_exhausted"
    ),
    "add_item_new_key": lambda L: L.Dataset.from_dict({"a": [1]}).add_item({"a": 2, "b": "x"}),
    "add_item_missing_key": lambda L: L.Dataset.from_dict({"a": [1], "b": ["y"]}).add_item({"a": 2}),
    "add_item_classlabel_name": lambda L: L.Dataset.from_dict(
        {"l": [0]}, features=L.Features({"l": L.ClassLabel(names=["no", "yes"])})
    ).add_item({"l": 1}),
    # 21: a custom transform is what filter and map see
    "filter_sees_transform": lambda L: (
        L.Dataset.from_dict({"a": [1, 2]})
        .with_transform(lambda b: {"a": [x * 10 for x in b["a"]]})
        .filter(lambda r: r["a"] > 10)
        .with_format(None)
    ),
    "map_sees_transform": lambda L: (
        L.Dataset.from_dict({"a": [1, 2]})
        .with_transform(lambda b: {"a": [x * 10 for x in b["a"]]})
        .map(lambda r: {"b": r["a"]})
        .with_format(None)
    ),
    # 26: repeat, align_labels_with_mapping, batch(by_column=)
    "repeat": lambda L: L.Dataset.from_dict({"x": [1, 2]}).shuffle(seed=0).repeat(3),
    "repeat_zero": lambda L: L.Dataset.from_dict({"x": [1, 2]}).repeat(0),
    "align_labels": lambda L: L.Dataset.from_dict(
        {"l": [0, 1, 2, 1]}, features=L.Features({"l": L.ClassLabel(names=["neg", "neu", "pos"])})
    ).align_labels_with_mapping({"POS": 0, "NEG": 1, "NEU": 2}, "l"),
    "batch_by_column": lambda L: L.Dataset.from_dict({"k": [1, 1, 2, 2, 2, 1], "v": list("abcdef")}).batch(
        by_column="k"
    ),
    "batch_by_two_columns": lambda L: L.Dataset.from_dict({"k": [1, 1, 1, 2], "j": [0, 0, 1, 1]}).batch(
        by_column=["k", "j"]
    ),
    "batch_size": lambda L: L.Dataset.from_dict({"t": ["a b", "c", "d"], "s": [{"q": 1}, {"q": 2}, {"q": 3}]}).batch(2),
    "batch_classlabel": lambda L: L.Dataset.from_dict(
        {"l": [0, 1, 1]}, features=L.Features({"l": L.ClassLabel(names=["a", "b"])})
    ).batch(2, drop_last_batch=True),
    "batch_after_shuffle": lambda L: L.Dataset.from_dict({"x": list(range(7))}).shuffle(seed=3).batch(3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_operation_matches_datasets(case: str) -> None:
    assert_same(lambda L: _rows(CASES[case](L)))


def test_shuffle_without_seed_gives_a_new_order_each_call_like_datasets() -> None:
    """Item 5: each unseeded shuffle draws its seed from NumPy's global generator and moves it on."""

    def orders(L):
        np.random.seed(1234)
        ds = L.Dataset.from_dict({"x": list(range(50))})
        return [ds.shuffle()["x"][:] for _ in range(3)] + [ds.train_test_split(test_size=0.2)["test"]["x"][:]]

    first, second, third, split = assert_same(orders)
    assert first != second != third


def test_features_is_a_copy() -> None:
    """Item 18: changing what ``features`` returned does not change the dataset."""

    def change(L):
        ds = L.Dataset.from_dict({"a": [0]})
        features = ds.features
        features["a"] = L.ClassLabel(names=["x"])
        stream = ds.to_iterable_dataset()
        stream_features = stream.features
        stream_features["a"] = L.Value("string")
        return ds.features, ds[0], stream.features, list(stream)

    assert_same(change)


def test_align_labels_of_a_list_column() -> None:
    """`datasets` 5.2 raises ``NameError`` here (its code names ``Sequence``); the mapping is applied inside lists."""
    features = ct.Features({"l": ct.List(ct.ClassLabel(names=["a", "b"]))})
    ds = ct.Dataset.from_dict({"l": [[0, 1], [], [1], None]}, features=features)
    out = ct.DatasetDict(train=ds).align_labels_with_mapping({"B": 0, "A": 1}, "l")["train"]
    assert out["l"][:] == [[1, 0], [], [0], None]
    assert out.features["l"] == ct.List(ct.ClassLabel(names=["B", "A"]))
    with pytest.raises(KeyError, match="not in the mapping"):
        ds.align_labels_with_mapping({"a": 0}, "l")


def test_shard_and_select_after_concatenation_of_different_columns() -> None:
    def run(L):
        ds = L.concatenate_datasets([L.Dataset.from_dict({"a": [1, 2]}), L.Dataset.from_dict({"b": [3]})])
        return _rows(ds.shuffle(seed=2).select([2, 0]))

    assert_same(run)


def test_concatenated_files_pickle_and_reload(tmp_path) -> None:
    import pickle

    ct.Dataset.from_dict({"a": [1, 2]}).save_to_disk(tmp_path / "a")
    ct.Dataset.from_dict({"b": ["x"]}).save_to_disk(tmp_path / "b")
    ds = ct.concatenate_datasets([ct.load_from_disk(str(tmp_path / "a")), ct.load_from_disk(str(tmp_path / "b"))])
    again = pickle.loads(pickle.dumps(ds))
    assert again[:] == {"a": [1, 2, None], "b": [None, None, "x"]} == ds[:]


@pytest.mark.parametrize("spec", ["train[:1%]", "train[100:200]", "train[-5%:-5%]", "train[5:5]"])
def test_a_split_slice_with_no_rows_raises_like_datasets(tmp_path, spec: str) -> None:
    """Item 27: `datasets` refuses a slice that selects nothing ("corresponds to no data")."""
    path = tmp_path / "data.jsonl"
    path.write_text("".join(f'{{"a": {i}}}\n' for i in range(50)))
    for L in (hf, ct):
        with pytest.raises(ValueError, match="corresponds to no data"):
            L.load_dataset("json", data_files=str(path), split=spec, cache_dir=str(tmp_path / L.__name__))
    rows = ct.load_dataset("json", data_files=str(path), split="train[:1%]+train[-1:]", cache_dir=str(tmp_path / "c"))
    assert rows["a"][:] == [49]


def test_batch_needs_a_size_or_a_column() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        ct.Dataset.from_dict({"x": [1]}).batch()
    assert describe(ct.Dataset.from_dict({"x": []}).batch(2)[:]) == {"x": []}
