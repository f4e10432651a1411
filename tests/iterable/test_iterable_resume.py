"""Exact resumption: stop anywhere, save the state (through JSON), resume: the rows continue as if never stopped.

Slots are simulated in this process so hypothesis can vary the pipeline, the layout and the stop point;
tests/iterable/test_iterable_dataloader.py resumes real DataLoader workers in a new process.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iterable_helpers import as_worker, stream, write_parquet_files

from crucible_torch import concatenate_datasets, interleave_datasets, split_dataset_by_node
from crucible_torch.iterable import merge_state_dicts


def _twice(batch):
    return {"id": [i for i in batch["id"] for _ in range(2)], "copy": [k for k in range(2) for _ in batch["id"]]}


PIPELINES: dict[str, Callable] = {
    "plain": lambda ds: ds,
    "shuffle": lambda ds: ds.shuffle(seed=1, buffer_size=7),
    "map": lambda ds: ds.shuffle(seed=1, buffer_size=7).map(lambda r: {"double": r["id"] * 2}),
    "filter": lambda ds: ds.shuffle(seed=2, buffer_size=16).filter(lambda r: r["id"] % 3 != 0),
    "batched_map": lambda ds: ds.shuffle(seed=1, buffer_size=7).map(
        _twice, batched=True, batch_size=5, remove_columns=["id", "text"]
    ),
    "batch": lambda ds: ds.shuffle(seed=4, buffer_size=9).batch(4),
    "take": lambda ds: ds.shuffle(seed=1, buffer_size=7).take(37),
    "skip_then_shuffle": lambda ds: ds.skip(13).shuffle(seed=5, buffer_size=6),
    "with_indices": lambda ds: ds.map(lambda r, i: {"index": i}, with_indices=True).filter(lambda r: r["id"] % 2),
    "interleave": lambda ds: interleave_datasets(
        [ds.shuffle(seed=1, buffer_size=5), ds.take(20)],
        probabilities=[0.7, 0.3],
        seed=3,
        stopping_strategy="all_exhausted",
    ),  # fmt: skip
    "concatenate": lambda ds: concatenate_datasets([ds.take(9), ds.shuffle(seed=8, buffer_size=4)]),
}
RELAYOUT = ["plain", "shuffle", "map", "filter", "batch", "batched_map"]


def _slot_dataset(make, rank: int, world_size: int):
    ds = make()
    return split_dataset_by_node(ds, rank, world_size, even_batches=False) if world_size > 1 else ds


def _roundtrip(state: dict) -> dict:
    return json.loads(json.dumps(state))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(PIPELINES)),
    st.tuples(st.integers(1, 3), st.integers(1, 3)),
    st.integers(0, 2),
    st.data(),
)
def test_resume_twice_continues_exactly(name, layout, epoch, data):
    world_size, num_workers = layout
    rank = data.draw(st.integers(0, world_size - 1))
    worker = data.draw(st.integers(0, num_workers - 1))
    with tempfile.TemporaryDirectory() as tmp:
        files = write_parquet_files(Path(tmp), [40, 25, 31], row_group_size=8)

        def make():
            ds = _slot_dataset(lambda: PIPELINES[name](stream(files)), rank, world_size)
            ds.set_epoch(epoch)
            return ds

        with as_worker(worker, num_workers):
            expected = list(make())
            first_stop = data.draw(st.integers(0, len(expected)))
            ds = make()
            rows = iter(ds)
            got = [next(rows) for _ in range(first_stop)]
            state = _roundtrip(ds.state_dict())
            resumed = make()
            resumed.load_state_dict(state)
            rows = iter(resumed)
            second_stop = data.draw(st.integers(0, len(expected) - first_stop))
            got += [next(rows) for _ in range(second_stop)]
            state = _roundtrip(resumed.state_dict())  # the second checkpoint, taken after a resume
            again = make()
            again.load_state_dict(state)
            got += list(again)
    assert got == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(RELAYOUT),
    st.lists(st.tuples(st.integers(1, 3), st.integers(1, 3), st.booleans()), min_size=2, max_size=3),
    st.data(),
)
def test_resizing_jobs_emit_every_row_of_the_epoch_once(name, layouts, data):
    """A job stopped and resumed with other (world_size, num_workers, even) layouts, possibly twice."""

    def ids(rows):
        return [i for row in rows for i in (row["id"] if isinstance(row["id"], list) else [row["id"]])]

    with tempfile.TemporaryDirectory() as tmp:
        files = write_parquet_files(Path(tmp), [40, 25, 31], row_group_size=8)

        def make(rank, world_size, even, state):
            ds = PIPELINES[name](stream(files))
            ds = split_dataset_by_node(ds, rank, world_size, even_batches=even) if world_size > 1 else ds
            if state is not None:
                ds.load_state_dict(state)
            return ds

        expected = sorted(ids(make(0, 1, False, None)))
        emitted, state = [], None
        for stage, (world_size, num_workers, even) in enumerate(layouts):
            last = stage == len(layouts) - 1
            states = []
            for rank in range(world_size):
                for worker in range(num_workers):
                    with as_worker(worker, num_workers):
                        full = len(list(make(rank, world_size, even, state)))
                        stop = full if last else data.draw(st.integers(0, full))
                        ds = make(rank, world_size, even, state)
                        it = iter(ds)
                        emitted += ids(next(it) for _ in range(stop))
                        states.append(_roundtrip(ds.state_dict()))
            state = merge_state_dicts(states)
    # an even last layout drops the remainder of its row space: fewer than world_size rows (2 outputs each in
    # batched_map)
    dropped = Counter(expected) - Counter(emitted)
    per_row = 2 if name == "batched_map" else 1
    assert sum(dropped.values()) <= (per_row * (layouts[-1][0] - 1) if layouts[-1][2] else 0)
    extra = Counter(emitted) - Counter(expected)
    if name == "batched_map":
        # a batched map regroups from its last clean boundary: the group in progress of each old slot (5 rows ->
        # 10 outputs) may be emitted again; nothing is lost
        assert sum(extra.values()) <= 10 * sum(w * k for w, k, _ in layouts[:-1])
    else:
        assert not extra


def test_resume_with_another_layout_is_refused_where_counts_cannot_be_moved(tmp_path):
    files = write_parquet_files(tmp_path, [30], row_group_size=10)
    ds = stream(files).take(10)
    with as_worker(0, 1):
        it = iter(ds)
        next(it)
        state = ds.state_dict()
    resumed = stream(files).take(10)
    resumed.load_state_dict(state)
    with as_worker(0, 2), pytest.raises(ValueError, match="take"):
        list(resumed)
    partial = stream(files)
    partial.load_state_dict({**state, "layout": [1, 2, True]})
    with as_worker(0, 3), pytest.raises(ValueError, match="slots \\[1\\] of 2 are missing"):
        list(partial)


def test_a_state_of_another_epoch_is_ignored_and_a_loaded_state_applies_once(tmp_path):
    files = write_parquet_files(tmp_path, [30], row_group_size=10)
    ds = stream(files).shuffle(seed=0, buffer_size=4)
    it = iter(ds)
    head = [next(it)["id"] for _ in range(5)]
    state = ds.state_dict()
    resumed = stream(files).shuffle(seed=0, buffer_size=4)
    resumed.load_state_dict(state)
    rest = [r["id"] for r in resumed]
    assert sorted(head + rest) == list(range(30))
    assert len([r["id"] for r in resumed]) == 30  # the next pass starts over
    later = stream(files).shuffle(seed=0, buffer_size=4)
    later.load_state_dict(state)
    later.set_epoch(1)
    assert len(list(later)) == 30
