"""Prompt rows -> :class:`Conversation`, :class:`Rubric` and :class:`QuestionAnswer`: instruction-following and
judge benchmarks, rubric-graded RL, function calling and search-augmented QA.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .chat import messages
from .rows import MalformedRow, field, optional_text, rest, text
from .types import Conversation, Message, QuestionAnswer, Rubric


def instruction_following(row: Mapping[str, Any]) -> Conversation:
    """google/IFEval, allenai/IFBench_test: the ``prompt`` as one user turn; ``instruction_id_list`` and ``kwargs``
    (one dict per instruction, absent arguments None) in metadata for the checker."""
    ids, kwargs = field(row, "instruction_id_list"), row.get("kwargs") or []
    if not isinstance(ids, list) or len(kwargs) not in (0, len(ids)):
        raise MalformedRow(f"expected one kwargs entry per instruction id, got {len(ids)} ids and {len(kwargs)}")
    return Conversation((Message("user", text(row, "prompt")),), rest(row, ("prompt",)))


def arena_hard(row: Mapping[str, Any]) -> Conversation:
    """lmarena-ai/arena-hard-auto-v0.1: the first of ``turns`` (``[{"content": ...}]``) as the user prompt."""
    turns = field(row, "turns")
    if not isinstance(turns, Sequence) or not turns or not isinstance(turns[0], Mapping):
        raise MalformedRow("expected turns to be a non-empty list of {'content': ...}")
    return Conversation((Message("user", text(turns[0], "content")),), rest(row, ("turns",)))


def function_calling(row: Mapping[str, Any]) -> Conversation:
    """gorilla-llm/Berkeley-Function-Calling-Leaderboard: ``question`` is a list of turns, each a list of messages;
    the first turn is the conversation, the ``function`` schemas go in metadata."""
    question = field(row, "question")
    if not isinstance(question, Sequence) or not question:
        raise MalformedRow("expected question to be a non-empty list of message lists")
    return Conversation(messages(question[0]), rest(row, ("question",)))


def _score_text(row: Mapping[str, Any], score: int) -> str:
    return text(row, f"orig_score{score}_description", f"score{score}_description")


def feedback_rubric(row: Mapping[str, Any]) -> Rubric:
    """prometheus-eval/Feedback-Collection: instruction, criteria, score 1..5 descriptions and reference answer,
    read from the ``orig_`` columns (as the rubric recipe does) or their unprefixed names."""
    return Rubric(
        text(row, "orig_instruction", "instruction"),
        text(row, "orig_criteria", "criteria"),
        {score: _score_text(row, score) for score in range(1, 6)},
        optional_text(row, "orig_reference_answer", "reference_answer"),
        {k: row[k] for k in ("orig_response", "orig_score", "orig_feedback") if k in row},
    )


def search_qa(row: Mapping[str, Any]) -> QuestionAnswer:
    """PeterJinGo/nq_hotpotqa_train: ``question`` and the answers from ``reward_model.ground_truth.target``, else
    ``golden_answers``."""
    truth = (row.get("reward_model") or {}).get("ground_truth") or {}
    answers = truth.get("target") if truth.get("target") is not None else field(row, "golden_answers")
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, Sequence) or not answers:
        raise MalformedRow("expected reward_model.ground_truth.target or golden_answers to list the answers")
    used = ("question", "golden_answers", "reward_model")
    return QuestionAnswer(text(row, "question"), tuple(str(a) for a in answers), rest(row, used))
