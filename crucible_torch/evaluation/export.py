"""Evaluation results out of Python: JSON Lines, CSV or Parquet files, and a text table.

``export_results(result, "out/gsm8k.parquet")`` writes the per-example rows to that file and the aggregates
(one row per value: run, dataset, config, split, revision, model, metric, value) to
``out/gsm8k.aggregates.parquet``, in the format the suffix names. Parquet files carry the Features in their
schema metadata (the ``huggingface`` key, as `datasets` writes it, so a ``ClassLabel`` kept column still has
its names when read back by either library) and the run's metadata as JSON under ``crucible_torch.run``. CSV
holds no nested values, so list and struct columns are written there as JSON text. Each file is written under
a temporary name in its directory and renamed into place: a reader never sees half a file.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..hub.atomic import atomic_path

if TYPE_CHECKING:
    from ..datasets import Dataset
    from .evaluator import EvaluationResult

__all__ = ["FORMATS", "export_results", "summary_table"]

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
RUN_METADATA_KEY = b"crucible_torch.run"


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in set(FORMATS.values()):
            raise ValueError(f"format={format!r}; expected one of {sorted(set(FORMATS.values()))}")
        return format
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"cannot tell the format of {path} from its suffix; use one of {sorted(FORMATS)} or format=")
    return FORMATS[path.suffix.lower()]


def _aggregates_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.aggregates{path.suffix}")


def _aggregates_dataset(result: EvaluationResult) -> Dataset:
    from ..datasets import Dataset

    meta = result.metadata
    described = {k: meta.get(k) for k in ("dataset", "config", "split", "revision", "model")}
    rows = [{"run_id": result.run_id, **described, "metric": k, "value": v} for k, v in result.aggregates.items()]
    columns = ["run_id", *described, "metric", "value"]
    return Dataset.from_dict({c: [r[c] for r in rows] for c in columns})


def _write(dataset: Dataset, path: Path, format: str, run_metadata: dict[str, Any]) -> None:
    """One file, atomically (the Dataset exports are atomic; parquet is written here for its extra metadata)."""
    if format == "jsonl":
        dataset.to_json(path)
    elif format == "csv":
        _with_nested_as_json(dataset).to_csv(path)
    else:
        schema = dataset.features.arrow_schema
        metadata = {**schema.metadata, RUN_METADATA_KEY: json.dumps(run_metadata, default=str).encode()}
        table = dataset.with_format("arrow")[:].cast(schema).replace_schema_metadata(metadata)
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)


def _with_nested_as_json(dataset: Dataset) -> Dataset:
    """``dataset`` with every list or struct column as a JSON-text column (what CSV can hold)."""
    from ..datasets import Dataset

    table = dataset.with_format("arrow")[:]
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if not nested:
        return dataset
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    for name in nested:
        columns[name] = [None if v is None else json.dumps(v, ensure_ascii=False) for v in columns[name]]
    return Dataset.from_dict(columns)


def export_results(
    result: EvaluationResult, path: str | os.PathLike[str], *, format: str | None = None
) -> tuple[Path, Path]:
    """Write ``result``'s per-example rows to ``path`` and its aggregates beside it; returns both paths.

    ``format``: ``"jsonl"``, ``"csv"`` or ``"parquet"``, else taken from the suffix (``.jsonl``/``.json``,
    ``.csv``, ``.parquet``).
    """
    path = Path(path)
    kind = _format_of(path, format)
    path.parent.mkdir(parents=True, exist_ok=True)
    run = {**result.metadata, "run_id": result.run_id, "aggregates": result.aggregates}
    aggregates_path = _aggregates_path(path)
    _write(result.examples, path, kind, run)
    _write(_aggregates_dataset(result), aggregates_path, kind, run)
    return path, aggregates_path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}"
    return "" if value is None else str(value)


def summary_table(results: Sequence[EvaluationResult]) -> str:
    """The aggregates of one or more results as an aligned text table (dataset, config, split, model, metric,
    value, examples), one line per aggregate value."""
    header = ("dataset", "config", "split", "model", "metric", "value", "examples")
    rows = [
        (*(_cell(r.metadata.get(k)) for k in header[:4]), name, _cell(value), str(len(r.examples)))
        for r in results
        for name, value in r.aggregates.items()
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
