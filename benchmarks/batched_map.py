"""Batched ``map`` adding a word-count column to the 1M-row text split in 8 files, from a cold cache.

Measured: rows/s from calling ``load_dataset`` (empty caches: the split is converted in the same run) through
``ds.map(word_count, batched=True)`` (batch 1000, both libraries' default; the result is cached in the
fresh cache directory) to the result's last row read back. ``word_count`` returns
``{"words": [len(s.split()) for s in batch["text_a"]]}``. The bare baseline is a hand-written pyarrow loop:
per row group of each file, ``text_a`` to Python, the same function, the column appended, the batch written to
an Arrow IPC file, which is then memory-mapped and its last row read.
Target: crucible_torch >= 1.5x the rows/s of `datasets`.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import data
from .harness import Context, Row, Target, cold_engines, measure

NAME = "batched_map"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
FILES = 8
TARGETS = [Target("crucible", "datasets", ">=", 1.5)]


def word_count(batch: dict) -> dict:
    """The mapped function: one new integer column from a string column."""
    return {"words": [len(s.split()) for s in batch["text_a"]]}


def run(ctx: Context) -> list[Row]:
    files = [str(p) for p in data.text_parquet_files(ctx.size(FULL_ROWS, QUICK_ROWS), FILES, ctx.data_dir)]
    for f in files:
        Path(f).read_bytes()
    engines = cold_engines(ctx, __name__, ("crucible", "datasets", "bare"), lambda name, i: {"files": files})
    return measure(ctx, NAME, "rows/s", engines, TARGETS)


def _timed_map(load_dataset, files: list[str]) -> dict:
    t0 = time.perf_counter()
    ds = load_dataset("parquet", data_files=files, split="train")
    loaded = time.perf_counter()
    mapped = ds.map(word_count, batched=True)
    last = mapped[len(mapped) - 1]
    elapsed = time.perf_counter() - t0
    assert last["words"] == len(last["text_a"].split())
    return {"value": len(mapped) / elapsed, "seconds": elapsed, "load_s": loaded - t0}


def crucible(files: list[str], scratch: str) -> dict:
    import torch  # noqa: F401 - imported before timing in every engine, as in a training script

    from crucible_torch import load_dataset

    return _timed_map(load_dataset, files)


def datasets(files: list[str], scratch: str) -> dict:
    import torch  # noqa: F401
    from datasets import load_dataset

    return _timed_map(load_dataset, files)


def bare(files: list[str], scratch: str) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import torch  # noqa: F401

    out = str(Path(scratch) / "mapped.arrow")
    t0 = time.perf_counter()
    sources = [pq.ParquetFile(f) for f in files]
    schema = sources[0].schema_arrow.append(pa.field("words", pa.int64()))
    with pa.OSFile(out, "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for source in sources:
            for group in range(source.num_row_groups):
                batch = source.read_row_group(group).combine_chunks().to_batches()[0]
                values = word_count({"text_a": batch.column("text_a").to_pylist()})["words"]
                writer.write_batch(
                    pa.RecordBatch.from_arrays([*batch.columns, pa.array(values, pa.int64())], schema=schema)
                )
    mapped = pa.ipc.open_stream(pa.memory_map(out)).read_all()
    last = mapped.slice(mapped.num_rows - 1).to_pylist()[0]
    elapsed = time.perf_counter() - t0
    assert last["words"] == len(last["text_a"].split())
    return {"value": mapped.num_rows / elapsed, "seconds": elapsed, "load_s": 0.0}
