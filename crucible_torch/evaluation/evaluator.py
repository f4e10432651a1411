"""Run a predictor over a dataset in DataLoader batches, score the predictions, and record the run, resumably.

Batch ``k`` always holds rows ``[k * batch_size, (k + 1) * batch_size)`` of the dataset as given, so which rows a
batch scores never depends on what ran before. With a result store, every finished batch is appended to the
run before the next is predicted; calling :func:`evaluate` again with the same store and the same evaluation
(dataset fingerprint and length, model, metrics and their options, batch size, references, kept columns)
resumes the newest unfinished run with that key and predicts only the batches it lacks, and the result equals
an uninterrupted run's. Aggregates are computed from all per-example columns at the end (corpus BLEU from
summed statistics), so they do not depend on where a run was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..features import Features
from .metrics.inputs import as_list
from .metrics.metric import Metric, get_metric
from .store import ResultStore, utc_now

if TYPE_CHECKING:
    from ..datasets import Dataset

__all__ = ["EvaluationResult", "dataset_metadata", "evaluate"]

References = str | Callable[[dict[str, Any]], Sequence[Any]] | None


@dataclass
class EvaluationResult:
    """What an evaluation produced: per-example rows (a Dataset: ``index``, kept columns, ``prediction``,
    ``reference`` and every metric's columns), aggregate values by name, the run's metadata, and its id in the
    result store (None without one)."""

    examples: Dataset
    aggregates: dict[str, float]
    metadata: dict[str, Any]
    run_id: str | None = None


def dataset_metadata(dataset: Dataset) -> dict[str, Any]:
    """Where ``dataset`` came from: Hub repo (or builder/cache name), config, split, the commit its files were
    read at (from ``info.download_checksums``), fingerprint and length."""
    dataset_name, revision = dataset.info.dataset_name, None
    for url in (dataset.info.extra.get("download_checksums") or {}).keys():
        if url.startswith("hf://datasets/") and "@" in url:
            dataset_name, _, rest = url.removeprefix("hf://datasets/").partition("@")
            revision = rest.split("/", 1)[0]
            break
    return {
        "dataset": dataset_name,
        "config": dataset.config_name,
        "split": dataset.split,
        "revision": revision,
        "fingerprint": dataset._fingerprint,  # the cache identity of the rows as given (same library)
        "num_rows": len(dataset),
    }


def _collate_columns(rows: Any) -> dict[str, Any]:
    """A DataLoader batch as the dataset formats it: ``{column: values}`` (a plain list of rows is zipped)."""
    columns = getattr(rows, "columns", None)
    if columns is not None:
        return columns
    return {name: [row[name] for row in rows] for name in (rows[0] if rows else {})}


def _describe(references: References) -> str | None:
    if references is None or isinstance(references, str):
        return references
    return f"{getattr(references, '__module__', '?')}.{getattr(references, '__qualname__', repr(references))}"


def _metric_config(metric: Metric) -> dict[str, Any]:
    return {"type": type(metric).__qualname__, "name": metric.name, **{k: repr(v) for k, v in vars(metric).items()}}


def _run_key(settings: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=repr).encode()).hexdigest()[:32]


def _open_run(store: ResultStore, metadata: dict[str, Any], run_id: str | None) -> str:
    """The run to write to: ``run_id`` (resumed, or created under that id), else the newest unfinished run with
    the same key, else a new one."""
    if run_id is not None:
        try:
            info = store.run(run_id)
        except KeyError:
            return store.create_run(metadata, run_id=run_id)
        if info.complete:
            raise ValueError(f"run {run_id!r} in {store.root} is complete; runs are append-only, start a new one")
        if info.metadata.get("key") != metadata["key"]:
            raise ValueError(
                f"run {run_id!r} in {store.root} evaluated something else (dataset, model, metrics, batch size, "
                "references or kept columns differ); resume it with the same arguments or start a new run"
            )
        return run_id
    runs = store.runs(include_incomplete=True)
    unfinished = [r for r in runs if not r.complete and r.metadata.get("key") == metadata["key"]]
    return unfinished[-1].run_id if unfinished else store.create_run(metadata)


def _score_batch(
    start: int,
    columns: dict[str, Any],
    predict_fn: Callable[[dict[str, Any]], Sequence[Any]],
    metrics: Sequence[Metric],
    references: References,
    keep_columns: Sequence[str],
) -> list[dict[str, Any]]:
    """Predict one batch and score it: one record per example."""
    size = len(next(iter(columns.values())))
    where = f"the batch of rows {start}..{start + size - 1}"
    predictions = as_list(predict_fn(columns), "predict_fn's output")
    if len(predictions) != size:
        raise ValueError(f"predict_fn returned {len(predictions)} predictions for {where}; expected {size}")
    if references is None:
        refs: list[Any] = [None] * size
    else:
        refs = as_list(columns[references] if isinstance(references, str) else references(columns), "references")
        if len(refs) != size:
            raise ValueError(f"the references function returned {len(refs)} values for {where}; expected {size}")
    kept = {c: as_list(columns[c], c) for c in keep_columns}
    records = [
        {"index": start + i, **{c: values[i] for c, values in kept.items()}, "prediction": p, "reference": r}
        for i, (p, r) in enumerate(zip(predictions, refs))
    ]
    for metric in metrics:
        for name, values in metric.score(predictions, refs).items():
            if len(values) != size:
                raise ValueError(f"metric {metric.name!r} gave {len(values)} values of {name!r} for {where}")
            for record, value in zip(records, values):
                record[name] = value
    return records


def evaluate(
    dataset: Dataset,
    predict_fn: Callable[[dict[str, Any]], Sequence[Any]],
    metrics: Sequence[str | Metric],
    *,
    references: References = None,
    batch_size: int = 32,
    num_workers: int = 0,
    store: ResultStore | str | os.PathLike[str] | None = None,
    run_id: str | None = None,
    model: str | None = None,
    keep_columns: Sequence[str] = (),
    metadata: Mapping[str, Any] | None = None,
) -> EvaluationResult:
    """Evaluate ``predict_fn`` on every row of ``dataset``.

    ``predict_fn`` receives each batch as the dataset formats it (``{column: values}``) and returns one
    prediction per row. ``references`` is a column name, a function of the batch returning one reference per
    row, or None (metrics such as pass@k need none). ``metrics``: names (``"exact_match"``, ``"math"``,
    ``"f1"``, ``"accuracy"``, ``"bleu"``, ``"rouge"``, ``"pass@1,10"``) or :class:`Metric` objects.
    ``num_workers`` DataLoader workers read and format the batches. ``store`` (a :class:`ResultStore` or its
    directory) records the run and makes it resumable (module docstring); ``keep_columns`` (JSON values, such
    as ids or labels) are copied into the per-example rows; ``model`` and ``metadata`` go into the run's
    metadata next to what :func:`dataset_metadata` finds.
    """
    from ..datasets import Dataset as MapDataset

    if not isinstance(dataset, MapDataset):
        raise TypeError(
            f"evaluate needs a map-style Dataset (batches by index make runs resumable), not {type(dataset).__name__}"
        )
    scorers = [get_metric(m) for m in metrics]
    columns_of = _check(dataset, scorers, references, keep_columns, batch_size)
    score_columns = [c for columns in columns_of for c in columns]
    model = model or getattr(predict_fn, "__qualname__", type(predict_fn).__name__)
    run_metadata = _run_metadata(dataset, scorers, model, batch_size, references, keep_columns, metadata)
    if store is not None and not isinstance(store, ResultStore):
        store = ResultStore(store)
    done: set[int] = set()
    if store is not None:
        run_id = _open_run(store, run_metadata, run_id)
        run_metadata = store.run(run_id).metadata
        done = store.finished_batches(run_id)
    else:
        run_metadata["created"] = utc_now()
    records = []
    batches = _predicted_batches(dataset, predict_fn, scorers, references, keep_columns, batch_size, done, num_workers)
    for b, batch in batches:
        if store is not None:
            store.append(run_id, b, batch)
        else:
            records.extend(batch)
    if store is not None:
        records = store.examples(run_id)
    records.sort(key=lambda r: r["index"])
    if [r["index"] for r in records] != list(range(len(dataset))):
        raise RuntimeError(f"run {run_id!r} holds {len(records)} examples for {len(dataset)} rows; they do not match")
    aggregates: dict[str, float] = {}
    for metric, columns in zip(scorers, columns_of):
        aggregates.update(metric.aggregate({c: [r[c] for r in records] for c in columns}))
    if store is not None:
        store.finish(run_id, {"aggregates": aggregates, "num_examples": len(records), "score_columns": score_columns})
    names = ["index", *keep_columns, "prediction", "reference", *score_columns]
    kept = Features({c: dataset.features[c] for c in keep_columns})
    examples = MapDataset.from_dict({name: [r[name] for r in records] for name in names}, features=kept or None)
    return EvaluationResult(examples, aggregates, run_metadata, run_id)


def _check(
    dataset: Dataset, scorers: Sequence[Metric], references: References, keep_columns: Sequence[str], batch_size: int
) -> list[list[str]]:
    """Refuse arguments that cannot work, before anything runs; returns each metric's per-example columns."""
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}; a batch holds at least one row")
    if not scorers:
        raise ValueError("no metrics to compute; pass at least one name or Metric")
    needed = list(keep_columns) + ([references] if isinstance(references, str) else [])
    missing = [c for c in needed if c not in dataset.column_names]
    if missing:
        raise ValueError(f"columns {missing} are not in the dataset; it has {dataset.column_names}")
    columns_of = [list(m.score([], [])) for m in scorers]  # a metric scoring no rows still names its columns
    names = ["index", "prediction", "reference", *keep_columns, *(c for columns in columns_of for c in columns)]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise ValueError(f"column names {twice} are used twice (metrics, kept columns, index/prediction/reference)")
    return columns_of


