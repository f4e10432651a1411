"""Chat rows -> :class:`Conversation`: ``messages`` lists of ``{role, content}`` (Tulu, No Robots) and ShareGPT
``conversations`` lists of ``{from, value}`` (OpenThoughts), with ``human`` -> user and ``gpt`` -> assistant.

Roles outside the known set are an error rather than guessed; content given as a list of parts (Arena's
``[{"type": "text", "text": ...}]``) is joined when every part is text and refused otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .rows import MalformedRow, field, rest
from .types import Conversation, Message

ROLES = {
    "system": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "human": "user",
    "gpt": "assistant",
    "bot": "assistant",
    "model": "assistant",
}


def role(value: Any) -> str:
    """A message role, ShareGPT names mapped (``human`` -> ``user``, ``gpt`` -> ``assistant``), case-insensitive."""
    if isinstance(value, str) and value.strip().lower() in ROLES:
        return ROLES[value.strip().lower()]
    raise MalformedRow(f"unknown message role {value!r}; expected one of {sorted(ROLES)}")


def content_text(content: Any) -> str:
    """Message content as text: a string, or a list of ``{"type": "text", "text": ...}`` parts joined by spaces."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence) and not isinstance(content, (bytes, bytearray)):
        texts = []
        for part in content:
            if not (isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str)):
                kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
                raise MalformedRow(f"expected text content parts, got a {kind!r} part")
            texts.append(part["text"])
        return " ".join(texts)
    raise MalformedRow(f"expected message content as text or a list of text parts, got {type(content).__name__}")


def message(value: Any) -> Message:
    """One message from ``{role, content}`` or ShareGPT ``{from, value}``."""
    if not isinstance(value, Mapping):
        raise MalformedRow(f"expected a message dict with role/content or from/value, got {type(value).__name__}")
    if value.get("role") is not None:
        return Message(role(value["role"]), content_text(value.get("content")))
    if value.get("from") is not None:
        return Message(role(value["from"]), content_text(value.get("value")))
    raise MalformedRow(
        f"expected a message with 'role' and 'content' (or 'from' and 'value'), got keys {sorted(value)}"
    )


def messages(values: Any) -> tuple[Message, ...]:
    """A list of message dicts as a tuple of :class:`Message`."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise MalformedRow(f"expected a list of messages, got {type(values).__name__}")
    return tuple(message(v) for v in values)


def chat(row: Mapping[str, Any]) -> Conversation:
    """A chat row: its ``messages`` (or ShareGPT ``conversations``) and the other columns as metadata."""
    return Conversation(messages(field(row, "messages", "conversations")), rest(row, ("messages", "conversations")))
