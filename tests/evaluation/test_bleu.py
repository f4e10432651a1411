"""BLEU against sacrebleu (the reference, test extra): the 13a tokens, corpus BLEU and sentence BLEU over random
texts built to hit every tokenisation rule, every smoothing method and several references, plus edge cases."""

from __future__ import annotations

import importlib
import random

import numpy as np
import pyarrow as pa
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

from crucible_torch.evaluation.metrics import bleu_statistics, corpus_bleu, sentence_bleu
from crucible_torch.evaluation.metrics.tokenize_13a import tokenize_13a

bleu_module = importlib.import_module("crucible_torch.evaluation.metrics.bleu")
TOL = 1e-9
WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "Dog", "ran", "3", "3.5", "1,000", "co-op", "x"]
PIECES = WORDS + [".", ",", "-", "..", ".,", "&amp;", "&quot;", "&lt;", "&", "<skipped>", "-\n", "\n", "'s", "(", ")"]
PIECES += ["$", "%", "@", "/", "{", "}", "~", "^", "_", "`", "é", "日本", "ß", "İ", "\t", "\u2028", "\x0b", " "]


def _texts() -> st.SearchStrategy[str]:
    joined = st.lists(st.sampled_from(PIECES), max_size=14).map(lambda ps: "".join(ps))
    spaced = st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join)
    return joined | spaced | st.text(max_size=20)


def _sacre_refs(references: list[list[str]]) -> list[list[str | None]]:
    """Per-example reference lists as sacrebleu's streams (None where an example has fewer references)."""
    width = max(len(r) for r in references)
    return [[refs[j] if j < len(refs) else None for refs in references] for j in range(width)]


def _assert_same(ours, theirs) -> None:
    assert ours.score == pytest.approx(theirs.score, abs=TOL)
    assert list(ours.counts) == pytest.approx(theirs.counts, abs=TOL)
    assert list(ours.totals) == pytest.approx(theirs.totals, abs=TOL)
    assert list(ours.precisions) == pytest.approx(theirs.precisions, abs=TOL)
    assert (ours.sys_len, ours.ref_len) == (theirs.sys_len, theirs.ref_len)
    assert ours.bp == pytest.approx(theirs.bp, abs=TOL)


@settings(max_examples=300, deadline=None)
@given(st.lists(_texts(), max_size=12))
def test_13a_tokens_equal_sacrebleu(texts: list[str]) -> None:
    reference = Tokenizer13a()
    assert tokenize_13a(texts) == [reference(t.rstrip()).split() for t in texts]
    assert tokenize_13a(texts, lowercase=True) == [reference(t.lower().rstrip()).split() for t in texts]


