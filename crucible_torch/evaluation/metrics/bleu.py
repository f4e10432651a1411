"""BLEU (Papineni et al., 2002) with sacrebleu's definitions: corpus BLEU, sentence BLEU and their statistics.

A score is a function of per-example sufficient statistics: hypothesis length, closest reference length (ties
to the shorter), and per n-gram order the clipped matches and the hypothesis n-gram count. Corpus BLEU sums
them over examples; sentence BLEU scores each row (sacrebleu's ``sentence_bleu`` defaults: ``exp`` smoothing,
effective order). Scores are on sacrebleu's 0-100 scale and equal its numbers for the same options.

The statistics are computed for all examples at once, without a ``Counter`` per sentence: tokens become integer
ids; unigrams get ids per example (example, token) by ``numpy.unique``; a k-gram is the
pair of the two (k-1)-grams it overlaps, and is only considered when both of them matched (no other k-gram can
match), which prunes most positions at each order. Matches are ``min(hypothesis count, max count over the
references)`` summed per example with ``bincount``. Keys are exact integers: no hash collisions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .inputs import as_reference_lists, as_texts, check_lengths
from .tokenize_13a import tokenize_13a

__all__ = ["BleuScore", "bleu_from_statistics", "bleu_statistics", "corpus_bleu", "sentence_bleu"]

MAX_NGRAM_ORDER = 4
SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}
_LOG_ZERO = -9999999999  # sacrebleu's floor for log(0)
_CHUNK = 4096  # examples tokenised and counted at a time: bounds memory (and is faster than all at once)


@dataclass(frozen=True)
class BleuScore:
    """A BLEU score (0-100) with what it is made of, as sacrebleu's ``BLEUScore`` reports it."""

    score: float
    counts: tuple[float, ...]
    totals: tuple[float, ...]
    precisions: tuple[float, ...]
    bp: float
    sys_len: int
    ref_len: int


def _tokenize(texts: list[str], tokenize: str, lowercase: bool) -> list[list[str]]:
    if tokenize == "13a":
        return tokenize_13a(texts, lowercase)
    if tokenize == "none":
        return [(t.lower() if lowercase else t).rstrip().split() for t in texts]
    raise ValueError(f"tokenize={tokenize!r} is not supported; use '13a' (sacrebleu's default) or 'none'")


def _dense_ids(keys: np.ndarray) -> np.ndarray:
    """Dense ids (0..k-1) of int64 ``keys``, equal keys equal ids (sort-based; measured faster than Arrow's hash
    encoding on millions of mostly distinct keys)."""
    return np.unique(keys, return_inverse=True)[1].reshape(-1).astype(np.int64, copy=False)


def bleu_statistics(
    predictions: Iterable[str],
    references: Iterable[str | Sequence[str]],
    *,
    lowercase: bool = False,
    tokenize: str = "13a",
    max_ngram_order: int = MAX_NGRAM_ORDER,
) -> np.ndarray:
    """Per example ``[hyp_len, ref_len, matches_1..N, totals_1..N]`` (int64, shape ``(n, 2 + 2N)``).

    ``references``: per example one string or a list of strings (n-gram counts clipped by the maximum over
    them, ``ref_len`` the reference length closest to the hypothesis, the shorter one on a tie).
    """
    hyps = as_texts(predictions, "predictions")
    refs = as_reference_lists(references)
    check_lengths(hyps, refs)
    width = 2 + 2 * max_ngram_order
    chunks = [
        _statistics(hyps[start : start + _CHUNK], refs[start : start + _CHUNK], tokenize, lowercase, max_ngram_order)
        for start in range(0, len(hyps), _CHUNK)
    ]
    return np.concatenate(chunks) if chunks else np.zeros((0, width), dtype=np.int64)


