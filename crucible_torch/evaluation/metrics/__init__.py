"""Evaluation metrics, equal to their reference implementations, one family per module.

- :mod:`.text`: exact match and token F1 (SQuAD v1.1 definitions), math-answer exact match;
- :mod:`.bleu`: corpus and sentence BLEU (sacrebleu, ``13a`` tokenisation in :mod:`.tokenize_13a`);
- :mod:`.rouge`: ROUGE-N and ROUGE-L (rouge-score, Porter stemmer in :mod:`.porter`);
- :mod:`.choice`: multiple-choice accuracy; :mod:`.code`: unbiased pass@k (HumanEval);
- :mod:`.metric`: the same metrics as evaluator objects (per-example columns + aggregates), found by name.

Functions take lists, numpy arrays, Dataset columns or Arrow arrays, and return one score per example (or a
corpus score).
"""

from .bleu import BleuScore, bleu_from_statistics, bleu_statistics, corpus_bleu, sentence_bleu
from .choice import accuracy, choice_key
from .code import pass_at_k
from .metric import Accuracy, Bleu, ExactMatch, Metric, PassAtK, Rouge, TokenF1, get_metric
from .rouge import RougeScore, lcs_length, rouge, rouge_tokenize
from .text import exact_match, normalize_answer, token_f1

__all__ = [
    "Accuracy",
    "Bleu",
    "BleuScore",
    "ExactMatch",
    "Metric",
    "PassAtK",
    "Rouge",
    "RougeScore",
    "TokenF1",
    "accuracy",
    "bleu_from_statistics",
    "bleu_statistics",
    "choice_key",
    "corpus_bleu",
    "exact_match",
    "get_metric",
    "lcs_length",
    "normalize_answer",
    "pass_at_k",
    "rouge",
    "rouge_tokenize",
    "sentence_bleu",
    "token_f1",
]
