"""Which rows of an epoch each (rank, worker) slot reads: a pure function of the row count and the slot layout.

The rows of an epoch form one ordered *row space* (the units in epoch order, rows in file order inside each
unit). It is cut into contiguous pieces, first per rank, then per DataLoader worker of that rank:

- ``even=True`` (what ``split_dataset_by_node(..., even_batches=True)`` asks for): every rank gets exactly
  ``N // world_size`` rows and the last ``N % world_size`` rows of the epoch order are dropped, so every rank
  yields the same number of rows and, since each rank splits its quota over its workers by the same rule,
  the same number of DataLoader batches. DDP never waits at the end of an epoch for a rank that has no data.
- ``even=False``: nothing is dropped; ranks differ by at most one row.

Both levels use `split_sizes` (the first ``total % parts`` parts get one more), so ``take(n)`` shares and
pieces follow the same rule and a slot's share of ``n <= N`` rows never exceeds its piece. Cutting by rows,
not by files, keeps every slot busy when there are fewer files (or row groups) than slots: a slot whose
piece starts inside a unit reads that unit and skips to its first row, which costs at most one unit per slot.

A :class:`RowSpace` is an ordered set of epoch positions stored as runs, so the remainder of a partly
consumed epoch (after a resume with another layout, see :mod:`.stages`) is partitioned the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def split_sizes(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` sizes differing by at most one, the larger ones first."""
    quotient, remainder = divmod(total, parts)
    return [quotient + (i < remainder) for i in range(parts)]


def rank_bounds(total: int, world_size: int, rank: int, even: bool) -> tuple[int, int]:
    """``[lo, hi)`` of the row space that ``rank`` reads (see the module docstring for ``even``)."""
    if even:
        quota = total // world_size
        return rank * quota, (rank + 1) * quota
    sizes = split_sizes(total, world_size)
    lo = sum(sizes[:rank])
    return lo, lo + sizes[rank]


def slot_bounds(total: int, world_size: int, num_workers: int, rank: int, worker: int, even: bool) -> tuple[int, int]:
    """``[lo, hi)`` of the row space that DataLoader ``worker`` of ``rank`` reads."""
    lo, hi = rank_bounds(total, world_size, rank, even)
    sizes = split_sizes(hi - lo, num_workers)
    start = lo + sum(sizes[:worker])
    return start, start + sizes[worker]


def slot_share(n: int, world_size: int, num_workers: int, rank: int, worker: int, even: bool) -> int:
    """The part of a count ``n`` (``take(n)``/``skip(n)``) that one slot applies to its own stream."""
    lo, hi = slot_bounds(n, world_size, num_workers, rank, worker, even)
    return hi - lo


class RowSpace:
    """An ordered sequence of epoch positions, stored as runs ``[start, start + length)``.

    The first stage of an epoch is one run ``[0, N)``; the remainder after a partial epoch is many runs.
    Indices into a row space are *local* (0 .. len-1); `runs` maps a local range back to epoch positions.
    """

    __slots__ = ("starts", "lengths", "offsets")

    def __init__(self, starts: Sequence[int] | np.ndarray, lengths: Sequence[int] | np.ndarray) -> None:
        starts = np.asarray(starts, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        keep = lengths > 0
        self.starts = starts[keep]
        self.lengths = lengths[keep]
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)

    @classmethod
    def range(cls, n: int) -> RowSpace:
        """Positions ``0 .. n-1``."""
        return cls([0], [n])

    @classmethod
    def from_positions(cls, positions: np.ndarray) -> RowSpace:
        """The given positions in the given order, consecutive ones merged into runs."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) == 0:
            return cls([], [])
        breaks = np.flatnonzero(np.diff(positions) != 1) + 1
        firsts = np.concatenate([[0], breaks])
        ends = np.concatenate([breaks, [len(positions)]])
        return cls(positions[firsts], ends - firsts)

    @classmethod
    def concat(cls, spaces: Sequence[RowSpace]) -> RowSpace:
        """The spaces one after the other."""
        if not spaces:
            return cls([], [])
        return cls(np.concatenate([s.starts for s in spaces]), np.concatenate([s.lengths for s in spaces]))

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def positions(self, local: np.ndarray) -> np.ndarray:
        """The epoch positions of the given local indices."""
        local = np.asarray(local, dtype=np.int64)
        run = np.searchsorted(self.offsets, local, side="right") - 1
        return self.starts[run] + (local - self.offsets[run])

    def slice(self, lo: int, hi: int) -> RowSpace:
        """Local indices ``[lo, hi)`` as a row space of their own."""
        runs = list(self.runs(lo, hi))
        return RowSpace([r[0] for r in runs], [r[1] for r in runs])

    def runs(self, lo: int, hi: int) -> Iterator[tuple[int, int]]:
        """Epoch-position runs ``(start, length)`` covering local indices ``[lo, hi)``, in order."""
        hi = min(hi, len(self))
        if lo >= hi:
            return
        run = int(np.searchsorted(self.offsets, lo, side="right")) - 1
        while lo < hi:
            within = lo - int(self.offsets[run])
            length = min(int(self.lengths[run]) - within, hi - lo)
            yield int(self.starts[run]) + within, length
            lo += length
            run += 1

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RowSpace)
            and np.array_equal(self.starts, other.starts)
            and np.array_equal(self.lengths, other.lengths)
        )

    def __repr__(self) -> str:
        return f"RowSpace({len(self)} rows in {len(self.starts)} runs)"
