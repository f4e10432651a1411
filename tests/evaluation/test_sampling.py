"""Samplers: properties over random label columns (folds partition the rows, each row in exactly one test fold,
stratified shares within one row of exact, same seed same rows), results as indices mappings over the same
Arrow table, and random samples equal to `datasets`' ``shuffle(seed).select(range(n))``."""

from __future__ import annotations

from collections import Counter

import datasets as hf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch import ClassLabel, Dataset, Features, Value
from crucible_torch.evaluation import sampling

label_columns = st.lists(st.sampled_from(["cat", "dog", "eel", "fox", "gnu"]), min_size=1, max_size=200)
SETTINGS = settings(max_examples=150, deadline=None)


def _dataset(labels: list) -> Dataset:
    return Dataset.from_dict({"id": list(range(len(labels))), "label": labels})


@SETTINGS
@given(st.integers(0, 300), st.data(), st.integers(0, 2**32 - 1))
def test_random_sample_is_datasets_shuffle_then_select(num_rows: int, data: st.DataObject, seed: int) -> None:
    n = data.draw(st.integers(0, num_rows))
    ours = sampling.random_sample(Dataset.from_dict({"id": list(range(num_rows))}), n, seed=seed)
    theirs = hf.Dataset.from_dict({"id": list(range(num_rows))}).shuffle(seed=seed).select(range(n))
    assert ours["id"][:] == theirs["id"][:]


def test_random_sample_with_replacement_and_errors() -> None:
    ds = _dataset(["a"] * 5)
    sample = sampling.random_sample(ds, 50, replace=True, seed=1)
    assert len(sample) == 50 and set(sample["id"][:]) <= set(range(5)) and len(set(sample["id"][:])) > 1
    assert sample["id"][:] == sampling.random_sample(ds, 50, replace=True, seed=1)["id"][:]
    with pytest.raises(ValueError, match="cannot draw 6 rows without replacement from 5"):
        sampling.random_sample(ds, 6)


def test_samples_are_indices_mappings_over_the_same_table() -> None:
    ds = _dataset(["a", "b"] * 50)
    for sample in (
        sampling.random_sample(ds, 10, seed=0),
        sampling.stratified_sample(ds, 10, "label", seed=0),
        sampling.few_shot(ds, "label", 3, seed=0),
        sampling.k_fold(ds, 4, seed=0)[1]["test"],
    ):
        assert sample.data is ds.data


@SETTINGS
@given(label_columns, st.data(), st.integers(0, 2**32 - 1))
def test_stratified_sample_proportions(labels: list[str], data: st.DataObject, seed: int) -> None:
    ds = _dataset(labels)
    n = data.draw(st.integers(0, len(labels)))
    sample = sampling.stratified_sample(ds, n, "label", seed=seed)
    ids = sample["id"][:]
    assert len(ids) == n == len(set(ids)) and ids == sorted(ids)
    assert [labels[i] for i in ids] == sample["label"][:]
    counts, got = Counter(labels), Counter(sample["label"][:])
    exact = {c: n * counts[c] / len(labels) for c in counts}
    if n >= len(counts):
        assert all(got[c] >= 1 for c in counts), "every class is represented when n allows"
    if all(share >= 1 for share in exact.values()):
        assert all(abs(got[c] - exact[c]) < 1 for c in counts), (got, exact)
    else:  # small classes get exactly one row; the others share the rest within one row
        small = {c for c in counts if got[c] == 1 and exact[c] < 1}
        rest_rows, rest_total = n - len(small), sum(counts[c] for c in counts if c not in small)
        assert all(abs(got[c] - rest_rows * counts[c] / rest_total) < 1 for c in counts if c not in small)
    assert sampling.stratified_sample(ds, n, "label", seed=seed)["id"][:] == ids


