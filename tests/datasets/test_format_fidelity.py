"""Torch and NumPy formats, differential against `datasets` 5.2 (issue 10, items 8, 9, 10, 12, 22), with the
deliberate differences (missing ints/bools, binary values) tested on their own."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fidelity_helpers import assert_same, describe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crucible_torch as ct

DATA = {
    "i32": ([1, 2, 3], "int32"),
    "u8": ([1, 2, 3], "uint8"),
    "f64": ([1.5, None, 2.25], "float64"),
    "f16": ([0.5, 1.0, -2.0], "float16"),
    "b": ([True, False, True], "bool"),
    "s": (["x", "yy", None], "string"),
    "ragged": ([[1, 2], [], [3]], None),
    "equal": ([[1.5, 2.0], [3.0, 4.0], [5.0, 6.0]], None),
    "empty": ([[], [], []], "int64 list"),
    "nested": ([[[1], [2, 3]], [[4]], []], None),
    "struct": ([{"a": 1, "t": [0.5]}, {"a": 2, "t": []}, {"a": 3, "t": [1.0, 2.0]}], None),
    "structs": ([[{"k": "v", "n": 1}], [], [{"k": "w", "n": 2}]], None),
    "label": ([0, 1, 0], "label"),
    "floats_with_null_list": ([[1.5, None], None, [2.0]], None),
}


def _dataset(L, names):
    data, features = {}, {}
    for name in names:
        values, dtype = DATA[name]
        data[name] = values
        if dtype == "label":
            features[name] = L.ClassLabel(names=["neg", "pos"])
        elif dtype == "int64 list":
            features[name] = L.List(L.Value("int64"))
        elif dtype is not None:
            features[name] = L.Value(dtype)
    ds = L.Dataset.from_dict(data)
    if features:
        all_features = ds.features
        all_features.update(features)
        ds = ds.cast(all_features)
    return ds


KEYS = [0, 2, -1, slice(0, 3), slice(1, 2), [2, 0], np.array([1, 1])]


@pytest.mark.parametrize("format_type", ["torch", "numpy"])
@pytest.mark.parametrize("name", sorted(DATA))
def test_rows_batches_columns_and_iteration_match(format_type: str, name: str) -> None:
    def access(L):
        ds = _dataset(L, [name]).with_format(format_type)
        return [ds[k] for k in KEYS] + [list(ds), list(ds[name]), list(ds.iter(batch_size=2))]

    assert_same(access)


@pytest.mark.parametrize("format_type", ["torch", "numpy"])
def test_the_dataloader_batch_matches(format_type: str) -> None:
    """``__getitems__`` (what a DataLoader fetches) gives the rows ``ds[i]`` gives, as `datasets`' list of rows."""
    names = ["i32", "f64", "s", "ragged", "struct", "structs", "label"]

    def fetch(L):
        ds = _dataset(L, names).with_format(format_type)
        rows = ds.__getitems__([2, 0, 1])
        loader = torch.utils.data.DataLoader(ds.select_columns(["i32", "struct", "f64"]), batch_size=3)
        return list(rows), [list(batch.items()) for batch in loader] if format_type == "torch" else None

    assert_same(fetch)


def test_torch_struct_batches_are_lists_of_dicts_and_map_over_them_works() -> None:
    assert_same(lambda L: _dataset(L, ["struct"]).with_format("torch").map(lambda x: x).with_format(None)[:])


@pytest.mark.parametrize(
    ("format_type", "kwargs"),
    [
        ("torch", {"dtype": torch.float64}),
        ("torch", {"dtype": torch.int32}),
        ("numpy", {"dtype": np.float16}),
        ("numpy", {"dtype": np.int8}),
    ],
)
def test_dtype_format_kwargs_match(format_type: str, kwargs: dict) -> None:
    def access(L):
        ds = _dataset(L, ["i32", "f16", "equal", "ragged"]).with_format(format_type, **kwargs)
        return [ds[0], ds[:2], list(ds)[2]]

    assert_same(access)


