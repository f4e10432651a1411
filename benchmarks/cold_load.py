"""Cold ``load_dataset("parquet")`` of the 1M-row text split in 8 files: time to the first row, to the last row,
to the first shuffled batch, and until the split is fully prepared.

Every run of every engine is a fresh child with empty caches (``harness.cold_engines``). torch is imported
first, untimed, as in any training script; ``from <library> import load_dataset`` is timed apart
(``import_s``). Each figure is seconds from calling ``load_dataset`` (or, for the bare loop, from its first
pyarrow call) to:

- ``first row`` / ``last row``: ``ds[0]`` / ``ds[-1]`` returned. ``load_s`` (``load_dataset`` returning) is
  kept, and ``last row after load`` is the difference: how long a row takes while the split may still be
  preparing. Bare: the footers, then ``read_row_group`` of the group holding the row.
- ``first shuffled batch``: ``next(iter(DataLoader(ds, batch_size=256, shuffle=True)))`` (crucible_torch with
  ``collate_fn=ds.collate_fn``; `datasets` in its default python format with the default collate). Bare:
  ``pq.read_table`` of the files, a permutation, ``take`` of 256 rows.
- ``prepare``: the whole split converted and memory-mapped (crucible_torch: ``ds.data``, which waits for the
  background conversion; `datasets`: ``load_dataset`` returning). Bare, the limit: ``pq.read_table`` of the
  files (multi-threaded) + one Arrow IPC stream write + memory-map.

The parquet files are read once beforehand, so they are warm in the page cache for every engine.
Targets: the last row within 0.3 s of ``load_dataset`` returning and in <= 0.5x the time of `datasets`;
preparation within 1.15x the bare limit.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import data
from .harness import Context, Row, Target, cold_engines, derived, measure

NAME = "cold_load"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
FILES, BATCH = 8, 256
ENGINES = ("crucible", "datasets", "bare")
KINDS = {
    "first_row": ("first row", "s to ds[0]", []),
    "last_row": ("last row", "s to ds[-1]", [Target("crucible", "datasets", "<=", 0.5)]),
    "shuffled_batch": ("first shuffled batch", "s to 1st batch", []),
    "prepared": ("prepare", "s to prepared", [Target("crucible", "bare", "<=", 1.15)]),
}


def run(ctx: Context) -> list[Row]:
    files = [str(p) for p in data.text_parquet_files(ctx.size(FULL_ROWS, QUICK_ROWS), FILES, ctx.data_dir)]
    for f in files:
        Path(f).read_bytes()  # warm in the page cache for every engine alike
    out: list[Row] = []
    for kind, (workload, metric, targets) in KINDS.items():
        engines = cold_engines(ctx, __name__, ENGINES, lambda name, i, kind=kind: {"files": files, "kind": kind})
        rows = measure(ctx, workload, metric, engines, targets)
        for row in rows:
            row.note = f"load_dataset returned after {row.extra_median('load_s'):.3f} s"
        out += rows
        if kind == "last_row":
            out += derived(
                rows,
                "last row after load",
                "s after load returned",
                lambda r: r.value - r.extra["load_s"],
                [Target("crucible", "", "<=", 0.3)],
            )
    return out


def _timed(load_dataset, t0: float, files: list[str], kind: str, collate: bool) -> dict:
    """Load, then the figure ``kind`` asks for; ``t0`` is when the library import began."""
    t1 = time.perf_counter()
    ds = load_dataset("parquet", data_files=files, split="train")
    loaded = time.perf_counter()
    if kind == "first_row":
        assert ds[0]["id"] == 0
    elif kind == "last_row":
        assert ds[-1]["id"] == len(ds) - 1
    elif kind == "shuffled_batch":
        import torch

        torch.manual_seed(0)
        kwargs = {"collate_fn": ds.collate_fn} if collate else {}
        batch = next(iter(torch.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, **kwargs)))
        assert len(batch["id"]) == BATCH
    else:
        assert ds.data.num_rows == len(ds)
    t2 = time.perf_counter()
    return {"value": t2 - t1, "load_s": loaded - t1, "import_s": t1 - t0, "num_rows": len(ds)}


def crucible(files: list[str], kind: str, scratch: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from crucible_torch import load_dataset

    return _timed(load_dataset, t0, files, kind, collate=True)


def datasets(files: list[str], kind: str, scratch: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from datasets import load_dataset

    return _timed(load_dataset, t0, files, kind, collate=False)


def bare(files: list[str], kind: str, scratch: str) -> dict:
    import numpy as np
    import torch

    t0 = time.perf_counter()
    import pyarrow as pa
    import pyarrow.dataset  # noqa: F401 - what read_table of several files imports, untimed like every import
    import pyarrow.parquet as pq

    t1 = time.perf_counter()
    if kind in ("first_row", "last_row"):
        footers = [pq.ParquetFile(f) for f in files]
        loaded = time.perf_counter()
        source = footers[0] if kind == "first_row" else footers[-1]
        group = 0 if kind == "first_row" else source.num_row_groups - 1
        rows = source.read_row_group(group)
        row = rows.slice(0 if kind == "first_row" else rows.num_rows - 1, 1).to_pylist()[0]
        total = sum(f.metadata.num_rows for f in footers)
        assert row["id"] == (0 if kind == "first_row" else total - 1)
    elif kind == "shuffled_batch":
        table = pq.read_table(files)
        loaded = time.perf_counter()
        order = np.random.default_rng(0).permutation(table.num_rows)[:BATCH]
        rows = table.take(pa.array(order))
        batch = {"id": torch.from_numpy(rows.column("id").to_numpy()), "text_a": rows.column("text_a").to_pylist()}
        assert len(batch["id"]) == BATCH
        total = table.num_rows
    else:
        table = pq.read_table(files)
        out = Path(scratch) / "bare.arrow"
        with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        total = pa.ipc.open_stream(pa.memory_map(str(out))).read_all().num_rows
        loaded = time.perf_counter()
    t2 = time.perf_counter()
    return {"value": t2 - t1, "load_s": loaded - t1, "import_s": t1 - t0, "num_rows": total}