def test_stratified_sample_gives_a_rare_class_one_row_and_takes_any_column_type() -> None:
    labels = ["common"] * 97 + ["rare1", "rare2", "rare3"]
    sample = sampling.stratified_sample(_dataset(labels), 10, "label", seed=0)
    assert Counter(sample["label"][:]) == {"common": 7, "rare1": 1, "rare2": 1, "rare3": 1}
    features = Features({"x": Value("int64"), "y": ClassLabel(names=["no", "yes"]), "f": Value("float64")})
    ds = Dataset.from_dict({"x": list(range(8)), "y": [0, 1] * 4, "f": [0.5, None] * 4}, features=features)
    assert Counter(sampling.stratified_sample(ds, 4, "y", seed=0)["y"][:]) == {0: 2, 1: 2}
    assert Counter(sampling.stratified_sample(ds, 4, "f", seed=0)["f"][:]) == {0.5: 2, None: 2}
    with pytest.raises(ValueError, match="no column 'z'"):
        sampling.stratified_sample(ds, 2, "z")


@SETTINGS
@given(st.integers(2, 120), st.data(), st.integers(0, 2**32 - 1), st.booleans())
def test_k_folds_partition_the_rows(num_rows: int, data: st.DataObject, seed: int, shuffle: bool) -> None:
    k = data.draw(st.integers(2, min(num_rows, 12)))
    folds = sampling.k_fold_indices(num_rows, k, shuffle=shuffle, seed=seed)
    tests = np.concatenate([test for _, test in folds])
    assert sorted(tests.tolist()) == list(range(num_rows)), "each row is in exactly one test fold"
    for train, test in folds:
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(num_rows))
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1
    again = sampling.k_fold_indices(num_rows, k, shuffle=shuffle, seed=seed)
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))


@SETTINGS
@given(label_columns.filter(lambda ls: len(ls) >= 2), st.data(), st.integers(0, 2**32 - 1))
def test_stratified_k_folds_spread_every_class(labels: list[str], data: st.DataObject, seed: int) -> None:
    k = data.draw(st.integers(2, min(len(labels), 10)))
    splits = sampling.stratified_k_fold(_dataset(labels), k, "label", seed=seed)
    seen: list[int] = []
    counts = Counter(labels)
    for split in splits:
        test, train = split["test"], split["train"]
        seen += test["id"][:]
        assert sorted(train["id"][:] + test["id"][:]) == list(range(len(labels)))
        got = Counter(test["label"][:])
        assert all(abs(got[c] - counts[c] / k) < 1 for c in counts), (got, counts, k)
    assert sorted(seen) == list(range(len(labels)))
    sizes = [len(s["test"]) for s in splits]
    assert max(sizes) - min(sizes) <= 1


@SETTINGS
@given(label_columns, st.integers(0, 6), st.integers(0, 2**32 - 1))
def test_few_shot_takes_k_per_class(labels: list[str], k: int, seed: int) -> None:
    sample = sampling.few_shot(_dataset(labels), "label", k, seed=seed)
    counts = Counter(labels)
    assert Counter(sample["label"][:]) == {c: min(k, n) for c, n in counts.items() if min(k, n)}
    assert sample["id"][:] == sampling.few_shot(_dataset(labels), "label", k, seed=seed)["id"][:]


def test_train_test_split_is_datasets_split() -> None:
    features = Features({"id": Value("int64"), "label": ClassLabel(names=["a", "b", "c"])})
    rows = {"id": list(range(60)), "label": [i % 3 for i in range(60)]}
    ours = sampling.train_test_split(Dataset.from_dict(rows, features=features), 0.25, seed=3, stratify_by="label")
    theirs = hf.Dataset.from_dict(rows, features=hf.Features.from_dict(features.to_dict())).train_test_split(
        0.25, seed=3, stratify_by_column="label"
    )
    assert ours["test"]["id"][:] == theirs["test"]["id"] and ours["train"]["id"][:] == theirs["train"]["id"]


def test_fold_and_size_errors() -> None:
    with pytest.raises(ValueError, match="k=5 folds of 3 rows"):
        sampling.k_fold(_dataset(["a"] * 3), 5)
    with pytest.raises(ValueError, match="cannot draw 4 rows"):
        sampling.stratified_sample(_dataset(["a"] * 3), 4, "label")
