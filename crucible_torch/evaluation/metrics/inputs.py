"""Metric inputs: predictions and references as lists, numpy arrays, Dataset columns or Arrow arrays.

Every metric accepts any of these and sees plain Python lists; a reference is one string or a list of
acceptable strings (the example scores against its best match). A value of the wrong type is reported with its
row, so a bad row in a 100k-row evaluation is found at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["as_list", "as_reference_lists", "as_texts", "check_lengths"]


def as_list(values: Iterable[Any], name: str) -> list[Any]:
    """``values`` as a list: Arrow arrays via ``to_pylist``, numpy arrays via ``tolist``, sequences as they are."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence with one value per example, not a single {type(values).__name__}")
    if hasattr(values, "to_pylist"):
        return values.to_pylist()
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


def as_texts(values: Iterable[Any], name: str) -> list[str]:
    """One string per example; anything else is an error naming the row."""
    texts = as_list(values, name)
    for row, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{name}[{row}] is {type(text).__name__} {text!r}; expected a string")
    return texts


def as_reference_lists(values: Iterable[Any], name: str = "references") -> list[list[str]]:
    """Per example, its acceptable references: a string becomes a one-item list; a list must hold strings."""
    out = []
    for row, value in enumerate(as_list(values, name)):
        refs = [value] if isinstance(value, str) else value
        if not isinstance(refs, (list, tuple)) or not refs or not all(isinstance(r, str) for r in refs):
            raise TypeError(
                f"{name}[{row}] is {value!r}; expected a string or a non-empty list of strings (the acceptable answers)"
            )
        out.append(list(refs))
    return out


def check_lengths(predictions: list[Any], references: list[Any]) -> None:
    """Predictions and references pair up one to one."""
    if len(predictions) != len(references):
        raise ValueError(
            f"{len(predictions)} predictions but {len(references)} references; each example needs one of each"
        )
