"""EpochBatchSampler and BatchView: batch functions, coverage, rank dealing, resume, `datasets` order."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, Dataset

from crucible_torch.batching.sampler import EpochBatchSampler, batches


def all_batches(sampler: EpochBatchSampler) -> list[list[int]]:
    return [sampler.batch(k) for k in range(len(sampler))]


def test_batch_k_does_not_depend_on_access_order():
    sampler = EpochBatchSampler(1000, 32, seed=3)
    in_order = all_batches(sampler)
    shuffled = list(range(len(sampler)))
    random.Random(0).shuffle(shuffled)
    other = EpochBatchSampler(1000, 32, seed=3)
    assert {k: other.batch(k) for k in shuffled} == dict(enumerate(in_order))
    assert list(sampler) == in_order


def test_permutation_is_numpy_default_rng_of_seed_plus_epoch():
    sampler = EpochBatchSampler(50, 10, seed=4)
    sampler.set_epoch(3)
    expected = np.random.default_rng(7).permutation(50)
    assert sum(all_batches(sampler), []) == expected.tolist()


@pytest.mark.parametrize(("n", "b"), [(100, 10), (101, 10), (7, 10), (0, 4), (10, 1)])
def test_every_row_exactly_once_without_drop_last(n, b):
    sampler = EpochBatchSampler(n, b, seed=1, drop_last=False, rank=0, world_size=1)
    got = list(sampler)
    assert len(got) == -(-n // b)
    assert sorted(sum(got, [])) == list(range(n))
    assert all(len(x) == b for x in got[:-1])


@pytest.mark.parametrize(("n", "b"), [(100, 10), (101, 10), (7, 10), (10, 1)])
def test_at_most_once_and_full_batches_with_drop_last(n, b):
    got = list(EpochBatchSampler(n, b, seed=1, rank=0, world_size=1))
    rows = sum(got, [])
    assert len(got) == n // b
    assert len(rows) == len(set(rows)) == (n // b) * b
    assert all(len(x) == b for x in got)


def test_epochs_differ_and_set_epoch_is_reproducible():
    sampler = EpochBatchSampler(200, 20, seed=0)
    epoch0 = list(sampler)
    sampler.set_epoch(1)
    epoch1 = list(sampler)
    assert epoch0 != epoch1
    assert sorted(sum(epoch0, [])) == sorted(sum(epoch1, []))
    sampler.set_epoch(0)
    assert list(sampler) == epoch0
    assert list(sampler) == epoch0  # a second pass over the same epoch repeats it
    assert sampler.batch(2, epoch=1) == epoch1[2]


def test_unshuffled_batches_are_contiguous_ranges():
    sampler = EpochBatchSampler(25, 10, shuffle=False, drop_last=False, rank=0, world_size=1)
    assert list(sampler) == [list(range(10)), list(range(10, 20)), list(range(20, 25))]


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(0, 300),
    batch_size=st.integers(1, 17),
    world_size=st.integers(1, 5),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_rank_dealing_properties(n, batch_size, world_size, drop_last, shuffle, seed):
    samplers = [
        EpochBatchSampler(n, batch_size, seed, drop_last, shuffle, rank=r, world_size=world_size)
        for r in range(world_size)
    ]
    per_rank = [all_batches(s) for s in samplers]
    assert len({len(s) for s in samplers}) == 1  # equal batch counts on every rank
    assert [len(b) for b in per_rank] == [len(samplers[0])] * world_size
    rows = [row for batches_of_rank in per_rank for batch in batches_of_rank for row in batch]
    assert len(rows) == len(set(rows))  # ranks disjoint, no row twice
    assert set(rows) <= set(range(n))
    sizes = [len(batch) for batches_of_rank in per_rank for batch in batches_of_rank]
    assert all(1 <= size <= batch_size for size in sizes)
    if drop_last:
        assert all(size == batch_size for size in sizes)
        assert n - len(rows) < batch_size * world_size
    else:
        assert n - len(rows) <= world_size - 1
        if world_size == 1:
            assert len(rows) == n
    for k in range(len(samplers[0])):  # one step across ranks = consecutive rows of the epoch's order
        step = [row for r in range(world_size) for row in per_rank[r][k]]
        order = samplers[0].order().tolist()
        start = k * batch_size * world_size
        assert step == order[start : start + len(step)]


def test_state_dict_resume_equals_uninterrupted():
    reference = EpochBatchSampler(500, 16, seed=2, drop_last=False, rank=1, world_size=3)
    reference.set_epoch(4)
    expected = list(reference)

    sampler = EpochBatchSampler(500, 16, seed=2, drop_last=False, rank=1, world_size=3)
    sampler.set_epoch(4)
    iterator = iter(sampler)
    consumed = [next(iterator) for _ in range(5)]
    state = sampler.state_dict()
    assert state["epoch"] == 4 and state["next_batch"] == 5

    resumed = EpochBatchSampler(500, 16, seed=2, drop_last=False, rank=1, world_size=3)
    resumed.load_state_dict(state)
    resumed.set_epoch(4)  # a training loop calls this again for the epoch it resumes: position kept
    assert consumed + list(resumed) == expected
    assert list(resumed) == expected  # later passes start from batch 0
    resumed.set_epoch(5)
    assert resumed.state_dict()["next_batch"] == 0


def test_state_after_a_finished_epoch_resumes_with_nothing_left():
    sampler = EpochBatchSampler(40, 8, seed=0)
    list(sampler)
    state = sampler.state_dict()
    assert state["next_batch"] == len(sampler)
    resumed = EpochBatchSampler(40, 8, seed=0)
    resumed.load_state_dict(state)
    assert list(resumed) == []


def test_load_state_dict_refuses_another_layout():
    state = EpochBatchSampler(100, 10, seed=0, rank=0, world_size=2).state_dict()
    with pytest.raises(ValueError, match="world_size=2 but this sampler has world_size=4"):
        EpochBatchSampler(100, 10, seed=0, rank=0, world_size=4).load_state_dict(state)
    with pytest.raises(ValueError, match="dataset_len=100 but this sampler has dataset_len=90"):
        EpochBatchSampler(90, 10, seed=0, rank=0, world_size=2).load_state_dict(state)
    with pytest.raises(ValueError, match="next_batch=99 is outside 0..5"):
        EpochBatchSampler(100, 10, seed=0, rank=0, world_size=2).load_state_dict({"epoch": 0, "next_batch": 99})


def test_invalid_arguments():
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        EpochBatchSampler(10, 0)
    with pytest.raises(ValueError, match="invalid rank 3 for world size 2"):
        EpochBatchSampler(10, 2, rank=3, world_size=2)
    with pytest.raises(IndexError, match="batch 5 out of range"):
        EpochBatchSampler(10, 2, rank=0, world_size=1).batch(5)


def test_batches_view_matches_datasets_shuffle_select():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"i": list(range(103))})
    for epoch in (0, 1, 2):
        view = batches(ds, 10, seed=0, epoch=epoch)  # SupervisedDatasetFromHFDataset, set_epoch(seed=epoch)
        shuffled = ds.shuffle(seed=epoch)
        assert len(view) == len(ds) // 10
        for k in (0, 4, 9):
            assert view[k] == shuffled.select(range(k * 10, (k + 1) * 10))["i"]


def test_batches_view_floor_ceil_fetch_and_indexing():
    floor = batches(25, 10)
    ceil = batches(25, 10, drop_last=False)
    assert (len(floor), len(ceil)) == (2, 3)
    assert ceil[-1] == [20, 21, 22, 23, 24] and ceil[2] == ceil[-1]
    assert floor[0:2] == [list(range(10)), list(range(10, 20))]
    assert list(floor) == floor[:]
    with pytest.raises(IndexError):
        floor[2]
    rows = [f"row{i}" for i in range(25)]
    fetched = batches(rows, 10, seed=1, fetch=lambda idx: [rows[i] for i in idx])
    assert fetched[1] == [rows[i] for i in np.random.default_rng(1).permutation(25)[10:20]]
    fetched.set_epoch(2)
    assert fetched.epoch == 2 and fetched[0] == [rows[i] for i in np.random.default_rng(3).permutation(25)[:10]]
    assert "batches=2" in repr(fetched)


class _Rows(Dataset):
    def __len__(self) -> int:
        return 64

    def __getitem__(self, index: int) -> int:
        return index


def test_dataloader_with_workers_yields_the_sampler_batches():
    sampler = EpochBatchSampler(64, 8, seed=5, drop_last=False, rank=0, world_size=1)
    sampler.set_epoch(1)
    loader = DataLoader(_Rows(), batch_sampler=sampler, num_workers=2)
    assert len(loader) == 8
    assert [batch.tolist() for batch in loader] == all_batches(sampler)
    assert all(isinstance(batch, torch.Tensor) for batch in loader)
