"""``map`` output types and merge semantics, differential against `datasets` 5.2 (issue 10, items 1, 2, 6, 7,
13, 14, 20, 23, 24, 28, 29): the same call through both libraries must store the same values with the same
features, or raise in both."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import torch
from fidelity_helpers import assert_same, describe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crucible_torch as ct


def _stored(ds):
    """What a map stored: its features and every row, in python format."""
    return ds.features, ds.with_format(None)[:]


def _split(r):
    return {"t": r["t"].split()}


CASES = {
    # 1: a list, an int or a dict written into a string column replaces its type
    "list_into_string": lambda L: L.Dataset.from_dict({"t": ["a b", "c"]}).map(_split),
    "int_into_string": lambda L: L.Dataset.from_dict({"t": ["a b"]}).map(lambda r: {"t": 5}),
    "dict_into_string": lambda L: L.Dataset.from_dict({"t": ["a"]}).map(lambda r: {"t": {"k": 1}}),
    "string_into_int": lambda L: L.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"a": str(r["a"])}),
    # 2: floats written into int columns are stored as floats, not truncated
    "float_into_int": lambda L: L.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"a": r["a"] - 0.5}),
    "float_list_into_int_list": lambda L: L.Dataset.from_dict({"a": [[1], [2]]}).map(lambda r: {"a": [1.5]}),
    "whole_floats_into_int": lambda L: L.Dataset.from_dict({"a": [1, 2]}).map(lambda r: {"a": float(r["a"])}),
    "ints_keep_int32": lambda L: L.Dataset.from_dict({"a": [1, 2]}, features=L.Features({"a": L.Value("int32")})).map(
        lambda r: {"a": r["a"] + 1}
    ),
    "try_original_type_off": lambda L: L.Dataset.from_dict(
        {"a": [1, 2]}, features=L.Features({"a": L.Value("int32")})
    ).map(lambda r: {"a": r["a"] + 1}, try_original_type=False),
    "try_original_type_off_batched": lambda L: L.Dataset.from_dict(
        {"a": [1, 2]}, features=L.Features({"a": L.Value("int32")})
    ).map(lambda b: {"a": [x + 1 for x in b["a"]]}, batched=True, try_original_type=False),
    "classlabel_kept": lambda L: L.Dataset.from_dict(
        {"l": [0, 1]}, features=L.Features({"l": L.ClassLabel(names=["a", "b"])})
    ).map(lambda r: {"l": 1 - r["l"]}),
    # 6: tensors and NumPy arrays are stored with their dtype
    "batched_tensor": lambda L: L.Dataset.from_dict({"x": [1, 2]}).map(
        lambda b: {"y": torch.tensor(b["x"]) * 2}, batched=True
    ),
    "batched_2d_tensor_int32": lambda L: L.Dataset.from_dict({"x": [1, 2]}).map(
        lambda b: {"y": torch.ones(2, 3, dtype=torch.int32)}, batched=True
    ),
    "argmax": lambda L: L.Dataset.from_dict({"x": [[1, 3], [4, 2]]}).map(
        lambda r: {"y": torch.tensor(r["x"]).argmax()}
    ),
    "bfloat16": lambda L: L.Dataset.from_dict({"x": [1]}).map(
        lambda r: {"y": torch.tensor([1.5], dtype=torch.bfloat16)}
    ),
    "torch_format_map": lambda L: (
        L.Dataset.from_dict({"a": [1, 2], "s": ["x", "y"]}).with_format("torch").map(lambda r: {"b": r["a"] * 2})
    ),
    "torch_format_identity": lambda L: (
        L.Dataset.from_dict({"a": [1, 2], "f": [0.5, 1.5]}).with_format("torch").map(lambda r: r)
    ),
    "numpy_format_batched": lambda L: (
        L.Dataset.from_dict({"a": [1, 2]}).with_format("numpy").map(lambda b: {"b": b["a"] * 2}, batched=True)
    ),
    # 7: types that change between writer chunks are cast to the first chunk's type
    "float_then_int": lambda L: L.Dataset.from_dict({"x": list(range(2500))}).map(
        lambda r, i: {"y": 0.5 if i < 1000 else 1}, with_indices=True
    ),
    "str_then_int": lambda L: L.Dataset.from_dict({"x": list(range(1500))}).map(
        lambda r, i: {"y": "a" if i < 1000 else 1}, with_indices=True
    ),
    "int_then_str": lambda L: L.Dataset.from_dict({"x": list(range(1500))}).map(
        lambda r, i: {"y": 1 if i < 1000 else "a"}, with_indices=True
    ),
    "batched_int_then_float": lambda L: L.Dataset.from_dict({"x": list(range(10))}).map(
        lambda b, idx: {"y": [i if idx[0] < 5 else i + 0.5 for i in idx]}, batched=True, batch_size=5, with_indices=True
    ),
    "writer_batch_size_sets_the_chunk": lambda L: L.Dataset.from_dict({"x": list(range(20))}).map(
        lambda r, i: {"y": 0.5 if i < 10 else 1}, with_indices=True, writer_batch_size=10
    ),
    "none_then_values": lambda L: L.Dataset.from_dict({"x": list(range(1500))}).map(
        lambda r, i: {"y": None if i < 1000 else 1}, with_indices=True
    ),
    # 13, 14: the input row is a dict the function may change
    "pop": lambda L: L.Dataset.from_dict({"a": [1], "s": ["x"]}).map(lambda r: (r.pop("a"), r)[1]),
    "del_and_return_new": lambda L: L.Dataset.from_dict({"a": [1], "s": ["x"]}).map(_delete_s),
    "assign_and_return_new": lambda L: L.Dataset.from_dict({"a": [1, 2], "b": [3, 4]}).map(_assign_a),
    "append_in_place": lambda L: L.Dataset.from_dict({"t": [[1, 2], [3]]}).map(_append),
    "batched_del": lambda L: L.Dataset.from_dict({"a": [1, 2], "s": ["x", "y"]}).map(_delete_s, batched=True),
    "return_batch_remove": lambda L: L.Dataset.from_dict({"a": [1], "b": [2], "s": ["x"]}).map(
        _tokenize, batched=True, remove_columns=["a", "b"]
    ),
    "return_row_remove": lambda L: L.Dataset.from_dict({"a": [1], "b": [2]}).map(_read_a, remove_columns=["a"]),
    "new_dict_keeps_removed_name": lambda L: L.Dataset.from_dict({"a": [1]}).map(
        lambda r: {"a": "x"}, remove_columns=["a"]
    ),
    "none_keeps_everything": lambda L: L.Dataset.from_dict({"a": [1], "b": [2]}).map(
        lambda r: None, remove_columns=["a"]
    ),
    "batched_rows_change": lambda L: L.Dataset.from_dict({"a": [1, 2]}).map(
        lambda b: {"c": [1, 2, 3]}, batched=True, remove_columns=["a"]
    ),
    # 20: values a ClassLabel rejects raise
    "classlabel_out_of_range": lambda L: L.Dataset.from_dict(
        {"l": [0]}, features=L.Features({"l": L.ClassLabel(names=["a"])})
    ).map(lambda r: {"l": 5}),
    "classlabel_unknown_name": lambda L: L.Dataset.from_dict(
        {"l": [0]}, features=L.Features({"l": L.ClassLabel(names=["a"])})
    ).map(lambda r: {"l": "zz"}),
    "classlabel_known_name": lambda L: L.Dataset.from_dict(
        {"l": [0]}, features=L.Features({"l": L.ClassLabel(names=["a", "b"])})
    ).map(lambda r: {"l": "b"}),
    # 23: per-row arrays of 2+ dimensions keep their dtype
    "2d_float32_from_dict": lambda L: L.Dataset.from_dict({"a": [np.zeros((2, 2), dtype=np.float32)]}),
    "2d_float32_from_list": lambda L: L.Dataset.from_list([{"a": np.ones((2, 3), dtype=np.float16)}]),
    "2d_float32_map": lambda L: L.Dataset.from_dict({"x": [1]}).map(
        lambda r: {"a": np.zeros((2, 2), dtype=np.float32)}
    ),
    "3d_uint8_batched": lambda L: L.Dataset.from_dict({"x": [1, 2]}).map(
        lambda b: {"a": np.ones((2, 2, 2, 2), dtype=np.uint8)}, batched=True
    ),
    # 24: returned tables and frames replace the rows
    "returns_arrow_table": lambda L: L.Dataset.from_dict({"x": [1]}).map(lambda b: pa.table({"y": [2]}), batched=True),
    "pandas_frame": lambda L: (
        L.Dataset.from_dict({"x": [1, 2]}).with_format("pandas").map(lambda b: b.assign(y=b["x"] * 2), batched=True)
    ),
    "arrow_format_rows": lambda L: L.Dataset.from_dict({"x": [1, 2]}).with_format("arrow").map(lambda t: t),
    # 28: drop_last_batch with new columns
    "drop_last_new_columns": lambda L: L.Dataset.from_dict({"x": [1, 2, 3]}).map(
        lambda b: {"y": b["x"]}, batched=True, batch_size=2, drop_last_batch=True
    ),
    # 29: features= apply to every column, also those the function does not return
    "features_with_input_columns": lambda L: L.Dataset.from_dict({"x": [0, 1]}).map(
        lambda x: {"y": x},
        input_columns="x",
        features=L.Features({"x": L.Value("int64"), "y": L.ClassLabel(names=["a", "b"])}),
    ),
    "features_for_untouched_columns": lambda L: L.Dataset.from_dict({"x": [0, 1], "z": [1, 2]}).map(
        lambda r: {"y": 1},
        features=L.Features({"x": L.ClassLabel(names=["a", "b"]), "z": L.Value("int32"), "y": L.Value("int64")}),
    ),
    "features_with_remove_columns": lambda L: L.Dataset.from_dict({"x": [0, 1], "z": [1, 2]}).map(
        lambda r: {"y": str(r["x"])},
        remove_columns=["z"],
        features=L.Features({"x": L.Value("float32"), "y": L.ClassLabel(names=["0", "1"])}),
    ),
    "features_order": lambda L: L.Dataset.from_dict({"x": [0], "z": [1]}).map(
        lambda r: {"y": 1}, features=L.Features({"y": L.Value("int64"), "z": L.Value("int64"), "x": L.Value("int64")})
    ),
    "features_float_into_int_raises": lambda L: L.Dataset.from_dict({"x": [0]}).map(
        lambda r: {"y": 0.5}, features=L.Features({"x": L.Value("int64"), "y": L.Value("int64")})
    ),
}


def _delete_s(r):
    del r["s"]
    return {"z": [1] * len(r["a"])} if isinstance(r["a"], list) else {"z": 1}


def _assign_a(r):
    r["a"] = r["a"] * 10
    return {"z": 1}


def _append(r):
    r["t"].append(9)
    return {"n": len(r["t"])}


def _tokenize(b):
    b["n"] = [len(x) for x in b["s"]]
    b["a"]  # read: still removed
    return b


def _read_a(r):
    r["c"] = r["a"] + r["b"]
    return r


@pytest.mark.parametrize("case", sorted(CASES))
def test_map_stores_what_datasets_stores(case: str) -> None:
    assert_same(lambda L: _stored(CASES[case](L)))


def test_map_on_a_file_backed_dataset_matches_and_reloads_from_the_cache(tmp_path) -> None:
    """Results written to a cache file (column-only storage joined with the base) read back the same."""
    data = {"x": list(range(2500)), "t": [f"w{i} v" for i in range(2500)]}
    ct.Dataset.from_dict(data).save_to_disk(tmp_path / "saved")
    import datasets as hf

    hf.Dataset.from_dict(data).save_to_disk(tmp_path / "saved_hf")

    def run(L, path):
        ds = L.load_from_disk(str(path))
        return ds.map(lambda r, i: {"t": r["t"].split(), "y": 0.5 if i < 1000 else 1}, with_indices=True)

    ours = run(ct, tmp_path / "saved")
    theirs = run(hf, tmp_path / "saved_hf")
    assert describe(_stored(ours)) == describe(_stored(theirs))
    assert ours.cache_files and any("cache-" in f["filename"] for f in ours.cache_files)
    again = run(ct, tmp_path / "saved")
    assert describe(_stored(again)) == describe(_stored(theirs))


def test_a_column_changed_in_place_only_in_a_late_chunk_is_stored(tmp_path) -> None:
    """Columns only read are not stored again; one changed in place after the first chunk widens the stored
    result (earlier rows come from the base table) on disk and in memory."""

    def late_change(r, i):
        if i == 1500:
            r["t"].append(-1)
        return {"n": len(r["t"])}

    data = {"t": [[i] for i in range(2000)]}
    ct.Dataset.from_dict(data).save_to_disk(tmp_path / "d")
    for ds in (ct.load_from_disk(str(tmp_path / "d")), ct.Dataset.from_dict(data)):
        out = ds.map(late_change, with_indices=True)
        assert out[1500]["t"] == [1500, -1] and out[1499]["t"] == [1499] and out[1999]["t"] == [1999]
        assert out[1500]["n"] == 2 and out["n"][:3] == [1, 1, 1]


def test_num_proc_matches_one_process() -> None:
    ds = ct.Dataset.from_dict({"x": list(range(40))})
    one = ds.map(lambda r: {"y": r["x"] / 2, "x": str(r["x"])})
    two = ds.map(lambda r: {"y": r["x"] / 2, "x": str(r["x"])}, num_proc=2)
    assert describe(_stored(one)) == describe(_stored(two))


def test_a_zero_dimensional_array_is_stored_as_a_scalar() -> None:
    """Deliberate difference: `datasets` stores ``np.array(5)`` as the list ``[5]``; a 0-d array is a scalar."""
    out = ct.Dataset.from_dict({"x": [1, 2]}).map(lambda r: {"y": np.array(r["x"], dtype=np.int16)})
    assert out.features["y"] == ct.Value("int16") and out["y"][:] == [1, 2]


def test_rows_returning_different_columns_raise_instead_of_dropping_one() -> None:
    """Deliberate difference: `datasets` keeps the first row's keys and silently drops ``d``."""
    with pytest.raises(ValueError, match="different columns"):
        ct.Dataset.from_dict({"a": [1, 2]}).map(
            lambda r, i: {"c": 1} if i == 0 else {"c": 1, "d": 2}, with_indices=True
        )


