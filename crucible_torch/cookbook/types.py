"""The typed examples that the cookbook normalisers produce: small frozen dataclasses, one per kind of row.

They hold plain Python values (strings, ints, tuples, a PIL image), so they pickle across DataLoader workers
and compare by value. ``Conversation.to_messages()`` and ``LabeledComparison`` give the cookbook's own shapes
(lists of ``{"role", "content"}`` dicts, labels ``"A"``/``"B"``/``"Tie"``), so a recipe can use them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

Preferred = Literal["a", "b", "tie"]
_LABELS: dict[str, Preferred] = {
    "a": "a",
    "b": "b",
    "tie": "tie",
    "chosen": "a",
    "rejected": "b",
    "model_a": "a",
    "model_b": "b",
}


@dataclass(frozen=True)
class Message:
    """One chat turn: ``role`` is ``system``, ``user``, ``assistant`` or ``tool``; ``content`` is text."""

    role: str
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Conversation:
    """A chat as a tuple of messages, with whatever else the row carried in ``metadata``."""

    messages: tuple[Message, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]], **metadata: Any) -> Conversation:
        """``Conversation.of([("user", "hi"), ("assistant", "hello")])``."""
        return cls(tuple(Message(role, content) for role, content in pairs), metadata)

    @property
    def system_prompt(self) -> str | None:
        return next((m.content for m in self.messages if m.role == "system"), None)

    @property
    def first_user_message(self) -> str | None:
        return next((m.content for m in self.messages if m.role == "user"), None)

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None

    @property
    def turn_count(self) -> int:
        """User plus assistant messages, halved: one exchange is one turn."""
        return sum(m.role in ("user", "assistant") for m in self.messages) // 2

    def to_messages(self) -> list[dict[str, str]]:
        """The cookbook's message list: ``[{"role": ..., "content": ...}, ...]``."""
        return [m.to_dict() for m in self.messages]


@dataclass(frozen=True)
class Comparison:
    """A shared prompt and two continuations, as the cookbook's ``Comparison`` (completion A and B)."""

    prompt: Conversation
    response_a: Conversation
    response_b: Conversation


@dataclass(frozen=True)
class LabeledComparison:
    """A comparison and which side is preferred (``a``, ``b`` or ``tie``), with the rater's margin if known."""

    comparison: Comparison
    preferred: Preferred
    margin: float | None = None

    def __post_init__(self) -> None:
        if self.preferred not in ("a", "b", "tie"):
            raise ValueError(f"preferred must be 'a', 'b' or 'tie', got {self.preferred!r}")

    @staticmethod
    def label(value: str) -> Preferred:
        """``a``/``b``/``tie``, ``chosen``/``rejected``, ``model_a``/``model_b`` (any case) -> ``a``/``b``/``tie``."""
        try:
            return _LABELS[value.strip().lower()]
        except (KeyError, AttributeError):
            raise ValueError(f"unknown preference label {value!r}; expected one of {sorted(_LABELS)}") from None

    def to_score(self) -> float:
        """Probability that A is preferred: 1.0, 0.0, or 0.5 for a tie."""
        return {"a": 1.0, "b": 0.0, "tie": 0.5}[self.preferred]

    @property
    def cookbook_label(self) -> str:
        """The cookbook's label: ``"A"``, ``"B"`` or ``"Tie"``."""
        return {"a": "A", "b": "B", "tie": "Tie"}[self.preferred]


@dataclass(frozen=True)
class MathProblem:
    """A math question with its final answer (as written, cleaned) and its value when the answer is a number."""

    problem: str
    answer: str | None
    solution: str | None = None
    value: Fraction | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class CodeProblem:
    """A programming task: the prompt, its tests as parsed JSON, and the reference solution where given."""

    prompt: str
    tests: Any = None
    solution: str | None = None
    starter_code: str | None = None
    entry_point: str | None = None
    language: str = "python"
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MultipleChoice:
    """A question with lettered choices; ``answer`` is the index of the correct one."""

    question: str
    choices: tuple[str, ...]
    answer: int
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer index {self.answer} outside the {len(self.choices)} choices")

    @property
    def letter(self) -> str:
        """The correct choice's letter: ``A`` for index 0."""
        return chr(ord("A") + self.answer)


@dataclass(frozen=True)
class Rubric:
    """A grading rubric: the instruction, the criterion, and a description for each score 1..5."""

    instruction: str
    criteria: str
    scores: Mapping[int, str]
    reference_answer: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class VisionExample:
    """An image with its class: the label id and its real name from the dataset's ``ClassLabel``."""

    image: Any
    label: int
    label_name: str
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class QuestionAnswer:
    """An open question and the answers accepted as correct (search-augmented QA)."""

    question: str
    answers: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)
