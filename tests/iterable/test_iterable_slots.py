"""Every row exactly once per epoch over rank x worker slots, deterministic order, equal ranks in even mode.

Slots are simulated in this process (worker id patched, rank from split_dataset_by_node) so hypothesis can
try many layouts; tests/iterable/test_iterable_dataloader.py checks the same with real DataLoader workers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iterable_helpers import as_worker, ids_of, stream, write_jsonl, write_parquet_files

from crucible_torch import split_dataset_by_node

layouts = st.tuples(st.integers(1, 3), st.integers(0, 3), st.booleans())  # world_size, num_workers, even
files = st.lists(st.integers(0, 40), min_size=1, max_size=4)


def read_all_slots(ds, world_size: int, num_workers: int, even: bool) -> list[list[list[int]]]:
    """``[rank][worker] -> ids`` as each slot yields them."""
    out = []
    for rank in range(world_size):
        part = split_dataset_by_node(ds, rank, world_size, even_batches=even) if world_size > 1 else ds
        per_worker = []
        for worker in range(max(num_workers, 1)):
            with as_worker(worker, max(num_workers, 1)):
                per_worker.append(ids_of(part))
        out.append(per_worker)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files, st.integers(1, 12), layouts, st.one_of(st.none(), st.integers(1, 20)), st.integers(0, 2))
def test_every_row_once_per_epoch_over_all_slots(sizes, row_group_size, layout, buffer_size, epoch):
    world_size, num_workers, even = layout
    total = sum(sizes)
    with tempfile.TemporaryDirectory() as tmp:
        ds = stream(write_parquet_files(Path(tmp), sizes, row_group_size))
        if buffer_size is not None:
            ds = ds.shuffle(seed=3, buffer_size=buffer_size)
        ds.set_epoch(epoch)
        slots = read_all_slots(ds, world_size, num_workers, even)
        again = read_all_slots(ds, world_size, num_workers, even)
    rows = [i for rank in slots for worker in rank for i in worker]
    assert len(rows) == len(set(rows))
    per_rank = [sum(len(w) for w in rank) for rank in slots]
    if even:
        assert per_rank == [total // world_size] * world_size
        # and every rank's workers yield the same counts, so every rank has the same number of batches
        assert len({tuple(len(w) for w in rank) for rank in slots}) == 1
    else:
        assert sorted(rows) == list(range(total))
        assert max(per_rank) - min(per_rank) <= 1
    if buffer_size is None:
        assert rows == sorted(rows)  # without shuffle: file order, slots in rank-major order
    assert slots == again  # the same seed and epoch give the same order


def test_a_new_epoch_gives_a_new_order_and_the_same_seed_the_same_one(tmp_path):
    files = write_parquet_files(tmp_path, [300, 200, 250], row_group_size=50)
    orders = {}
    for epoch in (0, 1):
        for attempt in range(2):
            ds = stream(files).shuffle(seed=11, buffer_size=64)
            ds.set_epoch(epoch)
            orders[epoch, attempt] = read_all_slots(ds, 2, 2, True)
    assert orders[0, 0] == orders[0, 1] and orders[1, 0] == orders[1, 1]
    assert orders[0, 0] != orders[1, 0]
    flat = [sorted(i for rank in orders[e, 0] for w in rank for i in w) for e in (0, 1)]
    assert flat[0] == flat[1] == list(range(750))
    other_seed = stream(files).shuffle(seed=12, buffer_size=64)
    assert read_all_slots(other_seed, 2, 2, True) != orders[0, 0]


def test_one_jsonl_file_feeds_every_slot(tmp_path):
    path = write_jsonl(tmp_path / "one.jsonl", range(500), blank_every=7)
    slots = read_all_slots(stream([path], "json"), 2, 4, False)
    assert all(len(worker) > 0 for rank in slots for worker in rank)
    assert sorted(i for rank in slots for w in rank for i in w) == list(range(500))


def test_more_slots_than_rows_still_yield_every_row_once(tmp_path):
    files = write_parquet_files(tmp_path, [3], row_group_size=3)
    slots = read_all_slots(stream(files).shuffle(seed=0, buffer_size=2), 2, 3, False)
    assert sorted(i for rank in slots for w in rank for i in w) == [0, 1, 2]
