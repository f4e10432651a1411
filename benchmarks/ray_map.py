"""A tokenising ``map`` over the prepared 1M-row text split: ``map(num_proc=2)`` vs ``crucible_torch.ray.map``.

Both run on the same 2 CPUs, so the ratio is the engine's overhead, not a speed-up: what a job pays for Ray
scheduling, task start-up and writing through Ray Data instead of two forked processes. (Across machines the
Ray figure is the one that scales; see the README's "Preprocessing on a Ray cluster".)

Measured: rows/s of one ``map(tokenize, batched=True)`` (batch 1000) with ``load_from_cache_file=False``, from
the call until the result's last row is read back; ``tokenize`` maps each whitespace word of ``text_a`` to
``crc32(word) % 50000``. Every run is a fresh process with empty caches that prepares the split first
(untimed), so nothing of the map is cached. The Ray engine starts its local cluster (``ray.init(num_cpus=2)``)
before the clock starts (timed apart as ``cluster_start_s``: an existing cluster is the use case); its timed
map includes the start of the Ray worker processes and their imports, as a first job on a cluster does.
``warm_s`` is a second identical map in the same process (worker processes already up, forks already cheap).
``checksum`` (sum of all token ids) shows both engines computed the same result.
"""

from __future__ import annotations

import time
import zlib

from . import data
from .harness import Context, Row, cold_engines, measure

NAME = "ray_map"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
CPUS = 2
VOCABULARY = 50_000


def tokenize(batch: dict) -> dict:
    """The mapped function: hashed word ids of ``text_a``."""
    return {"input_ids": [[zlib.crc32(w.encode()) % VOCABULARY for w in text.split()] for text in batch["text_a"]]}


def available() -> bool:
    try:
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def run(ctx: Context) -> list[Row]:
    if not available():
        print(f"{NAME}: skipped: ray is not installed (pip install 'crucible-torch[ray]')", flush=True)
        return []
    parquet = data.text_parquet(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)
    engines = cold_engines(ctx, __name__, ("num_proc", "ray"), lambda name, i: {"parquet": str(parquet)})
    rows = measure(ctx, NAME, "rows/s", engines)
    local, remote = rows
    sums = {r.extra_median("checksum") for r in rows}
    remote.note = (
        f"time vs map(num_proc={CPUS}): {local.median / remote.median:.2f}x "
        f"(warm second map: {remote.extra_median('warm_s') / local.extra_median('warm_s'):.2f}x); "
        f"cluster start {remote.extra_median('cluster_start_s'):.1f} s, not timed; "
        f"results {'identical' if len(sums) == 1 else 'DIFFER'} (token id checksum)"
    )
    return rows


def _timed(map_once) -> tuple[float, int, float]:
    """Seconds to the last row of a fresh map, its checksum, and seconds for a second one."""
    t0 = time.perf_counter()
    mapped = map_once()
    last = mapped[len(mapped) - 1]
    elapsed = time.perf_counter() - t0
    assert last["input_ids"] == tokenize({"text_a": [last["text_a"]]})["input_ids"][0]
    import pyarrow.compute as pc

    checksum = int(pc.sum(pc.list_flatten(mapped.with_format("arrow")["input_ids"])).as_py())
    t1 = time.perf_counter()
    again = map_once()
    again[len(again) - 1]
    return elapsed, checksum, time.perf_counter() - t1


def _prepared(parquet: str):
    """The split, converted into the run's empty cache before any clock starts."""
    from crucible_torch import load_dataset

    ds = load_dataset("parquet", data_files=parquet, split="train")
    assert ds.data.num_rows == len(ds)
    return ds


def num_proc(parquet: str, scratch: str) -> dict:
    ds = _prepared(parquet)
    elapsed, checksum, warm = _timed(lambda: ds.map(tokenize, batched=True, num_proc=CPUS, load_from_cache_file=False))
    return {"value": len(ds) / elapsed, "seconds": elapsed, "checksum": checksum, "warm_s": warm}


def ray(parquet: str, scratch: str) -> dict:
    import logging

    import ray as ray_module
    import ray.data

    from crucible_torch.ray import map as ray_map

    t0 = time.perf_counter()
    ray_module.init(
        num_cpus=CPUS, object_store_memory=512 << 20, include_dashboard=False, logging_level=logging.WARNING
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    started = time.perf_counter() - t0
    ds = _prepared(parquet)
    try:
        elapsed, checksum, warm = _timed(lambda: ray_map(ds, tokenize, load_from_cache_file=False))
    finally:
        ray_module.shutdown()
    return {
        "value": len(ds) / elapsed,
        "seconds": elapsed,
        "checksum": checksum,
        "warm_s": warm,
        "cluster_start_s": started,
    }
