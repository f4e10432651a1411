"""Row order parity with `datasets`: shuffle, select, take/skip, sort, shard, train_test_split, interleave."""

from __future__ import annotations

import datasets as hf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crucible_torch as ct

N = 57


def _pair(n: int = N):
    data = {"id": list(range(n)), "label": [i % 4 for i in range(n)], "text": [f"row {i}" for i in range(n)]}
    return ct.Dataset.from_dict(data), hf.Dataset.from_dict(data)


def _ids(ds) -> list[int]:
    return list(ds["id"])


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300))
@settings(max_examples=40, deadline=None)
def test_shuffle_matches_datasets_for_any_seed(seed: int, n: int) -> None:
    ours, theirs = _pair(n)
    assert _ids(ours.shuffle(seed=seed)) == _ids(theirs.shuffle(seed=seed))


def test_shuffles_compose_through_take_skip_and_select_like_the_cookbook() -> None:
    ours, theirs = _pair()
    o = ours.shuffle(seed=0).skip(7).shuffle(seed=3).select(range(5, 30)).shuffle(seed=11).take(20)
    t = theirs.shuffle(seed=0).skip(7).shuffle(seed=3).select(range(5, 30)).shuffle(seed=11).take(20)
    assert _ids(o) == _ids(t)
    assert o.to_list() == t.to_list()


def test_shuffle_with_a_generator_draws_like_datasets() -> None:
    ours, theirs = _pair()
    assert _ids(ours.shuffle(generator=np.random.default_rng(5))) == _ids(
        theirs.shuffle(generator=np.random.default_rng(5))
    )
    with pytest.raises(ValueError, match="Both `seed` and `generator`"):
        ours.shuffle(seed=1, generator=np.random.default_rng(1))


def test_select_with_lists_arrays_and_out_of_range() -> None:
    ours, theirs = _pair()
    picks = [5, 3, 3, 50, 0]
    assert ours.select(picks).to_list() == theirs.select(picks).to_list()
    assert ours.select(np.array(picks)).to_list() == theirs.select(np.array(picks)).to_list()
    with pytest.raises(IndexError):
        ours.select([N])


@pytest.mark.parametrize("reverse", [False, True])
def test_sort_is_stable_and_matches(reverse: bool) -> None:
    ours, theirs = _pair()
    assert _ids(ours.shuffle(seed=2).sort("label", reverse=reverse)) == _ids(
        theirs.shuffle(seed=2).sort("label", reverse=reverse)
    )
    assert _ids(ours.sort(["label", "id"], reverse=[True, False])) == _ids(
        theirs.sort(["label", "id"], reverse=[True, False])
    )


@pytest.mark.parametrize("contiguous", [True, False])
def test_shard_matches(contiguous: bool) -> None:
    ours, theirs = _pair()
    for index in range(4):
        assert _ids(ours.shard(4, index, contiguous=contiguous)) == _ids(theirs.shard(4, index, contiguous=contiguous))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"test_size": 0.2, "seed": 1},
        {"test_size": 10, "seed": 7},
        {"train_size": 0.5, "test_size": 0.3, "seed": 3},
        {"test_size": 0.25, "shuffle": False},
    ],
)
def test_train_test_split_matches(kwargs: dict) -> None:
    ours, theirs = _pair()
    o, t = ours.train_test_split(**kwargs), theirs.train_test_split(**kwargs)
    assert _ids(o["train"]) == _ids(t["train"])
    assert _ids(o["test"]) == _ids(t["test"])


def test_stratified_split_matches() -> None:
    data = {"id": list(range(60)), "label": [i % 3 for i in range(60)]}
    features = {"id": ct.Value("int64"), "label": ct.ClassLabel(names=["a", "b", "c"])}
    hf_features = hf.Features({"id": hf.Value("int64"), "label": hf.ClassLabel(names=["a", "b", "c"])})
    ours = ct.Dataset.from_dict(data, features=ct.Features(features))
    theirs = hf.Dataset.from_dict(data, features=hf_features)
    o = ours.train_test_split(test_size=0.3, stratify_by_column="label", seed=4)
    t = theirs.train_test_split(test_size=0.3, stratify_by_column="label", seed=4)
    assert _ids(o["train"]) == _ids(t["train"]) and _ids(o["test"]) == _ids(t["test"])


@pytest.mark.parametrize("strategy", ["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"])
@pytest.mark.parametrize("probabilities", [None, [0.2, 0.5, 0.3]])
def test_interleave_matches(strategy: str, probabilities) -> None:
    sizes = (13, 40, 7)
    ours = [ct.Dataset.from_dict({"id": [k * 1000 + i for i in range(n)]}) for k, n in enumerate(sizes)]
    theirs = [hf.Dataset.from_dict({"id": [k * 1000 + i for i in range(n)]}) for k, n in enumerate(sizes)]
    o = ct.interleave_datasets(ours, probabilities=probabilities, seed=42, stopping_strategy=strategy)
    t = hf.interleave_datasets(theirs, probabilities=probabilities, seed=42, stopping_strategy=strategy)
    assert _ids(o) == _ids(t)


def test_concatenate_aligns_null_columns_and_refuses_mismatches() -> None:
    a = ct.Dataset.from_dict({"x": [1, 2], "y": [None, None]})
    b = ct.Dataset.from_dict({"x": [3], "y": ["s"]})
    both = ct.concatenate_datasets([a.shuffle(seed=1), b])
    assert both["y"][:] == [None, None, "s"] and sorted(both["x"][:2]) == [1, 2]
    c = ct.Dataset.from_dict({"x": ["text"], "y": ["s"]})
    with pytest.raises(ValueError, match="can't be aligned"):
        ct.concatenate_datasets([b, c])
