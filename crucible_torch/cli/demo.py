"""``make demo``: every dataset of the cookbook registry, loaded over HTTP and read through a DataLoader.

Without ``--endpoint`` it serves the bundled sample repos (``crucible_torch.testing``) on a local Hub and points
the client at it; with ``--endpoint URL`` it does the same against any Hub (a mirror, or huggingface.co). For
each entry it prints one table row: dataset, config, split, rows, features, the first normalised example
(shortened) and rows/s through ``DataLoader(num_workers=2)`` (streamed for the streaming entries). A dataset that
fails to load gets its error in the row; the others still run.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from typing import Any

import torch

from .. import cookbook
from ..cookbook.loader import EXAMPLE

DEMO_SCALE = 4  # sample repos at 4x their test size: small enough to build in seconds, big enough to stream
COLUMNS = (("dataset", 22), ("config", 16), ("split", 10), ("rows", 7), ("features", 34), ("first example", 58))


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _rows_per_second(ds: Any, streaming: bool, num_workers: int, batch_size: int) -> tuple[int, float]:
    """Rows read through a DataLoader with workers, and the rate (start-up of the workers included)."""
    if streaming:
        loader = torch.utils.data.DataLoader(ds.batch(batch_size), batch_size=None, num_workers=num_workers)
    else:
        loader = torch.utils.data.DataLoader(
            ds, batch_size=batch_size, shuffle=True, num_workers=num_workers, collate_fn=ds.collate_fn
        )
    start = time.perf_counter()
    rows = sum(len(next(iter(batch.values()))) for batch in loader)
    return rows, rows / max(time.perf_counter() - start, 1e-9)


def _table_row(entry: cookbook.DatasetEntry, num_workers: int, batch_size: int, token: str | None) -> list[str]:
    config = "+".join(entry.concat.get(entry.default_split, ())) if entry.concat else entry.default_config or ""
    cells = [entry.name, _short(config, 16), entry.default_split]
    try:
        raw = cookbook.load(entry.name, normalise=False, token=token)
        typed = cookbook.load(entry.name, token=token) if entry.normaliser else raw
        features = ", ".join(raw.features or {}) if raw.features else "?"
        first = next(iter(typed))
        example = first[EXAMPLE] if EXAMPLE in first else first
        rows, rate = _rows_per_second(typed, entry.streaming, num_workers, batch_size)
    except Exception as err:  # noqa: BLE001 - one dataset's failure is reported in its row, the table goes on
        return [*cells, "-", "-", _short(f"error: {type(err).__name__}: {err}", 58), "-"]
    count = f"{rows}" if entry.streaming else f"{len(raw)}"
    shown = repr(example) if not isinstance(example, dict) else repr({k: example[k] for k in list(example)[:3]})
    kind = " (streamed)" if entry.streaming else ""
    return [*cells, count, _short(features, 34), _short(shown, 58), f"{rate:,.0f}{kind}"]


def _print_table(entries: Iterable[cookbook.DatasetEntry], num_workers: int, batch_size: int, token: str | None) -> int:
    header = [name.ljust(width) for name, width in COLUMNS] + [f"rows/s ({num_workers} workers)"]
    print(" ".join(header))
    failed = 0
    for entry in entries:
        row = _table_row(entry, num_workers, batch_size, token)
        failed += row[3] == "-"
        print(" ".join(cell.ljust(width) for cell, (_, width) in zip(row, COLUMNS)) + " " + row[-1], flush=True)
    return failed


def _entries(only: Sequence[str] | None) -> list[cookbook.DatasetEntry]:
    return [cookbook.info(name) for name in (only or cookbook.list())]


def run_demo(
    endpoint: str | None = None,
    num_workers: int = 2,
    batch_size: int = 32,
    *,
    scale: float = DEMO_SCALE,
    only: Sequence[str] | None = None,
    token: str | None = None,
) -> int:
    """Print the registry table against the bundled sample Hub, or against ``endpoint``; exit status 1 if any
    dataset failed."""
    entries = _entries(only)
    if endpoint:
        os.environ["HF_ENDPOINT"] = endpoint.rstrip("/")
        print(f"Hub at {os.environ['HF_ENDPOINT']}: {len(entries)} registered datasets\n")
        return int(_print_table(entries, num_workers, batch_size, token) > 0)
    from ..testing import SAMPLE_TOKEN, sample_hub_server

    saved = os.environ.get("CRUCIBLE_TORCH_CACHE")
    with tempfile.TemporaryDirectory(prefix="crucible-demo-") as tmp:
        os.environ["CRUCIBLE_TORCH_CACHE"] = os.path.join(tmp, "prepared")
        try:
            with sample_hub_server(os.path.join(tmp, "repos"), scale=scale, fresh_cache=True) as hub:
                print(f"Sample Hub at {hub.url}: {len(hub.repos)} repos in the layouts of the cookbook's datasets\n")
                start = time.perf_counter()
                failed = _print_table(entries, num_workers, batch_size, token or SAMPLE_TOKEN)
                print(
                    f"\n{len(entries)} datasets in {time.perf_counter() - start:.1f}s over {hub.server.count()} "
                    "HTTP requests (rows/s includes DataLoader worker start-up)"
                )
        finally:
            if saved is None:
                os.environ.pop("CRUCIBLE_TORCH_CACHE", None)
            else:
                os.environ["CRUCIBLE_TORCH_CACHE"] = saved
    return int(failed > 0)
