"""Streaming: the 1M-row text split in 8 parquet files, streamed through DataLoader batch 256, 2 workers.

Runs only when crucible_torch's streaming module is built (``crucible_torch.iterable`` exports
``IterableDataset``); otherwise it prints ``skipped: not built`` and reports nothing. This is the hook for
the streaming module's owner: the crucible_torch engine uses only the documented surface
(``load_dataset(..., streaming=True)``, ``state_dict``/``load_state_dict`` and ``Collator(ds.features)``, which
is what ``ds.collate_fn`` returns), so it needs no change when the module lands.

Throughput: rows/s over the whole split, from creating the DataLoader iterator to its last batch.

- crucible_torch: ``load_dataset("parquet", data_files=<8 files>, split="train", streaming=True)``.
- `datasets`: the same call, in its default python format (its fastest: ``with_format("torch")`` measured
  ~8x slower here), ``DataLoader(ds, batch_size=256, num_workers=2)``; files are split over the workers.
- bare: an ``IterableDataset`` giving worker ``k`` the files ``k::2`` and reading them with
  ``pq.ParquetFile.iter_batches(batch_size=256)``, ints via ``torch.from_numpy``, strings via ``to_pylist``.

- litdata (when ``litdata`` and ``polars`` are installed): ``index_parquet_dataset`` of the files' folder
  (untimed; it writes ``index.json`` there), ``StreamingDataset(folder, item_loader=ParquetLoader())`` and
  ``StreamingDataLoader(batch_size=256, num_workers=2, multiprocessing_context="spawn")`` (LitData refuses
  ``fork`` with its polars-based parquet loader).

Every run starts from empty caches. Targets: crucible_torch >= 1.8x the rows/s of `datasets`, >= 1.0x bare
and >= 1.2x LitData.

Resume latency at 0%, 50% and 90% of the split: each engine iterates to the position in one child
(untimed) and saves its ``state_dict``; a fresh child builds the dataset (untimed), then is timed from
``load_state_dict`` to the first batch of ``DataLoader(ds, batch_size=256)`` (main process). Reported
against `datasets` (which re-reads the shard up to the saved example).
"""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import torch.utils.data

from . import data
from .harness import Context, Row, Target, cache_env, cold_engines, measure, remove_tree, run_child

NAME = "streaming"
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
FILES, BATCH, WORKERS = 8, 256, 2
RESUME_AT = (0.0, 0.5, 0.9)
TARGETS = [
    Target("crucible", "datasets", ">=", 1.8),
    Target("crucible", "bare", ">=", 1.0),
    Target("crucible", "litdata", ">=", 1.2),
]


def litdata_available() -> bool:
    """True when LitData and the polars its parquet loader needs are importable."""
    try:
        import litdata  # noqa: F401
        import polars  # noqa: F401
    except ImportError:
        return False
    return True


def run(ctx: Context) -> list[Row]:
    rows = ctx.size(FULL_ROWS, QUICK_ROWS)
    files = [str(p) for p in data.text_parquet_files(rows, FILES, ctx.data_dir)]
    names = ("crucible", "datasets", "bare") + (("litdata",) if litdata_available() else ())
    if "litdata" not in names:
        print(f"{NAME}: litdata engine skipped: litdata or polars is not installed", flush=True)
    engines = cold_engines(ctx, __name__, names, lambda name, i: {"files": files})
    out = measure(ctx, NAME, "rows/s", engines, TARGETS)
    for fraction in RESUME_AT:
        position = int(rows * fraction)
        states = {}
        for name in ("crucible", "datasets"):
            state = ctx.work_dir / f"state-{name}-{position}.pkl"
            root = ctx.scratch(f"streaming-state-{name}")
            payload = {"files": files, "position": position, "out": str(state)}
            run_child(__name__, f"{name}_state", payload, env=cache_env(root))
            remove_tree(root)
            states[name] = state

        def resume(name: str, states: dict = states, position: int = position):
            def one(i: int):
                root = ctx.scratch(f"streaming-resume-{name}-{i}")
                payload = {"files": files, "state": str(states[name]), "position": position}
                try:
                    return run_child(__name__, f"{name}_resume", payload, env=cache_env(root))
                finally:
                    remove_tree(root)

            return one

        out += measure(ctx, f"resume@{fraction:.0%}", "s to first batch", {n: resume(n) for n in states})
    return out


