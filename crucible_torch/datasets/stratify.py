"""Stratified train/test indices, drawing from the generator in the same sequence as `datasets`.

`datasets` follows scikit-learn's ``StratifiedShuffleSplit``: per-class counts from an approximate mode of the
multivariate hypergeometric (ties broken at random), then a permutation inside each class. Reproducing the
exact calls on the generator is what makes ``train_test_split(stratify_by_column=..., seed=s)`` give the same
rows as `datasets` for the same seed.
"""

from __future__ import annotations

import numpy as np


def approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Rows to draw per class so the total is ``n_draws``, proportional to ``class_counts``."""
    continuous = n_draws * class_counts / class_counts.sum()
    floored = np.floor(continuous)
    missing = int(n_draws - floored.sum())
    if missing > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (candidates,) = np.where(remainder == value)
            take = min(len(candidates), missing)
            floored[rng.choice(candidates, size=take, replace=False)] += 1
            missing -= take
            if missing == 0:
                break
    return floored.astype(np.int64)


def stratified_split(
    labels: np.ndarray, n_train: int, n_test: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices) with every class represented in proportion in both."""
    _, label_ids = np.unique(labels, return_inverse=True)
    class_counts = np.bincount(label_ids)
    n_classes = len(class_counts)
    if class_counts.min() < 2:
        raise ValueError(
            "The least populated class in the stratify column has only 1 member, which is too few. "
            "The minimum number of groups for any class cannot be less than 2."
        )
    if n_train < n_classes:
        raise ValueError(
            f"The train_size = {n_train} should be greater or equal to the number of classes = {n_classes}"
        )
    if n_test < n_classes:
        raise ValueError(f"The test_size = {n_test} should be greater or equal to the number of classes = {n_classes}")
    per_class = np.split(np.argsort(label_ids, kind="mergesort"), np.cumsum(class_counts)[:-1])
    n_train_per_class = approximate_mode(class_counts, n_train, rng)
    n_test_per_class = approximate_mode(class_counts - n_train_per_class, n_test, rng)
    train: list[int] = []
    test: list[int] = []
    for i in range(n_classes):
        members = per_class[i].take(rng.permutation(class_counts[i]), mode="clip")
        train.extend(members[: n_train_per_class[i]])
        test.extend(members[n_train_per_class[i] : n_train_per_class[i] + n_test_per_class[i]])
    return rng.permutation(train), rng.permutation(test)
