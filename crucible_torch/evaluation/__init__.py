"""Evaluation on crucible_torch datasets: samplers, metrics equal to their reference implementations, a
resumable evaluator, exports, and an append-only store of runs.

- :mod:`.sampling`: seeded random / stratified / k-fold / few-shot samples, as indices mappings;
- :mod:`.metrics`: exact match, F1, math answers, accuracy, BLEU (= sacrebleu), ROUGE (= rouge-score), pass@k;
- :mod:`.evaluator`: :func:`evaluate` runs a predictor over DataLoader batches, resumable from a store;
- :mod:`.export`: per-example rows and aggregates to JSON Lines / CSV / Parquet, and a text table;
- :mod:`.store`: :class:`ResultStore`, runs on disk: query, compare, safe under concurrent writers.

Names are imported on first use, so ``import crucible_torch.evaluation`` loads neither torch nor the metrics.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "evaluate": "evaluator",
    "EvaluationResult": "evaluator",
    "dataset_metadata": "evaluator",
    "export_results": "export",
    "summary_table": "export",
    "ResultStore": "store",
    "RunInfo": "store",
    "Comparison": "store",
    "random_sample": "sampling",
    "stratified_sample": "sampling",
    "k_fold": "sampling",
    "stratified_k_fold": "sampling",
    "few_shot": "sampling",
    "train_test_split": "sampling",
}

__all__ = [
    "Comparison",
    "EvaluationResult",
    "ResultStore",
    "RunInfo",
    "dataset_metadata",
    "evaluate",
    "export_results",
    "few_shot",
    "k_fold",
    "random_sample",
    "stratified_k_fold",
    "stratified_sample",
    "summary_table",
    "train_test_split",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` when it is first asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'crucible_torch.evaluation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .evaluator import EvaluationResult, dataset_metadata, evaluate
    from .export import export_results, summary_table
    from .sampling import few_shot, k_fold, random_sample, stratified_k_fold, stratified_sample, train_test_split
    from .store import Comparison, ResultStore, RunInfo
