"""Warm caches for the workloads that start from a prepared split (map, epoch, memory, images).

Each engine's preparation runs once per data file and benchmark invocation (so it always matches the
library code being measured), untimed, in its own child: crucible_torch's and `datasets`' ``load_dataset``
fill their caches under ``<scratch dir>/prepared/<file stem>/``, and the bare
baseline writes the table to one memory-mappable Arrow IPC file with a single record batch (the layout a
hand-written pyarrow loop would choose: ``take`` never has to stitch chunks). A marker file records that a
preparation finished, so an interrupted one is redone.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .harness import Context, Run, cache_env, run_child

BARE_FILE = "bare/table.arrow"


def cache_root(ctx: Context, parquet: Path) -> Path:
    return ctx.work_dir / "prepared" / parquet.stem


def prepare(ctx: Context, parquet: Path, engines: tuple[str, ...] = ("crucible", "datasets", "bare")) -> Path:
    """The cache root holding every engine's prepared copy of ``parquet``."""
    root = cache_root(ctx, parquet)
    root.mkdir(parents=True, exist_ok=True)
    for engine in engines:
        marker = root / f".{engine}.prepared"
        if marker.exists():
            continue
        ctx.log(f"preparing {parquet.name} for {engine} (untimed)")
        payload = (
            {"parquet": str(parquet)} if engine != "bare" else {"parquet": str(parquet), "out": str(root / BARE_FILE)}
        )
        run_child(__name__, f"prepare_{engine}", payload, env=cache_env(root))
        marker.touch()
    return root


def prepared_engines(
    ctx: Context, module: str, parquet: Path, payload: Callable[[str, int], dict[str, Any]] | None = None
) -> dict[str, Callable[[int], Run]]:
    """The crucible, datasets and bare runs of ``module`` over the prepared ``parquet``.

    Run ``i`` of engine ``name`` calls ``module.<name>(parquet=..., **payload(name, i))`` in a child, with the
    caches holding the prepared copies; the bare engine also gets ``table``, its Arrow IPC file.
    """
    root = prepare(ctx, parquet)

    def engine(name: str) -> Callable[[int], Run]:
        def one(i: int) -> Run:
            args = {"parquet": str(parquet), **(payload(name, i) if payload else {})}
            if name == "bare":
                args["table"] = str(root / BARE_FILE)
            return run_child(module, name, args, env=cache_env(root))

        return one

    return {name: engine(name) for name in ("crucible", "datasets", "bare")}


def prepare_crucible(parquet: str) -> dict:
    import crucible_torch

    ds = crucible_torch.load_dataset("parquet", data_files=parquet, split="train")
    return {"value": len(ds)}


def prepare_datasets(parquet: str) -> dict:
    import datasets

    ds = datasets.load_dataset("parquet", data_files=parquet, split="train")
    return {"value": len(ds)}


def prepare_bare(parquet: str, out: str) -> dict:
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(parquet).combine_chunks()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = f"{out}.{os.getpid()}.tmp"
    with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=table.num_rows or None)
    os.replace(tmp, out)
    return {"value": table.num_rows}


def open_bare(path: str):
    """The bare baseline's table, memory-mapped (no copy into process memory)."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.memory_map(path)).read_all()
