"""Math-answer extraction and comparison (``crucible_torch.cookbook.answers``): tricky rows, sample-repo rows
whose answers the generator knows, and properties over random nested braces and random rationals."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crucible_torch.cookbook.answers import (
    boxed_answer,
    extract_math_answer,
    gsm8k_answer,
    math_answers_equal,
    normalize_math_answer,
    parse_number,
)
from crucible_torch.testing import sample_text


# ------------------------------------------------------------------------------------------------ GSM8K
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She has 3 left.\n#### 3", "3"),
        ("#### $1,200", "1200"),
        ("#### -7\n\nSome trailing chatter", "-7"),
        ("first #### 1 then #### 2", "2"),
        ("####", ""),
        ("no marker", None),
    ],
)
def test_gsm8k_answer(text: str, expected: str | None) -> None:
    assert gsm8k_answer(text) == expected


def test_gsm8k_rows_end_in_the_value_of_their_last_calculation() -> None:
    rng = random.Random(0)
    for _ in range(200):
        row = sample_text.gsm8k_row(rng, socratic=rng.random() < 0.5)
        last_step = re.findall(r"<<[^=]+=(-?\d+)>>", row["answer"])[-1]
        assert parse_number(gsm8k_answer(row["answer"])) == int(last_step)


@given(st.integers(-(10**12), 10**12))
def test_gsm8k_commas_and_dollars_parse_to_the_number(value: int) -> None:
    assert parse_number(gsm8k_answer(f"So the total is\n#### ${value:,}")) == value


# -------------------------------------------------------------------------------------------- boxes
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"so $x = \boxed{5}$.", "5"),
        (r"\boxed{\frac{\sqrt{3}}{2}}", r"\frac{\sqrt{3}}{2}"),
        (r"\boxed{1} first, then \fbox{2}", "2"),
        (r"\fbox{1} first, then \boxed{ 2 }", " 2 "),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
        (r"\boxed {7}", "7"),
        (r"The answer is $\boxed 5$.", "5"),
        (r"\boxed{unbalanced", None),
        (r"\boxed{1} and a truncated \boxed{2", None),
        (r"\boxed", None),
        ("no box at all", None),
        ("", None),
    ],
)
def test_boxed_answer(text: str, expected: str | None) -> None:
    assert boxed_answer(text) == expected


def _balanced() -> st.SearchStrategy[str]:
    """LaTeX-ish strings whose braces balance, nested to any depth, with no box command inside."""
    leaf = st.text(st.characters(blacklist_characters="{}\\", blacklist_categories=("Cs",)), max_size=6)
    return st.recursive(
        leaf,
        lambda inner: st.lists(inner.map(lambda s: "{" + s + "}") | inner | st.just(r"\frac"), max_size=4).map("".join),
        max_leaves=12,
    )


@given(_balanced(), _balanced(), st.text(st.characters(blacklist_characters="\\"), max_size=10))
def test_the_last_box_wins_at_any_nesting_depth(first: str, last: str, between: str) -> None:
    text = rf"Work: \boxed{{{first}}} {between} then \fbox{{{last}}} done."
    assert boxed_answer(text) == last


def test_math_rows_state_their_answer_in_the_last_box() -> None:
    rng = random.Random(1)
    for _ in range(300):
        _, _, solution, answer = sample_text.any_math_problem(rng)
        assert boxed_answer(solution) == answer
        assert extract_math_answer(solution) == answer
        assert math_answers_equal(extract_math_answer(solution), answer)


def test_extraction_prefers_the_box_then_the_gsm8k_line_then_the_text() -> None:
    assert extract_math_answer(r"#### 4 but \boxed{5}") == "5"
    assert extract_math_answer("steps\n#### 4") == "4"
    assert extract_math_answer(" 42 ") == " 42 "


# ---------------------------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", Fraction(42)),
        ("-3.25", Fraction(-13, 4)),
        (".5", Fraction(1, 2)),
        ("5.", Fraction(5)),
        ("1,234,567.5", Fraction(2469135, 2)),
        ("2e-3", Fraction(1, 500)),
        (" $12 ", Fraction(12)),
        ("3/4", Fraction(3, 4)),
        (r"\frac{3}{4}", Fraction(3, 4)),
        (r"-\frac{1}{8}", Fraction(-1, 8)),
        ("1/0", None),
        (r"\frac{x}{2}", None),
        ("1,23", None),
        ("12 apples", None),
        ("e5", None),
        (".", None),
        ("", None),
    ],
)
def test_parse_number(text: str, value: Fraction | None) -> None:
    assert parse_number(text) == value


@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=1000))
def test_every_spelling_of_a_rational_compares_equal(value: Fraction) -> None:
    p, q = value.numerator, value.denominator
    spellings = [f"{p}/{q}", rf"\frac{{{p}}}{{{q}}}" if p >= 0 else rf"-\dfrac{{{-p}}}{{{q}}}", f"${p}/{q}$."]
    if q == 1:
        spellings += [str(p), f"{p:,}", f"{p}.0"]
    if 10**6 % q == 0:  # a terminating decimal, written out exactly
        spellings.append(format(Decimal(p) / Decimal(q), "f"))
    for a in spellings:
        for b in spellings:
            assert math_answers_equal(a, b), (a, b)
    assert not math_answers_equal(spellings[0], f"{p + q}/{q}")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (r"\dfrac{1}{2}", "0.5"),
        (r"\tfrac{1}{2}", r"\frac12"),
        (r"\left( 1, 2 \right)", "(1,2)"),
        (r"90^\circ", "90"),
        (r"90^{\circ}", "90"),
        (r"5\text{ cm}", "5"),
        (r"\text{(A)}", "(A)"),
        (r"\$5", "5"),
        (r"50\%", "50"),
        ("x = 5", "5"),
        ("12.", "12"),
        ("1,000", "1000"),
        (r"\sqrt2", r"\sqrt{2}"),
        (r"2\!\sqrt{13}", r"2\sqrt{13}"),
        ("-.25", r"-\frac{1}{4}"),
    ],
)
def test_equal_answers(a: str, b: str) -> None:
    assert math_answers_equal(a, b)
    assert math_answers_equal(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [("2", "3"), (r"2\sqrt{2}", r"\sqrt{8}"), ("(1,2)", "(2,1)"), ("x+1", "x+2"), ("1,2", "12"), ("", "0")],
)
def test_different_answers(a: str, b: str) -> None:
    assert not math_answers_equal(a, b)


def test_normalisation_is_idempotent_on_sample_answers() -> None:
    rng = random.Random(2)
    for _ in range(200):
        answer = sample_text.any_math_problem(rng)[3]
        once = normalize_math_answer(answer)
        assert normalize_math_answer(once) == once
