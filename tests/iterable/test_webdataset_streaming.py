"""One WebDataset shard streamed by 2 gloo ranks x 4 DataLoader workers: every one of the 8 slots yields
samples, every sample is read exactly once per epoch, equal batch counts with ``even_batches``, and a run
stopped mid-epoch resumes exactly (the rest of the epoch, nothing twice). The shard is one unit (smaller than
a unit), the case where `datasets` and `webdataset` keep all but one worker idle."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from test_iterable_distributed import _init, free_port
from torchdata.stateful_dataloader import StatefulDataLoader

from crucible_torch import load_dataset, split_dataset_by_node

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "loading"))
from media_trees import write_tar  # noqa: E402

SAMPLES, WORLD, WORKERS, BATCH = 202, 2, 4, 5  # 202 = 2 x 101: even_batches drops nothing


def _tag_worker(row: dict) -> dict:
    return {"worker": torch.utils.data.get_worker_info().id}


def _dataset(shard: str, rank: int, even: bool):
    ds = load_dataset("webdataset", data_files=shard, split="train", streaming=True).shuffle(seed=3, buffer_size=16)
    ds = ds.select_columns(["cls", "txt"]).map(_tag_worker)
    return split_dataset_by_node(ds, rank, WORLD, even_batches=even)


def _loader(ds, stateful: bool):
    kind = StatefulDataLoader if stateful else torch.utils.data.DataLoader
    return kind(ds, batch_size=BATCH, num_workers=WORKERS, multiprocessing_context="fork", collate_fn=ds.collate_fn)


def _epoch_main(rank: int, port: int, shard: str, out: str) -> None:
    _init(rank, WORLD, port)
    try:
        batches = []
        for batch in _loader(_dataset(shard, rank, True), stateful=False):
            total = torch.tensor([len(batch["cls"])])
            dist.all_reduce(total)  # hangs if one rank has fewer batches
            batches.append({"ids": batch["cls"].tolist(), "workers": batch["worker"].tolist()})
        with open(os.path.join(out, f"epoch{rank}.json"), "w") as f:
            json.dump(batches, f)
    finally:
        dist.destroy_process_group()


def test_one_shard_keeps_all_eight_slots_busy_and_reads_each_sample_once(tmp_path):
    shard = write_tar(
        tmp_path / "only.tar", {f"s/{i:04d}": {"cls": str(i).encode(), "txt": b"x" * i} for i in range(SAMPLES)}
    )
    mp.spawn(_epoch_main, args=(free_port(), str(shard), str(tmp_path)), nprocs=WORLD, join=True)
    per_rank = [json.loads((tmp_path / f"epoch{r}.json").read_text()) for r in range(WORLD)]
    slots = {(r, w) for r, batches in enumerate(per_rank) for b in batches for w in b["workers"]}
    assert slots == {(r, w) for r in range(WORLD) for w in range(WORKERS)}, "every rank x worker slot yields"
    ids = [i for batches in per_rank for b in batches for i in b["ids"]]
    assert len({len(batches) for batches in per_rank}) == 1, "equal batch counts per rank"
    assert sorted(ids) == list(range(SAMPLES)), "every sample exactly once"


def _stop_main(rank: int, port: int, shard: str, out: str) -> None:
    _init(rank, WORLD, port)
    try:
        loader = _loader(_dataset(shard, rank, False), stateful=True)
        it = iter(loader)
        seen = [i for _ in range(3 + 2 * rank) for i in next(it)["cls"].tolist()]
        states = [None] * WORLD
        dist.all_gather_object(states, loader.state_dict())
        with open(os.path.join(out, f"state{rank}.pt"), "wb") as f:
            torch.save(states[rank], f)
        with open(os.path.join(out, f"seen{rank}.json"), "w") as f:
            json.dump(seen, f)
    finally:
        dist.destroy_process_group()


def _resume_main(rank: int, port: int, shard: str, out: str) -> None:
    _init(rank, WORLD, port)
    try:
        loader = _loader(_dataset(shard, rank, False), stateful=True)
        with open(os.path.join(out, f"state{rank}.pt"), "rb") as f:
            loader.load_state_dict(torch.load(f))
        rest = [i for batch in loader for i in batch["cls"].tolist()]
        with open(os.path.join(out, f"rest{rank}.json"), "w") as f:
            json.dump(rest, f)
    finally:
        dist.destroy_process_group()


def test_a_stopped_run_resumes_exactly_with_stateful_dataloader(tmp_path):
    shard = write_tar(
        tmp_path / "only.tar", {f"s/{i:04d}": {"cls": str(i).encode(), "txt": b"y"} for i in range(SAMPLES)}
    )
    mp.spawn(_stop_main, args=(free_port(), str(shard), str(tmp_path)), nprocs=WORLD, join=True)
    mp.spawn(_resume_main, args=(free_port(), str(shard), str(tmp_path)), nprocs=WORLD, join=True)
    seen = [i for r in range(WORLD) for i in json.loads((tmp_path / f"seen{r}.json").read_text())]
    rest = [i for r in range(WORLD) for i in json.loads((tmp_path / f"rest{r}.json").read_text())]
    assert len(seen) == BATCH * (3 + 5)
    assert sorted(seen + rest) == list(range(SAMPLES)), "the rest of the epoch, each sample once"