def test_a_late_chunk_that_does_not_fit_names_the_column_and_rows() -> None:
    with pytest.raises(ValueError, match=r"column 'y', rows 1000-1499.*features="):
        ct.Dataset.from_dict({"x": list(range(1500))}).map(
            lambda r, i: {"y": 1 if i < 1000 else "a"}, with_indices=True
        )


def test_on_mixed_types_is_checked() -> None:
    with pytest.raises(ValueError, match="on_mixed_types"):
        ct.Dataset.from_dict({"x": [1]}).map(lambda r: r, on_mixed_types="strings")


# ---------------------------------------------------------------------------------------------- hypothesis
_DTYPES = ["int8", "int32", "int64", "uint8", "float16", "float32", "float64", "string", "bool"]
_KINDS = {
    "int": st.integers(-100, 100),
    "float": st.floats(-1e3, 1e3, allow_nan=False, width=32),
    "str": st.text("abc ", max_size=3),
    "bool": st.booleans(),
    "int_list": st.lists(st.integers(-5, 5), max_size=3),
    "float_list": st.lists(st.floats(-10, 10, allow_nan=False, width=32), min_size=1, max_size=3),
    "nested": st.lists(st.lists(st.integers(0, 3), max_size=2), max_size=2),
    "none": st.none(),
}
_ARRAYS = [np.int8, np.int32, np.int64, np.uint16, np.float16, np.float32, np.float64]


