"""Resuming with a different worker count in one call: ``IterableDataset.load_state_dict`` takes a
``StatefulDataLoader.state_dict()``, a list of them (one per rank), or a list of worker states (issue 10).

Real ``StatefulDataLoader``s with worker processes: 2 workers stop mid-epoch, the state is loaded into a fresh
dataset in each accepted form, 3 workers read the rest; every row of the epoch comes out exactly once.
"""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from iterable_helpers import stream, write_parquet_files
from torchdata.stateful_dataloader import StatefulDataLoader

from crucible_torch import split_dataset_by_node
from crucible_torch.iterable import merge_state_dicts

N_ROWS = 37 + 52 + 30


def _make(files, rank: int | None = None, world_size: int = 1):
    ds = stream(files).shuffle(seed=5, buffer_size=16).map(lambda r: {"double": 2 * r["id"]})
    if rank is not None:
        ds = split_dataset_by_node(ds, rank, world_size, even_batches=False)
    ds.set_epoch(1)
    return ds


def _ids(batches) -> list[int]:
    return [i for batch in batches for i in batch["id"].tolist()]


def _stop_midway(ds, batches: int) -> tuple[list[int], dict]:
    loader = StatefulDataLoader(ds, batch_size=4, num_workers=2)
    it = iter(loader)
    seen = _ids(next(it) for _ in range(batches))
    state = loader.state_dict()
    del it
    return seen, state


def _worker_states(loader_state: dict) -> list[dict]:
    workers = loader_state["_snapshot"]["_worker_snapshots"]
    return [workers[name]["dataset_state"] for name in sorted(workers)]


def _rest(ds) -> list[int]:
    return _ids(StatefulDataLoader(ds, batch_size=4, num_workers=3))


@pytest.mark.parametrize("form", ["loader_state", "list_of_loader_states", "worker_states", "merged"])
def test_two_workers_stopped_midway_resume_with_three(tmp_path, form: str) -> None:
    files = write_parquet_files(tmp_path, [37, 52, 30], row_group_size=10)
    seen, state = _stop_midway(_make(files), batches=7)
    assert 0 < len(seen) < N_ROWS
    given = {
        "loader_state": state,
        "list_of_loader_states": [state],
        "worker_states": _worker_states(state),
        "merged": merge_state_dicts([state]),
    }[form]
    resumed = _make(files)
    resumed.load_state_dict(given)
    everything = seen + _rest(resumed)
    assert Counter(everything) == Counter(range(N_ROWS))


def test_two_ranks_of_two_workers_resume_as_one_rank_of_three(tmp_path) -> None:
    """One ``StatefulDataLoader.state_dict()`` per rank, as ``all_gather_object`` collects them."""
    files = write_parquet_files(tmp_path, [37, 52, 30], row_group_size=10)
    seen, states = [], []
    for rank, stop in ((0, 3), (1, 5)):
        ids, state = _stop_midway(_make(files, rank, 2), batches=stop)
        seen += ids
        states.append(state)
    resumed = _make(files)
    resumed.load_state_dict(states)
    assert Counter(seen + _rest(resumed)) == Counter(range(N_ROWS))


def test_a_state_without_any_dataset_state_is_refused(tmp_path) -> None:
    files = write_parquet_files(tmp_path, [10], row_group_size=5)
    with pytest.raises(ValueError, match="no IterableDataset state"):
        _make(files).load_state_dict({"_snapshot": {}})
    with pytest.raises(ValueError, match="no IterableDataset state"):
        _make(files).load_state_dict([])
    assert torch.utils.data.get_worker_info() is None
