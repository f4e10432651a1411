"""Accuracy for multiple-choice tasks, where answers come as indices (``ClassLabel`` ids) or as letters.

MMLU-style datasets store the answer as an index (``answer: ClassLabel(["A", "B", "C", "D"])`` -> 0..3) while
models answer with a letter, often decorated (``"(B)"``, ``"B."``, ``" b"``). :func:`choice_key` maps both to
one comparable key: an integer stays, a single letter becomes its index (A -> 0), anything else compares as
its stripped, case-folded text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .inputs import as_list, check_lengths

__all__ = ["accuracy", "choice_key"]

_DECORATION = "()[]{}.:;,!'\" \t\n"


def choice_key(value: Any) -> int | str:
    """The comparable form of a choice: ints (not bools) as they are; ``"B"``, ``"(b)"``, ``"B."`` -> 1;
    other strings stripped of brackets and trailing punctuation and case-folded."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"a choice is an index or a string, not {type(value).__name__} {value!r}")
    if isinstance(value, int):
        return value
    text = value.strip(_DECORATION)
    if len(text) == 1 and text.isascii() and text.isalpha():
        return ord(text.upper()) - ord("A")
    return text.casefold()


def accuracy(predictions: Iterable[Any], references: Iterable[Any]) -> list[float]:
    """1.0 where the predicted choice is the reference choice (compared through :func:`choice_key`), else 0.0."""
    preds, refs = as_list(predictions, "predictions"), as_list(references, "references")
    check_lengths(preds, refs)
    return [float(choice_key(p) == choice_key(r)) for p, r in zip(preds, refs)]
