"""Preference rows -> :class:`LabeledComparison` (a shared prompt, continuations A and B, the preferred side).

Each function follows the recipe that reads the dataset (``tinker_cookbook/recipes/preference/datasets.py``):
HH-RLHF transcripts split on ``Human:``/``Assistant:`` (chosen is A); HelpSteer3's sign rule (negative ->
response1, positive -> response2, zero -> tie); Arena's ``winner`` (``model_a``/``model_b``, anything else a
tie) over text-part content lists; UltraFeedback and Tulu chosen/rejected (chosen is A). Ties come back as
``preferred="tie"``; the registry's skip rules drop them by default, as the recipes do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .chat import messages
from .rows import MalformedRow, field, integer, optional_text, rest, text
from .types import Comparison, Conversation, LabeledComparison, Message

_SPEAKER = re.compile(r"(Human:|Assistant:)")


def hh_transcript(transcript: str) -> tuple[Message, ...]:
    """``"\\n\\nHuman: hi\\n\\nAssistant: hello"`` -> user and assistant messages (text before turn 1 dropped)."""
    parts = _SPEAKER.split(transcript)
    turns = []
    for speaker, body in zip(parts[1::2], parts[2::2]):
        turns.append(Message("user" if speaker == "Human:" else "assistant", body.strip()))
    if not turns:
        raise MalformedRow(f"expected a 'Human: ... Assistant: ...' transcript, got {transcript[:80]!r}")
    return tuple(turns)


def _split_pair(chosen: tuple[Message, ...], rejected: tuple[Message, ...]) -> tuple[Conversation, Message, Message]:
    """The shared prompt and the two final turns; the transcripts must differ only in their last message."""
    if len(chosen) != len(rejected) or chosen[:-1] != rejected[:-1]:
        raise MalformedRow(
            f"expected chosen and rejected to share every turn but the last; got {len(chosen)} and "
            f"{len(rejected)} turns that differ earlier"
        )
    if chosen[-1] == rejected[-1]:
        raise MalformedRow("chosen and rejected end with the same message")
    return Conversation(chosen[:-1]), chosen[-1], rejected[-1]


def _single(message: Message) -> Conversation:
    return Conversation((message,))


def hh_rlhf(row: Mapping[str, Any]) -> LabeledComparison:
    """Anthropic/hh-rlhf: ``chosen``/``rejected`` transcripts -> shared prompt, chosen (A) and rejected (B)."""
    prompt, chosen, rejected = _split_pair(hh_transcript(text(row, "chosen")), hh_transcript(text(row, "rejected")))
    return LabeledComparison(Comparison(prompt, _single(chosen), _single(rejected)), "a")


def hh_rlhf_is_well_formed(row: Mapping[str, Any]) -> bool:
    """Whether :func:`hh_rlhf` accepts the row (the recipe skips the few that it does not)."""
    try:
        hh_rlhf(row)
    except MalformedRow:
        return False
    return True


def helpsteer3(row: Mapping[str, Any]) -> LabeledComparison:
    """nvidia/HelpSteer3 ``preference``: ``context`` messages, ``response1`` (A), ``response2`` (B) and the sign
    of ``overall_preference`` (-3..3): negative prefers A, positive B, zero is a tie; the margin is its size."""
    score = integer(row, "overall_preference")
    prompt = Conversation(messages(field(row, "context")))
    a = _single(Message("assistant", text(row, "response1")))
    b = _single(Message("assistant", text(row, "response2")))
    preferred = "a" if score < 0 else "b" if score > 0 else "tie"
    return LabeledComparison(Comparison(prompt, a, b), preferred, float(abs(score)))


def _arena_turns(value: Any, column: str) -> tuple[Message, ...]:
    turns = messages(value)
    if len(turns) < 2 or turns[0].role != "user" or turns[-1].role != "assistant":
        raise MalformedRow(f"expected {column} to run from a user message to an assistant reply")
    return turns


def arena(row: Mapping[str, Any]) -> LabeledComparison:
    """lmarena-ai/arena-human-preference-140k: the first user message is the prompt, the rest of
    ``conversation_a``/``conversation_b`` the continuations; ``winner`` ``model_a``/``model_b``, else a tie."""
    a = _arena_turns(field(row, "conversation_a"), "conversation_a")
    b = _arena_turns(field(row, "conversation_b"), "conversation_b")
    if a[:1] != b[:1]:
        raise MalformedRow("expected conversation_a and conversation_b to open with the same user message")
    winner = text(row, "winner")
    preferred = {"model_a": "a", "model_b": "b"}.get(winner, "tie")
    return LabeledComparison(Comparison(Conversation(a[:1]), Conversation(a[1:]), Conversation(b[1:])), preferred)


def ultrafeedback(row: Mapping[str, Any]) -> LabeledComparison:
    """argilla/ultrafeedback-binarized-preferences: ``instruction``, chosen (A) and rejected (B) responses; the
    margin is the difference of their average ratings when both are given."""
    prompt = Conversation((Message("user", text(row, "instruction", "prompt")),))
    chosen = _single(Message("assistant", text(row, "chosen_response")))
    rejected = _single(Message("assistant", text(row, "rejected_response")))
    high, low = row.get("chosen_avg_rating"), row.get("rejected_avg_rating")
    margin = float(high - low) if isinstance(high, (int, float)) and isinstance(low, (int, float)) else None
    return LabeledComparison(Comparison(prompt, chosen, rejected), "a", margin)


def chosen_rejected(row: Mapping[str, Any]) -> LabeledComparison:
    """Tulu-style preference rows: ``chosen`` and ``rejected`` message lists sharing all but the last turn."""
    prompt, chosen, rejected = _split_pair(messages(field(row, "chosen")), messages(field(row, "rejected")))
    if not prompt.messages and (given := optional_text(row, "prompt")):
        prompt = Conversation((Message("user", given),))
    return LabeledComparison(Comparison(prompt, _single(chosen), _single(rejected)), "a")


HELPSTEER2_SCORES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")


def helpsteer2(row: Mapping[str, Any]) -> Conversation:
    """nvidia/HelpSteer2: one prompt and one rated response (no pair); the five 0..4 scores go in metadata."""
    scores = {name: integer(row, name) for name in HELPSTEER2_SCORES}
    pairs = [("user", text(row, "prompt")), ("assistant", text(row, "response"))]
    return Conversation.of(pairs, **scores, **rest(row, ("prompt", "response", *HELPSTEER2_SCORES)))