def _statistics(hyps: list[str], refs: list[list[str]], tokenize: str, lowercase: bool, order: int) -> np.ndarray:
    """:func:`bleu_statistics` of one chunk of examples (statistics are per example, so chunks are independent)."""
    n = len(hyps)
    stats = np.zeros((n, 2 + 2 * order), dtype=np.int64)
    per_example = np.fromiter(map(len, refs), np.int64, n)
    flat_refs = [r for group in refs for r in group]
    tokens = _tokenize(hyps + flat_refs, tokenize, lowercase)
    lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
    hyp_len, ref_lens = lengths[:n], lengths[n:]
    stats[:, 0] = hyp_len
    stats[:, 1] = _closest_lengths(hyp_len, ref_lens, per_example)
    # Sequence s: its example and its slot (0 = the hypothesis, j + 1 = reference j).
    owner = np.concatenate([np.arange(n), np.repeat(np.arange(n), per_example)])
    starts = np.cumsum(per_example) - per_example
    slot = np.concatenate([np.zeros(n, np.int64), np.arange(len(flat_refs)) - np.repeat(starts, per_example) + 1])
    vocabulary: dict[str, int] = {}
    flat = [t for seq in tokens for t in seq]
    ids = np.fromiter(map(vocabulary.setdefault, flat, range(len(flat))), np.int64, len(flat))
    seq = np.repeat(np.arange(len(tokens)), lengths)
    left = np.repeat(lengths, lengths) - (np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    slots = int(per_example.max())
    positions = np.arange(len(flat))
    gram = _dense_ids(owner[seq] * len(flat) + ids)  # per-example unigram ids
    gram_at = np.full(len(flat) + 1, -1, np.int64)
    matched = np.zeros(1, bool)  # per (k-1)-gram id (and a final False for id -1): it has a clipped match
    for k in range(1, order + 1):
        stats[:, 1 + order + k] = np.maximum(hyp_len - k + 1, 0)
    for k in range(1, order + 1):
        if k > 1:
            # A k-gram can match only if both (k-1)-grams it overlaps matched: keep those, id the pair.
            gram_at.fill(-1)
            gram_at[positions] = gram
            positions = positions[left[positions] >= k]
            head, tail = gram_at[positions], gram_at[positions + 1]
            keep = matched[head] & matched[tail]  # matched[-1], for "no (k-1)-gram kept there", is False
            positions = positions[keep]
            gram = _dense_ids(head[keep] * len(matched) + tail[keep])
        if len(positions) == 0:
            break
        s = seq[positions]
        is_hyp = s < n
        grams = int(gram.max()) + 1
        hyp_counts = np.bincount(gram[is_hyp], minlength=grams)
        ref_counts = np.bincount(gram[~is_hyp] * slots + (slot[s[~is_hyp]] - 1), minlength=grams * slots)
        best_ref = ref_counts.reshape(grams, slots).max(axis=1)
        example_of_gram = np.empty(grams, np.int64)
        example_of_gram[gram] = owner[s]
        clipped = np.minimum(hyp_counts, best_ref)
        stats[:, 1 + k] = np.bincount(example_of_gram, clipped, minlength=n).astype(np.int64)
        matched = np.append(clipped > 0, False)
    return stats


def _closest_lengths(hyp_len: np.ndarray, ref_lens: np.ndarray, per_example: np.ndarray) -> np.ndarray:
    """Per example, the reference length closest to the hypothesis length (the shorter on a tie)."""
    owner = np.repeat(np.arange(len(hyp_len)), per_example)
    span = int(ref_lens.max(initial=0)) + 1
    key = np.abs(hyp_len[owner] - ref_lens) * span + ref_lens
    starts = np.cumsum(per_example) - per_example
    return np.minimum.reduceat(key, starts) % span


def bleu_from_statistics(
    stats: Sequence[Any],
    *,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    effective_order: bool = False,
    max_ngram_order: int = MAX_NGRAM_ORDER,
) -> BleuScore:
    """The BLEU score of (summed) statistics, with sacrebleu's smoothing methods ``exp`` (NIST, the default),
    ``floor``, ``add-k`` and ``none`` and its brevity penalty, in sacrebleu's arithmetic."""
    if smooth_method not in SMOOTH_DEFAULTS:
        raise ValueError(f"smooth_method={smooth_method!r}; expected one of {sorted(SMOOTH_DEFAULTS)}")
    if smooth_value is None:
        smooth_value = SMOOTH_DEFAULTS[smooth_method]
    order = max_ngram_order
    sys_len, ref_len = int(stats[0]), int(stats[1])
    correct: list[float] = [int(c) for c in stats[2 : 2 + order]]
    total: list[float] = [int(t) for t in stats[2 + order : 2 + 2 * order]]
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * order
    if not any(correct):
        return BleuScore(0.0, tuple(correct), tuple(total), tuple(precisions), bp, sys_len, ref_len)
    smooth_mteval = 1.0
    eff_order = order
    for n in range(1, order + 1):
        if smooth_method == "add-k" and n > 1:
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            if smooth_method == "exp":
                smooth_mteval *= 2
                precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
            elif smooth_method == "floor":
                precisions[n - 1] = 100.0 * smooth_value / total[n - 1]
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    logs = sum([math.log(p) if p != 0.0 else _LOG_ZERO for p in precisions[:eff_order]])
    score = bp * math.exp(logs / eff_order)
    return BleuScore(score, tuple(correct), tuple(total), tuple(precisions), bp, sys_len, ref_len)


def corpus_bleu(
    predictions: Iterable[str],
    references: Iterable[str | Sequence[str]],
    *,
    lowercase: bool = False,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    max_ngram_order: int = MAX_NGRAM_ORDER,
    effective_order: bool = False,
) -> BleuScore:
    """Corpus BLEU of ``predictions`` against per-example ``references``; equals ``sacrebleu.corpus_bleu`` with
    the same options (its ``references`` are streams: ``[[r[0] for r in refs], [r[1] ...]]``)."""
    stats = bleu_statistics(
        predictions, references, lowercase=lowercase, tokenize=tokenize, max_ngram_order=max_ngram_order
    )
    return bleu_from_statistics(
        stats.sum(axis=0).tolist(),
        smooth_method=smooth_method,
        smooth_value=smooth_value,
        effective_order=effective_order,
        max_ngram_order=max_ngram_order,
    )


def sentence_bleu(
    predictions: Iterable[str],
    references: Iterable[str | Sequence[str]],
    *,
    lowercase: bool = False,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    max_ngram_order: int = MAX_NGRAM_ORDER,
    effective_order: bool = True,
) -> list[float]:
    """BLEU of each prediction against its references; equals ``sacrebleu.sentence_bleu(p, refs).score`` row by
    row (effective order on, as there)."""
    stats = bleu_statistics(
        predictions, references, lowercase=lowercase, tokenize=tokenize, max_ngram_order=max_ngram_order
    )
    options = {
        "smooth_method": smooth_method,
        "smooth_value": smooth_value,
        "effective_order": effective_order,
        "max_ngram_order": max_ngram_order,
    }
    return [bleu_from_statistics(row, **options).score for row in stats.tolist()]
