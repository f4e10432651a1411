"""Streaming from the project's Hub server: ranged reads of parquet, footers read once, cut connections survived."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from torch.utils.data import DataLoader

from crucible_torch import load_dataset
from crucible_torch.testing.hub import hub_server


@pytest.fixture(autouse=True)
def fresh_plan_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("CRUCIBLE_TORCH_CACHE", str(tmp_path / "crucible_cache"))
    monkeypatch.setenv("CRUCIBLE_TORCH_HUB_BACKOFF_BASE", "0.001")


def write_big_parquet(path: Path, rows: int, row_group_size: int) -> int:
    """Incompressible rows of ~500 bytes: ``rows * 500`` bytes of parquet in ``rows / row_group_size`` groups."""
    rng = np.random.default_rng(0)
    table = pa.table({"id": np.arange(rows), "blob": [rng.bytes(500) for _ in range(rows)]})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=row_group_size, compression="none")
    return path.stat().st_size


def served_bytes(server, size: int) -> int:
    """Body bytes the server was asked for (206 ranges; a 200 of a file counts as all of it)."""
    total = 0
    for request in server.requests(method="GET"):
        asked = request.headers.get("range")
        if request.status == 206 and asked:
            first, _, last = asked.split("=", 1)[1].partition("-")
            total += (int(last) + 1 if last else size) - int(first)
        elif request.status == 200 and ("/resolve/" in request.path or "/lfs/" in request.path):
            total += size
    return total


def footer_reads(server, size: int) -> int:
    """Ranged reads of the last 64 KiB, where pyarrow looks for the footer (no row group lies there)."""
    starts = [int(r.headers["range"].split("=")[1].split("-")[0]) for r in server.requests("GET", None, "cdn", 206)]
    return sum(1 for start in starts if start >= size - (64 << 10))


def _take_ten_reads_a_small_fraction(tmp_path: Path, rows: int) -> None:
    size = write_big_parquet(tmp_path / "repos" / "alice" / "big" / "data" / "train-00000-of-00001.parquet", rows, 2000)
    with hub_server(tmp_path / "repos", fresh_cache=True) as server:
        ds = load_dataset("alice/big", split="train", streaming=True)
        assert [row["id"] for row in ds.take(10)] == list(range(10))
        sent = served_bytes(server, size)
    assert sent < 0.05 * size, f"take(10) read {sent} of {size} bytes"


def test_take_ten_reads_a_small_fraction_of_a_big_parquet_file(tmp_path):
    _take_ten_reads_a_small_fraction(tmp_path, rows=100_000)  # ~50 MB in 50 row groups


@pytest.mark.slow
def test_take_ten_reads_a_small_fraction_of_a_100mb_parquet_file(tmp_path):
    _take_ten_reads_a_small_fraction(tmp_path, rows=200_000)  # ~100 MB in 100 row groups


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_workers_read_row_groups_without_fetching_footers_again(tmp_path, context):
    size = write_big_parquet(tmp_path / "repos" / "alice" / "mid" / "data" / "train-00000-of-00001.parquet", 8000, 2000)
    with hub_server(tmp_path / "repos", fresh_cache=True) as server:
        ds = load_dataset("alice/mid", split="train", streaming=True).shuffle(seed=0, buffer_size=100)
        planned = footer_reads(server, size)
        loader = DataLoader(ds.select_columns(["id"]), batch_size=100, num_workers=2, multiprocessing_context=context)
        ids = torch.cat([b["id"] for b in loader]).tolist()
        assert footer_reads(server, size) == planned == 1
        sent = served_bytes(server, size)
    assert sorted(ids) == list(range(8000))
    assert sent < size / 10  # the "id" column only: 16 KB of each 1 MB row group (64 KiB reads)


def test_a_connection_cut_mid_row_group_is_survived(tmp_path):
    write_big_parquet(tmp_path / "repos" / "alice" / "mid" / "data" / "train-00000-of-00001.parquet", 8000, 2000)
    with hub_server(tmp_path / "repos", fresh_cache=True) as server:
        ds = load_dataset("alice/mid", split="train", streaming=True)
        server.faults.cut_body(300_000, times=2, listener="cdn")
        ids = [row["id"] for row in ds.select_columns(["id"])]
        assert sorted(ids) == list(range(8000))
        assert not server.faults.take(("cut",), "GET", "/lfs/x", "cdn")  # both cuts happened


@pytest.mark.parametrize("name", ["train.jsonl", "train.jsonl.gz"])
def test_a_connection_cut_mid_jsonl_stream_is_survived(tmp_path, name):
    lines = "".join(json.dumps({"id": i, "text": "x" * 200}) + "\n" for i in range(6000)).encode()
    path = tmp_path / "repos" / "alice" / "lines" / "data" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(lines) if name.endswith(".gz") else lines)
    with hub_server(tmp_path / "repos", fresh_cache=True, lfs_threshold=1 << 40) as server:  # served by the Hub
        server.faults.cut_body(50_000, times=1, path_contains=name)  # during planning (the counting pass)
        ds = load_dataset("alice/lines", split="train", streaming=True)
        server.faults.cut_body(200_000, times=1, path_contains=name)  # while a worker reads
        loader = DataLoader(ds.select_columns(["id"]), batch_size=500, num_workers=2)
        ids = torch.cat([b["id"] for b in loader]).tolist()
        cuts_left = server.faults.take(("cut",), "GET", f"/data/{name}", "hub")
    assert sorted(ids) == list(range(6000))
    assert cuts_left is None
