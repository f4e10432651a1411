"""Memory while iterating a prepared 2M-row text split (memory-mapped Arrow), against the split's Arrow size.

Each engine reopens its prepared split (untimed preparation beforehand) and iterates it once, in order,
through ``DataLoader`` batch 1024 in the main process (crucible_torch with ``collate_fn=ds.collate_fn``,
`datasets` in its default python format, bare over the memory-mapped IPC file).

The metric is the growth of anonymous memory during the iteration (peak ``Pss_Anon`` of the run, sampled
every 50 ms, minus the child's own ``Pss_Anon`` just before the first batch) over the size of the engine's
Arrow file: what reading the data costs in memory the kernel cannot take back. The baseline is left out
because it is the interpreter plus torch (~300 MB), the same whatever the split's size. File pages of the
mapping are a different matter: the kernel counts every page a process touched in its RSS (so ``peak RSS``
reaches the Arrow size plus the baseline for any memory-mapped reader that reads every row), but they are
clean page cache that it drops under pressure. The RSS growth over the Arrow size is given in the notes.
Target: crucible_torch's anonymous growth "well under" its Arrow size, read here as <= 0.25x.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from . import data
from .harness import Context, Row, Run, Target, measure, own_memory_mb
from .prepared import prepared_engines

NAME = "mmap_rss"
FULL_ROWS, QUICK_ROWS = 2_000_000, 40_000
BATCH = 1024
TARGETS = [Target("crucible", "", "<=", 0.25)]


def run(ctx: Context) -> list[Row]:
    parquet = data.text_parquet(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)

    def engine(run_one: Callable[[int], Run]) -> Callable[[int], Run]:
        def one(i: int) -> Run:
            result = run_one(i)
            arrow_mb = result.extra["arrow_mb"]
            result.extra["rows_per_s"] = result.value
            result.extra["rss_growth_over_arrow"] = (result.peak_rss_mb - result.extra["rss_before_mb"]) / arrow_mb
            result.value = (result.peak_anon_mb - result.extra["anon_before_mb"]) / arrow_mb
            return result

        return one

    engines = {name: engine(run_one) for name, run_one in prepared_engines(ctx, __name__, parquet).items()}
    out = measure(ctx, NAME, "anon growth / Arrow size", engines, TARGETS)
    for row in out:
        row.note = (
            f"Arrow {row.extra_median('arrow_mb'):.0f} MB; RSS before iterating "
            f"{row.extra_median('rss_before_mb'):.0f} MB, RSS growth / Arrow size "
            f"{row.extra_median('rss_growth_over_arrow'):.2f}; anon before iterating "
            f"{row.extra_median('anon_before_mb'):.0f} MB; {row.extra_median('rows_per_s'):,.0f} rows/s"
        )
    return out


def _iterate(loader, arrow_files: list[str]) -> dict:
    import os

    before = own_memory_mb()
    t0 = time.perf_counter()
    rows = 0
    for batch in loader:
        rows += len(batch["id"])
    elapsed = time.perf_counter() - t0
    arrow_mb = sum(os.path.getsize(f) for f in arrow_files) / 2**20
    return {
        "value": rows / elapsed,
        "seconds": elapsed,
        "rows": rows,
        "arrow_mb": arrow_mb,
        "rss_before_mb": before["rss_mb"],
        "anon_before_mb": before["anon_mb"],
    }


def crucible(parquet: str) -> dict:
    from torch.utils.data import DataLoader

    import crucible_torch

    ds = crucible_torch.load_dataset("parquet", data_files=parquet, split="train")
    files = [f["filename"] for f in ds.cache_files]
    return _iterate(DataLoader(ds, batch_size=BATCH, collate_fn=ds.collate_fn), files)


def datasets(parquet: str) -> dict:
    import datasets as hf
    from torch.utils.data import DataLoader

    ds = hf.load_dataset("parquet", data_files=parquet, split="train")
    files = [f["filename"] for f in ds.cache_files]
    return _iterate(DataLoader(ds, batch_size=BATCH), files)


def bare(parquet: str, table: str) -> dict:
    import torch

    from .prepared import open_bare

    source = open_bare(table)

    def batches():
        for batch in source.to_batches(max_chunksize=BATCH):
            yield {
                "id": torch.from_numpy(batch.column("id").to_numpy()),
                "text_a": batch.column("text_a").to_pylist(),
                "text_b": batch.column("text_b").to_pylist(),
                "label": torch.from_numpy(batch.column("label").to_numpy()),
            }

    return _iterate(batches(), [table])