def _original(dtype: str, n: int) -> list:
    if dtype == "string":
        return [str(i) for i in range(n)]
    if dtype == "bool":
        return [i % 2 == 0 for i in range(n)]
    return [i % 100 for i in range(n)]


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dtype=st.sampled_from(_DTYPES),
    chunks=st.lists(st.sampled_from(sorted(_KINDS)), min_size=1, max_size=3),
    batched=st.booleans(),
    data=st.data(),
)
def test_map_writes_any_values_into_any_column_like_datasets(dtype, chunks, batched, data) -> None:
    """A column of ``dtype`` overwritten by values of other kinds, one kind per writer chunk of 3 rows."""
    values = [v for kind in chunks for v in data.draw(st.lists(_KINDS[kind], min_size=3, max_size=3))]
    n = len(values)

    def run(L):
        ds = L.Dataset.from_dict({"c": _original(dtype, n)}, features=L.Features({"c": L.Value(dtype)}))
        if batched:
            return _stored(
                ds.map(lambda b, idx: {"c": [values[i] for i in idx]}, batched=True, batch_size=3, with_indices=True)
            )
        return _stored(ds.map(lambda r, i: {"c": values[i]}, with_indices=True, writer_batch_size=3))

    assert_same(run)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dtype=st.sampled_from(_ARRAYS),
    shape=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    as_tensor=st.booleans(),
    batched=st.booleans(),
)
def test_map_keeps_array_and_tensor_dtypes_like_datasets(dtype, shape, as_tensor, batched) -> None:
    def value(i: int):
        array = (np.arange(int(np.prod(shape))).reshape(shape) + i).astype(dtype)
        if as_tensor and dtype is not np.uint16:
            return torch.from_numpy(array)
        return array

    def run(L):
        ds = L.Dataset.from_dict({"x": [0, 1, 2]})
        if batched:
            return _stored(ds.map(lambda b: {"y": [value(i) for i in b["x"]]}, batched=True))
        return _stored(ds.map(lambda r: {"y": value(r["x"])}))

    assert_same(run)


