"""Resuming an epoch with another slot layout: the rows not yet emitted, redistributed.

An epoch is read in *stages*. Stage 0 partitions the whole row space over the slots of its layout
(:mod:`.partition`). When a run stops and resumes with a different ``world_size`` or ``num_workers``, the
state holds, per old slot, how many rows of its piece it emitted. Because each slot's order is a pure
function of (seed, epoch, stage, slot) (:mod:`.order`), the rows each old slot emitted are known without
reading anything; the rows nobody emitted, in row-space order, form the row space of the next stage, which
the new layout partitions the same way. Nothing is repeated or lost (rows that an ``even`` layout had set
aside as the epoch's remainder stay in the next stage); the order differs from an uninterrupted run.
A stage is a layout plus one integer per slot, so the state stays a few integers however often the job
is resized.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .order import Shuffle, remaining_rows
from .partition import RowSpace, slot_bounds


@dataclass(frozen=True)
class Layout:
    """How many ranks and DataLoader workers per rank read an epoch, and whether ranks get equal quotas."""

    world_size: int = 1
    num_workers: int = 1
    even: bool = True

    @property
    def num_slots(self) -> int:
        return self.world_size * self.num_workers

    def slot(self, rank: int, worker: int) -> int:
        """Slot id ``rank * num_workers + worker``."""
        return rank * self.num_workers + worker

    def bounds(self, total: int, slot: int) -> tuple[int, int]:
        """``[lo, hi)`` of a row space of ``total`` rows that ``slot`` reads."""
        rank, worker = divmod(slot, self.num_workers)
        return slot_bounds(total, self.world_size, self.num_workers, rank, worker, self.even)

    def to_list(self) -> list:
        return [self.world_size, self.num_workers, self.even]

    @classmethod
    def from_list(cls, value: Sequence) -> Layout:
        world_size, num_workers, even = value
        return cls(int(world_size), int(num_workers), bool(even))


@dataclass(frozen=True)
class Stage:
    """A finished stage of an epoch: its layout and how many rows each of its slots emitted."""

    layout: Layout
    consumed: tuple[int, ...]


def remainder(space: RowSpace, stage: Stage, shuffle: Shuffle | None, epoch: int, index: int) -> RowSpace:
    """The rows of ``space`` that no slot of ``stage`` (the ``index``-th of the epoch) emitted, in order."""
    layout = stage.layout
    if len(stage.consumed) != layout.num_slots:
        raise ValueError(f"stage {index} has {len(stage.consumed)} slot counts for {layout.num_slots} slots")
    total = len(space)
    parts: list[RowSpace] = []
    for slot in range(layout.num_slots):
        lo, hi = layout.bounds(total, slot)
        window_left, rest = remaining_rows(hi - lo, stage.consumed[slot], shuffle, epoch, index, slot)
        parts.append(RowSpace.from_positions(space.positions(window_left + lo)))
        parts.append(space.slice(lo + rest, hi))
    covered = layout.bounds(total, layout.num_slots - 1)[1]
    parts.append(space.slice(covered, total))
    return RowSpace.concat(parts)


def stage_space(total: int, history: Sequence[Stage], shuffle: Shuffle | None, epoch: int) -> RowSpace:
    """The row space of the stage after ``history`` (the whole epoch when there is none)."""
    space = RowSpace.range(total)
    for index, stage in enumerate(history):
        space = remainder(space, stage, shuffle, epoch, index)
    return space
