"""Corpus BLEU and ROUGE-L over 100k prediction/reference pairs, against the reference packages.

Measured: seconds to score every pair, in a fresh interpreter per run (so sacrebleu's tokenizer cache starts
empty, like ours); the pairs (``data.text_pairs_parquet``: translation-like sentences of 5-45 pseudo-words with
punctuation and numbers) are read into Python lists beforehand, untimed, and ``import`` of the metric's module
is timed apart (``import_s``, not in the metric).

- ``corpus_bleu``: ``crucible_torch.evaluation.metrics.corpus_bleu(predictions, references)`` against
  ``sacrebleu.corpus_bleu(predictions, [references])`` (13a tokenisation, exp smoothing, 4-grams);
- ``rouge_l``: ``rouge(predictions, references, ["rougeL"])`` against ``RougeScorer(["rougeL"]).score(reference,
  prediction)`` for every pair; the metric is the mean F (rouge-score's aggregate without the resampling).

Both engines' scores must agree to 1e-9 or the workload fails. Target: crucible_torch at least as fast as the
reference package (time <= 1.0x).
"""

from __future__ import annotations

import time

from . import data
from .harness import BenchmarkError, Context, Row, Target, measure, run_child

NAME = "metrics"
FULL_PAIRS, QUICK_PAIRS = 100_000, 2_000
WORKLOADS = {
    "corpus_bleu": ("sacrebleu", "crucible_bleu", "sacrebleu_bleu"),
    "rouge_l": ("rouge-score", "crucible_rouge_l", "rouge_score_rouge_l"),
}


def run(ctx: Context) -> list[Row]:
    pairs = str(data.text_pairs_parquet(ctx.size(FULL_PAIRS, QUICK_PAIRS), ctx.data_dir))
    rows: list[Row] = []
    for workload, (reference, ours, theirs) in WORKLOADS.items():
        engines = {
            "crucible": lambda i, f=ours: run_child(__name__, f, {"pairs": pairs}),
            reference: lambda i, f=theirs: run_child(__name__, f, {"pairs": pairs}),
        }
        measured = measure(ctx, workload, "s", engines, [Target("crucible", reference, "<=", 1.0)])
        ours_row, theirs_row = measured
        a, b = ours_row.runs[0].extra["score"], theirs_row.runs[0].extra["score"]
        if abs(a - b) > 1e-9:
            raise BenchmarkError(f"{workload}: crucible scored {a!r}, {reference} {b!r}; they must be equal")
        speedup = theirs_row.median / ours_row.median
        for row in measured:
            row.note = (
                f"{reference} / crucible time = {speedup:.2f}x; score {a:.6f} (equal to 1e-9); "
                f"import {row.extra_median('import_s'):.2f} s (not in the metric)"
            )
        rows += measured
    return rows


def _pairs(path: str) -> tuple[list[str], list[str]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column("prediction").to_pylist(), table.column("reference").to_pylist()


def crucible_bleu(pairs: str) -> dict:
    predictions, references = _pairs(pairs)
    t0 = time.perf_counter()
    from crucible_torch.evaluation.metrics import corpus_bleu

    t1 = time.perf_counter()
    score = corpus_bleu(predictions, references).score
    return {"value": time.perf_counter() - t1, "import_s": t1 - t0, "score": score}


def sacrebleu_bleu(pairs: str) -> dict:
    predictions, references = _pairs(pairs)
    t0 = time.perf_counter()
    import sacrebleu

    t1 = time.perf_counter()
    score = sacrebleu.corpus_bleu(predictions, [references]).score
    return {"value": time.perf_counter() - t1, "import_s": t1 - t0, "score": score}


def crucible_rouge_l(pairs: str) -> dict:
    predictions, references = _pairs(pairs)
    t0 = time.perf_counter()
    from crucible_torch.evaluation.metrics import rouge

    t1 = time.perf_counter()
    scores = rouge(predictions, references, ["rougeL"])["rougeL"]
    mean_f = sum(s.fmeasure for s in scores) / len(scores)
    return {"value": time.perf_counter() - t1, "import_s": t1 - t0, "score": mean_f}


def rouge_score_rouge_l(pairs: str) -> dict:
    predictions, references = _pairs(pairs)
    t0 = time.perf_counter()
    from rouge_score import rouge_scorer

    t1 = time.perf_counter()
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    scores = [scorer.score(r, p)["rougeL"] for p, r in zip(predictions, references)]
    mean_f = sum(s.fmeasure for s in scores) / len(scores)
    return {"value": time.perf_counter() - t1, "import_s": t1 - t0, "score": mean_f}
