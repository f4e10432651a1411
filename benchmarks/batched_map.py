"""Batched ``map`` adding a column over the prepared 1M-row text split.

Measured: rows/s of ``ds.map(add_length, batched=True)`` (batch 1000, both libraries' default) with
``load_from_cache_file=False`` and an explicit ``cache_file_name`` in scratch (the engine's previous result is
deleted first), up to the result's last row read back. ``add_length`` returns
``{"len_a": [len(s) for s in batch["text_a"]]}``. The splits are prepared beforehand (untimed). The bare
baseline is a hand-written pyarrow loop over the memory-mapped table: per 1000 rows, ``text_a`` to Python, the
same function, the column appended, the batch written to an Arrow IPC file.
Target: crucible_torch >= 1.3x the rows/s of `datasets`.
"""

from __future__ import annotations

import time

from . import data
from .harness import Context, Row, Target, measure
from .prepared import open_bare, prepared_engines

NAME = "batched_map"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
TARGETS = [Target("crucible", "datasets", ">=", 1.3)]


def add_length(batch: dict) -> dict:
    """The mapped function: one new integer column from a string column."""
    return {"len_a": [len(s) for s in batch["text_a"]]}


def run(ctx: Context) -> list[Row]:
    parquet = data.text_parquet(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)

    def payload(name: str, i: int) -> dict:
        # one scratch dir per engine, emptied at each run, so at most one result per engine is on disk
        return {"out": str(ctx.scratch(f"map-{name}") / "mapped.arrow")}

    return measure(ctx, NAME, "rows/s", prepared_engines(ctx, __name__, parquet, payload), TARGETS)


def _timed_map(load_dataset, parquet: str, out: str) -> dict:
    ds = load_dataset("parquet", data_files=parquet, split="train")
    t0 = time.perf_counter()
    mapped = ds.map(add_length, batched=True, load_from_cache_file=False, cache_file_name=out)
    last = mapped[len(mapped) - 1]
    elapsed = time.perf_counter() - t0
    assert last["len_a"] == len(last["text_a"])
    return {"value": len(mapped) / elapsed, "seconds": elapsed}


def crucible(parquet: str, out: str) -> dict:
    from crucible_torch import load_dataset

    return _timed_map(load_dataset, parquet, out)


def datasets(parquet: str, out: str) -> dict:
    from datasets import load_dataset

    return _timed_map(load_dataset, parquet, out)


def bare(parquet: str, out: str, table: str) -> dict:
    import pyarrow as pa

    source = open_bare(table)
    t0 = time.perf_counter()
    schema = source.schema.append(pa.field("len_a", pa.int64()))
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in source.to_batches(max_chunksize=1000):
            values = add_length({"text_a": batch.column("text_a").to_pylist()})["len_a"]
            writer.write_batch(
                pa.RecordBatch.from_arrays([*batch.columns, pa.array(values, pa.int64())], schema=schema)
            )
    mapped = pa.ipc.open_stream(pa.memory_map(out)).read_all()
    last = mapped.slice(mapped.num_rows - 1).to_pylist()[0]
    elapsed = time.perf_counter() - t0
    assert last["len_a"] == len(last["text_a"])
    return {"value": mapped.num_rows / elapsed, "seconds": elapsed}
