"""Memory while iterating the prepared 1M-row text split (8 files, memory-mapped Arrow), against its Arrow size.

Each engine loads the split from empty caches and waits until it is prepared (untimed; crucible_torch:
``ds.data``), then iterates it once, in order, through ``DataLoader`` batch 1024 in the main process
(crucible_torch with ``collate_fn=ds.collate_fn``, `datasets` in its default python format, bare over an IPC
file holding ``pq.read_table`` of the files as one record batch, memory-mapped).

The metric is the growth of anonymous memory during the iteration (the child's own peak ``Pss_Anon`` while it
iterates, sampled every 20 ms on a thread, minus its ``Pss_Anon`` just before the first batch) over the size of the
engine's Arrow file (the run's peak, preparation included, is in the notes): what reading the data costs in memory
the kernel cannot take back. The baseline is left out because it is the interpreter plus torch (~300 MB), the same
whatever the split's size. File pages of the mapping are a different matter: the kernel counts every page a process
touched in its RSS (so ``peak RSS`` reaches the Arrow size plus the baseline for any memory-mapped reader that
reads every row), but they are clean page cache that it drops under pressure. The RSS growth over the Arrow size is
given in the notes.
Target: crucible_torch's anonymous growth "well under" its Arrow size, read here as <= 0.25x.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from . import data
from .harness import Context, Row, Run, Target, cold_engines, measure, own_memory_mb

NAME = "mmap_rss"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
FILES = 8
BATCH = 1024
SAMPLE_S = 0.02
TARGETS = [Target("crucible", "", "<=", 0.25)]


def run(ctx: Context) -> list[Row]:
    files = [str(p) for p in data.text_parquet_files(ctx.size(FULL_ROWS, QUICK_ROWS), FILES, ctx.data_dir)]

    def engine(run_one: Callable[[int], Run]) -> Callable[[int], Run]:
        def one(i: int) -> Run:
            result = run_one(i)
            arrow_mb = result.extra["arrow_mb"]
            result.extra["rows_per_s"] = result.value
            result.extra["rss_growth_over_arrow"] = (result.peak_rss_mb - result.extra["rss_before_mb"]) / arrow_mb
            before = result.extra["anon_before_mb"]
            result.extra["run_anon_growth_over_arrow"] = (result.peak_anon_mb - before) / arrow_mb
            result.value = (result.extra["anon_peak_iterating_mb"] - before) / arrow_mb
            return result

        return one

    cold = cold_engines(ctx, __name__, ("crucible", "datasets", "bare"), lambda name, i: {"files": files})
    engines = {name: engine(run_one) for name, run_one in cold.items()}
    out = measure(ctx, NAME, "anon growth / Arrow size", engines, TARGETS)
    for row in out:
        row.note = (
            f"Arrow {row.extra_median('arrow_mb'):.0f} MB; RSS before iterating "
            f"{row.extra_median('rss_before_mb'):.0f} MB, RSS growth / Arrow size "
            f"{row.extra_median('rss_growth_over_arrow'):.2f}; anon before iterating "
            f"{row.extra_median('anon_before_mb'):.0f} MB; the whole run's anon peak (preparing included) over the "
            f"Arrow size {row.extra_median('run_anon_growth_over_arrow'):.2f}; "
            f"{row.extra_median('rows_per_s'):,.0f} rows/s"
        )
    return out


def _iterate(loader, arrow_files: list[str]) -> dict:
    import os

    before = own_memory_mb()
    peak_anon = [before["anon_mb"]]
    stop = threading.Event()

    def sample() -> None:  # this process's own peak during the iteration (the run's peak includes preparing)
        while not stop.wait(SAMPLE_S):
            peak_anon[0] = max(peak_anon[0], own_memory_mb()["anon_mb"])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    rows = 0
    for batch in loader:
        rows += len(batch["id"])
    elapsed = time.perf_counter() - t0
    stop.set()
    sampler.join()
    peak_anon[0] = max(peak_anon[0], own_memory_mb()["anon_mb"])
    arrow_mb = sum(os.path.getsize(f) for f in arrow_files) / 2**20
    return {
        "value": rows / elapsed,
        "seconds": elapsed,
        "rows": rows,
        "arrow_mb": arrow_mb,
        "rss_before_mb": before["rss_mb"],
        "anon_before_mb": before["anon_mb"],
        "anon_peak_iterating_mb": peak_anon[0],
    }


def crucible(files: list[str], scratch: str) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch

    ds = crucible_torch.load_dataset("parquet", data_files=files, split="train")
    assert ds.data.num_rows == len(ds)  # prepared: the background conversion is finished
    arrow = [f["filename"] for f in ds.cache_files]
    return _iterate(DataLoader(ds, batch_size=BATCH, collate_fn=ds.collate_fn), arrow)


def datasets(files: list[str], scratch: str) -> dict:
    import datasets as hf
    from torch.utils.data import DataLoader

    ds = hf.load_dataset("parquet", data_files=files, split="train")
    arrow = [f["filename"] for f in ds.cache_files]
    return _iterate(DataLoader(ds, batch_size=BATCH), arrow)


def bare(files: list[str], scratch: str) -> dict:
    import pyarrow as pa
    import pyarrow.dataset  # noqa: F401 - what read_table of several files imports, untimed like every import
    import pyarrow.parquet as pq
    import torch

    path = f"{scratch}/bare.arrow"
    table = pq.read_table(files).combine_chunks()
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=table.num_rows or None)
    del table
    source = pa.ipc.open_file(pa.memory_map(path)).read_all()

    def batches():
        for batch in source.to_batches(max_chunksize=BATCH):
            yield {
                "id": torch.from_numpy(batch.column("id").to_numpy()),
                "text_a": batch.column("text_a").to_pylist(),
                "text_b": batch.column("text_b").to_pylist(),
                "label": torch.from_numpy(batch.column("label").to_numpy()),
            }

    return _iterate(batches(), [path])
