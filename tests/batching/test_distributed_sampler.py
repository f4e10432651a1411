"""Rank detection and the sampler under real torch.distributed gloo groups on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.utils.data import DataLoader, Dataset

from crucible_torch.batching.sampler import EpochBatchSampler
from crucible_torch.runtime.distributed import get_rank_and_world_size, get_worker_info

CONFIGS = [(100, 8, True), (100, 8, False), (103, 5, False), (7, 2, False), (64, 4, True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank: int, world_size: int, port: int, out_dir: str) -> None:
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"
    dist.init_process_group(
        "gloo",
        init_method=f"tcp://127.0.0.1:{port}",
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=60),
    )
    try:
        results = {"detected": get_rank_and_world_size(), "configs": []}
        for n, batch_size, drop_last in CONFIGS:
            sampler = EpochBatchSampler(n, batch_size, seed=11, drop_last=drop_last)  # rank from the group
            epochs = []
            for epoch in range(2):
                sampler.set_epoch(epoch)
                rows = 0
                batches = []
                for batch in sampler:  # one collective per batch: unequal counts would hang here
                    total = torch.tensor([len(batch)])
                    dist.all_reduce(total)
                    rows += int(total)
                    batches.append(batch)
                epochs.append({"batches": batches, "rows_all_ranks": rows})
            results["configs"].append(epochs)
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump(results, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("world_size", [2, 3])
def test_sampler_in_a_real_gloo_group(tmp_path, world_size):
    mp.spawn(_rank_main, args=(world_size, free_port(), str(tmp_path)), nprocs=world_size, join=True)
    results = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(world_size)]
    assert [tuple(r["detected"]) for r in results] == [(r, world_size) for r in range(world_size)]
    for c, (n, batch_size, drop_last) in enumerate(CONFIGS):
        for epoch in range(2):
            per_rank = [r["configs"][c][epoch]["batches"] for r in results]
            expected = [
                [
                    EpochBatchSampler(n, batch_size, 11, drop_last, rank=r, world_size=world_size).batch(k, epoch)
                    for k in range(len(per_rank[0]))
                ]
                for r in range(world_size)
            ]
            assert per_rank == expected
            assert len({len(b) for b in per_rank}) == 1
            rows = [row for batches in per_rank for batch in batches for row in batch]
            assert len(rows) == len(set(rows))
            assert results[0]["configs"][c][epoch]["rows_all_ranks"] == len(rows)
            if not drop_last:
                assert n - len(rows) <= world_size - 1
        first, second = (results[0]["configs"][c][e]["batches"] for e in range(2))
        assert first != second


def test_rank_from_torchrun_environment(monkeypatch):
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert get_rank_and_world_size() == (2, 4)
    assert get_rank_and_world_size(rank=0) == (0, 4)
    assert EpochBatchSampler(100, 5).rank == 2
    monkeypatch.setenv("RANK", "4")
    with pytest.raises(ValueError, match="invalid rank 4 for world size 4 .*RANK/WORLD_SIZE"):
        get_rank_and_world_size()
    monkeypatch.setenv("RANK", "x")
    with pytest.raises(ValueError, match="must be integers"):
        get_rank_and_world_size()


def test_single_process_defaults(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert get_rank_and_world_size() == (0, 1)
    assert get_rank_and_world_size(1, 3) == (1, 3)
    assert get_worker_info() == (0, 1)


class _WorkerIds(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, index: int) -> tuple[int, int]:
        return get_worker_info()


def test_worker_info_inside_dataloader_workers():
    loader = DataLoader(_WorkerIds(), batch_size=None, num_workers=2)
    assert sorted({tuple(map(int, item)) for item in loader}) == [(0, 2), (1, 2)]
