"""Cold ``load_dataset("csv")`` of a 200k-row text file (~110 MB), to the first row.

Measured as in ``cold_load``: seconds from calling ``load_dataset`` to ``ds[0]`` returned, every cache empty
(a fresh cache directory per run), the CSV file read once beforehand so it is warm in the page cache, torch
imported untimed and the library import reported apart. The file has ``id``, ``text_a``, ``text_b``
(200-300 characters of words) and ``label``. `datasets` parses it with pandas (its csv builder);
crucible_torch with Arrow's parser for the rows and Arrow compute for pandas' type rules; the bare baseline is
``pyarrow.csv.open_csv`` -> Arrow IPC stream file -> memory-map -> first row (Arrow's own type inference,
which is not pandas'). No target: the ratios are reported.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import data
from .harness import Context, Row, Target, cache_env, measure, remove_tree, run_child

NAME = "csv_load"
FULL_ROWS, QUICK_ROWS = 200_000, 20_000
TARGETS: list[Target] = []  # no issue sets one yet: the ratio is reported


def run(ctx: Context) -> list[Row]:
    csv = data.text_csv(ctx.size(FULL_ROWS, QUICK_ROWS), ctx.data_dir)
    csv.read_bytes()  # warm in the page cache for every engine alike

    def engine(name: str):
        def one(i: int):
            root = ctx.scratch(f"csv-{name}-{i}")
            try:
                return run_child(__name__, name, {"csv": str(csv), "cache": str(root)}, env=cache_env(root))
            finally:
                remove_tree(root)

        return one

    out = measure(ctx, NAME, "s to first row", {n: engine(n) for n in ("crucible", "datasets", "bare")}, TARGETS)
    for row in out:
        row.note = f"library import {row.extra_median('import_s'):.2f} s (not in the metric)"
    return out


def _timed_load(load_dataset, t0: float, csv: str) -> dict:
    t1 = time.perf_counter()
    ds = load_dataset("csv", data_files=csv, split="train")
    first = ds[0]
    t2 = time.perf_counter()
    assert first["id"] == 0
    return {"value": t2 - t1, "import_s": t1 - t0, "num_rows": len(ds)}


def crucible(csv: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from crucible_torch import load_dataset

    return _timed_load(load_dataset, t0, csv)


def datasets(csv: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    from datasets import load_dataset

    return _timed_load(load_dataset, t0, csv)


def bare(csv: str, cache: str) -> dict:
    import torch  # noqa: F401

    t0 = time.perf_counter()
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    t1 = time.perf_counter()
    out = Path(cache) / "bare.arrow"
    out.parent.mkdir(parents=True, exist_ok=True)
    reader = pa_csv.open_csv(csv)
    with pa.OSFile(str(out), "wb") as sink, pa.ipc.new_stream(sink, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
    table = pa.ipc.open_stream(pa.memory_map(str(out))).read_all()
    first = table.slice(0, 1).to_pylist()[0]
    t2 = time.perf_counter()
    assert first["id"] == 0
    return {"value": t2 - t1, "import_s": t1 - t0, "num_rows": table.num_rows}