def test_mixed_types_in_one_column_are_json() -> None:
    """`datasets` 5.2 stores these as ``Json`` (item 25); so do we (more cases: test_map_json.py), and with
    ``on_mixed_types=None`` they raise naming the column."""
    mapped = ct.Dataset.from_dict({"x": [1, 2]}).map(lambda r: {"y": 1 if r["x"] == 1 else "a"})
    assert mapped.features["y"] == ct.Json() and mapped["y"] == [1, "a"]
    with pytest.raises(ValueError, match="column 'y'.*mixed types"):
        ct.Dataset.from_dict({"x": [1, 2]}).map(lambda r: {"y": 1 if r["x"] == 1 else "a"}, on_mixed_types=None)


def test_images_only_read_are_kept_as_stored(tmp_path) -> None:
    """Deliberate difference: `datasets` re-encodes a decoded image the function read (a JPEG would be
    compressed again); the stored bytes stay as they were."""
    import io

    import PIL.Image

    buffer = io.BytesIO()
    PIL.Image.new("RGB", (4, 3), (10, 20, 30)).save(buffer, format="JPEG", quality=50)
    features = ct.Features({"image": ct.Image()})
    ds = ct.Dataset.from_dict({"image": [{"bytes": buffer.getvalue(), "path": None}]}, features=features)
    out = ds.map(lambda r: {"width": r["image"].size[0]})
    assert out.features["image"] == ct.Image() and out[0]["width"] == 4
    assert out.cast_column("image", ct.Image(decode=False))[0]["image"]["bytes"] == buffer.getvalue()


