"""Workload (a): one shuffled epoch over the 1M-row text split in 8 files, DataLoader batch 256, main process,
from a cold cache.

Measured in one child per run: from calling ``load_dataset`` (empty caches) to the last batch, every batch's
``id``/``label`` tensors and two lists of strings. Two figures come from each run: rows/s including the load
(``shuffled epoch``), and rows/s after the first batch (``shuffled epoch after 1st batch``: the epoch served
from the memory-mapped cache once the split is prepared, which is what the bare loop's in-RAM table is
compared with). crucible_torch: ``DataLoader(ds, 256, shuffle=True, collate_fn=ds.collate_fn)`` (one Arrow
gather per batch, column-wise tensors). `datasets`: its default python format with the default collate (its
fastest path; ``with_format("torch")`` measured 2.5-3x slower per batch). Bare: ``pq.read_table`` of the files
combined into one chunk in RAM, a numpy permutation, ``take`` per batch, ints via ``torch.from_numpy``,
strings via ``to_pylist``. ``crucible_sampler``: crucible_torch with ``batch_sampler=EpochBatchSampler(len(ds),
256, seed)`` (a numpy permutation sliced per batch) instead of ``shuffle=True``, whose ``RandomSampler`` +
``BatchSampler`` hand over every index as a Python int (~0.08 ms of CPU per batch of 256 here, more than half of
what the bare loop spends per batch).
Targets: crucible_torch >= 2.0x the rows/s of `datasets`; after the first batch >= 0.85x bare.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import data
from .harness import Context, Row, Target, cold_engines, derived, measure

NAME = "shuffled_epoch"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
FILES, BATCH = 8, 256
TARGETS = [Target("crucible", "datasets", ">=", 2.0)]


def run(ctx: Context) -> list[Row]:
    files = [str(p) for p in data.text_parquet_files(ctx.size(FULL_ROWS, QUICK_ROWS), FILES, ctx.data_dir)]
    for f in files:
        Path(f).read_bytes()
    engines = cold_engines(ctx, __name__, ("crucible", "datasets", "bare"), lambda name, i: {"files": files, "seed": i})
    rows = measure(ctx, NAME, "rows/s", engines, TARGETS)
    for row in rows:
        row.note = f"first batch after {row.extra_median('first_batch_s'):.2f} s"
    after = derived(
        rows,
        f"{NAME} after 1st batch",
        "rows/s",
        lambda r: (r.extra["rows"] - BATCH) / r.extra["after_first_s"],
        [Target("crucible", "bare", ">=", 0.85)],
    )
    return rows + after


def _epoch(t0: float, loader) -> dict:
    """Iterate one epoch; rows/s from ``t0`` and after the first batch, and a checksum."""
    rows = id_sum = chars = 0
    first = None
    for batch in loader:
        if first is None:
            first = time.perf_counter()
        rows += len(batch["id"])
        id_sum += int(batch["id"].sum())
        chars += len(batch["text_a"][0]) + len(batch["text_b"][-1])
    end = time.perf_counter()
    return {
        "value": rows / (end - t0),
        "seconds": end - t0,
        "first_batch_s": first - t0,
        "after_first_s": end - first,
        "rows": rows,
        "id_sum": id_sum,
    }


def crucible(files: list[str], seed: int, scratch: str) -> dict:
    import torch
    from torch.utils.data import DataLoader

    import crucible_torch

    t0 = time.perf_counter()
    ds = crucible_torch.load_dataset("parquet", data_files=files, split="train")
    torch.manual_seed(seed)
    return _epoch(t0, DataLoader(ds, batch_size=BATCH, shuffle=True, collate_fn=ds.collate_fn))


def crucible_sampler(files: list[str], seed: int, scratch: str) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch

    t0 = time.perf_counter()
    ds = crucible_torch.load_dataset("parquet", data_files=files, split="train")
    sampler = crucible_torch.EpochBatchSampler(len(ds), BATCH, seed=seed, drop_last=False)
    return _epoch(t0, DataLoader(ds, batch_sampler=sampler, collate_fn=ds.collate_fn))


def datasets(files: list[str], seed: int, scratch: str) -> dict:
    import datasets as hf
    import torch
    from torch.utils.data import DataLoader

    t0 = time.perf_counter()
    ds = hf.load_dataset("parquet", data_files=files, split="train")
    torch.manual_seed(seed)
    return _epoch(t0, DataLoader(ds, batch_size=BATCH, shuffle=True))


def bare(files: list[str], seed: int, scratch: str) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.dataset  # noqa: F401 - what read_table of several files imports, untimed like every import
    import pyarrow.parquet as pq
    import torch

    t0 = time.perf_counter()
    source = pq.read_table(files).combine_chunks()

    def batches():
        order = np.random.default_rng(seed).permutation(source.num_rows)
        for start in range(0, len(order), BATCH):
            rows = source.take(pa.array(order[start : start + BATCH]))
            yield {
                "id": torch.from_numpy(rows.column("id").to_numpy()),
                "text_a": rows.column("text_a").to_pylist(),
                "text_b": rows.column("text_b").to_pylist(),
                "label": torch.from_numpy(rows.column("label").to_numpy()),
            }

    return _epoch(t0, batches())
