"""Reading raw rows: typed field access that says what was expected, and the error that names the row.

Normalisers are pure functions of one row; they raise :class:`MalformedRow` with what they expected. The loader
(:mod:`crucible_torch.cookbook.loader`) knows the dataset, split and row index and raises :class:`RowError`
carrying all of them, so a bad row deep in a 1M-row split is found in one read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import CrucibleError


class MalformedRow(ValueError):
    """A row does not have the shape its normaliser expects; the message says what was expected."""


class RowError(CrucibleError, ValueError):
    """A row of a registered dataset could not be normalised: names dataset, config, split, row and expectation."""

    def __init__(self, dataset: str, config: str | None, split: str, index: int | None, problem: str) -> None:
        where = f"{dataset}" + (f" [{config}]" if config else "") + f" split {split!r}"
        row = f"row {index}" if index is not None else "a row"
        super().__init__(
            f"{where}, {row}: {problem}. Fix or drop the row, or load with normalise=False for the raw rows."
        )
        self.dataset, self.config, self.split, self.index = dataset, config, split, index


def field(row: Mapping[str, Any], *names: str) -> Any:
    """The value of the first of ``names`` present in ``row`` (not None), else :class:`MalformedRow`."""
    for name in names:
        value = row.get(name)
        if value is not None:
            return value
    shown = " or ".join(repr(n) for n in names)
    raise MalformedRow(f"expected a value in column {shown}; the row has {sorted(row)}")


def text(row: Mapping[str, Any], *names: str) -> str:
    """A string column (the first of ``names`` present)."""
    value = field(row, *names)
    if not isinstance(value, str):
        raise MalformedRow(f"expected text in column {names[0]!r}, got {type(value).__name__} {value!r:.80}")
    return value


def optional_text(row: Mapping[str, Any], *names: str) -> str | None:
    """A string column if present and not None, else None."""
    return next((row[n] for n in names if isinstance(row.get(n), str)), None)


def integer(row: Mapping[str, Any], name: str) -> int:
    """An integer column (bools refused)."""
    value = field(row, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedRow(f"expected an integer in column {name!r}, got {type(value).__name__} {value!r:.80}")
    return value


def json_value(row: Mapping[str, Any], name: str) -> Any:
    """A column holding JSON text, parsed (already-parsed lists and dicts pass through)."""
    value = field(row, name)
    if isinstance(value, (list, dict)):
        return value
    if not isinstance(value, str):
        raise MalformedRow(f"expected JSON text in column {name!r}, got {type(value).__name__}")
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise MalformedRow(f"column {name!r} is not valid JSON ({e.msg} at char {e.pos}): {value[:80]!r}") from None


def rest(row: Mapping[str, Any], used: tuple[str, ...]) -> dict[str, Any]:
    """The columns a normaliser did not turn into fields, kept as metadata."""
    return {k: v for k, v in row.items() if k not in used}