def test_columns_only_read_are_not_stored_again(tmp_path) -> None:
    """Reading a list column (without changing it) leaves it to the base table: the cache file holds only what
    the function returned."""
    import pyarrow as pa

    data = {"text": [f"t{i}" for i in range(30)], "tokens": [[i, i + 1] for i in range(30)]}
    ct.Dataset.from_dict(data).save_to_disk(tmp_path / "d")
    out = ct.load_from_disk(str(tmp_path / "d")).map(lambda r: {"n": len(r["tokens"]) + len(r["text"])})
    caches = [f["filename"] for f in out.cache_files if "cache-" in f["filename"]]
    assert len(caches) == 1
    with pa.memory_map(caches[0]) as source:
        assert pa.ipc.open_stream(source).schema.names == ["n"]
    assert out[3] == {"text": "t3", "tokens": [3, 4], "n": 4}


def _generated_rows(kind):
    for i in range(2500):
        yield {"x": (0.5 if i < 1000 else 1) if kind == "float_then_int" else ("a" if i < 1000 else i)}


@pytest.mark.parametrize("kind", ["float_then_int", "str_then_int"])
@pytest.mark.parametrize("keep_in_memory", [True, False])
def test_generator_chunks_are_cast_to_the_first_chunks_types(tmp_path, kind: str, keep_in_memory: bool) -> None:
    """Item 7's sibling: ``from_generator`` types its 1000-row chunks as `datasets`' writer does."""

    def run(L):
        cache = str(tmp_path / L.__name__)
        generated = L.Dataset.from_generator(
            _generated_rows, gen_kwargs={"kind": kind}, keep_in_memory=keep_in_memory, cache_dir=cache
        )
        return _stored(generated)

    assert_same(run)


