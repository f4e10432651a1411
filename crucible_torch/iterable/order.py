"""Shuffled order of an epoch: the unit order, then a windowed permutation of each slot's rows.

``shuffle(seed, buffer_size=B)`` does two things, both pure functions of (seed, epoch, slot layout):

1. The units (parquet row groups, JSONL byte ranges, files) are put in the order
   ``default_rng([seed, epoch]).permutation(num_units)``; the rows of the epoch are the units in that order.
2. A slot reads its piece of that row space in consecutive windows of ``B`` rows and emits each window in the
   order ``default_rng([seed, epoch, stage, slot, window]).permutation(len(window))``.

Trade-off, against the reservoir buffer of `datasets` (fill B rows, emit a random one, refill its place):
a window costs the same memory (B rows, held as Arrow) and mixes rows as locally, but a row moves at most B
positions, where a reservoir lets a few rows linger arbitrarily long. In exchange the k-th row a slot emits
is a pure function of k, so a resume re-reads at most one window (B rows) and continues exactly, while a
reservoir's contents are lost on resume (datasets' documented loss). Large-scale mixing comes from step 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Shuffle:
    """The shuffle of a source: its seed and window size (``buffer_size``)."""

    seed: int
    buffer_size: int

    def __post_init__(self) -> None:
        if self.buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, got {self.buffer_size}")
        if self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed}")


def unit_order(num_units: int, shuffle: Shuffle | None, epoch: int) -> np.ndarray:
    """The order in which units are read in ``epoch``: the identity without shuffle."""
    if shuffle is None:
        return np.arange(num_units, dtype=np.int64)
    return np.random.default_rng([shuffle.seed, epoch]).permutation(num_units).astype(np.int64)


def window_permutation(length: int, shuffle: Shuffle, epoch: int, stage: int, slot: int, window: int) -> np.ndarray:
    """The order in which a slot emits the ``length`` rows of one window."""
    return np.random.default_rng([shuffle.seed, epoch, stage, slot, window]).permutation(length)


def remaining_rows(
    piece_len: int, consumed: int, shuffle: Shuffle | None, epoch: int, stage: int, slot: int
) -> tuple[np.ndarray, int]:
    """What a slot has not emitted after emitting ``consumed`` rows of its piece, in local indices.

    Returns the rows of the window in progress that its permutation had not reached yet (ascending), and the
    index from which every later row is still to come (``piece_len`` when none). Without shuffle that is
    ``([], consumed)``.
    """
    consumed = min(max(consumed, 0), piece_len)
    if shuffle is None:
        return np.empty(0, dtype=np.int64), consumed
    size = shuffle.buffer_size
    window, into = divmod(consumed, size)
    start = window * size
    if start >= piece_len:
        return np.empty(0, dtype=np.int64), piece_len
    length = min(size, piece_len - start)
    left = np.sort(window_permutation(length, shuffle, epoch, stage, slot, window)[into:]) + start
    return left.astype(np.int64), start + length
