"""Multiple-choice rows -> :class:`MultipleChoice` (question, choices, index of the correct one).

The benchmarks spell the same thing many ways: a ``choices`` list with an integer or ``ClassLabel`` answer
(MMLU, MMLU-Redux), ``options`` with ``answer_index`` or a letter (MMLU-Pro, SuperGPQA), one column per letter
(C-Eval ``A``..``D``, LongBench ``choice_A``..``choice_D``), or GPQA's correct and incorrect answer columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from .rows import MalformedRow, field, rest, text
from .types import MultipleChoice


def letter_index(value: Any, count: int) -> int:
    """``"C"`` -> 2 (also ``"(C)"``, ``"c"``); an int passes through; both checked against ``count`` choices."""
    if isinstance(value, bool):
        raise MalformedRow(f"expected an answer letter or index, got {value!r}")
    if isinstance(value, int):
        index = value
    elif isinstance(value, str) and len(value.strip(" ()")) == 1 and value.strip(" ()").isalpha():
        index = ord(value.strip(" ()").upper()) - ord("A")
    else:
        raise MalformedRow(f"expected an answer letter A..{chr(ord('A') + count - 1)} or an index, got {value!r}")
    if not 0 <= index < count:
        raise MalformedRow(f"answer {value!r} is outside the {count} choices")
    return index


def _choices(value: Any, column: str) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise MalformedRow(f"expected {column} to be a non-empty list of strings")
    return tuple(str(v) for v in value)


def listed(row: Mapping[str, Any]) -> MultipleChoice:
    """``choices``/``options`` list plus ``answer_index``, else ``answer_letter``, else ``answer`` (index or letter)."""
    column = "choices" if row.get("choices") is not None else "options"
    choices = _choices(field(row, column), column)
    answer = field(row, "answer_index", "answer_letter", "answer")
    used = ("question", column, "answer_index", "answer", "answer_letter")
    return MultipleChoice(text(row, "question"), choices, letter_index(answer, len(choices)), rest(row, used))


def lettered(row: Mapping[str, Any]) -> MultipleChoice:
    """One column per choice, ``A``..``D`` (C-Eval) or ``choice_A``..``choice_D`` (LongBench-v2)."""
    prefix = "choice_" if "choice_A" in row else ""
    letters = [c for c in "ABCDEFGHIJ" if f"{prefix}{c}" in row]
    if len(letters) < 2:
        raise MalformedRow("expected choice columns A, B, ... (or choice_A, choice_B, ...)")
    choices = tuple(text(row, f"{prefix}{c}") for c in letters)
    used = ("question", "answer", *(f"{prefix}{c}" for c in letters))
    return MultipleChoice(
        text(row, "question"), choices, letter_index(text(row, "answer"), len(choices)), rest(row, used)
    )


GPQA_COLUMNS = ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")


def gpqa(row: Mapping[str, Any]) -> MultipleChoice:
    """Idavidrein/gpqa: ``Question``, ``Correct Answer`` and three incorrect ones. The correct answer's position
    is a stable function of the question text (its SHA-256), so the same row always has the same letter and the
    answer is not always A."""
    question = text(row, "Question").strip()
    answers = [text(row, c).strip() for c in GPQA_COLUMNS]
    position = hashlib.sha256(question.encode()).digest()[0] % 4
    choices = answers[1 : position + 1] + answers[:1] + answers[position + 1 :]
    return MultipleChoice(question, tuple(choices), position, rest(row, ("Question", *GPQA_COLUMNS)))
