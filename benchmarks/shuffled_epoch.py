"""Workload (a): one shuffled epoch over the prepared 1M-row text split, DataLoader batch 256, main process.

Measured: rows/s from creating the DataLoader iterator to the last batch (every batch's ``id`` and ``label``
tensors and two lists of strings). crucible_torch: ``DataLoader(ds, 256, shuffle=True,
collate_fn=ds.collate_fn)`` (one Arrow gather per batch, column-wise tensors). `datasets`: its documented
PyTorch path, ``ds.with_format("torch")`` + ``DataLoader(ds, 256, shuffle=True)`` (``__getitems__`` + default
collate). Bare: the memory-mapped single-batch Arrow table, a numpy permutation, ``take`` per batch, ints via
``torch.from_numpy``, strings via ``to_pylist``. Target: crucible_torch >= 2.0x the rows/s of `datasets`.
"""

from __future__ import annotations

import time

from . import data
from .harness import Context, Row, Target, measure
from .prepared import open_bare, prepared_engines

NAME = "shuffled_epoch"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
BATCH = 256
TARGETS = [Target("crucible", "datasets", ">=", 2.0)]


def run(ctx: Context) -> list[Row]:
    parquet = data.text_parquet(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)
    engines = prepared_engines(ctx, __name__, parquet, lambda name, i: {"seed": i})
    return measure(ctx, NAME, "rows/s", engines, TARGETS)


def _epoch(loader) -> dict:
    """Iterate one epoch; rows/s and a checksum that every engine must agree on."""
    t0 = time.perf_counter()
    rows = id_sum = chars = 0
    for batch in loader:
        rows += len(batch["id"])
        id_sum += int(batch["id"].sum())
        chars += len(batch["text_a"][0]) + len(batch["text_b"][-1])
    elapsed = time.perf_counter() - t0
    return {"value": rows / elapsed, "seconds": elapsed, "rows": rows, "id_sum": id_sum}


def crucible(parquet: str, seed: int) -> dict:
    import torch
    from torch.utils.data import DataLoader

    import crucible_torch

    ds = crucible_torch.load_dataset("parquet", data_files=parquet, split="train")
    torch.manual_seed(seed)
    return _epoch(DataLoader(ds, batch_size=BATCH, shuffle=True, collate_fn=ds.collate_fn))


def datasets(parquet: str, seed: int) -> dict:
    import datasets as hf
    import torch
    from torch.utils.data import DataLoader

    ds = hf.load_dataset("parquet", data_files=parquet, split="train").with_format("torch")
    torch.manual_seed(seed)
    return _epoch(DataLoader(ds, batch_size=BATCH, shuffle=True))


def bare(parquet: str, seed: int, table: str) -> dict:
    import numpy as np
    import pyarrow as pa
    import torch

    source = open_bare(table)

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

    return _epoch(batches())
