"""ROUGE against rouge-score (the reference, test extra), with and without stemming, one or several references;
the Porter stemmer against NLTK's; the bit-parallel LCS against the dynamic-programming table."""

from __future__ import annotations

import importlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem.porter import PorterStemmer
from rouge_score import rouge_scorer

from crucible_torch.evaluation.metrics import lcs_length, rouge
from crucible_torch.evaluation.metrics.porter import porter_stem

rouge_module = importlib.import_module(
    "crucible_torch.evaluation.metrics.rouge"
)  # the package's `rouge` is the function
TYPES = ("rouge1", "rouge2", "rouge3", "rougeL")
SUFFIXES = (
    "ational tional enci anci izer bli alli entli eli ousli ization ation ator alism iveness fulness ousness aliti "
    "iviti biliti fulli logi icate ative alize iciti ical ful ness al ance ence er ic able ible ant ement ment ent "
    "sion tion ou ism ate iti ous ive ize e ll y ies ied sses ss s ed ing eed ly at bl iz"
).split()
STEMS = (
    "relat condit valen hesit digit conform radic differ vil analog vietnam predic oper feud decis hope callous form "
    "sensi triplic electr good reviv allow infer airlin gyroscop adjust defens irrit replac depend adopt homolog "
    "commun activ angular effect bowdler prob rate ceas control roll sky dy ly ty happ enjoy tr agre feed plaster bl "
    "motor sing conflat troubl siz hopp tann fall hiss fizz fail fil cares pon ti cat a yy"
).split()


def _words() -> st.SearchStrategy[str]:
    english_like = st.tuples(st.sampled_from(STEMS), st.lists(st.sampled_from(SUFFIXES), max_size=2)).map(
        lambda t: t[0] + "".join(t[1])
    )
    letters = st.text("abcdeilnorstuyz0123", min_size=1, max_size=12)
    return english_like | letters


def _texts() -> st.SearchStrategy[str]:
    separators = st.sampled_from([" ", "  ", ", ", ". ", "-", "\n", "'", "é", " DOG ", "İ", "K"])  # K: Kelvin sign
    return st.lists(st.tuples(_words(), separators), max_size=12).map(lambda ws: "".join(w + s for w, s in ws))


@settings(max_examples=300, deadline=None)
@given(st.lists(_words(), min_size=1, max_size=30))
def test_porter_stem_equals_nltk(words: list[str]) -> None:
    reference = PorterStemmer()
    assert [porter_stem(w) for w in words] == [reference.stem(w) for w in words]


def test_porter_stem_equals_nltk_on_random_letter_strings() -> None:
    rng, reference = random.Random(0), PorterStemmer()
    for _ in range(20_000):
        word = "".join(rng.choice("aeiouybcdlmnrstz") for _ in range(rng.randint(1, 10))) + rng.choice(SUFFIXES)
        assert porter_stem(word) == reference.stem(word), word


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abcab"), max_size=80), st.lists(st.sampled_from("abcd"), max_size=80))
def test_bit_parallel_lcs_equals_the_table(a: list[str], b: list[str]) -> None:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = table[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(table[i - 1][j], table[i][j - 1])
    assert lcs_length(a, b) == table[-1][-1] == lcs_length(b, a)


def _flat(scores: list) -> list[float]:
    """Precision, recall and F of each score, in one flat list (ours are RougeScore, theirs rouge-score's Score)."""
    return [value for s in scores for value in (s.precision, s.recall, s.fmeasure)]


@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(_texts(), st.lists(_texts(), min_size=1, max_size=3)), min_size=1, max_size=6), st.booleans())
def test_rouge_equals_rouge_score(pairs: list[tuple[str, list[str]]], stem: bool) -> None:
    predictions = [p for p, _ in pairs]
    references = [r for _, r in pairs]
    scorer = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=stem)
    expected = [scorer.score_multi(refs, p) if len(refs) > 1 else scorer.score(refs[0], p) for p, refs in pairs]
    ours = rouge(predictions, references, TYPES, use_stemmer=stem)
    for rouge_type in TYPES:
        assert _flat(ours[rouge_type]) == pytest.approx(_flat([e[rouge_type] for e in expected]), abs=1e-9)


@pytest.mark.parametrize(
    ("prediction", "reference"),
    [
        ("", "the cat sat"),  # empty prediction
        ("the cat sat", ""),  # empty reference
        ("", ""),
        ("!!! ???", "..."),  # nothing but separators
        ("cat", "cat"),  # a single token
        ("cats running", "cat runs"),
        ("日本語 café naïve", "cafe naive"),  # unicode: only a-z0-9 survive
        ("The Quick Brown Fox", "the quick brown fox jumps"),
        ("a\nb\nc", "a b c"),  # newlines inside a text
    ],
)
@pytest.mark.parametrize("stem", [False, True])
def test_edge_cases_equal_rouge_score(prediction: str, reference: str, stem: bool) -> None:
    expected = rouge_scorer.RougeScorer(list(TYPES), use_stemmer=stem).score(reference, prediction)
    ours = rouge([prediction], [reference], TYPES, use_stemmer=stem)
    for rouge_type in TYPES:
        assert _flat(ours[rouge_type]) == pytest.approx(_flat([expected[rouge_type]]), abs=1e-9)


def test_long_texts_and_many_pairs_equal_rouge_score(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rouge_module, "_CHUNK", 7)  # many chunk boundaries, some inside multi-reference rows
    rng = random.Random(0)
    vocabulary = [f"w{i}" for i in range(200)] + ["running", "runs", "ran", "happily", "happiness"]
    refs = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 150))) for _ in range(300)]
    preds = [" ".join(w for w in r.split() if rng.random() > 0.3) + " extra words" for r in refs]
    multi = [[r, preds[i - 1]] if i % 5 == 0 else r for i, r in enumerate(refs)]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    ours = rouge(preds, multi, use_stemmer=True)
    expected = [scorer.score_multi(r, p) if isinstance(r, list) else scorer.score(r, p) for p, r in zip(preds, multi)]
    for rouge_type in ("rouge1", "rouge2", "rougeL"):
        assert _flat(ours[rouge_type]) == pytest.approx(_flat([e[rouge_type] for e in expected]), abs=1e-9)


def test_unknown_rouge_type_is_refused() -> None:
    with pytest.raises(ValueError, match="rougeLsum"):
        rouge(["a"], ["a"], ["rougeLsum"])
