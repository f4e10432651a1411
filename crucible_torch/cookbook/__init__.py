"""The cookbook layer: what the tinker-cookbook recipes know about their datasets, as data and pure functions.

``load(name)`` loads a registered dataset (``list()`` names them, ``info(name)`` describes one, offline) and
maps its rows lazily to typed examples (:class:`Conversation`, :class:`LabeledComparison`,
:class:`MathProblem`, ...). The normalisers are small pure functions in ``chat``, ``preference``,
``problems``, ``choice``, ``prompts`` and ``vision``; ``answers`` extracts and compares math answers
(GSM8K ``####`` lines, ``\\boxed{...}``). Nothing is imported eagerly: ``import crucible_torch.cookbook``
loads neither torch nor pyarrow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "load": ("loader", "load"),
    "list": ("registry", "names"),
    "info": ("registry", "info"),
    "DatasetEntry": ("registry", "DatasetEntry"),
    "Skip": ("registry", "Skip"),
    "RowError": ("rows", "RowError"),
    "MalformedRow": ("rows", "MalformedRow"),
    **{
        name: ("types", name)
        for name in (
            "CodeProblem",
            "Comparison",
            "Conversation",
            "LabeledComparison",
            "MathProblem",
            "Message",
            "MultipleChoice",
            "QuestionAnswer",
            "Rubric",
            "VisionExample",
        )
    },
}

__all__ = [
    "CodeProblem",
    "Comparison",
    "Conversation",
    "DatasetEntry",
    "LabeledComparison",
    "MalformedRow",
    "MathProblem",
    "Message",
    "MultipleChoice",
    "QuestionAnswer",
    "RowError",
    "Rubric",
    "Skip",
    "VisionExample",
    "info",
    "list",
    "load",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` when it is first asked for."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'crucible_torch.cookbook' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from .loader import load
    from .registry import DatasetEntry, Skip, info
    from .registry import names as list
    from .rows import MalformedRow, RowError
    from .types import (
        CodeProblem,
        Comparison,
        Conversation,
        LabeledComparison,
        MathProblem,
        Message,
        MultipleChoice,
        QuestionAnswer,
        Rubric,
        VisionExample,
    )