@st.composite
def _corpora(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    n = draw(st.integers(1, 8))
    hyps = draw(st.lists(_texts(), min_size=n, max_size=n))
    refs = draw(st.lists(st.lists(_texts(), min_size=1, max_size=3), min_size=n, max_size=n))
    return hyps, refs


@settings(max_examples=300, deadline=None)
@given(
    _corpora(),
    st.sampled_from(["exp", "floor", "add-k", "none"]),
    st.booleans(),
    st.sampled_from(["13a", "none"]),
    st.booleans(),
)
def test_corpus_bleu_equals_sacrebleu(corpus, smooth: str, lowercase: bool, tokenize: str, effective: bool) -> None:
    hyps, refs = corpus
    options = {"smooth_method": smooth, "lowercase": lowercase, "tokenize": tokenize}
    theirs = sacrebleu.corpus_bleu(hyps, _sacre_refs(refs), use_effective_order=effective, **options)
    _assert_same(corpus_bleu(hyps, refs, effective_order=effective, **options), theirs)


@settings(max_examples=200, deadline=None)
@given(_corpora(), st.sampled_from(["exp", "floor", "add-k", "none"]))
def test_sentence_bleu_equals_sacrebleu_row_by_row(corpus, smooth: str) -> None:
    hyps, refs = corpus
    expected = [sacrebleu.sentence_bleu(h, r, smooth_method=smooth).score for h, r in zip(hyps, refs)]
    assert sentence_bleu(hyps, refs, smooth_method=smooth) == pytest.approx(expected, abs=TOL)


def _sentence_pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Translation-like pairs: a reference and a hypothesis with some words changed or dropped."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(300)] + ["3.5", "1,000", "co-op", "don't", "(a)", "x-1"]
    refs, hyps = [], []
    for _ in range(n):
        ref = rng.choices(vocabulary, k=rng.randint(1, 30))
        hyp = [w if rng.random() > 0.3 else rng.choice(vocabulary) for w in ref if rng.random() > 0.1]
        refs.append(" ".join(ref).capitalize() + rng.choice([".", "!", "?", ""]))
        hyps.append(" ".join(hyp) + rng.choice([".", ""]))
    return hyps, refs


def test_corpus_bleu_on_thousands_of_pairs_with_two_references(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bleu_module, "_CHUNK", 777)  # statistics in chunks: the sums must not change
    hyps, refs = _sentence_pairs(3000, seed=0)
    others = _sentence_pairs(3000, seed=1)[1]
    _assert_same(corpus_bleu(hyps, refs), sacrebleu.corpus_bleu(hyps, [refs]))
    both = [[a, b] for a, b in zip(refs, others)]
    _assert_same(corpus_bleu(hyps, both), sacrebleu.corpus_bleu(hyps, [refs, others]))


@pytest.mark.parametrize(
    ("hyps", "refs"),
    [
        ([""], [["a b c"]]),  # empty prediction
        (["a b c"], [[""]]),  # empty reference
        ([""], [[""]]),
        (["word"], [["word"]]),  # a single token: no 2-grams anywhere
        (["word"], [["other"]]),
        (["日本語 テキスト 。"], [["日本語 テキスト 。"]]),  # unicode
        (["Straße über ÖL."], [["strasse über öl ."]]),
        (["the the the the"], [["the cat", "the the"]]),  # clipping by the best reference
        (["a b", "c d e f g h"], [["a b c"], ["c d e f g h"]]),  # brevity penalty
        (["a  b\n c\t"], [["a b c"]]),  # whitespace and newlines inside a text
    ],
)
def test_edge_cases_equal_sacrebleu(hyps: list[str], refs: list[list[str]]) -> None:
    _assert_same(corpus_bleu(hyps, refs), sacrebleu.corpus_bleu(hyps, _sacre_refs(refs)))
    for h, r in zip(hyps, refs):
        assert sentence_bleu([h], [r]) == pytest.approx([sacrebleu.sentence_bleu(h, r).score], abs=TOL)


def test_inputs_may_be_arrow_columns_or_numpy_and_a_string_reference_is_one_reference() -> None:
    hyps, refs = _sentence_pairs(50, seed=3)
    expected = corpus_bleu(hyps, [[r] for r in refs])
    assert corpus_bleu(pa.array(hyps), pa.chunked_array([pa.array(refs)])) == expected
    assert corpus_bleu(np.array(hyps, dtype=object), refs) == expected


def test_statistics_sum_to_the_corpus_score_and_an_empty_corpus_scores_zero() -> None:
    hyps, refs = _sentence_pairs(100, seed=4)
    stats = bleu_statistics(hyps, refs)
    assert stats.shape == (100, 10)
    theirs = sacrebleu.corpus_bleu(hyps, [refs])
    assert stats[:, 0].sum() == theirs.sys_len and stats[:, 1].sum() == theirs.ref_len
    assert stats[:, 2:6].sum(axis=0).tolist() == theirs.counts
    assert corpus_bleu([], []).score == 0.0


def test_bad_inputs_name_the_row() -> None:
    with pytest.raises(TypeError, match=r"predictions\[1\]"):
        corpus_bleu(["a", None], ["a", "b"])
    with pytest.raises(TypeError, match=r"references\[0\]"):
        corpus_bleu(["a"], [[]])
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        corpus_bleu(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="tokenize"):
        corpus_bleu(["a"], ["a"], tokenize="intl")
