"""Cold ``load_dataset("parquet")`` of a 1M-row text split, to the first row.

Measured: seconds from calling ``load_dataset`` to ``ds[0]`` returned, with every cache of both libraries
empty (each run gets a fresh cache directory). torch is imported first, untimed, in every engine, as in any
PyTorch training script; ``from <library> import load_dataset`` is timed apart (``import_s``; it loads
crucible_torch's loading modules, which ``import crucible_torch`` defers); ``ds[0]`` alone is also reported
(``first_row_s``). Nothing else is dropped: the parquet file is read once beforehand, so it is warm in the page
cache for every engine. The bare baseline is the conversion itself: ``ParquetFile.read_row_group`` per row
group -> Arrow IPC stream file in 1000-row record batches (measured ~35% faster here than writing each 50,000-row
group as one batch) -> memory-map -> first row. Target: crucible_torch <= 0.7x the time of `datasets`.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import data
from .harness import Context, Row, Target, cache_env, measure, remove_tree, run_child

NAME = "cold_load"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
TARGETS = [Target("crucible", "datasets", "<=", 0.7)]


def run(ctx: Context) -> list[Row]:
    parquet = data.text_parquet(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)
    parquet.read_bytes()  # warm in the page cache for every engine alike

    def engine(name: str):
        def one(i: int):
            root = ctx.scratch(f"cold-{name}-{i}")
            try:
                return run_child(__name__, name, {"parquet": str(parquet), "cache": str(root)}, env=cache_env(root))
            finally:
                remove_tree(root)

        return one

    out = measure(ctx, NAME, "s to first row", {n: engine(n) for n in ("crucible", "datasets", "bare")}, TARGETS)
    for row in out:
        row.note = (
            f"library import {row.extra_median('import_s'):.2f} s (not in the metric); "
            f"ds[0] after load {row.extra_median('first_row_s'):.3f} s (in it)"
        )
    return out


def _timed_load(load_dataset, t0: float, parquet: str) -> dict:
    """``load_dataset`` to the first row; ``t0`` is when the library import began."""
    t1 = time.perf_counter()
    ds = load_dataset("parquet", data_files=parquet, split="train")
    loaded = time.perf_counter()
    first = ds[0]
    t2 = time.perf_counter()
    assert first["id"] == 0
    return {"value": t2 - t1, "import_s": t1 - t0, "first_row_s": t2 - loaded, "num_rows": len(ds)}


def crucible(parquet: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from crucible_torch import load_dataset

    return _timed_load(load_dataset, t0, parquet)


def datasets(parquet: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from datasets import load_dataset

    return _timed_load(load_dataset, t0, parquet)


def bare(parquet: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    import pyarrow as pa
    import pyarrow.parquet as pq

    t1 = time.perf_counter()
    out = Path(cache) / "bare.arrow"
    out.parent.mkdir(parents=True, exist_ok=True)
    source = pq.ParquetFile(parquet)
    with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_stream(sink, source.schema_arrow) as writer:
        for i in range(source.num_row_groups):
            writer.write_table(source.read_row_group(i), max_chunksize=1000)
    table = pa.ipc.open_stream(pa.memory_map(str(out))).read_all()
    loaded = time.perf_counter()
    first = table.slice(0, 1).to_pylist()[0]
    t2 = time.perf_counter()
    assert first["id"] == 0
    return {"value": t2 - t1, "import_s": t1 - t0, "first_row_s": t2 - loaded, "num_rows": table.num_rows}
