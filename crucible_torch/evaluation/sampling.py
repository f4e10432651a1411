"""Seeded samples and splits of a Dataset for evaluation: random, stratified, k-fold, few-shot, train/test.

Each sampler is a pure function of sizes (or class labels) and a seed that returns row indices, plus a thin
wrapper returning ``dataset.select(indices)``: an indices mapping over the same Arrow table, so no row is
copied. ``seed=None`` draws fresh entropy; the same seed always gives the same rows. Generators are
``numpy.random.default_rng(seed)``, so ``random_sample(ds, n, seed=s)`` is exactly the cookbook's
``ds.shuffle(seed=s).select(range(n))``.

Stratification rounds by largest remainder (ties broken by the seed): every class gets its share of ``n``
within one row, and, when ``n`` is at least the number of classes, at least one row (a class whose share is
under one row gets exactly one, and the others share the rest). Sampled rows come back in dataset order; folds
are index sets, also in dataset order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..datasets.stratify import approximate_mode

if TYPE_CHECKING:
    from ..datasets import Dataset, DatasetDict

__all__ = [
    "class_ids",
    "few_shot",
    "few_shot_indices",
    "k_fold",
    "k_fold_indices",
    "random_indices",
    "random_sample",
    "stratified_counts",
    "stratified_indices",
    "stratified_k_fold",
    "stratified_k_fold_indices",
    "stratified_sample",
    "train_test_split",
]

Folds = list[tuple[np.ndarray, np.ndarray]]


# ------------------------------------------------------------------------------------------- random
def random_indices(num_rows: int, n: int, *, replace: bool = False, seed: int | None = None) -> np.ndarray:
    """``n`` row indices drawn uniformly: the first ``n`` of ``default_rng(seed).permutation(num_rows)``, or
    with ``replace`` ``n`` independent draws (``rng.integers``)."""
    if n < 0:
        raise ValueError(f"n={n}: a sample size is at least 0")
    rng = np.random.default_rng(seed)
    if replace:
        if num_rows == 0 and n > 0:
            raise ValueError(f"cannot draw {n} rows with replacement from an empty dataset")
        return rng.integers(0, num_rows, size=n)
    if n > num_rows:
        raise ValueError(f"cannot draw {n} rows without replacement from {num_rows}; pass replace=True or n <= rows")
    return rng.permutation(num_rows)[:n]


def random_sample(dataset: Dataset, n: int, *, replace: bool = False, seed: int | None = None) -> Dataset:
    """``n`` random rows of ``dataset`` (see :func:`random_indices`); the same rows as
    ``dataset.shuffle(seed=seed).select(range(n))`` without replacement."""
    return dataset.select(random_indices(len(dataset), n, replace=replace, seed=seed))


# ------------------------------------------------------------------------------------------ classes
def class_ids(dataset: Dataset, column: str) -> tuple[np.ndarray, list]:
    """Per row, the index of its value of ``column`` among the column's distinct values (sorted, null last),
    and those values. Any column Arrow can hash (numbers, strings, ClassLabel ids, bools) can be a class."""
    import pyarrow.compute as pc

    if column not in dataset.column_names:
        raise ValueError(f"no column {column!r} to stratify by; the dataset has {dataset.column_names}")
    values = dataset.with_format("arrow")[column].combine_chunks()
    try:
        encoded = pc.dictionary_encode(values, null_encoding="encode")
    except NotImplementedError as e:
        raise ValueError(f"column {column!r} of type {values.type} cannot be a class label: {e}") from e
    order = pc.array_sort_indices(encoded.dictionary, null_placement="at_end").to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    ids = rank[encoded.indices.to_numpy(zero_copy_only=False)] if len(values) else np.zeros(0, np.int64)
    return ids, encoded.dictionary.take(order).to_pylist()


def _members(labels: np.ndarray) -> list[np.ndarray]:
    """Per distinct label (in sorted order), its row indices in dataset order."""
    if len(labels) == 0:
        return []
    _, dense = np.unique(np.asarray(labels), return_inverse=True)
    order = np.argsort(dense, kind="stable")
    return np.split(order, np.cumsum(np.bincount(dense))[:-1])


# ------------------------------------------------------------------------------------------ stratified
def stratified_counts(class_counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Rows to draw per class: proportional to ``class_counts`` by largest remainder, at least one per class
    when ``n`` allows (classes whose share is under one row get one; the others share the rest)."""
    class_counts = np.asarray(class_counts, dtype=np.int64)
    total = int(class_counts.sum())
    if not 0 <= n <= total:
        raise ValueError(f"cannot draw {n} rows without replacement from {total}")
    out = np.zeros(len(class_counts), np.int64)
    small = np.zeros(len(class_counts), bool)
    if n >= len(class_counts):
        while True:  # shares shrink as small classes take their one row: repeat until no new class is small
            rest = ~small
            shares = (n - small.sum()) * class_counts / max(int(class_counts[rest].sum()), 1)
            newly = rest & (shares < 1)
            if not newly.any():
                break
            small |= newly
    out[small] = 1
    rest = ~small
    if rest.any() and n - small.sum() > 0:
        out[rest] = approximate_mode(class_counts[rest], int(n - small.sum()), rng)
    return out