def _epoch(loader) -> dict:
    t0 = time.perf_counter()
    rows = id_sum = 0
    for batch in loader:
        rows += len(batch["id"])
        id_sum += int(batch["id"].sum())
    elapsed = time.perf_counter() - t0
    return {"value": rows / elapsed, "seconds": elapsed, "rows": rows, "id_sum": id_sum}


def _crucible_stream(files: list[str]):
    import crucible_torch

    return crucible_torch.load_dataset("parquet", data_files=files, split="train", streaming=True)


def _datasets_stream(files: list[str]):
    import datasets as hf

    return hf.load_dataset("parquet", data_files=files, split="train", streaming=True)


def _loader(ds, num_workers: int, collate_fn=None):
    from torch.utils.data import DataLoader

    return DataLoader(ds, batch_size=BATCH, num_workers=num_workers, collate_fn=collate_fn)


def _collator(ds):
    """``Collator(ds.features)``: what ``ds.collate_fn`` documents, built through the public name."""
    from crucible_torch import Collator

    return Collator(ds.features)


def crucible(files: list[str], scratch: str) -> dict:
    ds = _crucible_stream(files)
    return _epoch(_loader(ds, WORKERS, _collator(ds)))


def datasets(files: list[str], scratch: str) -> dict:
    return _epoch(_loader(_datasets_stream(files), WORKERS))


def litdata(files: list[str], scratch: str) -> dict:
    import litdata as ld
    from litdata.streaming.item_loader import ParquetLoader

    folder = str(Path(files[0]).parent)
    ld.index_parquet_dataset(folder)
    ds = ld.StreamingDataset(folder, item_loader=ParquetLoader(), cache_dir=f"{scratch}/litdata")
    loader = ld.StreamingDataLoader(ds, batch_size=BATCH, num_workers=WORKERS, multiprocessing_context="spawn")
    return _epoch(loader)


class ParquetBatches(torch.utils.data.IterableDataset):
    """The bare baseline: worker ``k`` of ``n`` reads files ``k::n`` with ``iter_batches``."""

    def __init__(self, files: list[str]):
        self.files = files

    def __iter__(self):
        import pyarrow.parquet as pq

        info = torch.utils.data.get_worker_info()
        mine = self.files[info.id :: info.num_workers] if info is not None else self.files
        for path in mine:
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
                yield {
                    "id": torch.from_numpy(batch.column("id").to_numpy()),
                    "text_a": batch.column("text_a").to_pylist(),
                    "text_b": batch.column("text_b").to_pylist(),
                    "label": torch.from_numpy(batch.column("label").to_numpy()),
                }


def bare(files: list[str], scratch: str) -> dict:
    return _epoch(torch.utils.data.DataLoader(ParquetBatches(files), batch_size=None, num_workers=WORKERS))


def _save_state(ds, position: int, out: str) -> dict:
    """Iterate ``position`` examples (none for 0) and save the state there."""
    if position:
        for i, _ in enumerate(ds):
            if i + 1 == position:
                break
    Path(out).write_bytes(pickle.dumps(ds.state_dict()))
    return {"value": position}


def _resume(ds, state: str, position: int, collate_fn=None) -> dict:
    loaded = pickle.loads(Path(state).read_bytes())
    t0 = time.perf_counter()
    ds.load_state_dict(loaded)
    batch = next(iter(_loader(ds, 0, collate_fn)))
    elapsed = time.perf_counter() - t0
    first_id = int(batch["id"][0])
    if first_id != position:  # ids are row numbers in file order
        raise AssertionError(f"resumed at row {first_id}, expected row {position}")
    return {"value": elapsed, "first_id": first_id}


def crucible_state(files: list[str], position: int, out: str) -> dict:
    return _save_state(_crucible_stream(files), position, out)


def datasets_state(files: list[str], position: int, out: str) -> dict:
    return _save_state(_datasets_stream(files), position, out)


def crucible_resume(files: list[str], state: str, position: int) -> dict:
    ds = _crucible_stream(files)
    return _resume(ds, state, position, _collator(ds))


def datasets_resume(files: list[str], state: str, position: int) -> dict:
    return _resume(_datasets_stream(files), state, position)
