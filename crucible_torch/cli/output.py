"""How the command prints: sizes and ages as ``hf`` prints them, padded tables, cells cut to a width.

Results go to stdout, warnings and hints to stderr, so ``--format json`` and ``-q`` output stays parseable.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any

FORMATS = ("human", "json", "quiet")


def command_help(docstring: str | None) -> str | None:
    """A command's ``--help`` description: its module docstring after the first paragraph, as plain text."""
    if not docstring or "\n\n" not in docstring:
        return None
    return docstring.split("\n\n", 1)[1].replace("``", "`").strip()


def format_size(num: float) -> str:
    """``37.8K``, ``1.2G``: decimal units, as ``hf cache ls`` prints sizes."""
    for unit in ("", "K", "M", "G", "T", "P"):
        if abs(num) < 1000.0:
            return f"{num:3.1f}{unit}"
        num /= 1000.0
    return f"{num:.1f}E"


def format_age(timestamp: float, now: float | None = None) -> str:
    """``a few seconds ago``, ``3 days ago``: how long ago ``timestamp`` was, in ``hf cache ls`` words."""
    if timestamp <= 0:
        return ""
    delta = max(0.0, (now if now is not None else time.time()) - timestamp)
    if delta < 20:
        return "a few seconds ago"
    for unit, seconds in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400), ("hour", 3600)):
        if delta >= seconds:
            count = int(delta // seconds)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    minutes = int(delta // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago" if minutes else f"{int(delta)} seconds ago"


def one_line(text: str) -> str:
    """``text`` with control characters escaped, so a value from a server cannot rewrite the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def cut(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with ``...`` (``width`` 0: never cut)."""
    text = one_line(text)
    return text if width <= 0 or len(text) <= width else text[: max(1, width - 3)] + "..."


def _fit(widths: list[int], floors: list[int], budget: int) -> list[int]:
    """Narrow the widest column one character at a time until the table fits ``budget`` (``hf``'s rule)."""
    caps = list(widths)
    while sum(caps) > budget:
        widest = max((i for i, w in enumerate(caps) if w > floors[i]), key=lambda i: caps[i], default=-1)
        if widest < 0:
            break
        caps[widest] -= 1
    return caps


def table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], right: Sequence[str] = (), max_width: int | None = None
) -> str:
    """A padded table with upper-case headers and a dashed rule, as ``hf`` prints one.

    With ``max_width`` the widest columns are narrowed until a line fits, their cells cut with ``...``.
    """
    titles = [h.upper() for h in headers]
    cells = [[one_line("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(t), *(len(r[i]) for r in cells)]) for i, t in enumerate(titles)]
    if max_width is not None:
        widths = _fit(widths, [max(len(t), 4) for t in titles], max_width - (len(titles) - 1))
        cells = [[cut(c, w) for c, w in zip(row, widths)] for row in cells]

    def line(values: Sequence[str]) -> str:
        return " ".join(v.rjust(w) if h in right else v.ljust(w) for v, w, h in zip(values, widths, headers)).rstrip()

    return "\n".join([line(titles), " ".join("-" * w for w in widths), *(line(r) for r in cells)])


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def warn(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr)


def hint(message: str) -> None:
    print(f"Hint: {message}", file=sys.stderr)


def result(message: str, **data: Any) -> None:
    """A success summary: ``✓ message`` then ``key: value`` lines (``hf``'s human result shape)."""
    mark = "✓" if _encodable("✓") else "[OK]"
    print("\n".join([f"{mark} {message}", *(f"  {k}: {v}" for k, v in data.items() if v is not None)]))


def _encodable(text: str) -> bool:
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (LookupError, UnicodeEncodeError):
        return False
    return True
