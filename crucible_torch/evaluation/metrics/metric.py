"""Metrics as the evaluator runs them: per-example columns from each batch, aggregates from all the columns.

Splitting a metric in two is what makes an evaluation resumable and its results exportable: the per-example
columns of finished batches are written to the result store, and aggregates, including corpus-level ones such
as BLEU (computed from summed per-example statistics, not averaged sentence scores), are recomputed from them.
Built-in metrics are found by name (``"exact_match"``, ``"math"``, ``"f1"``, ``"accuracy"``, ``"bleu"``,
``"rouge"``, ``"pass@k"``); instantiate a class for options, or subclass :class:`Metric` for your own.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from .bleu import MAX_NGRAM_ORDER, bleu_from_statistics, bleu_statistics
from .choice import accuracy
from .code import pass_at_k
from .rouge import rouge
from .text import exact_match, token_f1

__all__ = ["Accuracy", "Bleu", "ExactMatch", "Metric", "PassAtK", "Rouge", "TokenF1", "get_metric"]


class Metric(ABC):
    """A metric: ``score`` gives per-example columns (JSON values) for a batch, ``aggregate`` the summary values
    of all examples' columns (by default, the mean of each column)."""

    name: str

    @abstractmethod
    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        """Per-example columns for one batch, each as long as ``predictions``. Called once with empty lists
        to learn the column names, which must then come back (empty)."""

    def aggregate(self, columns: Mapping[str, Sequence[Any]]) -> dict[str, float]:
        """Summary values from the per-example columns of every example."""
        return {name: math.fsum(values) / len(values) if values else math.nan for name, values in columns.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ExactMatch(Metric):
    """SQuAD exact match (``mode="text"``) or equality of final math answers (``mode="math"``)."""

    def __init__(self, mode: str = "text"):
        self.mode = mode
        self.name = "exact_match" if mode == "text" else f"exact_match_{mode}"

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        return {self.name: exact_match(predictions, references, mode=self.mode)}


class TokenF1(Metric):
    """SQuAD token F1."""

    name = "f1"

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        return {self.name: token_f1(predictions, references)}


class Accuracy(Metric):
    """Multiple-choice accuracy (indices or letters)."""

    name = "accuracy"

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        return {self.name: accuracy(predictions, references)}


class Bleu(Metric):
    """Per example the sentence BLEU and its sufficient statistics; aggregates: corpus BLEU from the summed
    statistics and the mean sentence BLEU (sacrebleu's numbers for the same options)."""

    name = "bleu"

    def __init__(
        self,
        *,
        lowercase: bool = False,
        tokenize: str = "13a",
        smooth_method: str = "exp",
        smooth_value: float | None = None,
        max_ngram_order: int = MAX_NGRAM_ORDER,
    ):
        self.tokens = {"lowercase": lowercase, "tokenize": tokenize, "max_ngram_order": max_ngram_order}
        self.smoothing = {
            "smooth_method": smooth_method,
            "smooth_value": smooth_value,
            "max_ngram_order": max_ngram_order,
        }

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        rows = bleu_statistics(predictions, references, **self.tokens).tolist()
        sentence = [bleu_from_statistics(row, effective_order=True, **self.smoothing).score for row in rows]
        return {"sentence_bleu": sentence, "bleu_stats": rows}

    def aggregate(self, columns: Mapping[str, Sequence[Any]]) -> dict[str, float]:
        width = 2 + 2 * self.tokens["max_ngram_order"]
        totals = [sum(column) for column in zip(*columns["bleu_stats"])] or [0] * width
        return {
            "bleu": bleu_from_statistics(totals, **self.smoothing).score,
            **super().aggregate({"sentence_bleu": columns["sentence_bleu"]}),
        }


class Rouge(Metric):
    """Per example and ROUGE type: precision, recall, F (``rouge1_p``, ``rouge1_r``, ``rouge1_f``, ...);
    aggregates: their means (rouge-score's ``BootstrapAggregator`` mid value, without the resampling)."""

    name = "rouge"

    def __init__(self, rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL"), use_stemmer: bool = False):
        self.rouge_types = tuple(rouge_types)
        self.use_stemmer = use_stemmer

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        columns: dict[str, list[Any]] = {}
        scored = rouge(predictions, references, self.rouge_types, use_stemmer=self.use_stemmer)
        for rouge_type, scores in scored.items():
            columns[f"{rouge_type}_p"] = [s.precision for s in scores]
            columns[f"{rouge_type}_r"] = [s.recall for s in scores]
            columns[f"{rouge_type}_f"] = [s.fmeasure for s in scores]
        return columns


class PassAtK(Metric):
    """pass@k per problem from per-sample test outcomes; aggregates: the mean over problems, per k.

    A prediction is, per problem, the list of its samples' outcomes (truthy = passed the tests).
    """

    def __init__(self, ks: Sequence[int] = (1,)):
        self.ks = tuple(ks)
        self.name = "pass@" + ",".join(map(str, self.ks))

    def score(self, predictions: list[Any], references: list[Any]) -> dict[str, list[Any]]:
        samples = [len(outcomes) for outcomes in predictions]
        correct = [sum(1 for passed in outcomes if passed) for outcomes in predictions]
        return {f"pass@{k}": pass_at_k(samples, correct, k) for k in self.ks}


_PASS_AT = re.compile(r"pass@(\d+(?:,\d+)*)")
_BY_NAME = {
    "exact_match": ExactMatch,
    "math": lambda: ExactMatch("math"),
    "f1": TokenF1,
    "accuracy": Accuracy,
    "bleu": Bleu,
    "rouge": Rouge,
}


def get_metric(metric: str | Metric) -> Metric:
    """A :class:`Metric` from its name (``"pass@1,10"`` for several k), or the metric itself."""
    if isinstance(metric, Metric):
        return metric
    if metric in _BY_NAME:
        return _BY_NAME[metric]()
    match = _PASS_AT.fullmatch(metric)
    if match:
        return PassAtK([int(k) for k in match.group(1).split(",")])
    raise ValueError(f"unknown metric {metric!r}; known: {sorted(_BY_NAME)} and 'pass@k', or pass a Metric")
