"""The Porter stemmer as ROUGE's reference uses it: NLTK's ``PorterStemmer`` in its default mode.

`rouge-score` stems with ``nltk.stem.porter.PorterStemmer()``, whose default ``NLTK_EXTENSIONS`` mode is Porter's
1980 algorithm plus Martin Porter's later amendments plus NLTK's own (a few irregular forms, ``ies``/``ied`` on
four-letter words, ``fulli``, ``logi``, ``y -> i`` only after a consonant, a two-letter ``*o``). ROUGE scores
with stemming equal the reference only if every word stems identically, so this module reproduces that mode
rule for rule, in the same order, first matching suffix deciding (a failed condition leaves the word as is).

The paper's vocabulary: a *consonant* is a letter other than a, e, i, o, u, and other than a ``y`` preceded by
a consonant; the *measure* ``m`` of a stem is the number of vowel-run/consonant-run pairs (``[C](VC){m}[V]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

__all__ = ["porter_stem"]

_VOWELS = frozenset("aeiou")
_IRREGULAR = {
    form: stem
    for stem, forms in {
        "sky": ("sky", "skies"),
        "die": ("dying",),
        "lie": ("lying",),
        "tie": ("tying",),
        "news": ("news",),
        "inning": ("innings", "inning"),
        "outing": ("outings", "outing"),
        "canning": ("cannings", "canning"),
        "howe": ("howe",),
        "proceed": ("proceed",),
        "exceed": ("exceed",),
        "succeed": ("succeed",),
    }.items()
    for form in forms
}

Condition = Callable[[str], bool] | None
Rule = tuple[str, str, Condition]


def _consonants(word: str) -> list[bool]:
    """Per letter, whether it is a consonant (a ``y`` is one at the start or after a vowel)."""
    flags: list[bool] = []
    for i, char in enumerate(word):
        if char in _VOWELS:
            flags.append(False)
        elif char == "y":
            flags.append(i == 0 or not flags[i - 1])
        else:
            flags.append(True)
    return flags


def _measure(stem: str) -> int:
    """``m`` in ``[C](VC){m}[V]``: how many times a vowel is directly followed by a consonant."""
    flags = _consonants(stem)
    return sum(1 for a, b in zip(flags, flags[1:]) if not a and b)


def _positive_measure(stem: str) -> bool:
    return _measure(stem) > 0


def _measure_above_one(stem: str) -> bool:
    return _measure(stem) > 1


def _has_vowel(stem: str) -> bool:
    return not all(_consonants(stem))


def _ends_double_consonant(word: str) -> bool:
    """``*d``: the word ends with two equal consonants."""
    return len(word) >= 2 and word[-1] == word[-2] and _consonants(word)[-1]


def _ends_cvc(word: str) -> bool:
    """``*o``: consonant-vowel-consonant at the end, the last not w, x or y (NLTK: or a two-letter
    vowel-consonant word)."""
    if len(word) >= 3:
        flags = _consonants(word)
        if flags[-3] and not flags[-2] and flags[-1] and word[-1] not in "wxy":
            return True
    if len(word) == 2:
        flags = _consonants(word)
        return not flags[0] and flags[1]
    return False


def _apply_first(word: str, rules: Sequence[Rule]) -> str:
    """The first rule whose suffix the word ends with decides: replaced when its condition holds, else unchanged.

    The pseudo-suffix ``*d`` matches a double consonant ending and removes both letters before the replacement.
    """
    for suffix, replacement, condition in rules:
        if suffix == "*d" and _ends_double_consonant(word):
            stem = word[:-2]
        elif word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
        else:
            continue
        return stem + replacement if condition is None or condition(stem) else word
    return word


def _step1a(word: str) -> str:
    if word.endswith("ies") and len(word) == 4:
        return word[:-3] + "ie"
    return _apply_first(word, (("sses", "ss", None), ("ies", "i", None), ("ss", "ss", None), ("s", "", None)))


def _step1b(word: str) -> str:
    if word.endswith("ied"):
        return word[:-3] + ("ie" if len(word) == 4 else "i")
    if word.endswith("eed"):
        stem = word[:-3]
        return stem + "ee" if _measure(stem) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
            stem = word[: -len(suffix)]
            break
    else:
        return word
    last = stem[-1]
    return _apply_first(
        stem,
        (
            ("at", "ate", None),
            ("bl", "ble", None),
            ("iz", "ize", None),
            ("*d", last, lambda _: last not in "lsz"),
            ("", "e", lambda s: _measure(s) == 1 and _ends_cvc(s)),
        ),
    )


def _step1c(word: str) -> str:
    return _apply_first(word, (("y", "i", lambda s: len(s) > 1 and _consonants(s)[-1]),))


_STEP2: tuple[Rule, ...] = (
    ("ational", "ate", _positive_measure),
    ("tional", "tion", _positive_measure),
    ("enci", "ence", _positive_measure),
    ("anci", "ance", _positive_measure),
    ("izer", "ize", _positive_measure),
    ("bli", "ble", _positive_measure),
    ("alli", "al", _positive_measure),
    ("entli", "ent", _positive_measure),
    ("eli", "e", _positive_measure),
    ("ousli", "ous", _positive_measure),
    ("ization", "ize", _positive_measure),
    ("ation", "ate", _positive_measure),
    ("ator", "ate", _positive_measure),
    ("alism", "al", _positive_measure),
    ("iveness", "ive", _positive_measure),
    ("fulness", "ful", _positive_measure),
    ("ousness", "ous", _positive_measure),
    ("aliti", "al", _positive_measure),
    ("iviti", "ive", _positive_measure),
    ("biliti", "ble", _positive_measure),
    ("fulli", "ful", _positive_measure),
    ("logi", "log", lambda s: _positive_measure(s + "l")),  # NLTK measures the stem with its "l"
)


def _step2(word: str) -> str:
    if word.endswith("alli") and _positive_measure(word[:-4]):
        return _step2(word[:-4] + "al")
    return _apply_first(word, _STEP2)


_STEP3: tuple[Rule, ...] = (
    ("icate", "ic", _positive_measure),
    ("ative", "", _positive_measure),
    ("alize", "al", _positive_measure),
    ("iciti", "ic", _positive_measure),
    ("ical", "ic", _positive_measure),
    ("ful", "", _positive_measure),
    ("ness", "", _positive_measure),
)
_STEP4: tuple[Rule, ...] = (
    *((suffix, "", _measure_above_one) for suffix in ("al", "ance", "ence", "er", "ic", "able", "ible", "ant")),
    *((suffix, "", _measure_above_one) for suffix in ("ement", "ment", "ent")),
    ("ion", "", lambda s: _measure(s) > 1 and s[-1] in "st"),
    *((suffix, "", _measure_above_one) for suffix in ("ou", "ism", "ate", "iti", "ous", "ive", "ize")),
)


def _step5a(word: str) -> str:
    if word.endswith("e"):
        stem = word[:-1]
        measure = _measure(stem)
        if measure > 1 or (measure == 1 and not _ends_cvc(stem)):
            return stem
    return word


def _step5b(word: str) -> str:
    return _apply_first(word, (("ll", "l", lambda s: _measure(s + "l") > 1),))


@lru_cache(maxsize=1 << 16)
def porter_stem(word: str) -> str:
    """The stem NLTK's default ``PorterStemmer().stem(word)`` returns (lower-cased; words of two letters or
    fewer and NLTK's irregular forms handled first)."""
    stem = word.lower()
    if stem in _IRREGULAR:
        return _IRREGULAR[stem]
    if len(word) <= 2:
        return stem
    for step in (_step1a, _step1b, _step1c, _step2, _STEP3, _STEP4, _step5a, _step5b):
        stem = _apply_first(stem, step) if isinstance(step, tuple) else step(stem)
    return stem
