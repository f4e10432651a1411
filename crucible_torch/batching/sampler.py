"""Epoch batch samplers: batch ``k`` of epoch ``e`` is a pure function of ``(seed, e, k)``.

Order. Epoch ``e`` visits rows in ``numpy.random.default_rng(seed + e).permutation(n)`` (``range(n)`` when not
shuffling): exactly ``Dataset.shuffle(seed=seed + e)`` of `datasets`, so ``seed=0`` reproduces the cookbook's
``set_epoch(seed=epoch)`` + ``get_batch(k)`` order. The price of ``seed + e`` is that seed ``s`` at epoch
``e + 1`` repeats seed ``s + 1`` at epoch ``e``: runs meant to be independent should use seeds further apart
than their number of epochs.

Batches and ranks. A step takes the next ``batch_size x world_size`` rows of the order and gives rank ``r``
the ``r``-th ``batch_size`` of them, so one step across ranks reads the same rows as a single process with a
``world_size`` times larger batch, and ranks never share a row. Every rank gets the same number of batches
(no rank waits at the end of an epoch for a collective the others never join):

- ``drop_last=True``: ``n // (batch_size x world_size)`` full batches; the remainder is dropped.
- ``drop_last=False``: the last step's rows are split evenly over the ranks (sizes differ by at most one), so
  each row is read exactly once; when fewer rows than ranks remain, that step is dropped instead (at most
  ``world_size - 1`` rows unread). With one rank this is ``ceil(n / batch_size)`` batches, the last short.

Batch ``k`` is computed on demand (the permutation is cached per epoch), so resuming at batch ``k`` or
fetching ahead costs nothing for the batches before it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence, Sized
from typing import Any, TypeVar, overload

import numpy as np
from torch.utils.data import Sampler

from crucible_torch.runtime.distributed import get_rank_and_world_size

T = TypeVar("T")
_LAYOUT_KEYS = ("dataset_len", "batch_size", "world_size", "seed", "shuffle", "drop_last")


class EpochBatchSampler(Sampler[list[int]]):
    """Yields this rank's index lists for the current epoch; use as ``DataLoader(batch_sampler=...)``.

    ``rank``/``world_size`` default to the torch.distributed group or torchrun's environment
    (:func:`~crucible_torch.runtime.distributed.get_rank_and_world_size`). Call :meth:`set_epoch` before each epoch,
    as with ``DistributedSampler``. :meth:`state_dict` records ``(epoch, next batch)``; after
    :meth:`load_state_dict` the next iteration starts at that batch. With ``DataLoader`` prefetching, the
    sampler runs ahead of the training loop: resume from the number of batches the loop consumed.
    """

    def __init__(
        self,
        dataset_len: int,
        batch_size: int,
        seed: int = 0,
        drop_last: bool = True,
        shuffle: bool = True,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        super().__init__()
        if dataset_len < 0:
            raise ValueError(f"dataset_len must be >= 0, got {dataset_len}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if shuffle and seed < 0:
            raise ValueError(f"seed must be >= 0 (numpy.random.default_rng), got {seed}")
        self.dataset_len = dataset_len
        self.batch_size = batch_size
        self.seed = seed
        self.drop_last = drop_last
        self.shuffle = shuffle
        self.rank, self.world_size = get_rank_and_world_size(rank, world_size)
        self._epoch = 0
        self._position = 0  # batches handed out in the current epoch
        self._resume: int | None = None  # start of the next iteration, set by load_state_dict
        self._order: tuple[int, np.ndarray] | None = None  # (epoch, permutation) cache

    @property
    def epoch(self) -> int:
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch to iterate; a new epoch starts at batch 0, the current one keeps its position."""
        if epoch != self._epoch:
            self._epoch = epoch
            self._position = 0
            self._resume = None

    def __len__(self) -> int:
        """Batches per epoch for this rank (the same on every rank)."""
        step = self.batch_size * self.world_size
        if self.drop_last:
            return self.dataset_len // step
        steps = -(-self.dataset_len // step)
        if steps and self.dataset_len - (steps - 1) * step < self.world_size:
            steps -= 1
        return steps

    def order(self, epoch: int | None = None) -> np.ndarray:
        """The row order of ``epoch`` (default: the current one) across all ranks, before batching."""
        epoch = self._epoch if epoch is None else epoch
        if not self.shuffle:
            return np.arange(self.dataset_len)
        if self._order is None or self._order[0] != epoch:
            self._order = (epoch, np.random.default_rng(self.seed + epoch).permutation(self.dataset_len))
        return self._order[1]

    def batch(self, k: int, epoch: int | None = None) -> list[int]:
        """Row indices of this rank's batch ``k`` (0 <= k < len) of ``epoch`` (default: the current one)."""
        if not 0 <= k < len(self):
            raise IndexError(f"batch {k} out of range: this sampler has {len(self)} batches per epoch")
        step = self.batch_size * self.world_size
        start = k * step
        rows = min(step, self.dataset_len - start)
        if rows == step:
            lo = start + self.rank * self.batch_size
            hi = lo + self.batch_size
        else:  # the short last step, split evenly over ranks
            lo = start + self.rank * rows // self.world_size
            hi = start + (self.rank + 1) * rows // self.world_size
        if not self.shuffle:
            return list(range(lo, hi))
        return self.order(epoch)[lo:hi].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        start = self._resume or 0
        self._resume = None
        self._position = start
        for k in range(start, len(self)):
            self._position = k + 1
            yield self.batch(k)

    def state_dict(self) -> dict[str, Any]:
        """``{"epoch", "next_batch"}`` plus the layout they are valid for (length, batch size, world size,
        seed, shuffle, drop_last), which :meth:`load_state_dict` checks."""
        state = {"epoch": self._epoch, "next_batch": self._position}
        state.update({key: getattr(self, key) for key in _LAYOUT_KEYS})
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume: the next iteration yields batches ``next_batch, next_batch + 1, ...`` of ``epoch``."""
        for key in _LAYOUT_KEYS:
            if key in state and state[key] != getattr(self, key):
                raise ValueError(
                    f"sampler state was saved with {key}={state[key]!r} but this sampler has "
                    f"{key}={getattr(self, key)!r}; batch positions would not match (resume with the same "
                    "dataset, batch size, world size, seed and drop_last)"
                )
        next_batch = int(state["next_batch"])
        if not 0 <= next_batch <= len(self):
            raise ValueError(f"next_batch={next_batch} is outside 0..{len(self)} (batches per epoch)")
        self._epoch = int(state["epoch"])
        self._position = self._resume = next_batch


class BatchView(Sequence):
    """The batches of one epoch as a sequence: ``len(view)`` batches, ``view[k]`` = index list of batch ``k``,
    or ``fetch(indices)`` when a fetch function is given. Random access, as the cookbook's ``get_batch(i)``.
    """

    def __init__(self, sampler: EpochBatchSampler, fetch: Callable[[list[int]], Any] | None = None) -> None:
        self.sampler = sampler
        self.fetch = fetch

    @property
    def epoch(self) -> int:
        return self.sampler.epoch

    def set_epoch(self, epoch: int) -> None:
        """Switch the view to ``epoch``'s order (its permutation is ``default_rng(seed + epoch)``)."""
        self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.sampler)

    @overload
    def __getitem__(self, k: int) -> Any: ...
    @overload
    def __getitem__(self, k: slice) -> list[Any]: ...
    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        n = len(self)
        if not -n <= k < n:
            raise IndexError(f"batch {k} out of range: {n} batches")
        indices = self.sampler.batch(k % n)
        return indices if self.fetch is None else self.fetch(indices)

    def __repr__(self) -> str:
        s = self.sampler
        return (
            f"BatchView(batches={len(self)}, batch_size={s.batch_size}, rows={s.dataset_len}, "
            f"seed={s.seed if s.shuffle else None}, epoch={s.epoch}, drop_last={s.drop_last})"
        )


def batches(
    data: int | Sized,
    batch_size: int,
    seed: int | None = None,
    epoch: int = 0,
    drop_last: bool = True,
    fetch: Callable[[list[int]], T] | None = None,
    rank: int = 0,
    world_size: int = 1,
) -> BatchView:
    """Batches over ``data`` (a row count or anything with ``len``) as a random-access :class:`BatchView`.

    ``seed=None`` keeps row order (batch ``k`` is ``range(k*B, (k+1)*B)``); a seed shuffles with
    ``default_rng(seed + epoch)``. ``drop_last=True`` is the cookbook's floor (``len // B`` batches, as
    ``SupervisedDatasetFromHFDataset``), False its ceil (last batch short, as the RL datasets). Unlike the
    sampler, the view covers the whole dataset unless ``rank``/``world_size`` are given.
    """
    n = data if isinstance(data, int) else len(data)
    sampler = EpochBatchSampler(
        n,
        batch_size,
        seed=0 if seed is None else seed,
        drop_last=drop_last,
        shuffle=seed is not None,
        rank=rank,
        world_size=world_size,
    )
    sampler.set_epoch(epoch)
    return BatchView(sampler, fetch)
