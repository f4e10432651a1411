"""Where this process sits in a job: its distributed rank and world size, and its DataLoader worker slot.

Rank comes from, in order: explicit arguments, an initialised ``torch.distributed`` process group, the
``RANK``/``WORLD_SIZE`` environment that ``torchrun`` sets, else a single process ``(0, 1)``. torch is only
consulted when it is already imported (a process group or a DataLoader worker cannot exist without it), so
lower layers can ask without paying for the import.
"""

from __future__ import annotations

import os
import sys


def get_rank_and_world_size(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """Return ``(rank, world_size)``; arguments given explicitly win, the rest is detected.

    Raises ValueError when the result is not ``0 <= rank < world_size``, naming where the values came from.
    """
    if rank is not None and world_size is not None:
        source = "arguments"
    else:
        detected_rank, detected_world, source = _detect()
        rank = detected_rank if rank is None else rank
        world_size = detected_world if world_size is None else world_size
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(
            f"invalid rank {rank} for world size {world_size} (from {source}); "
            "expected world_size >= 1 and 0 <= rank < world_size"
        )
    return rank, world_size


def get_worker_info() -> tuple[int, int]:
    """``(worker_id, num_workers)`` of the current DataLoader worker; ``(0, 1)`` in the main process."""
    data = sys.modules.get("torch.utils.data")
    info = data.get_worker_info() if data is not None else None
    return (0, 1) if info is None else (info.id, info.num_workers)


def _detect() -> tuple[int, int, str]:
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), "the torch.distributed process group"
    env_rank, env_world = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    if env_rank is not None and env_world is not None:
        try:
            return int(env_rank), int(env_world), "the RANK/WORLD_SIZE environment variables"
        except ValueError:
            raise ValueError(
                f"RANK={env_rank!r} and WORLD_SIZE={env_world!r} must be integers (as torchrun sets them)"
            ) from None
    return 0, 1, "the single-process default"
