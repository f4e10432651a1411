"""ROUGE-N and ROUGE-L (Lin, 2004) with `rouge-score`'s definitions: precision, recall and F per example.

Tokenisation is rouge-score's default: lower-case, every run of characters other than ``a-z0-9`` is a
separator, and with ``use_stemmer`` words longer than three letters go through the Porter stemmer (NLTK's,
reproduced in :mod:`.porter`). ROUGE-N counts clipped n-gram overlaps; ROUGE-L uses the longest common
subsequence. With several references an example takes, per ROUGE type, the reference with the highest F
(the first on a tie), as ``RougeScorer.score_multi`` does.

The LCS length is computed bit-parallel (Hyyrö 2004): one machine-word operation per prediction token for
each 64 reference tokens, instead of the reference's O(m * n) Python table, with the same result.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .inputs import as_reference_lists, as_texts, check_lengths
from .porter import porter_stem

__all__ = ["RougeScore", "lcs_length", "rouge", "rouge_tokenize"]

_SEPARATORS = re.compile(r"[^a-z0-9]+")
_SEPARATORS_BUT_NEWLINES = re.compile(r"[^a-z0-9\n]+")
_ROUGE_N = re.compile(r"rouge([1-9])$")
_CHUNK = 4096


@dataclass(frozen=True)
class RougeScore:
    """One example's ROUGE: precision, recall and their harmonic mean (``fmeasure``), each in [0, 1]."""

    precision: float
    recall: float
    fmeasure: float


def rouge_tokenize(texts: list[str], use_stemmer: bool = False) -> list[list[str]]:
    """rouge-score's default tokens of each text (``tokenize.tokenize`` with or without the Porter stemmer).

    When no text holds a newline, the texts are lower-cased and split in one pass over their newline-joined
    concatenation (the same tokens, without a regex call per text).
    """
    joined = "\n".join(texts)
    if texts and joined.count("\n") == len(texts) - 1:
        lines = _SEPARATORS_BUT_NEWLINES.sub(" ", joined.lower()).split("\n")
    else:
        lines = [_SEPARATORS.sub(" ", text.lower()) for text in texts]
    if not use_stemmer:
        return [line.split() for line in lines]
    return [[stem for stem in (porter_stem(t) if len(t) > 3 else t for t in line.split()) if stem] for line in lines]


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (bit-parallel over ``a``)."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full  # bit i clear: a[i] is in the LCS of a and the prefix of b read so far
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _score(overlap: int, predicted: int, target: int) -> RougeScore:
    precision = overlap / max(predicted, 1)
    recall = overlap / max(target, 1)
    f = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return RougeScore(precision, recall, f)


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(zip(*(tokens[i:] for i in range(n)))) if n > 1 else Counter(tokens)


def _rouge_n(target: list[str], prediction: list[str], n: int) -> RougeScore:
    target_grams, predicted_grams = _ngrams(target, n), _ngrams(prediction, n)
    overlap = sum(min(count, predicted_grams[gram]) for gram, count in target_grams.items())
    return _score(overlap, sum(predicted_grams.values()), sum(target_grams.values()))


def _rouge_l(target: list[str], prediction: list[str]) -> RougeScore:
    if not target or not prediction:
        return RougeScore(0, 0, 0)
    return _score(lcs_length(target, prediction), len(prediction), len(target))


def _scorer(rouge_type: str):
    if rouge_type == "rougeL":
        return _rouge_l
    match = _ROUGE_N.match(rouge_type)
    if match is None:
        raise ValueError(f"unknown ROUGE type {rouge_type!r}; use 'rouge1' ... 'rouge9' or 'rougeL'")
    n = int(match.group(1))
    return lambda target, prediction: _rouge_n(target, prediction, n)


def rouge(
    predictions: Iterable[str],
    references: Iterable[str | Sequence[str]],
    rouge_types: Sequence[str] = ("rouge1", "rouge2", "rougeL"),
    *,
    use_stemmer: bool = False,
) -> dict[str, list[RougeScore]]:
    """Per ROUGE type, one :class:`RougeScore` per example; equal to
    ``RougeScorer(rouge_types, use_stemmer=...).score_multi(references, prediction)`` (``score`` for one reference).
    """
    preds = as_texts(predictions, "predictions")
    refs = as_reference_lists(references)
    check_lengths(preds, refs)
    scorers = {rouge_type: _scorer(rouge_type) for rouge_type in rouge_types}
    out: dict[str, list[RougeScore]] = {rouge_type: [] for rouge_type in rouge_types}
    for start in range(0, len(preds), _CHUNK):  # tokens of one chunk at a time: memory stays bounded
        groups = refs[start : start + _CHUNK]
        pred_tokens = rouge_tokenize(preds[start : start + _CHUNK], use_stemmer)
        ref_tokens = iter(rouge_tokenize([r for group in groups for r in group], use_stemmer))
        for prediction, group in zip(pred_tokens, groups):
            targets = [next(ref_tokens) for _ in group]
            for rouge_type, scorer in scorers.items():
                scores = [scorer(target, prediction) for target in targets]
                out[rouge_type].append(max(scores, key=lambda s: s.fmeasure) if len(scores) > 1 else scores[0])
    return out