def stratified_indices(labels: np.ndarray, n: int, *, seed: int | None = None) -> np.ndarray:
    """``n`` rows, per class as :func:`stratified_counts` says, drawn at random within the class; dataset order."""
    rng = np.random.default_rng(seed)
    members = _members(labels)
    counts = stratified_counts(np.array([len(m) for m in members], np.int64), n, rng)
    chosen = [m[rng.permutation(len(m))[:c]] for m, c in zip(members, counts)]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def stratified_sample(dataset: Dataset, n: int, column: str, *, seed: int | None = None) -> Dataset:
    """``n`` rows of ``dataset`` with the classes of ``column`` in proportion (see the module docstring)."""
    return dataset.select(stratified_indices(class_ids(dataset, column)[0], n, seed=seed))


# ------------------------------------------------------------------------------------------- k-fold
def _check_folds(num_rows: int, k: int) -> None:
    if not 2 <= k <= num_rows:
        raise ValueError(f"k={k} folds of {num_rows} rows: need 2 <= k <= rows")


def _folds_from_assignment(fold_of_row: np.ndarray, k: int) -> Folds:
    rows = np.arange(len(fold_of_row))
    return [(rows[fold_of_row != f], rows[fold_of_row == f]) for f in range(k)]


def k_fold_indices(num_rows: int, k: int, *, shuffle: bool = True, seed: int | None = None) -> Folds:
    """``k`` (train, test) index pairs: the test sets partition the rows into folds whose sizes differ by at most
    one (the first ``num_rows % k`` are larger), contiguous runs of a seeded permutation (or of the rows)."""
    _check_folds(num_rows, k)
    order = np.random.default_rng(seed).permutation(num_rows) if shuffle else np.arange(num_rows)
    sizes = np.full(k, num_rows // k) + (np.arange(k) < num_rows % k)
    fold_of_row = np.empty(num_rows, np.int64)
    fold_of_row[order] = np.repeat(np.arange(k), sizes)
    return _folds_from_assignment(fold_of_row, k)


def stratified_k_fold_indices(labels: np.ndarray, k: int, *, seed: int | None = None) -> Folds:
    """Like :func:`k_fold_indices`, with each class spread over the folds: per fold, a class has
    ``floor(c / k)`` or ``ceil(c / k)`` of its ``c`` rows, and fold sizes differ by at most one.

    Rows are dealt to folds in turn, class after class, each class in a seeded random order.
    """
    _check_folds(len(labels), k)
    rng = np.random.default_rng(seed)
    dealt = np.concatenate([m[rng.permutation(len(m))] for m in _members(labels)])
    fold_of_row = np.empty(len(labels), np.int64)
    fold_of_row[dealt] = np.arange(len(labels)) % k
    return _folds_from_assignment(fold_of_row, k)


def _as_splits(dataset: Dataset, folds: Folds) -> list[DatasetDict]:
    from ..datasets import DatasetDict

    return [DatasetDict({"train": dataset.select(train), "test": dataset.select(test)}) for train, test in folds]


def k_fold(dataset: Dataset, k: int, *, shuffle: bool = True, seed: int | None = None) -> list[DatasetDict]:
    """``k`` ``DatasetDict(train=..., test=...)`` splits of ``dataset`` (see :func:`k_fold_indices`)."""
    return _as_splits(dataset, k_fold_indices(len(dataset), k, shuffle=shuffle, seed=seed))


def stratified_k_fold(dataset: Dataset, k: int, column: str, *, seed: int | None = None) -> list[DatasetDict]:
    """``k`` train/test splits with the classes of ``column`` spread evenly (see
    :func:`stratified_k_fold_indices`)."""
    return _as_splits(dataset, stratified_k_fold_indices(class_ids(dataset, column)[0], k, seed=seed))


# ----------------------------------------------------------------------------------------- few-shot
def few_shot_indices(labels: np.ndarray, k: int, *, seed: int | None = None) -> np.ndarray:
    """``k`` random rows of every class (all of a class's rows when it has fewer), in dataset order."""
    if k < 0:
        raise ValueError(f"k={k}: examples per class is at least 0")
    rng = np.random.default_rng(seed)
    chosen = [m[rng.permutation(len(m))[:k]] for m in _members(labels)]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, np.int64)


def few_shot(dataset: Dataset, column: str, k: int, *, seed: int | None = None) -> Dataset:
    """``k`` examples per value of ``column`` (e.g. per label of a VLM classification set)."""
    return dataset.select(few_shot_indices(class_ids(dataset, column)[0], k, seed=seed))


# ---------------------------------------------------------------------------------------- train/test
def train_test_split(
    dataset: Dataset,
    test_size: float | int | None = None,
    *,
    train_size: float | int | None = None,
    seed: int | None = None,
    stratify_by: str | None = None,
) -> DatasetDict:
    """``Dataset.train_test_split``: the same rows as `datasets` for the same seed (stratification needs a
    ``ClassLabel`` column there; :func:`stratified_sample` and :func:`stratified_k_fold` take any column)."""
    return dataset.train_test_split(
        test_size=test_size, train_size=train_size, seed=seed, stratify_by_column=stratify_by
    )