def test_missing_ints_and_bools_raise_naming_the_column_and_the_dataset_row() -> None:
    """Deliberate difference: `datasets` gives ``tensor([1., nan])`` (an int column silently turned float)."""
    ds = ct.Dataset.from_dict({"a": [1, 2, None, 4], "ok": [True, None, True, False]}).with_format("torch")
    for key, row in [(2, 2), (slice(1, 4), 2), ([3, 2], 2), (-2, 2)]:
        with pytest.raises(ct.errors.MissingValueError, match=rf"column 'a': row {row} of the dataset"):
            ds.select_columns("a")[key]
    with pytest.raises(ct.errors.MissingValueError, match="column 'ok': row 1 of the dataset"):
        list(ds.select_columns("ok"))
    with pytest.raises(ct.errors.MissingValueError, match="column 'a': row 2 of the dataset"):
        list(torch.utils.data.DataLoader(ds.select_columns("a"), batch_size=4))
    with pytest.raises(ct.errors.MissingValueError, match="column 'a'"):
        ds.select_columns("a").filter(lambda r: True)
    filled = ct.Dataset.from_dict({"a": [[1, None], [3]]}).with_format("torch", fill_value=-1)
    assert describe(filled[:]) == describe({"a": [torch.tensor([1, -1]), torch.tensor([3])]})
    assert ds.select_columns("a")[:2]["a"].dtype == torch.int64


def test_numpy_keeps_missing_ints_and_bytes_exact() -> None:
    """Deliberate differences: `datasets` turns ints with None into float32 NaN (2**24 + 1 becomes 2**24) and
    stores bytes in an ``S`` array (trailing zero bytes are cut)."""
    big = 2**24 + 1
    ds = ct.Dataset.from_dict({"a": [big, None], "b": [b"ab\x00", b"c"]}).with_format("numpy")
    batch = ds[:]
    assert batch["a"].dtype == object and list(batch["a"]) == [big, None]
    assert ds[0]["a"] == big and ds[1]["a"] is None
    assert list(batch["b"]) == [b"ab\x00", b"c"] and ds[0]["b"] == b"ab\x00"


# ------------------------------------------------------------------------------------------------- hypothesis
_SCALARS = {
    "int8": st.integers(-128, 127),
    "int64": st.integers(-(2**40), 2**40),
    "uint16": st.integers(0, 2**16 - 1),
    "float32": st.floats(-1e6, 1e6, width=32, allow_nan=False),
    "float64": st.floats(-1e9, 1e9, allow_nan=False) | st.none(),
    "bool": st.booleans(),
    "string": st.text("ab", max_size=3),
}


@st.composite
def _columns(draw):
    n = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(sorted(_SCALARS)))
    depth = draw(st.integers(0, 2))
    equal = draw(st.booleans())
    lengths = [draw(st.integers(0, 3))] * n if equal else [draw(st.integers(0, 3)) for _ in range(n)]

    def cell(level: int, length: int):
        if level == 0:
            return draw(_SCALARS[dtype])
        return [cell(level - 1, length) for _ in range(length)]

    values = [cell(depth, length) for length in lengths]
    feature = f"{dtype}:{depth}"
    return values, feature


def _feature(L, spec: str):
    dtype, depth = spec.split(":")
    feature = L.Value(dtype)
    for _ in range(int(depth)):
        feature = L.List(feature)
    return feature


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=_columns(), format_type=st.sampled_from(["torch", "numpy"]), data=st.data())
def test_any_dtype_and_shape_formats_like_datasets(column, format_type, data) -> None:
    values, spec = column
    n = len(values)
    keys = [0, n - 1, slice(0, n), data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4))]

    def access(L):
        features = L.Features({"c": _feature(L, spec)})
        ds = L.Dataset.from_dict({"c": values}, features=features).with_format(format_type)
        return [ds[k] for k in keys] + [list(ds)]

    assert_same(access)


def test_the_collator_gives_nan_for_missing_floats_and_names_missing_ints() -> None:
    ds = ct.Dataset.from_dict({"f": [0.5, None, 1.0], "i": [1, 2, None], "fl": [[1.0, None], [2.0], []]})
    batch = ds.collate_fn(ds.select_columns(["f", "fl"]).__getitems__([0, 1]))
    assert describe(batch["f"]) == describe(torch.tensor([0.5, float("nan")]))
    assert describe(batch["fl"]) == describe([torch.tensor([1.0, float("nan")]), torch.tensor([2.0])])
    with pytest.raises(ct.errors.MissingValueError, match="column 'i': row 1 of the batch"):
        ds.collate_fn(ds.__getitems__([0, 2]))
    assert ct.Collator(ds.features, fill_value=0)(ds.__getitems__([2]))["i"].tolist() == [0]
