"""Helpers for the streaming tests (not fixtures): data files with known row ids, and slot simulation."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq

from crucible_torch import load_dataset
from crucible_torch.iterable import IterableDataset


def write_parquet_files(directory: Path, sizes: Sequence[int], row_group_size: int) -> list[str]:
    """Parquet files whose ``id`` column numbers the rows 0..N-1 across all files, in file order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths, start = [], 0
    for i, n in enumerate(sizes):
        ids = list(range(start, start + n))
        table = pa.table({"id": pa.array(ids, pa.int64()), "text": [f"row {j}" for j in ids]})
        path = directory / f"part-{i:03d}.parquet"
        pq.write_table(table, path, row_group_size=max(1, row_group_size))
        paths.append(str(path))
        start += n
    return paths


def write_jsonl(path: Path, ids: Sequence[int], blank_every: int = 0) -> str:
    """A JSON Lines file of ``{"id": i, "text": ...}`` rows, with a blank line every ``blank_every`` rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for k, i in enumerate(ids):
            f.write(json.dumps({"id": i, "text": f"row {i}"}) + "\n")
            if blank_every and k % blank_every == blank_every - 1:
                f.write("\n")
    return str(path)


def stream(files: Sequence[str], builder: str = "parquet", **kwargs) -> IterableDataset:
    return load_dataset(builder, data_files=list(files), split="train", streaming=True, **kwargs)


@contextmanager
def as_worker(worker: int, num_workers: int) -> Iterator[None]:
    """Make the dataset believe it runs in DataLoader worker ``worker`` of ``num_workers`` (in this process)."""
    with mock.patch("crucible_torch.iterable.dataset.get_worker_info", return_value=(worker, num_workers)):
        yield


def ids_of(rows) -> list[int]:
    return [row["id"] for row in rows]


def env_for_subprocess() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    return env
