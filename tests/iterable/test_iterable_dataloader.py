"""Streaming through real DataLoader worker processes: coverage, epochs, errors, and StatefulDataLoader resumes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import loader_runner
import pytest
import torch
from iterable_helpers import env_for_subprocess, stream, write_jsonl, write_parquet_files
from torch.utils.data import DataLoader
from torchdata.stateful_dataloader import StatefulDataLoader

from crucible_torch.errors import DataFileError
from crucible_torch.iterable import merge_state_dicts

HERE = Path(__file__).parent


def _worker_id(row):
    return {"worker": torch.utils.data.get_worker_info().id}


@pytest.mark.parametrize("num_workers", [0, 2, 3])
def test_every_row_once_with_real_workers(tmp_path, num_workers):
    files = write_parquet_files(tmp_path, [120, 80, 101], row_group_size=40)
    ds = stream(files).shuffle(seed=1, buffer_size=25)
    ids = torch.cat([b["id"] for b in DataLoader(ds, batch_size=16, num_workers=num_workers)]).tolist()
    assert sorted(ids) == list(range(301))


def test_one_jsonl_file_keeps_four_workers_busy(tmp_path):
    path = write_jsonl(tmp_path / "train.jsonl", range(2000), blank_every=50)
    ds = stream([path], "json").map(_worker_id)
    batches = list(DataLoader(ds, batch_size=50, num_workers=4))
    ids = torch.cat([b["id"] for b in batches]).tolist()
    per_worker = Counter(torch.cat([b["worker"] for b in batches]).tolist())
    assert sorted(ids) == list(range(2000))
    assert sorted(per_worker) == [0, 1, 2, 3] and set(per_worker.values()) == {500}


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_set_epoch_reaches_persistent_workers(tmp_path, context):
    files = write_parquet_files(tmp_path, [200], row_group_size=50)
    ds = stream(files).shuffle(seed=3, buffer_size=20)
    persistent = DataLoader(ds, batch_size=10, num_workers=2, persistent_workers=True, multiprocessing_context=context)
    orders = []
    for epoch in range(2):
        ds.set_epoch(epoch)
        orders.append(torch.cat([b["id"] for b in persistent]).tolist())
        fresh = DataLoader(ds, batch_size=10, num_workers=2)  # new workers, created with this epoch
        assert torch.cat([b["id"] for b in fresh]).tolist() == orders[-1]
    assert orders[0] != orders[1] and sorted(orders[0]) == sorted(orders[1]) == list(range(200))


def test_a_bad_line_in_a_worker_is_reported_with_its_file_and_line(tmp_path):
    path = Path(write_jsonl(tmp_path / "bad.jsonl", range(300)))
    lines = path.read_text().splitlines()
    lines[250] = '{"id": 250, "text": oops}'
    path.write_text("\n".join(lines) + "\n")
    ds = stream([str(path)], "json", chunksize=2048)  # planning parses only the first chunk
    with pytest.raises(DataFileError) as caught:
        list(DataLoader(ds, batch_size=10, num_workers=2))
    assert "bad.jsonl" in str(caught.value) and "line 251" in str(caught.value)


def _run(tmp_path: Path, name: str, new_process: bool = True, **args) -> list[list[int]]:
    args["ids_out"] = str(tmp_path / f"{name}.json")
    if not new_process:
        loader_runner.main(args)
        return json.loads(Path(args["ids_out"]).read_text())
    done = subprocess.run(
        [sys.executable, str(HERE / "loader_runner.py"), json.dumps(args)],
        env=env_for_subprocess(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(Path(args["ids_out"]).read_text())


@pytest.mark.parametrize("pipeline", ["shuffle", "batched_map"])
def test_stateful_dataloader_resumes_twice_in_new_processes(tmp_path, pipeline):
    files = write_parquet_files(tmp_path / "data", [150, 97], row_group_size=30)
    common = {"files": files, "pipeline": pipeline, "num_workers": 2, "batch_size": 8, "epoch": 1}
    expected = _run(tmp_path, "full", new_process=False, **common)
    rng = random.Random(len(expected))
    first, second = sorted(rng.sample(range(1, len(expected)), 2))
    head = _run(tmp_path, "a", new_process=False, **common, stop=first, state_out=str(tmp_path / "a.pt"))
    middle = _run(tmp_path, "b", **common, stop=second - first, state_in=str(tmp_path / "a.pt"),
                  state_out=str(tmp_path / "b.pt"))  # fmt: skip
    tail = _run(tmp_path, "c", **common, state_in=str(tmp_path / "b.pt"))
    assert head + middle + tail == expected


def test_resume_with_more_workers_reads_the_rest_of_the_epoch(tmp_path):
    files = write_parquet_files(tmp_path, [150, 97], row_group_size=30)

    def make():
        ds = stream(files).shuffle(seed=7, buffer_size=32).map(lambda r: {"double": 2 * r["id"]})
        ds.set_epoch(2)
        return ds

    loader = StatefulDataLoader(make(), batch_size=8, num_workers=2)
    it = iter(loader)
    seen = torch.cat([next(it)["id"] for _ in range(9)]).tolist()
    state = loader.state_dict()
    del it
    resumed = make()
    resumed.load_state_dict(merge_state_dicts([state]))
    rest = torch.cat([b["id"] for b in DataLoader(resumed, batch_size=8, num_workers=3)]).tolist()
    assert sorted(seen + rest) == list(range(247))


def test_stateful_dataloader_without_workers_resumes(tmp_path):
    files = write_parquet_files(tmp_path / "data", [90, 41], row_group_size=20)
    common = {"files": files, "pipeline": "batched_map", "num_workers": 0, "batch_size": 8, "epoch": 0}
    expected = _run(tmp_path, "full", new_process=False, **common)
    head = _run(tmp_path, "a", new_process=False, **common, stop=7, state_out=str(tmp_path / "a.pt"))
    tail = _run(tmp_path, "b", new_process=False, **common, state_in=str(tmp_path / "a.pt"))
    assert head + tail == expected
