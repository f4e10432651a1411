"""Streaming in real torch.distributed gloo groups (2 and 3 ranks on 127.0.0.1), each rank with DataLoader
workers: equal batch counts (a collective per batch would hang otherwise), disjoint and complete rows, and a
resume of a 2-rank run by 3 ranks.

Ranks start with ``mp.spawn``; their DataLoader workers fork, as they do under torchrun (a spawned parent
would make them spawn too). Spawned workers are covered in test_iterable_dataloader.py."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from iterable_helpers import stream, write_parquet_files
from torchdata.stateful_dataloader import StatefulDataLoader

from crucible_torch import split_dataset_by_node
from crucible_torch.iterable import merge_state_dicts

ROWS = [130, 71, 100]  # 301 rows: not a multiple of 2 or 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _init(rank: int, world_size: int, port: int) -> None:
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
        timeout=timedelta(seconds=60),
    )  # fmt: skip


def _dataset(files, rank, world_size, even):
    ds = stream(files).shuffle(seed=5, buffer_size=20)
    ds.set_epoch(1)
    return split_dataset_by_node(ds, rank, world_size, even_batches=even)


def _epoch_main(rank: int, world_size: int, port: int, files: list[str], out: str) -> None:
    _init(rank, world_size, port)
    try:
        loader = torch.utils.data.DataLoader(
            _dataset(files, rank, world_size, True), batch_size=8, num_workers=2, multiprocessing_context="fork"
        )
        ids = []
        for batch in loader:
            total = torch.tensor([len(batch["id"])])
            dist.all_reduce(total)  # every rank must reach this as often as the others
            ids.append(batch["id"].tolist())
        with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
            json.dump(ids, f)
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("world_size", [2, 3])
def test_each_rank_reads_its_equal_share(tmp_path, world_size):
    files = write_parquet_files(tmp_path / "data", ROWS, row_group_size=25)
    mp.spawn(_epoch_main, args=(world_size, free_port(), files, str(tmp_path)), nprocs=world_size, join=True)
    per_rank = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(world_size)]
    assert len({len(batches) for batches in per_rank}) == 1
    assert len({sum(map(len, batches)) for batches in per_rank}) == 1
    rows = [i for batches in per_rank for batch in batches for i in batch]
    assert len(rows) == len(set(rows)) == world_size * (sum(ROWS) // world_size)


def _stop_main(rank: int, world_size: int, port: int, files: list[str], out: str) -> None:
    _init(rank, world_size, port)
    try:
        loader = StatefulDataLoader(
            _dataset(files, rank, world_size, False), batch_size=8, num_workers=2, multiprocessing_context="fork"
        )
        it = iter(loader)
        ids = [i for _ in range(3 + 2 * rank) for i in next(it)["id"].tolist()]
        states = [None] * world_size
        dist.all_gather_object(states, loader.state_dict())
        if rank == 0:
            with open(os.path.join(out, "state.json"), "w") as f:
                json.dump(merge_state_dicts(states), f)
        with open(os.path.join(out, f"seen{rank}.json"), "w") as f:
            json.dump(ids, f)
    finally:
        dist.destroy_process_group()


def _resume_main(rank: int, world_size: int, port: int, files: list[str], out: str) -> None:
    _init(rank, world_size, port)
    try:
        ds = _dataset(files, rank, world_size, False)
        with open(os.path.join(out, "state.json")) as f:
            ds.load_state_dict(json.load(f))
        loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, multiprocessing_context="fork")
        ids = [i for batch in loader for i in batch["id"].tolist()]
        with open(os.path.join(out, f"rest{rank}.json"), "w") as f:
            json.dump(ids, f)
    finally:
        dist.destroy_process_group()


def test_a_two_rank_run_resumed_by_three_ranks_reads_the_rest_of_the_epoch(tmp_path):
    files = write_parquet_files(tmp_path / "data", ROWS, row_group_size=25)
    mp.spawn(_stop_main, args=(2, free_port(), files, str(tmp_path)), nprocs=2, join=True)
    mp.spawn(_resume_main, args=(3, free_port(), files, str(tmp_path)), nprocs=3, join=True)
    seen = [i for r in range(2) for i in json.loads((tmp_path / f"seen{r}.json").read_text())]
    rest = [i for r in range(3) for i in json.loads((tmp_path / f"rest{r}.json").read_text())]
    assert len(seen) == 8 * (3 + 5)
    assert sorted(seen + rest) == list(range(sum(ROWS)))