def test_a_fractional_float_is_not_truncated_into_an_int_feature() -> None:
    """Deliberate difference: `datasets` stores ``0.5`` given for an int64 feature as ``0`` in ``from_dict``,
    ``from_list`` and streaming ``map(features=)``; it raises here (whole floats are still accepted)."""
    features = ct.Features({"a": ct.Value("int64")})
    with pytest.raises(ValueError, match="would truncate"):
        ct.Dataset.from_dict({"a": [1, 0.5]}, features=features)
    with pytest.raises(ValueError, match="would truncate"):
        ct.Dataset.from_list([{"a": 2.5}], features=features)
    with pytest.raises(ValueError, match="would truncate"):
        ct.Dataset.from_dict({"a": [1]}, features=features).add_item({"a": 1.5})
    stream = ct.Dataset.from_dict({"a": [1]}).to_iterable_dataset().map(lambda r: {"a": 0.5}, features=features)
    with pytest.raises(ValueError, match="would truncate"):
        list(stream)
    assert ct.Dataset.from_dict({"a": [1.0, 2.0]}, features=features)["a"][:] == [1, 2]


def test_features_may_name_only_some_columns() -> None:
    """An extension: `datasets` raises ``KeyError`` unless ``features=`` names every output column."""
    ds = ct.Dataset.from_dict({"id": [1, 2], "text": ["a b", "c"]})
    out = ds.map(
        lambda b: {"ids": [[1] * len(t.split()) for t in b["text"]]},
        batched=True,
        features=ct.Features({"ids": ct.List(ct.Value("int8"))}),
    )
    assert out.column_names == ["id", "text", "ids"]
    assert out.features["ids"] == ct.List(ct.Value("int8")) and out.features["id"] == ct.Value("int64")
    with pytest.raises(ValueError, match="does not output"):
        ds.map(lambda r: {"y": 1}, features=ct.Features({"z": ct.Value("int8")}))