def _run_metadata(
    dataset: Dataset,
    scorers: Sequence[Metric],
    model: str,
    batch_size: int,
    references: References,
    keep_columns: Sequence[str],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What the run records about itself, with ``key``: the hash of everything that decides its per-example rows."""
    from .. import __version__

    settings = {
        **dataset_metadata(dataset),
        "model": model,
        "batch_size": batch_size,
        "references": _describe(references),
        "keep_columns": list(keep_columns),
    }
    key_parts = {k: settings[k] for k in ("fingerprint", "num_rows", "model", "batch_size", "references")}
    key_parts |= {"keep_columns": settings["keep_columns"], "metrics": [_metric_config(m) for m in scorers]}
    return {
        **settings,
        "metrics": [m.name for m in scorers],
        "library": f"crucible_torch {__version__}",
        **(extra or {}),
        "key": _run_key(key_parts),
    }


def _predicted_batches(
    dataset: Dataset,
    predict_fn: Callable[[dict[str, Any]], Sequence[Any]],
    scorers: Sequence[Metric],
    references: References,
    keep_columns: Sequence[str],
    batch_size: int,
    done: set[int],
    num_workers: int,
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """``(k, records)`` for each batch not in ``done``, read by a DataLoader (``num_workers`` workers) in order."""
    import torch.utils.data

    n = len(dataset)
    pending = [b for b in range(-(-n // batch_size)) if b not in done]
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_sampler=[list(range(b * batch_size, min((b + 1) * batch_size, n))) for b in pending],
        num_workers=num_workers,
        collate_fn=_collate_columns,
    )
    for b, columns in zip(pending, loader):
        yield b, _score_batch(b * batch_size, columns, predict_fn, scorers, references, keep_columns)
