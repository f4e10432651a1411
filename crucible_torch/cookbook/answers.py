"""Math answers as the recipes grade them: extraction from GSM8K and MATH-style solutions, and comparison.

GSM8K solutions end in ``#### <answer>``; MATH-style solutions put the answer in the last ``\\boxed{...}``
(braces nest: ``\\boxed{\\frac{\\sqrt{3}}{2}}``). Two answers are compared after a light LaTeX clean-up
(``\\dfrac`` -> ``\\frac``, ``\\left(`` -> ``(``, ``^\\circ``, ``\\text{...}``, ``$``, spaces, a trailing ``.``):
equal strings match, and so do two numbers of equal value (``0.5``, ``1/2`` and ``\\frac{1}{2}``;
``1,000`` and ``1000``). Values are exact rationals (``Fraction``), so equality never depends on float
rounding. The trade-off is deliberate simplicity: there is no symbolic algebra, so ``2\\sqrt{2}`` does not
equal ``\\sqrt{8}``. Every function is pure and stands alone (no imports from the rest of the library).
"""

from __future__ import annotations

import re
from fractions import Fraction

__all__ = [
    "boxed_answer",
    "extract_math_answer",
    "gsm8k_answer",
    "math_answers_equal",
    "normalize_math_answer",
    "parse_number",
]

_BOX_COMMANDS = ("\\boxed", "\\fbox")
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d*)?(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FRAC = re.compile(r"([+-]?)\\frac\{([^{}]+)\}\{([^{}]+)\}")
_DEGREES = re.compile(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)")
_UNITS = re.compile(r"\\(?:text|mbox|mathrm)\{\s[^{}]*\}\s*$")
_TEXT = re.compile(r"\\(?:text|textbf|textit|mbox|mathrm|mathbf)\{([^{}]*)\}")
_SHORT_FRACS = (
    (re.compile(r"\\frac(\d)(\d)"), r"\\frac{\1}{\2}"),
    (re.compile(r"\\frac(\d)\{"), r"\\frac{\1}{"),
    (re.compile(r"\\frac\{([^{}]*)\}(\d)"), r"\\frac{\1}{\2}"),
    (re.compile(r"\\sqrt(\d)"), r"\\sqrt{\1}"),
)


def _closing_brace(text: str, opening: int) -> int | None:
    """Index of the ``}`` matching the ``{`` at ``opening`` (escaped ``\\{`` ``\\}`` not counted), else None."""
    depth = 0
    i = opening
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def boxed_answer(text: str) -> str | None:
    """The content of the last ``\\boxed{...}`` or ``\\fbox{...}`` in ``text``, else None.

    Braces inside may nest to any depth. ``\\boxed 5`` (argument without braces) gives the text up to the next
    ``$``. When the last box is unbalanced (a truncated generation) the answer is None, not an earlier box.
    """
    start, command = max((text.rfind(c), c) for c in _BOX_COMMANDS)
    if start < 0:
        return None
    rest = start + len(command)
    argument = rest + len(text[rest:]) - len(text[rest:].lstrip())
    if argument < len(text) and text[argument] == "{":
        end = _closing_brace(text, argument)
        return None if end is None else text[argument + 1 : end]
    if argument == rest:  # "\boxedx": another command, not a box
        return None
    content = text[argument:].split("$", 1)[0].strip()
    return content or None


def gsm8k_answer(text: str) -> str | None:
    """The final answer of a GSM8K solution: what follows the last ``####`` up to the end of its line, stripped,
    with commas and ``$`` removed (``#### $1,200`` -> ``1200``); None when there is no ``####``."""
    _, marker, tail = text.rpartition("####")
    if not marker:
        return None
    line = tail.strip().split("\n", 1)[0]
    return line.replace(",", "").replace("$", "").strip()


def extract_math_answer(text: str) -> str:
    """The answer a solution states: its last box, else its GSM8K ``####`` line, else the whole text."""
    boxed = boxed_answer(text)
    if boxed is not None:
        return boxed
    marked = gsm8k_answer(text)
    return marked if marked is not None else text


def parse_number(text: str) -> Fraction | None:
    """The exact value of a number written as an integer, decimal (``.5``, ``1,234.5``, ``2e-3``), ``a/b`` or
    ``\\frac{a}{b}`` (``$`` and surrounding spaces allowed), else None."""
    text = text.strip().replace("$", "").strip()
    frac = _FRAC.fullmatch(text)
    if frac:
        sign, top, bottom = frac.groups()
        value = _ratio(top, bottom)
        return None if value is None else (-value if sign == "-" else value)
    if text.count("/") == 1:
        top, bottom = text.split("/")
        return _ratio(top, bottom)
    return _decimal(text)


def _decimal(text: str) -> Fraction | None:
    text = text.strip()
    if not any(c.isdigit() for c in text) or not _DECIMAL.fullmatch(text):
        return None
    mantissa = re.split(r"[eE]", text, maxsplit=1)[0]
    if not any(c.isdigit() for c in mantissa):
        return None
    return Fraction(text.replace(",", ""))


def _ratio(top: str, bottom: str) -> Fraction | None:
    numerator, denominator = _decimal(top), _decimal(bottom)
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def normalize_math_answer(text: str) -> str:
    """``text`` with the LaTeX that does not change an answer's meaning removed, for string comparison.

    ``\\dfrac``/``\\tfrac`` -> ``\\frac`` (and ``\\frac12`` -> ``\\frac{1}{2}``), ``\\left``/``\\right``, ``\\!``,
    degrees (``^\\circ``), ``$``, ``%``, trailing units (``\\text{ cm}``), ``\\text{x}`` -> ``x``, a short
    left-hand side (``x = 5`` -> ``5``), whitespace, a trailing ``.``, thousands separators (``1,000``), and a
    leading ``.`` of a decimal (``.5`` -> ``0.5``).
    """
    s = text.replace("\\!", "").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("\\left", "").replace("\\right", "")
    s = _DEGREES.sub("", s)
    s = s.replace("\\$", "").replace("$", "")
    s = _UNITS.sub("", s)
    s = _TEXT.sub(r"\1", s)
    s = s.replace("\\%", "").replace("%", "")
    s = "".join(s.split())
    lhs, equals, rhs = s.partition("=")
    if equals and len(lhs) <= 2 and "=" not in rhs:
        s = rhs
    for pattern, replacement in _SHORT_FRACS:
        s = pattern.sub(replacement, s)
    s = s.rstrip(".")
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    if s.startswith("."):
        s = "0" + s
    elif s.startswith("-."):
        s = "-0" + s[1:]
    return s


def math_answers_equal(prediction: str, reference: str) -> bool:
    """Whether two final answers agree: equal after :func:`normalize_math_answer`, or numbers of equal value."""
    a, b = normalize_math_answer(prediction), normalize_math_answer(reference)
    if a == b:
        return True
    value_a = parse_number(a)
    return value_a is not None and value_a == parse_number(b)
