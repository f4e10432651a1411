"""Answer-matching metrics: exact match and token F1 with the SQuAD v1.1 definitions, and a math-answer mode.

SQuAD's ``normalize_answer`` lower-cases, drops ASCII punctuation, drops the articles a/an/the and collapses
whitespace; exact match compares normalised strings, token F1 the bags of normalised tokens; with several
acceptable answers an example scores its best. The math mode compares final answers instead: the last
``\\boxed{}`` or the GSM8K ``####`` line of each side, equal as LaTeX-normalised strings or as numbers
(:mod:`crucible_torch.cookbook.answers`). Scores are per example, in [0, 1].
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

from ...cookbook.answers import extract_math_answer, math_answers_equal
from .inputs import as_reference_lists, as_texts, check_lengths

__all__ = ["exact_match", "normalize_answer", "token_f1"]

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_NO_PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's ``normalize_answer``: lower case, no punctuation, no articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_NO_PUNCTUATION)).split())


def _pairs(predictions: Iterable[str], references: Iterable[str | Sequence[str]]) -> list[tuple[str, list[str]]]:
    preds = as_texts(predictions, "predictions")
    refs = as_reference_lists(references)
    check_lengths(preds, refs)
    return list(zip(preds, refs))


def _same_text(prediction: str, reference: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(reference)


def _same_math(prediction: str, reference: str) -> bool:
    return math_answers_equal(extract_math_answer(prediction), extract_math_answer(reference))


_MATCHERS = {"text": _same_text, "math": _same_math}


def exact_match(
    predictions: Iterable[str], references: Iterable[str | Sequence[str]], *, mode: str = "text"
) -> list[float]:
    """1.0 where the prediction matches one of the example's references, else 0.0.

    ``mode="text"``: SQuAD's exact match (normalised strings equal). ``mode="math"``: the final answers
    (boxed, else after ``####``, else the whole text) are equal as math answers (``0.5`` matches ``\\frac12``).
    """
    same = _MATCHERS.get(mode)
    if same is None:
        raise ValueError(f"mode={mode!r}; expected 'text' (SQuAD exact match) or 'math' (final answers)")
    return [float(any(same(p, r) for r in refs)) for p, refs in _pairs(predictions, references)]


def _f1(prediction_tokens: list[str], reference_tokens: list[str]) -> float:
    common = Counter(prediction_tokens) & Counter(reference_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = 1.0 * same / len(prediction_tokens)
    recall = 1.0 * same / len(reference_tokens)
    return (2 * precision * recall) / (precision + recall)


def token_f1(predictions: Iterable[str], references: Iterable[str | Sequence[str]]) -> list[float]:
    """SQuAD v1.1's token F1 of each prediction against its best reference."""
    out = []
    for prediction, refs in _pairs(predictions, references):
        tokens = normalize_answer(prediction).split()
        out.append(max(_f1(tokens, normalize_answer(r).split()) for r in refs))
    return out
